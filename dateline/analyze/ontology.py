"""The event ontology: ACLED's event types and 25 sub-event types, plus five more.

ACLED (Armed Conflict Location & Event Data) codes political violence and
protest in six event types split into 25 sub-event types; dateline uses
their names exactly (CONTRACT.md). News also reports things ACLED does not
code, so five types are added, each its own single sub-type: diplomatic
events, attributions of responsibility, organised crime, natural and
man-made disasters. ``code`` is the label of the CASE 2021 Task 2 data set
the classifier is trained on (README in dateline/data/events/).

The definitions are written for this project. They are shown to users and
also serve the classifier as one extra, prototypical training example per
type, so they name the typical actors, verbs and weapons.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EventType:
    code: str  # CASE 2021 label, e.g. GOV_REGAINS_TERIT
    type: str  # ACLED event type, e.g. Battles
    subtype: str  # ACLED sub-event type, e.g. Government regains territory
    definition: str


BATTLES = "Battles"
EXPLOSIONS = "Explosions/Remote violence"
VIOLENCE = "Violence against civilians"
PROTESTS = "Protests"
RIOTS = "Riots"
STRATEGIC = "Strategic developments"

TYPES: tuple[EventType, ...] = (
    EventType("ARMED_CLASH", BATTLES, "Armed clash",
              "Two organised armed groups fight each other: soldiers, rebels, militants or militias "
              "exchange fire, clash, battle or skirmish, attack a military post, and neither side "
              "is reported to take or lose territory."),
    EventType("GOV_REGAINS_TERIT", BATTLES, "Government regains territory",
              "Government or state forces win back control of a town, village or area held by "
              "rebels, insurgents or an occupying force: troops recapture, retake, liberate or "
              "regain the place after fighting and raise their flag over it."),
    EventType("NON_STATE_ACTOR_OVERTAKES_TER", BATTLES, "Non-state actor overtakes territory",
              "Rebels, insurgents, militants or another non-state armed group seize, capture or "
              "take control of a town, base or area from government forces or a rival group after "
              "fighting, or gain ground inside it."),
    EventType("AIR_STRIKE", EXPLOSIONS, "Air/drone strike",
              "Aircraft, warplanes, helicopters or drones drop bombs or fire missiles at targets on "
              "the ground: an airstrike, air raid or drone strike hits positions, convoys or "
              "buildings."),
    EventType("ART_MISS_ATTACK", EXPLOSIONS, "Shelling/artillery/missile attack",
              "Artillery, mortars, rockets or ballistic and cruise missiles are fired from a "
              "distance at a town, positions or a base: shelling, bombardment, rocket fire or a "
              "missile attack launched from the ground or the sea."),
    EventType("CHEM_WEAP", EXPLOSIONS, "Chemical weapon",
              "A chemical weapon is used: toxic or poisonous gas such as chlorine, sarin or mustard "
              "gas is released on people, causing suffocation or poisoning in a chemical attack."),
    EventType("GRENADE", EXPLOSIONS, "Grenade",
              "A hand grenade is thrown, lobbed or hurled at people, vehicles or buildings and "
              "explodes, or a grenade attack or blast wounds or kills people."),
    EventType("REM_EXPLOS", EXPLOSIONS, "Remote explosive/landmine/IED",
              "A planted explosive goes off without the attacker present: a roadside bomb, "
              "improvised explosive device (IED), car bomb, landmine, parcel or limpet bomb "
              "detonates remotely or on contact."),
    EventType("SUIC_BOMB", EXPLOSIONS, "Suicide bomb",
              "An attacker blows himself or herself up: a suicide bomber detonates an explosive "
              "vest, belt or vehicle, killing themselves and often others."),
    EventType("ATTACK", VIOLENCE, "Attack",
              "Armed people deliberately attack unarmed civilians: gunmen or bandits open fire on "
              "villagers, worshippers, students or farmers, raid a village and kill, shoot, stab "
              "or beat people who cannot fight back."),
    EventType("ABDUCT_DISSAP", VIOLENCE, "Abduction/forced disappearance",
              "Civilians are kidnapped, abducted, taken hostage or made to disappear by an armed "
              "group, gunmen or state agents, and held or missing."),
    EventType("SEX_VIOL", VIOLENCE, "Sexual violence",
              "Rape, gang-rape, sexual assault or other sexual violence committed against women, "
              "girls, men or boys, including by soldiers or armed groups."),
    EventType("PEACE_PROTEST", PROTESTS, "Peaceful protest",
              "People demonstrate, rally, march, strike or hold a sit-in to make a demand, and the "
              "protest stays peaceful with no violence and no intervention by the authorities."),
    EventType("PROTEST_WITH_INTER", PROTESTS, "Protest with intervention",
              "A peaceful protest or rally is broken up or contained by police or security forces, "
              "who disperse, block or detain demonstrators without lethal force, for example with "
              "arrests or tear gas."),
    EventType("FORCE_AGAINST_PROTEST", PROTESTS, "Excessive force against protesters",
              "Police or security forces use lethal or excessive force against peaceful "
              "protesters: they fire live rounds or rubber bullets, beat demonstrators with batons "
              "and kill or seriously injure them."),
    EventType("VIOL_DEMONSTR", RIOTS, "Violent demonstration",
              "Demonstrators themselves turn violent: protesters riot, throw stones or petrol "
              "bombs, clash with police, torch cars or vandalise buildings during a "
              "demonstration."),
    EventType("MOB_VIOL", RIOTS, "Mob violence",
              "An angry crowd or mob, not an organised group, attacks people or property: a "
              "lynching, vigilante beating or communal clash between groups of residents."),
    EventType("AGREEMENT", STRATEGIC, "Agreement",
              "Warring or rival parties reach an agreement: they sign a ceasefire or peace deal, "
              "agree to a truce, exchange or release prisoners, or settle a dispute."),
    EventType("ARREST", STRATEGIC, "Arrests",
              "Police or security forces arrest, detain or take into custody people for "
              "political or security reasons, such as opposition figures, activists or "
              "suspected militants."),
    EventType("CHANGE_TO_GROUP_ACT", STRATEGIC, "Change to group/activity",
              "An armed group changes how or where it operates without fighting: troops are "
              "deployed, mobilised, reinforced, moved or withdrawn, new units or groups are "
              "formed, merged or disbanded."),
    EventType("DISR_WEAP", STRATEGIC, "Disrupted weapons use",
              "An attack is prevented: security forces seize weapons and ammunition, find an arms "
              "cache, or defuse, dismantle or detonate bombs, mines or explosive devices before "
              "they are used."),
    EventType("HQ_ESTABLISHED", STRATEGIC, "Headquarters or base established",
              "An armed group or army sets up a new headquarters, military base, camp, "
              "observation post or outpost in an area."),
    EventType("NON_VIOL_TERRIT_TRANSFER", STRATEGIC, "Non-violent transfer of territory",
              "Control of a place changes hands without fighting: forces withdraw or pull out and "
              "another side enters or takes over without resistance, or territory is handed "
              "over under a deal."),
    EventType("PROPERTY_DISTRUCT", STRATEGIC, "Looting/property destruction",
              "Shops, homes or other property are looted, burned, torched or destroyed, without "
              "people being attacked: looting, arson and vandalism."),
    EventType("OTHER", STRATEGIC, "Other",
              "A significant development in a conflict that fits no other sub-type, such as "
              "civilians fleeing or returning, or the discovery of tunnels and infrastructure "
              "used by fighters."),
    EventType("DIPLO", "Diplomatic event", "Diplomatic event",
              "A diplomatic action or statement between states or international bodies: a "
              "government imposes sanctions, expels diplomats, cuts ties, urges another state, "
              "holds talks, a summit or a press conference."),
    EventType("ATTRIB", "Attribution of responsibility", "Attribution of responsibility",
              "Someone claims, assigns or denies responsibility for an attack: a group claims "
              "responsibility, a government accuses or blames another party, or a party denies "
              "involvement or rejects the accusation."),
    EventType("ORG_CRIME", "Organized crime", "Organized crime",
              "Crime by criminal gangs or networks for profit: drug trafficking and seizures of "
              "drugs, smuggling, human trafficking, fraud, counterfeiting, extortion, robbery "
              "and cartel activity."),
    EventType("NATURAL_DISASTER", "Natural disaster", "Natural disaster",
              "A disaster caused by nature: an earthquake, tsunami, flood, landslide, storm, "
              "hurricane, cyclone, drought, volcanic eruption, wildfire or an epidemic, killing "
              "or displacing people and damaging buildings."),
    EventType("MAN_MADE_DISASTER", "Man-made disaster", "Man-made disaster",
              "An accident caused by people or technology: a fire, industrial explosion, gas leak, "
              "chemical spill, building collapse, plane or train crash or road accident."),
)

BY_CODE: dict[str, EventType] = {t.code: t for t in TYPES}
BY_SUBTYPE: dict[str, EventType] = {t.subtype: t for t in TYPES}
EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(t.type for t in TYPES))
ACLED_CODES: tuple[str, ...] = tuple(t.code for t in TYPES[:25])


def by_subtype(subtype: str) -> EventType:
    """The ontology entry for a sub-type name, e.g. ``by_subtype("Arrests").type == "Strategic developments"``."""
    return BY_SUBTYPE[subtype]

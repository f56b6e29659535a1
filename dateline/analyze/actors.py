"""Event actors, normalised the way ACLED names them.

"Ukrainian troops" -> "Military Forces of Ukraine", "Russia's army" -> "Military
Forces of Russia", "police" -> "Police Forces of <country>", "protesters" ->
"Protesters (<country>)", "civilians" -> "Civilians (<country>)", a named armed
group ("Boko Haram", "Islamic State") -> its name. The nationality comes from a
modifier in the noun phrase (adjective, possessive, "of Ukraine"); a bare noun
("troops") takes the nationality of the nearest preceding nationality word in
the sentence ("Ukrainian officials shared photos of troops ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Demonyms and common country name variants -> country name as ACLED writes it.
_COUNTRY_WORDS: dict[str, str] = {}
for _country, _words in {
    "Afghanistan": "afghan afghanistan", "Algeria": "algerian algeria", "Armenia": "armenian armenia",
    "Azerbaijan": "azerbaijani azeri azerbaijan", "Bangladesh": "bangladeshi bangladesh",
    "Belarus": "belarusian belarus", "Burkina Faso": "burkinabe", "Cameroon": "cameroonian cameroon",
    "Chad": "chadian chad", "China": "chinese china", "Colombia": "colombian colombia",
    "Democratic Republic of Congo": "congolese", "Egypt": "egyptian egypt", "Ethiopia": "ethiopian ethiopia",
    "France": "french france", "Georgia": "georgian", "Germany": "german germany", "India": "indian india",
    "Indonesia": "indonesian indonesia", "Iran": "iranian iran", "Iraq": "iraqi iraq",
    "Israel": "israeli israel idf", "Kenya": "kenyan kenya", "Lebanon": "lebanese lebanon",
    "Libya": "libyan libya", "Mali": "malian mali", "Mexico": "mexican mexico", "Myanmar": "burmese myanmar",
    "Niger": "nigerien niger", "Nigeria": "nigerian nigeria", "North Korea": "dprk",
    "Pakistan": "pakistani pakistan", "Palestine": "palestinian palestine", "Philippines": "filipino philippines",
    "Russia": "russian russia moscow kremlin", "Saudi Arabia": "saudi", "Somalia": "somali somalia",
    "South Africa": "", "South Sudan": "", "Sudan": "sudanese sudan", "Syria": "syrian syria damascus",
    "Turkey": "turkish turkey ankara", "Ukraine": "ukrainian ukraine kyiv kiev",
    "United Kingdom": "british uk britain", "United States": "american us u.s. usa washington",
    "Venezuela": "venezuelan venezuela", "Yemen": "yemeni yemen", "Belgium": "belgian belgium",
    "Poland": "polish poland", "Spain": "spanish spain", "Italy": "italian italy", "Japan": "japanese japan",
    "Jordan": "jordanian jordan", "Mozambique": "mozambican mozambique", "Sri Lanka": "sri lankan",
    "Tunisia": "tunisian tunisia", "Uganda": "ugandan uganda", "Zimbabwe": "zimbabwean zimbabwe",
}.items():
    _COUNTRY_WORDS[_country.lower()] = _country
    for _w in _words.split():
        _COUNTRY_WORDS[_w] = _country

# Head nouns -> actor kind. Plural and singular lemmas.
_MILITARY = frozenset("troop troops force forces soldier soldiers army armies military serviceman servicemen "
                      "servicemember unit units battalion brigade marine marines paratrooper navy airforce "
                      "artillery".split())
_POLICE = frozenset("police policeman policemen officer officers gendarme gendarmerie".split())
_REBELS = frozenset("rebel rebels insurgent insurgents militant militants jihadist jihadists separatist "
                    "separatists militia militias fighter fighters guerrilla guerrillas gunman gunmen "
                    "bandit bandits terrorist terrorists".split())
_PROTESTERS = frozenset("protester protesters protestor protestors demonstrator demonstrators marcher marchers "
                        "rioter rioters striker strikers crowd crowds mob".split())
_CIVILIANS = frozenset("civilian civilians resident residents villager villagers people worshipper "
                       "worshippers student students farmer farmers refugee refugees".split())
_GOVERNMENT = frozenset("government officials official administration ministry authorities".split())

_ARMED_GROUP_WORDS = re.compile(
    r"\b(islamic state|isis|isil|daesh|al[- ]qaeda|al[- ]shabaa?b|boko haram|taliban|hezbollah|hamas|houthis?"
    r"|wagner|jnim|pkk|ypg|sdf|eln|farc|janjaweed|rsf|militia|brigades?|front|army|movement|group)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Actor:
    name: str  # normalised, e.g. "Military Forces of Ukraine"
    start: int  # char offsets of the head noun phrase in Article.text
    end: int
    kind: str  # military | police | rebels | protesters | civilians | government | group


def country_of(word: str) -> str | None:
    """The country a nationality word or country name points at: ``country_of("Ukrainian") == "Ukraine"``."""
    return _COUNTRY_WORDS.get(word.lower().strip(" '’s"))


def _modifier_country(token: Any) -> str | None:
    for child in token.children:
        if child.dep_ in ("amod", "compound", "poss", "nmod") and (c := country_of(child.text)):
            return c
        if child.dep_ == "prep" and child.lower_ == "of":
            for obj in child.children:
                if obj.dep_ == "pobj" and (c := country_of(obj.text)):
                    return c
    return None


def _name(kind: str, country: str | None, head: Any) -> str:
    if kind == "military":
        return f"Military Forces of {country}" if country else "Military Forces"
    if kind == "police":
        return f"Police Forces of {country}" if country else "Police Forces"
    if kind == "government":
        return f"Government of {country}" if country else "Government"
    if kind == "protesters":
        return f"Protesters ({country})" if country else "Protesters"
    if kind == "civilians":
        return f"Civilians ({country})" if country else "Civilians"
    label = "Rebel Group" if head.lemma_.lower() in ("rebel", "insurgent", "separatist") else "Unidentified Armed Group"
    return f"{label} ({country})" if country else label


def _kind(token: Any) -> str | None:
    word = token.lower_
    for kind, words in (("military", _MILITARY), ("police", _POLICE), ("rebels", _REBELS),
                        ("protesters", _PROTESTERS), ("civilians", _CIVILIANS), ("government", _GOVERNMENT)):
        if word in words or token.lemma_.lower() in words:
            return kind
    return None


def find_actors(sent: Any, base: int = 0) -> list[Actor]:
    """Actors in one dependency-parsed sentence, in text order, without repeats.

    ``base`` is added to token offsets (a sentence parsed alone starts at 0).
    """
    found: list[Actor] = []
    last_country: str | None = None
    ents = {t.i: e for e in sent.ents for t in e}
    for token in sent:
        ent = ents.get(token.i)
        if ent is not None and ent.label_ in ("NORP", "GPE") and country_of(ent.text):
            if token.i == ent.end - 1:
                last_country = country_of(ent.text)
            continue
        if ent is not None and ent.label_ == "ORG" and token.i == ent.end - 1 and _ARMED_GROUP_WORDS.search(ent.text):
            found.append(Actor(ent.text.removeprefix("the ").strip(), base + ent.start_char, base + ent.end_char,
                               "group"))
            continue
        if token.pos_ not in ("NOUN", "PROPN"):
            continue
        kind = _kind(token)
        if kind is None:
            continue
        # "people" / "officials" alone are too vague to be actors unless attacked ("civilians") or governing.
        if token.lower_ in ("people", "official") and kind != "government":
            continue
        # Victims take only an explicit nationality: in "Russia denies targeting civilians"
        # the civilians are not Russian.
        country = _modifier_country(token) or (last_country if kind not in ("civilians", "protesters") else None)
        if kind in ("military", "police", "government", "protesters", "civilians") or country:
            start = min([c.idx for c in token.lefts if c.dep_ in ("amod", "compound", "poss", "det")] + [token.idx])
            found.append(Actor(_name(kind, country, token), base + start, base + token.idx + len(token.text), kind))
    unique: dict[str, Actor] = {}
    for actor in found:
        unique.setdefault(actor.name, actor)
    return list(unique.values())

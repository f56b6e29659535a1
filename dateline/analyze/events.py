"""Events: what happened, coded in the ACLED ontology, with actors, place, date and modality.

How an article becomes events:

1. Detection (rules over the parse). Most sentences of a news article report no
   event; a sentence is a candidate only when it holds an event trigger: a verb
   or noun from ``TRIGGERS`` ("shelled", "recaptured", "offensive", "protest") or
   a flag raised over a place.
   A candidate is then kept only if it reports something (``_reportable``):
   not a habitual or generic sentence ("the war turned into a relentless
   routine"), not an appraisal of an event named by a noun ("Ukraine's advance
   is by far the fastest"), not background (its own date or year, i.e. one the
   trigger governs in the parse, lies weeks before the article). Cheap checks on
   the parse, run before the classifier, so rejected sentences cost nothing more.
2. Modality per trigger, from its path to the sentence root: ``negated`` (a
   negation, or under "deny"/"reject"), ``threatened`` (under "threaten to",
   "vow to"), ``hypothetical`` (modal "could/may/might/would", "potentially",
   "if", "expected to"), ``claimed`` (inside a quotation from the quotes step,
   or under a reporting verb: only a party says so) else ``asserted``.
   "acknowledged/admitted/confirmed" keep a claim ``asserted``: the party
   concedes against its interest. Triggers of one sentence with the same
   modality and source form one event; a sentence can hold several (the
   asserted advance and the threatened encirclement).
3. Classification: the trained classifier (``event_model``) reads the sentence,
   or for a threatened/hypothetical/negated clause the clause itself, so that
   "denies deliberately targeting civilians" is classified on what is denied.
   A territorial trigger ("liberated", "recaptured", "seized the town", a flag
   raised over the city) makes it a territory event; who took the place picks
   the sub-type (state forces: Government regains territory; others: Non-state
   actor overtakes territory), as ACLED's codebook does.
4. Arguments: actors (``actors``), place (the article's resolved places in the
   clause, then the sentence, then "the city" resolved to a town named in the
   neighbouring sentences), date (a date mention in the sentence, else the
   article's reference date), counts in the span, the quote it comes from.
5. Order: ``events[0]`` is the main event: early, close to the title, asserted,
   confidently classified, placed. A later mention of the same sub-type, place,
   date and modality retells an event already listed and is dropped. Classifier
   answers under ``MIN_CONFIDENCE`` are dropped unless the trigger's usual type
   applies (military defaults need a sign of armed force in the sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..records import Article, Event, Place, Quote
from . import actors as actor_mod
from . import nlp
from .event_model import MARGIN_SCALE, model
from .ontology import BY_CODE

# Trigger lemmas (verbs and event nouns). Deliberately broad: the classifier
# decides the type; a trigger only says "something happened here".
TRIGGER_VERBS = frozenset("""
    kill attack shell bomb strike shoot fire clash fight battle capture seize recapture retake liberate
    regain reclaim occupy overrun storm advance withdraw retreat encircle surround besiege trap isolate
    evacuate flee displace destroy damage loot burn torch raid ambush kidnap abduct rape arrest detain
    protest rally march demonstrate riot explode detonate wound injure die massacre execute behead
    sanction expel deploy reinforce mobilize mobilise invade launch hit target repel repulse defeat rout
    lynch stab crash erupt flood collapse buckle intercept defuse dismantle hijack assassinate murder
    bombard besiege liberate annex cede surrender retreat
""".split())
TRIGGER_NOUNS = frozenset("""
    attack offensive counteroffensive counter-offensive assault strike airstrike shelling bombardment
    bombing explosion blast clash battle fighting ambush raid protest rally demonstration riot arrest
    kidnapping abduction massacre earthquake flood fire blaze crash ceasefire truce sanctions advance
    breakthrough retreat withdrawal encirclement evacuation invasion rout shootout gunfight firefight
    conference summit talks killing killings casualties landslide hurricane cyclone storm
""".split())
# Verbs that make a territorial change of hands whatever the classifier says.
_TERRITORY_STRONG = frozenset("liberate recapture retake regain reclaim".split())
_TERRITORY_TAKE = frozenset("capture seize overrun occupy".split())

_DENY = frozenset("deny reject dismiss refute rebut".split())
_THREAT = frozenset("threaten vow pledge warn promise".split())
_HYPO_VERBS = frozenset("plan intend aim prepare seek expect risk hope urge call order ask appeal".split())
_MODALS = frozenset("could may might would should can will shall".split())  # "will": not (yet) happened
_HEDGE_ADV = frozenset("potentially possibly perhaps maybe likely".split())
_REPORT = frozenset("say claim allege tell report announce insist assert state add write post tweet".split())
_CONCEDE = frozenset("acknowledge admit confirm concede".split())
_ANAPHOR = re.compile(r"\bthe (city|town|village|settlement|area)\b", re.I)
_REGION_AFTER = re.compile(r"^\s*(region|regional|province|provincial|oblast|district|council|administration|state)\b",
                           re.I)
_DIPLOMATIC_NOUNS = frozenset("conference summit talks sanctions".split())
_DISASTER = re.compile(r"\b(fire|blaze|explosion|leak|spill|crash|derail\w*|accident|capsiz\w*|earthquake|quake|flood"
                       r"\w*|storm|hurricane|cyclone|typhoon|landslide|tsunami|drought|wildfire|eruption)\b", re.I)
# A death of natural causes is news, not a conflict event: "died peacefully at Balmoral".
_NATURAL_DEATH = re.compile(r"\b(peacefully|natural causes|in (his|her|their) sleep|after an? (long |short |brief )?"
                            r"illness|of old age|surrounded by (his|her|their) family)\b", re.I)
_DATELINE = re.compile(r"^\s*[A-Z][A-Za-z .'’-]{1,40},?[^\n–—]{0,30}?(?:\([^)\n]{1,30}\))?\s*[–—-]+\s")
# When the classifier is unsure (news prose is far from its short training
# snippets), the main trigger's usual type decides. "*" = depends on the victims.
_TRIGGER_DEFAULT: dict[str, str] = {
    **dict.fromkeys("kill die wound injure target massacre killing killings casualties".split(), "*"),
    **dict.fromkeys("shell bombard shelling bombardment".split(), "ART_MISS_ATTACK"),
    **dict.fromkeys("airstrike".split(), "AIR_STRIKE"),
    **dict.fromkeys("clash fight battle fighting offensive counteroffensive counter-offensive assault advance "
                    "encircle surround besiege trap isolate repel repulse rout breakthrough encirclement ambush "
                    "shootout gunfight firefight invade invasion attack".split(), "ARMED_CLASH"),
    **dict.fromkeys("protest rally march demonstrate demonstration".split(), "PEACE_PROTEST"),
    **dict.fromkeys("riot".split(), "VIOL_DEMONSTR"),
    **dict.fromkeys("arrest detain".split(), "ARREST"),
    **dict.fromkeys("kidnap abduct kidnapping abduction".split(), "ABDUCT_DISSAP"),
    **dict.fromkeys("loot burn torch destroy damage".split(), "PROPERTY_DISTRUCT"),
    **dict.fromkeys("flee evacuate displace evacuation".split(), "OTHER"),
    **dict.fromkeys("withdraw retreat deploy reinforce mobilize mobilise withdrawal".split(), "CHANGE_TO_GROUP_ACT"),
    **dict.fromkeys("sanction expel sanctions".split(), "DIPLO"),
    **dict.fromkeys("earthquake flood landslide hurricane cyclone storm".split(), "NATURAL_DISASTER"),
}
_COMBATANTS = re.compile(r"\b(prisoners?|soldiers?|troops|fighters|servicem[ae]n|combatants|militants|front ?lines?)\b", re.I)
# A military trigger default ("mobilize", "advance", "fire") needs some sign of armed force in the sentence:
# "Dr. Olaopa mobilizes both to confront the logjam" is no troop movement.
_MILITARY = re.compile(r"\b(prisoners?|soldiers?|troops|fighters|servicem[ae]n|combatants|militants|front ?lines?"
                       r"|army|armies|military|forces|rebels?|insurgents?|militias?|police|gunm[ae]n|jihadists?"
                       r"|artillery|rockets?|missiles?|drones?|tanks?|guns?|rifles?|shells?|mortars?|bombs?"
                       r"|air ?strikes?|warplanes?|offensive|counter-?offensive|invasion|war)\b", re.I)
# Violence that makes a casualty report an attack rather than a disaster's toll.
_VIOLENCE = re.compile(r"\b(shot|shoot\w*|gun\w*|stabb\w*|bomb\w*|attack\w*|raid\w*|assault\w*|blast|explosive\w*"
                       r"|murder\w*|massacre\w*|execut\w*|behead\w*|lynch\w*|hacked|abduct\w*|kidnap\w*)\b", re.I)
_MILITARY_DEFAULTS = frozenset("ARMED_CLASH ART_MISS_ATTACK AIR_STRIKE CHANGE_TO_GROUP_ACT".split())
_YEAR = re.compile(r"^(1[5-9]\d\d|20\d\d)s?$")
_FOUR_DIGITS = re.compile(r"\d{4}")
_PROTEST_VERBS = frozenset("demonstrate rally march".split())
UNSURE = 0.3  # classifier confidence under which the trigger default wins
MIN_CONFIDENCE = 0.3  # below this (and with no trigger default) the sentence is too unlike any event type
BACKGROUND_DAYS = 30  # an event dated this long before the article is background, not news
# Habitual or generic framing: the sentence describes how things usually are, not what happened.
_GENERIC = re.compile(r"\b(routine|usually|typically|often|regularly|frequent(ly)?|traditionally|habitually"
                      r"|every (day|week|month|year)|tends? to|in recent (months|years)|for (months|years|decades)"
                      r"|over the (past|last) (months|years|decades)"
                      r"|since the (start|beginning|outbreak) of the (war|conflict|invasion|fighting)"
                      r"|(tens|hundreds) of thousands (of \w+ )?have (been|died)|millions have been)\b", re.I)
_COPULAR = frozenset("be come remain seem appear look mark represent".split())
_TERRITORY_NOUNS = frozenset("city town village area territory base settlement swath swathe district region "
                             "ground land".split())
_FLAG_VERBS = frozenset({"raise", "hoist", "plant"})  # a trigger with "flag" as object


@dataclass(slots=True)
class _Trigger:
    token: Any
    modality: str
    quote: int | None
    scope: Any  # the token whose subtree is the clause that carries the modality
    depth: int


@dataclass(slots=True)
class _Sent:
    """One sentence with its dependency parse; ``base + token.idx`` is the offset in the article."""

    doc: Any  # parsed Doc of the sentence alone (nlp.parsed)
    base: int
    index: int
    end: int

    @property
    def text(self) -> str:
        return nlp.text_of(self.doc)


@dataclass(slots=True)
class _Candidate:
    sent: _Sent
    sent_index: int
    triggers: list[_Trigger]
    modality: str
    quote: int | None
    main: bool  # holds the sentence's main trigger
    sentence_triggers: frozenset[int] = frozenset()  # token indexes of every trigger in the sentence
    main_trigger: int = -1  # token index of the sentence's main trigger
    text: str = ""  # what the classifier reads
    actors: list[actor_mod.Actor] = field(default_factory=list)


def _may_trigger(lemma: str, pos: str) -> bool:
    """``_is_trigger``'s test on the lemma and the tag alone (without the parse)."""
    lemma = lemma.lower()
    return ((pos in ("VERB", "AUX") and lemma in TRIGGER_VERBS) or (pos == "VERB" and lemma in _FLAG_VERBS)
            or (pos in ("NOUN", "PROPN") and lemma in TRIGGER_NOUNS))


def _is_trigger(token: Any) -> bool:
    lemma, pos = token.lemma_.lower(), token.pos_
    if not _may_trigger(lemma, pos):
        return False
    if pos in ("VERB", "AUX") and lemma in TRIGGER_VERBS:
        # "the efforts demonstrate the influence": a transitive "demonstrate" is no protest.
        return lemma not in _PROTEST_VERBS or not any(c.dep_ == "dobj" for c in token.children)
    if pos == "VERB" and lemma in _FLAG_VERBS:
        return any(c.dep_ == "dobj" and c.lemma_.lower() == "flag" for c in token.children)
    return token.dep_ != "compound"


def _in_quote(pos: int, quotes: list[Quote]) -> int | None:
    for i, q in enumerate(quotes):
        if q.start <= pos < q.end:
            return i
    return None


def _modality(token: Any, base: int, quotes: list[Quote]) -> tuple[str, int | None, Any]:
    """(modality, quote index, scope token) of one trigger."""
    chain = [token]
    while chain[-1].head is not chain[-1] and chain[-1].dep_ != "ROOT":
        chain.append(chain[-1].head)
    q = _in_quote(base + token.idx, quotes)
    # Negation on the trigger or on the verb it is the object/subject of.
    holders = [token] + ([token.head] if token.pos_ in ("NOUN", "PROPN") else [])
    if any(c.dep_ == "neg" for h in holders for c in h.children):
        return "negated", q, token
    for below, above in zip(chain, chain[1:]):
        lemma = above.lemma_.lower()
        if lemma in _DENY and below.dep_ in ("xcomp", "ccomp", "dobj", "pcomp", "advcl"):
            return "negated", q, below
        if lemma in _THREAT and below.dep_ in ("xcomp", "ccomp"):
            return "threatened", q, below
        if lemma in _HYPO_VERBS and below.dep_ in ("xcomp", "ccomp"):
            return "hypothetical", q, below
    if token.dep_ == "acl" and any(c.dep_ == "aux" and c.tag_ == "TO" for c in token.children):
        return "hypothetical", q, token  # "a counter-offensive to retake ...": a purpose, not a result
    negation_reaches = True  # a "not" above an infinitive or a preposition negates the event
    for node in chain:
        for c in node.children:
            if c.dep_ == "neg" and node is not token and negation_reaches:
                return "negated", q, node  # "not ready to fire", "found not guilty of killing"
            if (c.dep_ == "aux" and c.lemma_.lower() in _MODALS) or (
                c.dep_ == "advmod" and c.lower_ in _HEDGE_ADV) or (c.dep_ == "mark" and c.lower_ == "if"):
                return "hypothetical", q, node
        if node.dep_ in ("advcl", "conj", "relcl", "parataxis", "ROOT"):
            break  # a modal above a coordinated or adverbial clause belongs to that other clause
        # ... but not above a clause of its own: "it was not clear how many died" (they did).
        negation_reaches &= node.dep_ != "ccomp"
    if q is not None:
        if quotes[q].status == "denied":
            return "negated", q, token
        cue = (quotes[q].cue or "").lower()
        conceded = any(w.startswith(c.rstrip("e")) for w in cue.split() for c in _CONCEDE)
        return ("asserted" if conceded else "claimed"), q, token
    for below, above in zip(chain, chain[1:]):
        if above.lemma_.lower() in _CONCEDE and below.dep_ in ("ccomp", "xcomp"):
            return "asserted", q, token
        if above.lemma_.lower() in _REPORT and below.dep_ in ("ccomp", "xcomp"):
            return "claimed", q, token
    if "according to" in nlp.text_of(token.doc).lower():
        return "claimed", q, token
    return "asserted", q, token


def sentences(doc: Any) -> list[Any]:
    """The sentences holding a word that may be a trigger, by its lemma and tag: ``find``
    reads their parse."""
    return nlp.sentences_where(doc, ["LEMMA", "POS"], _may_trigger)


def _candidates(article: Article, doc: Any) -> list[_Candidate]:
    out: list[_Candidate] = []
    sents = nlp.sentences(doc)
    # Only sentences holding a trigger word are parsed (the parse is the costly part).
    todo = sentences(doc)
    nlp.parse_sentences(doc, todo)
    for sent in todo:
        si = sents.index(sent)
        sdoc = nlp.parsed(sent)
        end = sent.end_char
        while end > sent.start_char and article.text[end - 1].isspace():
            end -= 1
        info = _Sent(sdoc, sent.start_char, si, end)
        triggers = []
        for tok in sdoc:
            if _is_trigger(tok):
                modality, q, scope = _modality(tok, info.base, article.quotes)
                depth = sum(1 for _ in tok.ancestors)
                # Verbs on the predicate chain outrank nouns at the same depth.
                triggers.append(_Trigger(tok, modality, q, scope, 2 * depth + (tok.pos_ != "VERB")))
        if not triggers:
            continue
        main = min(triggers, key=lambda t: t.depth)
        groups: dict[str, list[_Trigger]] = {}
        for t in triggers:
            groups.setdefault(t.modality, []).append(t)
        for modality, ts in groups.items():
            if main not in ts and all(t.token.pos_ != "VERB" for t in ts):
                continue  # "the offensive threatens to encircle ...": the noun names the main event
            ts.sort(key=lambda t: t.depth)
            q = next((t.quote for t in ts if t.quote is not None), None)
            out.append(_Candidate(info, si, ts, modality, q, main in ts,
                                  frozenset(t.token.i for t in triggers), main.token.i))
    return out


def _clause_text(cand: _Candidate, quotes: list[Quote]) -> str:
    """What the classifier reads: the quoted content, the modal clause, or the sentence."""
    if cand.quote is not None and cand.modality != "negated":
        content = quotes[cand.quote].text.strip("“”\"' ")
        if len(content.split()) >= 4:
            return content
    if cand.modality in ("asserted", "claimed") and cand.main:
        return cand.sent.text
    sub = list(cand.triggers[0].scope.subtree)
    clause = cand.sent.text[sub[0].idx : sub[-1].idx + len(sub[-1].text)]
    return clause if len(clause.split()) >= 3 else cand.sent.text


def _scope_span(cand: _Candidate) -> tuple[int, int]:
    sub = list(cand.triggers[0].scope.subtree)
    return cand.sent.base + sub[0].idx, cand.sent.base + sub[-1].idx + len(sub[-1].text)


def _owned(cand: _Candidate, start: int) -> bool:
    """Whether the word at article offset ``start`` belongs to this event's clause.

    The nearest trigger above the word in the parse owns it: in "seized territory
    ... since it repelled an attack on Kyiv in March", Kyiv and March belong to
    "repelled" (background), not to "seized". Words under no trigger are shared.
    """
    offset = start - cand.sent.base
    tok = next((t for t in cand.sent.doc if t.idx <= offset < t.idx + max(len(t.text), 1)), None)
    if tok is None:
        return True
    for node in [tok, *tok.ancestors]:
        if node.i in cand.sentence_triggers:
            return node.i == cand.triggers[0].token.i
    return True


def _span_places(places: list[Place], start: int, end: int) -> list[Place]:
    return [p for p in places if start <= p.start < end and not p.adjectival and not p.metonymic]


def _place_rank(p: Place, text: str) -> int:
    """0 a town, 1 a region, feature or site, 2 a country or unknown kind."""
    feature = p.feature or ""
    words = p.text.split(None, 1)
    around = (words[1] if len(words) > 1 else "") + " " + text[p.end : p.end + 20]
    regional = bool(_REGION_AFTER.match(around.strip()))
    if feature.startswith("P") and not regional:
        return 0
    if feature.startswith(("A.ADM", "L", "H", "T", "S")) or regional:
        return 1
    return 2


def _fallback_places(doc: Any) -> list[Place]:
    """Places from spaCy's entities, when the places step found nothing (it failed or did not run)."""
    return [Place(text=e.text, start=e.start_char, end=e.end_char, name=e.text, feature=None)
            for e in doc.ents if e.label_ in ("GPE", "LOC", "FAC")]


def _choose_place(cand: _Candidate, places: list[Place], sents: list[Any], text: str) -> Place | None:
    anchor = cand.sent.base + cand.triggers[0].token.idx
    s_start, s_end = cand.sent.base, cand.sent.end

    def best(found: list[Place]) -> Place:
        return min(found, key=lambda p: (_place_rank(p, text), abs(p.start - anchor)))

    places = [p for p in places if not s_start <= p.start < s_end or _owned(cand, p.start)]
    scope = _scope_span(cand)
    in_scope = [p for p in _span_places(places, *scope) if _place_rank(p, text) < 2]
    if in_scope:
        return best(in_scope)
    in_sent = _span_places(places, s_start, s_end)
    if any(_place_rank(p, text) < 2 for p in in_sent):
        return best([p for p in in_sent if _place_rank(p, text) < 2])
    if _ANAPHOR.search(cand.sent.text):
        # "the city" names a town just before, or (in a lead) just after.
        i = cand.sent_index
        for j in (i - 1, i - 2, i + 1, i + 2):
            if 0 <= j < len(sents):
                towns = [p for p in _span_places(places, sents[j].start_char, sents[j].end_char)
                         if _place_rank(p, text) == 0]
                if towns:
                    return towns[0]
    return best(in_sent) if in_sent else None


def _choose_date(article: Article, cand: _Candidate) -> str | None:
    anchor = cand.sent.base + cand.triggers[0].token.idx
    dates = [d for d in article.dates if cand.sent.base <= d.start < cand.sent.end and d.date and not d.duration
             and _owned(cand, d.start)]
    if dates:
        return min(dates, key=lambda d: abs(d.start - anchor)).date
    return article.reference_date


def _territorial(cand: _Candidate) -> bool:
    for t in cand.triggers:
        lemma = t.token.lemma_.lower()
        if lemma in _TERRITORY_STRONG or lemma in ("raise", "hoist", "plant"):
            return True
        if lemma in _TERRITORY_TAKE and any(
            c.dep_ in ("dobj", "nsubjpass") and any(
                w.ent_type_ in ("GPE", "LOC", "FAC") or w.lemma_.lower() in _TERRITORY_NOUNS
                for w in list(c.subtree)[:6])
            for c in t.token.children
        ):
            return True
    return False


def _days_before(date: str | None, reference: str | None) -> int:
    """How many days ``date`` lies before ``reference`` (0 when either is unknown)."""
    from datetime import date as _date

    try:
        return (_date.fromisoformat(reference or "") - _date.fromisoformat(date or "")).days
    except ValueError:
        return 0


def _reportable(cand: _Candidate, article: Article) -> bool:
    """Whether a candidate reports an event rather than background, a habit or an appraisal.

    Decided on the parse alone, before the (costly) classifier runs:
    - a habitual or generic sentence ("a long period when the war turned into a
      relentless routine") describes how things are, not what happened;
    - an appraisal of an event named by a noun ("Ukraine's advance is by far the
      fastest", "the attack comes as a surprise") comments on an event reported
      elsewhere; "there was an explosion" (existential) still reports one;
    - a death of natural causes ("died peacefully") is not a conflict event;
    - an event whose own date lies weeks before the article's is background.
    """
    if _GENERIC.search(cand.sent.text) and cand.sent_index > 1:
        return False
    head = cand.sent.doc[cand.main_trigger]  # the sentence's main trigger: its appraisal drops the whole sentence
    if head.lemma_.lower() == "die" and _NATURAL_DEATH.search(cand.sent.text):
        return False
    if head.pos_ != "VERB":
        root = head.sent.root
        chain = [head, *head.ancestors]
        if root.lemma_.lower() in _COPULAR and not any(c.dep_ == "expl" for c in root.children) \
                and all(n.pos_ != "VERB" or n.lemma_.lower() in _COPULAR for n in chain[1:]):
            return False
    if _days_before(_choose_date(article, cand), article.reference_date) > BACKGROUND_DAYS:
        return False
    # An explicit year in the event's own clause ("occupied in the early 1900s by rice mills")
    # older than last year: history, whether or not the dates step resolved it.
    ref_year = int((article.reference_date or "0")[:4] or 0)
    if not _FOUR_DIGITS.search(cand.sent.text):  # no year to find: spare the walk over the tokens
        return True
    return not any(_YEAR.match(t.text) and int(t.text[:4]) < ref_year - 1
                   and _owned(cand, cand.sent.base + t.idx) for t in cand.sent.doc)


def _order_actors(found: list[actor_mod.Actor]) -> list[str]:
    armed = [a.name for a in found if a.kind in ("military", "police", "rebels", "group")]
    others = [a.name for a in found if a.kind in ("protesters", "civilians")]
    government = [a.name for a in found if a.kind == "government"]
    return armed + others if armed or others else government


def _pick(margins: np.ndarray, excluded: set[str], codes: tuple[str, ...]) -> tuple[str, float]:
    """The best code not in ``excluded`` and its softmax confidence."""
    row = margins.astype(np.float64).copy()
    for i, code in enumerate(codes):
        if code in excluded:
            row[i] = -np.inf
    p = np.exp(MARGIN_SCALE * (row - row.max()))
    p /= p.sum()
    best = int(np.argmax(row))
    return codes[best], float(p[best])


def _excluded_codes(cand: _Candidate, armed: bool) -> set[str]:
    excluded: set[str] = set()
    if cand.modality != "asserted" or cand.quote is not None:
        # A threatened, hypothetical, denied or quoted clause is the event itself,
        # not a statement about it.
        excluded |= {"ATTRIB", "DIPLO"}
    if (armed or _COMBATANTS.search(cand.sent.text)) and not _DISASTER.search(cand.sent.text):
        # "the front line collapsed": war, not a building collapse.
        excluded |= {"NATURAL_DISASTER", "MAN_MADE_DISASTER"}
    return excluded


def find(article: Article, doc: Any) -> list[Event]:
    """The events the article reports, most salient first (``events[0]`` is the main event)."""
    text = article.text
    cands = _candidates(article, doc)
    if not cands:
        return []
    sents = nlp.sentences(doc)
    places = article.places or _fallback_places(doc)
    dl = article.dateline
    if dl.end:  # "KYIV, Sept. 10 (Reuters) –" says where the reporter is, not where it happened
        places = [p for p in places if not (dl.start or 0) <= p.start < dl.end]
    else:
        lead = _DATELINE.match(text)
        if lead:
            places = [p for p in places if p.start >= lead.end()]
    cands = [c for c in cands if _reportable(c, article)]
    earlier: dict[str, int] = {}  # trigger lemma -> first sentence reporting it
    for c in cands:
        for t in c.triggers:
            earlier.setdefault(t.token.lemma_.lower(), c.sent_index)
    cands = [c for c in cands if not _retold(c, earlier)]  # before classifying: nothing comes of them
    if not cands:
        return []
    for c in cands:
        c.text = _clause_text(c, article.quotes)
        c.actors = actor_mod.find_actors(c.sent.doc, c.sent.base)
    clf = model()
    texts = [c.text for c in cands]
    # A territorial or diplomatic trigger fixes the type by rule: only the others are
    # classified, in one batch per article (the cascade embeds only the unsure ones).
    ruled = [_territorial(c) or all(t.token.lemma_.lower() in _DIPLOMATIC_NOUNS for t in c.triggers)
             for c in cands]
    margins = np.zeros((len(cands), len(clf.codes)), dtype=np.float32)
    todo = [i for i, r in enumerate(ruled) if not r]
    if todo:
        margins[todo] = clf.cascade_margins([texts[i] for i in todo])[0]
    title_sim = _title_similarity(clf, texts, article.title)
    scored: list[tuple[float, Event]] = []
    disaster: str | None = None  # the first disaster the article reports: its toll is that disaster's
    for c, row, sim, by_rule in zip(cands, margins, title_sim, ruled):
        armed = any(a.kind in ("military", "rebels", "group") for a in c.actors)
        code, confidence = ("OTHER", 0.0) if by_rule else _pick(row, _excluded_codes(c, armed), clf.codes)
        default = _TRIGGER_DEFAULT.get(c.triggers[0].token.lemma_.lower())
        casualty = default == "*"  # kill, die, wound...: the type depends on who did it
        if default in _MILITARY_DEFAULTS and not (armed or _MILITARY.search(c.sent.text)):
            default = None
        if confidence < UNSURE and default:
            if default == "*":
                civilians = any(a.kind in ("civilians", "protesters") for a in c.actors)
                combatants = armed or _COMBATANTS.search(c.text)
                default = "ARMED_CLASH" if combatants and not civilians else "ATTACK"
            code, confidence = default, UNSURE
        if (disaster and casualty and code in ("ATTACK", "ARMED_CLASH", "ABDUCT_DISSAP")
                and not armed and not _MILITARY.search(c.sent.text) and not _VIOLENCE.search(c.sent.text)):
            # "More than 1,300 people have been killed", "thousands remain missing", in a story
            # on floods: the floods' toll.
            code = disaster
        if code in ("NATURAL_DISASTER", "MAN_MADE_DISASTER") and disaster is None:
            disaster = code
        if all(t.token.lemma_.lower() in _DIPLOMATIC_NOUNS for t in c.triggers):
            code, confidence = "DIPLO", max(confidence, 0.5)
        if _territorial(c):
            confidence = max(confidence, 0.6)
            first = next((a for a in c.actors if a.kind in ("military", "police", "rebels", "group")), None)
            code = "NON_STATE_ACTOR_OVERTAKES_TER" if first and first.kind in ("rebels", "group") \
                else "GOV_REGAINS_TERIT"
        if confidence < MIN_CONFIDENCE:
            continue
        kind = BY_CODE[code]
        place = _choose_place(c, places, sents, text)
        start, end = c.sent.base, c.sent.end
        counts = [i for i, n in enumerate(article.counts) if start <= n.start < end]
        event = Event(
            type=kind.type, subtype=kind.subtype, text=text[start:end], start=start, end=end,
            modality=c.modality, actors=_order_actors(c.actors), place=(place.name or place.text) if place else None,
            date=_choose_date(article, c), confidence=round(confidence, 3),
            lat=place.lat if place else None, lon=place.lon if place else None,
            quote=c.quote, counts=counts,
        )
        salience = (1.0 / (1.0 + 0.35 * c.sent_index) + 1.0 * float(sim) + 0.5 * confidence
                    + (0.3 if c.modality == "asserted" else 0.15 if c.modality == "claimed" else 0.0)
                    + (0.15 if place else 0.0) + (0.1 if c.main else 0.0))
        scored.append((salience, event))
    scored.sort(key=lambda x: -x[0])
    return _merge([e for _, e in scored])


def _retold(cand: _Candidate, earlier: dict[str, int]) -> bool:
    """"The explosion went off at 8:30 p.m.", after "an explosion injured 29 people":
    a definite noun naming an event an earlier sentence reported is the same event
    told again, with details, not a new one."""
    head = cand.triggers[0].token
    if head.pos_ != "NOUN" or any(t.token.pos_ == "VERB" for t in cand.triggers):
        return False
    definite = any(c.dep_ in ("det", "poss") and c.lower_ in ("the", "this", "that", "its") for c in head.children)
    return definite and earlier.get(head.lemma_.lower(), cand.sent_index) < cand.sent_index


def _title_similarity(clf: Any, texts: list[str], title: str | None) -> np.ndarray:
    """Word TF-IDF cosine of each candidate to the title (the title names the main event).

    TF-IDF rather than embeddings: the step embeds only what the classifier is unsure of."""
    if not title:
        return np.zeros(len(texts))
    *rows, (title_cols, title_vals) = clf.word.rows([*texts, title])
    out = np.zeros(len(texts))
    for k, (cols, vals) in enumerate(rows):
        _, mine, theirs = np.intersect1d(cols, title_cols, assume_unique=True, return_indices=True)
        out[k] = float(vals[mine] @ title_vals[theirs])
    return out


def _merge(found: list[Event]) -> list[Event]:
    """One event per (sub-type, place, date, modality): later sentences retelling an
    event already reported add nothing; the most salient mention is kept."""
    seen: set[tuple[str, str | None, str | None, str]] = set()
    out = []
    for e in found:
        key = (e.subtype, e.place, e.date, e.modality)
        if e.place is None:  # unplaced events cannot be told apart: keep them all
            out.append(e)
        elif key not in seen:
            seen.add(key)
            out.append(e)
    return out

"""Places: find toponyms in the text and resolve each to a GeoNames entry.

Recognition takes spaCy's GPE/LOC/FAC entities (the entities step's if it ran,
else ``doc.ents``), adjectives of places ("Ukrainian" -> Ukraine, as GeoWebNews
annotates them), place names embedded in organisation names ("Ohio State
University" -> Ohio), and proper nouns the model missed that the gazetteer knows
well (countries, regions, physical features, sizeable towns). Resolution is in
``geo_resolve``: one sense per name per article, scored on population, feature
class, the dateline's place, the article's country focus, closeness to the other
places, and context words ("the Kharkiv region" -> the oblast, "the X river").
"""

from __future__ import annotations

import bisect

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..records import Article, Place
from . import geo_resolve, nlp
from .gazetteer import Candidate, gazetteer
from .lexicon import REGNAL

PLACE_LABELS = {"GPE", "LOC", "FAC"}
# Entities we search for embedded place names ("Ohio State University", "Liverpool FC").
EMBED_LABELS = {"ORG", "NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "FAC"}

# Words after a name that say which kind of place it is.
ADM1_WORDS = {
    "region",
    "oblast",
    "province",
    "state",
    "governorate",
    "prefecture",
    "territory",
    "canton",
    "krai",
    "kray",
    "republic",
    "voivodeship",
    "emirate",
    "department",
}
ADM2_WORDS = {"county", "district", "raion", "rayon", "parish", "borough", "municipality", "shire"}
WATER_WORDS = {"river", "sea", "lake", "gulf", "bay", "ocean", "strait", "canal", "channel"}
CITY_WORDS = {"city", "town", "village"}

# Reporting / agentive verbs whose subject, when a place, stands for its government.
METONYMY_VERBS = {
    "say",
    "acknowledge",
    "claim",
    "deny",
    "announce",
    "accuse",
    "warn",
    "insist",
    "demand",
    "agree",
    "refuse",
    "threaten",
    "reject",
    "confirm",
    "urge",
    "call",
    "respond",
    "vow",
    "decide",
    "impose",
    "sanction",
    "expel",
    "negotiate",
    "sign",
    "launch",
    "retaliate",
    "condemn",
    "want",
    "hope",
    "believe",
    "argue",
    "admit",
    "promise",
    "plan",
    "seek",
    "support",
    "oppose",
    "back",
    "block",
}

_TRAILING = re.compile(r"(?:['’]s|['’])$")
_LEADING = re.compile(r"^(?:the|The|THE)\s+")


@dataclass(slots=True)
class Mention:
    """A span that may name a place, with what its context says about it."""

    start: int
    end: int
    text: str
    key: str  # the name to look up (span without "the", "'s", "region"...)
    adjectival: bool = False
    hint: str | None = None  # adm1 | adm2 | water | city | container ("Tacoma, Washington")
    metonymic: bool = False
    strong: bool = True  # found by NER or as a well-known name; weak ones need a good candidate
    # The mention of a place the text says holds this one: "Balmoral estate in Scotland",
    # "Tacoma, Washington" (set by ``link_containers``).
    within: Mention | None = field(default=None, compare=False, repr=False)


def _entities(article: Article, doc: Any) -> list[tuple[int, int, str]]:
    if article.entities:
        return [(e.start, e.end, e.label) for e in article.entities]
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a leading "the" and a trailing possessive from a span."""
    span = text[start:end]
    m = _LEADING.match(span)
    if m and end - start > m.end():
        start += m.end()
    span = text[start:end]
    m = _TRAILING.search(span)
    if m and m.start() > 0:
        end = start + m.start()
    while end > start and text[end - 1] in " ,.;:":
        end -= 1
    return start, end


def _context_hint(doc: Any, start: int, end: int) -> tuple[str | None, str]:
    """(hint, key suffix removed) from words inside or right after the span."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return None, ""
    words = [t.lower_ for t in span]
    last = words[-1] if words else ""
    nxt = doc[span.end].lower_ if span.end < len(doc) else ""
    before = doc[span.start - 1].lower_ if span.start > 0 else ""
    for kind, vocab in (
        ("adm1", ADM1_WORDS),
        ("adm2", ADM2_WORDS),
        ("water", WATER_WORDS),
        ("city", CITY_WORDS),
    ):
        if len(words) > 1 and last in vocab:
            return kind, last
        if nxt in vocab and (kind != "adm1" or nxt != "republic"):
            return kind, ""
    if before in ("river", "lake", "mount", "gulf") or (
        before == "of" and span.start > 1 and doc[span.start - 2].lower_ in WATER_WORDS
    ):
        return "water", ""
    if before == "of" and span.start > 1 and doc[span.start - 2].lower_ in ADM1_WORDS:
        return "adm1", ""
    if _container(doc, span):
        return "container", ""
    return None, ""


_LIST_WORDS = {"and", "or", "nor", "&", ","}


def _container(doc: Any, span: Any) -> bool:
    """True for the second name of "Tacoma, Washington" / "Nelson, B.C.": the region or country holding a town.

    Not in lists ("Moscow, Washington and Beijing"): the name must not be followed by
    "and", "or" or a comma, nor the first name be preceded by a comma.
    """
    i = span.start
    if i < 2 or doc[i - 1].text != "," or doc[i - 2].pos_ != "PROPN":
        return False
    if span.end < len(doc) and doc[span.end].lower_ in _LIST_WORDS:
        return False
    j = i - 2
    while j > 0 and doc[j - 1].pos_ == "PROPN":
        j -= 1
    return not (j > 0 and doc[j - 1].lower_ in _LIST_WORDS)


_AUX = {
    "has",
    "have",
    "had",
    "is",
    "was",
    "will",
    "would",
    "could",
    "may",
    "might",
    "also",
    "not",
    "did",
    "does",
    "already",
    "has not",
    "now",
    "then",
    "repeatedly",
    "reportedly",
}
_POSSESSED = {
    "government",
    "decision",
    "position",
    "policy",
    "response",
    "demand",
    "refusal",
    "invasion",
    "officials",
    "leaders",
    "leadership",
    "forces",
    "troops",
    "army",
    "military",
    "ministry",
}


def _metonymic(doc: Any, start: int, end: int) -> bool:
    """A place standing for its government or people: "Moscow has acknowledged", "Kyiv's forces".

    Read from the words after the name (the shared Doc carries no dependency parse).
    """
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or span.end >= len(doc):
        return False
    i = span.end
    if doc[i].lower_ in ("'s", "’s") and i + 1 < len(doc):
        return doc[i + 1].lower_ in _POSSESSED
    while i < len(doc) and i < span.end + 3 and doc[i].lower_ in _AUX:
        i += 1
    return i < len(doc) and doc[i].pos_ in ("VERB", "AUX") and doc[i].lemma_.lower() in METONYMY_VERBS


def make_mention(
    article: Article, doc: Any, start: int, end: int, *, strong: bool = True, label: str | None = None
) -> Mention | None:
    """A Mention for the span [start, end) of the text, with its hints (also used on given spans)."""
    text = article.text
    s, e = _trim(text, start, end)
    if e <= s:
        return None
    surface = text[s:e]
    hint, suffix = _context_hint(doc, s, e)
    gaz = gazetteer()
    key = surface
    if suffix and key.lower().endswith(" " + suffix) and not gaz.lookup(key, fuzzy=False):
        key = key[: -len(suffix) - 1].strip()  # "Kharkiv region" -> "Kharkiv", hinted to the region
    adjectival = False
    if gaz.adjective(key) and (
        label == "NORP" or not any(_prominent(c) for c in gaz.lookup(key)) or _adjective_use(doc, s, e)
    ):
        adjectival = True
    elif not gaz.lookup(key) and " " in key.strip():
        inner = _inner_name(key)
        if inner is not None:
            key, adjectival = inner
    return Mention(s, e, surface, key, adjectival, hint, _metonymic(doc, s, e), strong)


def _prominent(c: Candidate) -> bool:
    """Countries, regions, physical features and towns of 15,000 or more: safe to find inside other names."""
    if c.feature.startswith(("A.PCL", "L.", "H.", "T.")) or c.feature == "A.ADM1":
        return True
    return c.feature[0] == "P" and c.main and c.population >= 15_000


def _adjective_use(doc: Any, start: int, end: int) -> bool:
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and len(span) == 1 and span[0].pos_ == "ADJ"


# Words that name towns somewhere but, alone inside a longer name, are not the place meant.
_GENERIC = {
    "union",
    "state",
    "city",
    "county",
    "north",
    "south",
    "east",
    "west",
    "eastern",
    "western",
    "northern",
    "southern",
    "central",
    "new",
    "great",
    "greater",
    "upper",
    "lower",
    "university",
    "college",
    "national",
    "international",
    "royal",
    "saint",
    "st",
    "port",
    "mount",
    "lake",
    "river",
    "valley",
    "bay",
    "park",
    "centre",
    "center",
    "academy",
    "school",
    "hospital",
    "church",
    "street",
}


def _inner_name(key: str) -> tuple[str, bool] | None:
    """The place inside a longer name: "University of Louisville" -> Louisville, "European Commission" -> European.

    Names beat adjectives ("British Embassy Tokyo" -> Tokyo); among names the earliest wins.
    """
    gaz = gazetteer()
    words = key.split()
    adjective: str | None = None
    for n in range(len(words) - 1, 0, -1):
        for i in range(len(words) - n + 1):
            part = " ".join(words[i : i + n])
            if not part[:1].isupper() or part.lower() in _GENERIC:
                continue
            if any(_prominent(c) for c in gaz.lookup(part, fuzzy=False)):
                return part, False
            if adjective is None and gaz.adjective(part):
                adjective = part
    return (adjective, True) if adjective else None


_NOT_PLACES = {
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mr",
    "mrs",
    "ms",
    "dr",
    "president",
    "minister",
    "governor",
    "mayor",
    "god",
    "police",
    "university",
}


def _is_candidate_token(lex: Any, pos: str) -> bool:
    t = lex.orth_
    if not t[:1].isupper() or len(t) < 2 or lex.lower_.rstrip(".") in _NOT_PLACES:
        return False
    if t.isupper() and len(t.strip(".")) >= 2:  # "US", "UK", "EU": stop words when lower-cased
        return True
    return pos in ("PROPN", "ADJ", "NOUN") and not lex.is_stop


def _token_flags(doc: Any) -> tuple[list[bool], list[bool]]:
    """Per token of ``doc``: may it be part of a place name; is it a connector inside
    one ("of", "de", "-")? Each test runs once per distinct word and tag."""
    import numpy

    if not len(doc):
        return [], []

    def flags(text: str, pos: str) -> tuple[bool, bool]:
        lex = doc.vocab[text]
        return _is_candidate_token(lex, pos), lex.lower_ in ("of", "de", "-")

    d, values = nlp.per_distinct(doc, ["ORTH", "POS"], flags, _FLAGS)
    both = numpy.array(values, dtype=bool).reshape(-1, 2)[d.inverse]
    return both[:, 0].tolist(), both[:, 1].tolist()


_FLAGS: dict[bytes, tuple[bool, bool]] = {}  # a word and tag -> (candidate, connector), across articles


def _free_runs(doc: Any, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The maximal runs of tokens (start, end) outside the ``covered`` character spans (merged)."""
    import numpy
    from spacy.attrs import IDX

    if not len(doc):
        return []
    offsets = doc.to_array(IDX).astype(numpy.int64)
    starts = numpy.array([s for s, _ in covered], dtype=numpy.int64)
    ends = numpy.array([e for _, e in covered], dtype=numpy.int64)
    k = numpy.searchsorted(starts, offsets, side="right") - 1
    inside = (k >= 0) & (offsets < ends[numpy.maximum(k, 0)]) if len(covered) else numpy.zeros(len(doc), bool)
    edges = numpy.flatnonzero(numpy.diff(numpy.concatenate([[0], (~inside).astype(numpy.int8), [0]])))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist()))


def _scan(
    article: Article, doc: Any, start: int, end: int, taken: list[tuple[int, int]],
    flags: tuple[list[bool], list[bool]], *, embedded: bool,
) -> list[Mention]:
    """Longest gazetteer matches over runs of capitalised tokens among tokens
    ``start:end`` of ``doc``, outside spans already taken (``flags``: ``_token_flags(doc)``)."""
    gaz = gazetteer()
    candidate, connector = flags
    found: list[Mention] = []
    i = start
    while i < end:
        best: tuple[int, Mention] | None = None
        if candidate[i]:
            for n in range(min(4, end - i), 0, -1):
                if not all(candidate[i + k] or (0 < k < n - 1 and connector[i + k]) for k in range(n)):
                    continue
                span = [doc[k] for k in range(i, i + n)]
                s, e = span[0].idx, span[-1].idx + len(span[-1].text)
                if n == 1 and not _may_name_a_place(article.text, s, e):
                    continue
                if any(s < te and ts < e for ts, te in taken) or _names_a_person(doc, span):
                    continue
                m = make_mention(article, doc, s, e, strong=False)
                if m is None:
                    continue
                if _well_known(gaz.lookup(m.key, fuzzy=False), m, span, embedded=embedded) or (
                    m.adjectival and (embedded or not span[0].is_sent_start or n > 1)
                ):
                    best = (n, m)
                    break
        if best:
            found.append(best[1])
            i += best[0]
        else:
            i += 1
    return found


def _may_name_a_place(text: str, start: int, end: int) -> bool:
    """Whether ``make_mention`` can make a one-word span a place that ``_scan`` keeps.

    Its key is then the trimmed word itself (one word takes no hint suffix), and the scan
    keeps it only as a gazetteer name or as an adjective: both lookups are cached, where
    a mention costs a span, its hints and its metonymy test. Two in three one-word runs
    are no place at all.
    """
    s, e = _trim(text, start, end)
    gaz = gazetteer()
    return e > s and bool(gaz.lookup(text[s:e], fuzzy=False) or gaz.adjective(text[s:e]))


_PERSON_TITLES = {
    "queen", "king", "prince", "princess", "pope", "emperor", "empress", "duke", "duchess", "sir", "lady",
    "lord", "mr", "mrs", "ms", "dr", "president", "senator", "sen", "rep", "gov", "governor", "mayor",
    "minister", "premier", "general", "gen", "col", "capt",
}


def _names_a_person(doc: Any, span: list[Any]) -> bool:
    """"Queen Elizabeth II", "President Jackson": a name that a model missed is a person, not a town."""
    before = doc[span[0].i - 1] if span[0].i > 0 else None
    after = doc[span[-1].i + 1] if span[-1].i + 1 < len(doc) else None
    if before is not None and before.lower_.rstrip(".") in _PERSON_TITLES:
        return True
    return bool(REGNAL.match(span[-1].text) or (after is not None and REGNAL.match(after.text)))


def _well_known(cands: tuple[Candidate, ...], m: Mention, span: list[Any], *, embedded: bool) -> bool:
    """Is this capitalised run a place name we can trust without NER's say-so?"""
    if not cands:
        return False
    sentence_start = bool(span[0].is_sent_start)
    for c in cands:
        if not c.main and c.feature[0] == "P":
            continue
        if c.feature.startswith(("A.PCL", "L.", "H.", "T.")) or c.feature == "A.ADM1":
            if not sentence_start or len(span) > 1 or span[0].text.isupper() or embedded:
                return True
        if c.feature[0] == "P" and c.population >= (100_000 if embedded else 15_000) and not sentence_start:
            return all(t.pos_ == "PROPN" for t in span)
    return False


def _a_company(doc: Any, span: Any, cands: tuple[Candidate, ...]) -> bool:
    """An organisation named like a river, a forest or a mountain range, standing alone
    ("Microsoft is pitted against Amazon", "Amazon's business model"): the company, not the
    feature. Kept: "the Amazon", and a name the model cut from a longer one ("Cauvery" of
    "Cauvery Management Board"). A country or a city tagged as an organisation stands for
    its government: kept too."""
    before = doc[span.start - 1].lower_ if span.start else ""
    after = doc[span.end].text if span.end < len(doc) else ""
    physical = bool(cands) and all(c.feature[0] in "HLTUV" for c in cands if c.main or c.feature[0] != "P")
    return physical and before != "the" and not after[:1].isupper()


def recognise(article: Article, doc: Any) -> list[Mention]:
    """Every toponym mention in the article (place entities, adjectives, embedded and missed names)."""
    mentions: list[Mention] = []
    taken: list[tuple[int, int]] = []
    gaz = gazetteer()
    ents = sorted(_entities(article, doc))
    for start, end, label in ents:
        if label in PLACE_LABELS:
            m = make_mention(article, doc, start, end)
            if m is None:
                continue
            mentions.append(m)
            taken.append((start, end))
        elif label == "NORP":
            m = make_mention(article, doc, start, end, label=label)
            if m is not None and (m.adjectival or gaz.lookup(m.key, fuzzy=False)):
                mentions.append(m)
                taken.append((start, end))
    flags = _token_flags(doc)
    for start, end, label in ents:
        if label in EMBED_LABELS and (start, end) not in taken:
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None:
                found = [m for m in _scan(article, doc, span.start, span.end, taken, flags, embedded=True)
                         if not (label == "ORG" and m.key == m.text == span.text
                                 and _a_company(doc, span, gaz.lookup(m.key, fuzzy=False)))]
                mentions.extend(found)
                taken.extend((m.start, m.end) for m in found)
    # The runs of tokens outside every entity, scanned where they hold a candidate token.
    for start, end in _free_runs(doc, _merged([(s, e) for s, e, _ in ents])):
        if any(flags[0][start:end]):
            found = _scan(article, doc, start, end, taken, flags, embedded=False)
            mentions.extend(found)
            taken.extend((m.start, m.end) for m in found)
    mentions.sort(key=lambda m: m.start)
    return mentions


def to_places(article: Article, resolved: list[geo_resolve.Resolution]) -> list[Place]:
    """Places from resolutions; an approximate one (unknown name) keeps its span, a point and no GeoNames id."""
    places = []
    for r in resolved:
        m, c = r.mention, r.place
        place = Place(
            text=m.text,
            start=m.start,
            end=m.end,
            confidence=round(r.confidence, 3),
            metonymic=m.metonymic,
            adjectival=m.adjectival,
        )
        if c is not None:
            place.lat, place.lon = round(c.lat, 5), round(c.lon, 5)
            if not r.approximate:
                place.name, place.geonameid, place.country, place.feature = (
                    c.name,
                    c.geonameid,
                    c.country,
                    c.feature,
                )
        places.append(place)
    return places


def link_containers(text: str, doc: Any, mentions: list[Mention], others: Iterable[Mention] = ()) -> None:
    """Set ``within`` where the text places a mention's name inside another place.

    "Tacoma, Washington" (the second name is a container: ``_container``) and "X in Y"
    with at most three nouns between ("her Balmoral estate in Scotland", "a village in
    Idlib"). Every occurrence of the name counts, found as a mention or not (one sense
    per name). Whether Y is a region or country, and X a place inside it, is for the
    resolver to judge.
    """
    pool = sorted([*mentions, *others], key=lambda m: m.start)
    starts = [m.start for m in pool]
    stated: dict[str, Mention | None] = {}
    for m in mentions:
        if m.text not in stated:
            stated[m.text] = None if m.adjectival else next(
                (c for s, e in _occurrences(text, m.text) if (c := _container_after(doc, s, e, pool, starts))), None
            )
        m.within = stated[m.text]


_NOT_PLACE_ENTITIES = frozenset({"PERSON", "ORG", "WORK_OF_ART", "EVENT", "PRODUCT", "LAW"})


def _occurrences(text: str, name: str) -> Iterator[tuple[int, int]]:
    """Where ``name`` stands as a whole word (not inside a longer word), in text order."""
    if not name:
        return
    i = text.find(name)
    while i >= 0:
        end = i + len(name)
        if not (i and _word_char(text[i - 1])) and not (end < len(text) and _word_char(text[end])):
            yield i, end
            i = text.find(name, end)
        else:
            i = text.find(name, i + 1)


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _container_after(doc: Any, start: int, end: int, pool: list[Mention], starts: list[int]) -> Mention | None:
    """The mention that the words after text[start:end] say holds it, if any."""
    k = bisect.bisect_left(starts, end)
    if k >= len(pool) or pool[k].start - end > 40:
        return None
    own = doc.char_span(start, end, alignment_mode="expand")
    if own is None or any(t.ent_type_ in _NOT_PLACE_ENTITIES for t in own):
        return None  # "St. Gregory of Narek in Vatican": the saint is there, not the village
    nxt = pool[k]
    between = doc.char_span(end, nxt.start, alignment_mode="expand") if nxt.start > end else None
    words = [t for t in between if not t.is_space] if between is not None else []
    if nxt.hint == "container" and [t.text for t in words] == [","]:
        return nxt
    if 1 <= len(words) <= 4 and words[-1].lower_ == "in" and all(t.pos_ == "NOUN" for t in words[:-1]):
        return nxt
    return None


def find(article: Article, doc: Any) -> list[Place]:
    """The article's places, each resolved to a GeoNames entry (or left unresolved with confidence 0)."""
    mentions = recognise(article, doc)
    link_containers(article.text, doc, mentions)
    return to_places(article, geo_resolve.resolve(article, mentions))


def resolve_spans(article: Article, doc: Any, spans: list[tuple[int, int]]) -> list[Place]:
    """Resolve given spans (e.g. gold toponyms) with the rest of the article as context."""
    given = []
    for s, e in spans:
        m = make_mention(article, doc, s, e)
        if m is not None:
            # keep the span as given: the caller matches on it, not on the trimmed one
            m.start, m.end, m.text = s, e, article.text[s:e]
            given.append(m)
    context = recognise(article, doc)
    link_containers(article.text, doc, given, context)
    link_containers(article.text, doc, context)
    resolved = geo_resolve.resolve(article, given, context=context)
    return to_places(article, resolved)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Character spans merged into sorted, disjoint ones."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out

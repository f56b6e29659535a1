"""Counts: how many of what, and what happened to them ("at least 30 settlements ... liberated").

A count is a cardinal number or number word that counts things: not a year, an
age, a date, a time, money, a percentage, a measure or an ordinal. What is
counted (``object``) is the noun the number modifies ("30 settlements",
"thousands of Russian soldiers"), or the one counted just before it in the same
sentence ("hundreds of Russians ... and several hundred more"). What happened
(``predicate``) comes from the dependency parse: the verb the counted phrase is
subject or object of, a participle attached to it ("troops isolated on the
bank") or a secondary predicate ("leave thousands trapped"). ``modality`` is
``claimed`` inside a quotation or claim (``quote`` points at it), else
``hypothetical`` (could, may, potentially), ``threatened`` ("threatens to
encircle"), ``negated`` or ``asserted``.
"""

from __future__ import annotations

import re
from typing import Any

from ..records import Article, Count
from . import nlp
from .lexicon import NUMBER_WORDS, VAGUE_PLURALS
from .numbers import read_quantity

_NOT_COUNTS = frozenset("DATE TIME MONEY PERCENT ORDINAL QUANTITY".split())
_MODAL = frozenset("could might may would should".split())
_MAYBE = frozenset("potentially possibly perhaps maybe likely".split())
_CAPTURE = frozenset("prisoner prisoners hostage hostages captive captives".split())
_MOVE = frozenset("drive flee force displace evacuate chase expel".split())
_LEADS = frozenset(
    "at least more than over up to as many as nearly almost about around roughly some "
    "an estimated several a few tens of hundreds of dozens of between".split()
)
_AGE = re.compile(r"^\s*(?:-|‐)?\s*(?:year|years|yr)s?[-\s]old|^\s*-year-old")


def _is_numberish(tok: Any) -> bool:
    low = tok.lower_
    return tok.like_num or low in NUMBER_WORDS or low in VAGUE_PLURALS


Quantity = tuple[float | None, float | None]


def _counted(doc: Any) -> list[tuple[int, int, Quantity]]:
    """Token ranges of the Doc's counts, with their (min, max) (kept on it: ``sentences`` asks first).

    Count expressions that name no number, or are years, ages or pronouns ("one of"), are
    left out: their sentences need no parse.
    """
    found = doc.user_data.get(_COUNTED_KEY)
    if found is None:
        found = doc.user_data[_COUNTED_KEY] = [
            (s, e, value) for s, e in _find_spans(doc) if (value := _value(doc, s, e)) is not None
        ]
    return found  # type: ignore[no-any-return]


_COUNTED_KEY = "dateline.counts"


def _value(doc: Any, start: int, end: int) -> Quantity | None:
    """The quantity that tokens ``start:end`` count, or None when they are no count."""
    value = read_quantity(doc[start:end].text)
    if value is None or _excluded(doc, start, end, value):
        return None
    return value


def _find_spans(doc: Any) -> list[tuple[int, int]]:
    import numpy
    from spacy.attrs import LOWER
    from spacy.strings import hash_string

    out: list[tuple[int, int]] = []
    taken: set[int] = set()
    for ent in doc.ents:
        if ent.label_ in _NOT_COUNTS:
            taken.update(range(ent.start, ent.end))
        elif ent.label_ == "CARDINAL":
            out.append((ent.start, ent.end))
            taken.update(range(ent.start, ent.end))
    # Vague plurals the model does not always mark ("dozens", "millions").
    vague = numpy.isin(doc.to_array(LOWER), [hash_string(w) for w in VAGUE_PLURALS if w != "tens"])
    for i in numpy.flatnonzero(vague).tolist():
        tok = doc[i]
        if tok.i not in taken:
            start = tok.i
            if start >= 2 and doc[start - 1].lower_ == "of" and doc[start - 2].lower_ in VAGUE_PLURALS:
                start -= 2
            out.append((start, tok.i + 1))
    out.sort()
    return out


def _excluded(doc: Any, start: int, end: int, value: Quantity) -> bool:
    span = doc[start:end]
    last = doc[end - 1]
    nxt = doc[end] if end < len(doc) else None
    text_after = nlp.text_of(doc)[span.end_char:span.end_char + 12]
    if _AGE.match(text_after) or (start > 0 and doc[start - 1].lower_ in ("aged", "age", "ages")):
        return True
    lo = value[0] if value[0] is not None else value[1]
    if lo is None:
        return True
    # Years: a bare four-digit number in the calendar range.
    if last.shape_ == "dddd" and 1800 <= lo <= 2100 and (nxt is None or nxt.pos_ not in ("NOUN",)):
        return True
    # "one of the cities", "the one": a pronoun, not a count.
    if span.text.lower() in ("one", "1") and (nxt is None or nxt.pos_ != "NOUN"):
        return True
    # An age in apposition: "Smith, 45, said".
    if start > 0 and doc[start - 1].text == "," and nxt is not None and nxt.text == "," and end - start == 1:
        if any(t.ent_type_ == "PERSON" for t in doc[max(0, start - 4):start]):
            return True
    # Times and scores: "10:30", "3-2" handled by the model; clock and page numbers:
    if start > 0 and doc[start - 1].lower_ in ("page", "no.", "number", "chapter", "section", "article"):
        return True
    return False


def _object_tokens(sdoc: Any, i: int, j: int) -> list[Any]:
    """The counted noun phrase right after the number: "30 settlements", "thousands of Russian soldiers"."""
    k = j
    if k < len(sdoc) and sdoc[k].lower_ == "more":
        k += 1
    if k < len(sdoc) and sdoc[k].lower_ == "of":
        k += 1
        if k < len(sdoc) and sdoc[k].lower_ in ("the", "their", "its", "his", "her", "these", "those"):
            k += 1
    toks = []
    while k < len(sdoc) and sdoc[k].pos_ in ("ADJ", "NOUN", "PROPN") and not sdoc[k].like_num:
        toks.append(sdoc[k])
        k += 1
    while toks and toks[-1].pos_ == "ADJ":
        toks.pop()
    return toks


def _head(sdoc: Any, i: int, j: int, obj: list[Any]) -> Any:
    """The token standing for the whole counted phrase in the tree."""
    if obj:
        return obj[-1] if obj[-1].head.i not in range(i, j) else sdoc[obj[-1].head.i]
    return max(sdoc[i:j], key=lambda t: -len(list(t.ancestors)))


def _predicate(head: Any) -> tuple[str | None, Any | None]:
    """(what happened, the verb) for the counted phrase whose tree head is ``head``."""
    # A participle on the counted noun: "troops isolated on the western bank".
    for c in head.children:
        if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB" and c.i > head.i:
            return _verb_text(c), c
    tok = head
    for _ in range(6):
        if tok.dep_ in ("nsubj", "nsubjpass", "dobj", "conj") and tok.head.pos_ in ("VERB", "AUX"):
            verb = tok.head
            if tok.dep_ == "dobj":
                for c in verb.children:
                    if c.dep_ in ("oprd", "xcomp", "ccomp", "acomp") and c.tag_ in ("VBN", "JJ", "VBG"):
                        return _verb_text(c), verb
            if verb.lemma_ in ("be", "have") and tok.dep_ == "nsubj":
                return None, verb
            return _verb_text(verb), verb
        if tok.dep_ in ("pobj", "prep", "compound", "amod", "nummod", "appos", "quantmod", "nmod") or (
            tok.dep_ == "dobj" and tok.head.pos_ != "VERB"
        ):
            if tok.head is tok:
                break
            tok = tok.head
            continue
        if tok.dep_ == "conj":
            tok = tok.head
            continue
        break
    if tok.pos_ == "VERB":
        return _verb_text(tok), tok
    return None, None


def _verb_text(verb: Any) -> str:
    words = [verb]
    for c in verb.children:
        if c.dep_ == "prt" or (c.dep_ in ("oprd", "dobj", "attr") and c.lower_ in _CAPTURE):
            words.append(c)
        if c.dep_ == "prep" and verb.lemma_ in _MOVE and c.lower_ in ("from", "out"):
            words.extend(c.subtree)
    words.sort(key=lambda t: t.i)
    return " ".join(t.text for t in words)


def _modality(verb: Any | None, in_quote: bool) -> str:
    if in_quote:
        return "claimed"
    if verb is None:
        return "asserted"
    chain = [verb, *(a for a in verb.ancestors if a.pos_ in ("VERB", "AUX"))]
    for v in chain[:3]:
        if any(c.dep_ == "neg" for c in v.children):
            return "negated"
        if any(c.dep_ == "aux" and c.lower_ in _MODAL for c in v.children) or any(
            c.lower_ in _MAYBE for c in v.children
        ):
            return "hypothetical"
        if v.lemma_ == "threaten" and v is not verb:
            return "threatened"
    return "asserted"


def _quote_of(article: Article, at: int, sent_start: int, sent_end: int) -> int | None:
    """The quotation or claim a count at ``at`` belongs to: inside its content, or after
    a claim's cue in the same sentence ("Kyiv has claimed some success by cutting off ... thousands")."""
    for n, q in enumerate(article.quotes):
        if q.start <= at < q.end:
            return n
    for n, q in enumerate(article.quotes):
        if (
            q.status in ("claimed", "unverified", "denied")
            and q.cue_end is not None
            and sent_start <= q.cue_end <= at < sent_end
        ):
            return n
    return None


def candidate(sent: Any) -> bool:
    """Whether a sentence may hold a count."""
    return any(_is_numberish(t) for t in sent)


def sentences(doc: Any) -> list[Any]:
    """The sentences holding a count: ``find`` reads their parse (a sentence whose only
    numbers are years or ages is not parsed for counts)."""
    found = {nlp.sentence_index(doc, s) for s, _, _ in _counted(doc)}
    return [nlp.sentences(doc)[i] for i in sorted(found)]


def find(article: Article, doc: Any) -> list[Count]:
    """Counts in ``article`` (``doc`` is ``nlp.parse(article.text)``); reads ``article.quotes``."""
    out: list[Count] = []
    nlp.parse_sentences(doc, sentences(doc))
    last_object: dict[int, str] = {}
    for start, end, value in _counted(doc):
        span = doc[start:end]
        sent = doc[start].sent
        sdoc = nlp.parsed(sent)
        i, j = start - sent.start, end - sent.start
        obj = _object_tokens(sdoc, i, j)
        head = _head(sdoc, i, j, obj)
        predicate, verb = _predicate(head)
        obj_text = " ".join(t.text for t in obj) or None
        if obj_text is None and j < len(sdoc) and sdoc[j].lower_ == "more":
            obj_text = last_object.get(sent.start)
        if obj_text:
            last_object[sent.start] = obj_text
        end_char = span.end_char
        if obj:
            end_char = sent.start_char + obj[-1].idx + len(obj[-1].text)
        start_char = span.start_char
        qi = _quote_of(article, start_char, sent.start_char, sent.end_char)
        out.append(
            Count(
                text=article.text[start_char:end_char],
                start=start_char,
                end=end_char,
                min=value[0],
                max=value[1],
                object=obj_text,
                predicate=predicate,
                modality=_modality(verb, qi is not None),
                quote=qi,
            )
        )
    return out

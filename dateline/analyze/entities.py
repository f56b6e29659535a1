"""Named entities with one canonical name per article and the role the article gives them.

The model's entities are corrected where it is known to slip on news text:
titles swallowed into names ("President Volodymyr Zelensky"), names split in
two, possessive endings, organisations cut before their place ("the Office of
the President of" + "Ukraine"), words of a job title taken for an organisation
("Secretary of Defense Lloyd Austin") and shouted promotion words ("FREE").
A person's later mentions ("Zelensky") get the fullest form used in the
article as ``canonical`` when their words are all in it ("Debbie Meadows" stays herself
beside "Mark Meadows"); the role comes from an apposition ("Natalia Popova,
adviser to the head of the Kharkiv Regional Council,") or from the words in
front of the name ("US Secretary of Defense Lloyd Austin").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..records import Article, Entity
from .lexicon import PROMO_WORDS, REGNAL, ROLE_WORDS, TITLES

LABELS = frozenset("PERSON ORG GPE LOC NORP FAC EVENT LAW PRODUCT WORK_OF_ART".split())
_FINITE = frozenset("VBD VBZ VBP MD".split())
_ROLE_GLUE = frozenset("of the for to and - on at in".split())


@dataclass(slots=True)
class _Mention:
    start: int  # token indexes into the Doc
    end: int
    label: str
    role: str | None = None


def _is_role_word(tok: Any) -> bool:
    return tok.lower_ in ROLE_WORDS or tok.lemma_.lower() in ROLE_WORDS


def _clean(doc: Any) -> list[_Mention]:
    """The model's entities with the known slips corrected."""
    out: list[_Mention] = []
    for ent in doc.ents:
        if ent.label_ not in LABELS:
            continue
        start, end, label = ent.start, ent.end, ent.label_
        # Shouted promotion words ("Register now and get FREE ...").
        words = [t for t in doc[start:end] if t.is_alpha]
        if words and all(t.is_upper and t.lower_ in PROMO_WORDS for t in words):
            continue
        # Trailing possessive and punctuation.
        while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].is_punct):
            end -= 1
        # Titles inside a person's name: they belong to the role (a title alone,
        # "Queen Consort", stays whole: it stands for a person, see _titled_people).
        if label == "PERSON":
            title_only = all(t.lower_ in TITLES for t in doc[start:end] if t.is_alpha)
            while end - start > 1 and doc[start].lower_ in (("the",) if title_only else TITLES):
                start += 1
        if end <= start:
            continue
        out.append(_Mention(start, end, label))
    return _titled_names(doc, _merge(doc, out))


# Titles written right before a name ("Queen Elizabeth II", "Pope Francis", "Dr. Ruto"); not those
# that also head other names ("Premier League", "Ambassador Extraordinary", "Justice Department").
_NAME_TITLES = frozenset("""
    king queen prince princess pope sir dame lord lady mr. mrs. ms. dr. president
    gen. col. capt. lt. maj. sgt. adm. rev. sen. rep. gov.
    """.split())


def _titled_names(doc: Any, mentions: list[_Mention]) -> list[_Mention]:
    """People the model missed although a title names them: "Queen Elizabeth II, Britain's
    longest-reigning monarch, died" (title + capitalised proper nouns + a regnal number, none
    of them inside an entity). The title stays out of the name, as in ``_clean``."""
    import numpy
    from spacy.attrs import LOWER
    from spacy.strings import hash_string

    found: list[_Mention] = []
    titles = numpy.flatnonzero(numpy.isin(doc.to_array(LOWER), [hash_string(w) for w in _NAME_TITLES]))
    after = 0  # the token after the last name found
    for i in titles.tolist():
        tok = doc[i]
        if i < after or i >= len(doc) - 1 or not tok.text[:1].isupper() or tok.ent_type_:
            continue
        j = i + 1
        while (j < len(doc) and doc[j].pos_ == "PROPN" and doc[j].is_title and not doc[j].ent_type_
               and doc[j].lower_ not in TITLES and not _is_role_word(doc[j])):
            j += 1
        if j > i + 1 and j < len(doc) and REGNAL.match(doc[j].text) and not doc[j].ent_type_:
            j += 1
        if j > i + 1:
            found.append(_Mention(i + 1, j, "PERSON"))
        after = j
    return sorted([*mentions, *found], key=lambda m: m.start) if found else mentions


def _merge(doc: Any, mentions: list[_Mention]) -> list[_Mention]:
    merged: list[_Mention] = []
    for m in mentions:
        prev = merged[-1] if merged else None
        if prev is not None:
            gap = doc[prev.end:m.start]
            # A name split in two: "Volodymyr" "Zelensky".
            if prev.label == m.label == "PERSON" and len(gap) == 0:
                prev.end = m.end
                continue
            # "the Office of the President of" + "Ukraine".
            if prev.label == "ORG" and m.label == "GPE" and len(gap) == 0 and doc[prev.end - 1].lower_ == "of":
                prev.end = m.end
                continue
        merged.append(m)
    # A job title's words are not an organisation: "Secretary of Defense Lloyd Austin".
    keep: list[_Mention] = []
    for i, m in enumerate(merged):
        nxt = merged[i + 1] if i + 1 < len(merged) else None
        if (
            m.label in ("ORG", "GPE")
            and nxt is not None
            and nxt.label == "PERSON"
            and nxt.start == m.end
            and m.start >= 2
            and doc[m.start - 1].lower_ == "of"
            and _is_role_word(doc[m.start - 2])
        ):
            continue
        keep.append(m)
    # A person-name dropped by the model right before a surname it found ("Volodymyr Zelensky").
    for m in keep:
        if m.label == "PERSON" and m.start > 0:
            prev = doc[m.start - 1]
            if (
                prev.pos_ == "PROPN"
                and prev.ent_type_ == ""
                and prev.is_title
                and not _is_role_word(prev)
                and prev.lower_ not in TITLES
                and not prev.is_sent_start
            ):
                m.start -= 1
    return keep


def _role_before(doc: Any, start: int) -> str | None:
    """A title in front of a name: "US Secretary of Defense", "Stein spokeswoman"."""
    i = start - 1
    lo = start
    while i >= 0 and start - i <= 8:
        tok = doc[i]
        if tok.is_punct and tok.text != "-":
            break
        if tok.pos_ in ("PROPN", "NOUN", "ADJ") or tok.lower_ in _ROLE_GLUE or _is_role_word(tok):
            between = doc[i + 1:start]
            if tok.ent_type_ == "PERSON" and (not any(_is_role_word(t) for t in between)
                                              or any(t.lower_ == "and" for t in between)):
                break  # another person ("Queen Camilla and King Charles"), not "Zelensky adviser"
            lo = i
            i -= 1
            continue
        break
    while lo < start and doc[lo].lower_ in _ROLE_GLUE:
        lo += 1
    span = doc[lo:start]
    if not len(span) or not any(_is_role_word(t) for t in span):
        return None
    if doc[start - 1].pos_ not in ("PROPN", "NOUN"):
        return None
    return span.text


def _phrase_role(span: Any) -> str | None:
    """An apposition's text as a role, when it is one ("an adviser to the Office of ...")."""
    if not len(span) or len(span) > 16:
        return None
    if any(t.tag_ in _FINITE for t in span) or any(t.ent_type_ == "PERSON" for t in span[:2]):
        return None
    if not any(_is_role_word(t) for t in span[:6]):
        return None
    if span[0].lower_ in ("a", "an", "the") and len(span) > 1:
        span = span[1:]
    return span.text


def _role_apposition(doc: Any, m: _Mention) -> str | None:
    sent = doc[m.start].sent
    # After the name: "Natalia Popova, adviser to ..., shared".
    if m.end < sent.end and doc[m.end].text == ",":
        j = m.end + 1
        while j < sent.end and doc[j].text not in (",", ";", "(", ")", "—", "–") and not (
            doc[j].text == "." and j == sent.end - 1
        ):
            j += 1
        role = _phrase_role(doc[m.end + 1:j])
        if role:
            return role
    # Before the name: "The Russian-appointed head of ..., Vitaly Ganchev, called".
    if m.start - 1 > sent.start and doc[m.start - 1].text == ",":
        j = m.start - 2
        while j >= sent.start and doc[j].text not in (",", ";", ":", "(", ")", "—", "–", "“", '"'):
            j -= 1
        closing = m.end < sent.end and doc[m.end].text in (",", ")")
        if closing:
            return _phrase_role(doc[j + 1:m.start - 1])
    return None


def _name_key(toks: list[Any]) -> str:
    """What later mentions of a person repeat: the surname, or a monarch's or pope's own name
    ("Charles III" -> "charles": "King Charles III ... Charles said")."""
    if len(toks) > 1 and REGNAL.match(toks[-1].text):
        return toks[-2].lower_
    return toks[-1].lower_


# Lowercase words that belong in a personal name ("Ursula von der Leyen", "Mohammed bin Salman").
NAME_PARTICLES = frozenset(
    "al bin binti bint da das de del della der des di do dos du el ibn la le ten ter van von y zu".split()
)


def _name_shaped(toks: list[Any]) -> bool:
    """Whether the tokens can spell a personal name: capitalised words and name particles.

    The NER sometimes tags a heading ("Porting Mercurial to Python") as a person; such a
    span must not become the full name that shorter mentions ("Python") resolve to.
    """
    return all(t.text[:1].isupper() or t.lower_ in NAME_PARTICLES or not t.is_alpha for t in toks)


def _words(name: str) -> list[str]:
    return re.findall(r"\w+", name.casefold())


def _same_person(mention: str, full: str) -> bool:
    """Whether ``full`` can be the person ``mention`` names: each of its words, titles aside
    ("Ms Truss", "Sgt Tonroe"), is in the full name or is an initial of one of its words
    ("M.L. Anderson" for "Michael L. Anderson"). "Debbie Meadows" is not "Mark Meadows"."""
    names = _words(full)
    for w in _words(mention):
        if w in names or (len(w) == 1 and any(n.startswith(w) for n in names)):
            continue
        if w in TITLES or w + "." in TITLES or w in ("chief", "professor"):
            continue
        return False
    return True


def _canonical_people(doc: Any, mentions: list[_Mention]) -> dict[int, str]:
    """Mention index -> the fullest name in the article with the same surname (``_name_key``)."""
    full: dict[str, str] = {}
    for m in mentions:
        if m.label != "PERSON":
            continue
        toks = [t for t in doc[m.start:m.end] if not t.is_punct]
        if not toks or not _name_shaped(toks):
            continue
        key = _name_key(toks)
        text = doc[m.start:m.end].text
        if len(toks) > len(full.get(key, "").split()):
            full[key] = text
    out: dict[int, str] = {}
    for i, m in enumerate(mentions):
        if m.label != "PERSON":
            continue
        toks = [t for t in doc[m.start:m.end] if not t.is_punct]
        if toks:
            own = doc[m.start:m.end].text
            fuller = full.get(_name_key(toks), own) if _name_shaped(toks) else own
            # "Meadows" is Mark Meadows; "Debbie Meadows" is herself, not Mark.
            out[i] = fuller if _same_person(own, fuller) else own
    return out


def _titled_people(doc: Any, mentions: list[_Mention], canon: dict[int, str], roles: dict[str, str]) -> None:
    """A "person" that is only a title ("the King", "Queen Consort") is the one person of the
    article the text gives that title, when there is exactly one ("King Charles III")."""
    for i, m in enumerate(mentions):
        words = [t.lower_ for t in doc[m.start:m.end] if t.is_alpha and t.lower_ != "the"]
        if m.label != "PERSON" or not words or not all(w in TITLES or w in ROLE_WORDS for w in words):
            continue
        holders = {name for name, role in roles.items() if role.lower().split()[-1:] == words[-1:]}
        if len(holders) == 1:
            canon[i] = holders.pop()


def _strip_article(text: str) -> str:
    for lead in ("the ", "The "):
        if text.startswith(lead):
            return text[len(lead):]
    return text


def find(article: Article, doc: Any) -> list[Entity]:
    """Entities of ``doc`` (the spaCy Doc of ``article.text``) with canonical names and roles."""
    mentions = _clean(doc)
    surnames = {
        doc[m.end - 1].lower_ for m in mentions if m.label == "PERSON" and m.end - m.start > 1
    }
    # A surname mislabelled elsewhere ("Zelensky" as ORG) is still that person.
    for m in mentions:
        if m.label in ("ORG", "GPE", "NORP") and m.end - m.start == 1 and doc[m.start].lower_ in surnames:
            m.label = "PERSON"
    canon = _canonical_people(doc, mentions)
    roles: dict[str, str] = {}
    for i, m in enumerate(mentions):
        if m.label != "PERSON":
            continue
        role = _role_apposition(doc, m) or _role_before(doc, m.start)
        if role and canon[i] not in roles:
            roles[canon[i]] = role
    _titled_people(doc, mentions, canon, roles)
    out: list[Entity] = []
    for i, m in enumerate(mentions):
        span = doc[m.start:m.end]
        if m.label == "PERSON":
            canonical = canon[i]
            role = roles.get(canonical)
        else:
            canonical = _strip_article(span.text)
            role = None
        out.append(
            Entity(
                text=span.text,
                start=span.start_char,
                end=span.end_char,
                label=m.label,
                canonical=canonical,
                role=role,
            )
        )
    return out

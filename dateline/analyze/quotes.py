"""Quotations and reported claims: content, speaker (as written and resolved), cue, medium, status.

Two sources of evidence are joined. The dependency parse of each sentence that
holds a speech word gives indirect speech and the cue of most direct quotes
(``speech.find_in_sentence``); the quotation marks give the exact extent of
direct quotes, also over several sentences and paragraphs
(``quotemarks.quote_marks``). A quotation with no cue in its own sentence takes
one from the text right around it ("... with the message: “...”") or continues
the previous speaker's quotation in the same or the next paragraph.

The speaker is resolved through the article's entities: names to their
canonical form, pronouns to the most recent compatible speaker or person, and
role nouns ("the adviser") to the person the article gave that role.
``status`` says whether the outlet vouches for the content: ``unverified`` when
it says it could not verify it (in the same or one of the next two sentences),
``denied``, ``claimed`` (claim-type cues), ``hedged``, else ``asserted``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..records import Article, Entity, Quote
from . import nlp
from .lexicon import (
    CLAIM_VERBS,
    DENY_VERBS,
    GROUP_NOUNS,
    HEDGE_VERBS,
    PRONOUNS_GROUP,
    PRONOUNS_PERSON,
    ROLE_WORDS,
    SPEECH_VERBS,
    verb_lemma,
)
from .quotemarks import QuoteMark, quote_marks
from .speech import Found, find_in_sentence, may_cue, subject_of

_UNVERIFIED = re.compile(
    r"\b(?:(?:unable|not able|could not|couldn['’]t|cannot|can['’]t|did not|didn['’]t|has not been able|"
    r"have not been able|was not able|were not able)\s+(?:to\s+)?(?:immediately\s+|independently\s+)*"
    r"(?:verify|confirm|corroborate|authenticate)"
    r"|without (?:providing|offering|giving|citing|presenting) (?:any )?evidence"
    r"|(?:did not|didn['’]t) (?:provide|offer|give|present) (?:any )?evidence"
    r"|could not be (?:immediately |independently )*(?:verified|confirmed)"
    r"|(?:has|have) not been (?:independently )?(?:verified|confirmed))",
    re.I,
)
# Battlefield gains and enemy losses: the contested facts parties to a conflict report.
_CONFLICT_CLAIM = re.compile(
    r"\b(?:(?:had|have|has|were|was|been|being)\s+(?:\w+ly\s+)?)?"
    r"(?:liberated|recaptured|retaken|retook|reclaimed|regained|captured|seized|shot down|repelled|repulsed|"
    r"encircled|neutralized|neutralised|taken prisoner|took prisoner|pushed back|broke through|"
    r"destroyed\s+(?:\w+\s+){0,3}(?:tanks?|aircraft|drones?|positions?|vehicles?|units?|depots?|systems?)|"
    r"killed\s+(?:\w+\s+){0,4}"
    r"(?:soldiers|troops|fighters|militants|servicemen|invaders|occupiers|mercenaries))\b",
    re.I,
)
_HEDGE_WORDS = re.compile(r"\b(?:reportedly|allegedly|purportedly|apparently|supposedly)\b", re.I)
_MEDIUM = re.compile(
    r"\b(?:[Ii]n|[Oo]n|[Aa]t|[Dd]uring|via|through)\s+(?:a|an|the|his|her|their|its)?\s*"
    r"(?P<m>(?:(?:nightly|televised|weekly|late-night|joint|brief|separate|written|recorded|live|"
    r"recent|short|new|daily|evening)\s+)*"
    r"(?:video(?:\s+(?:message|address|statement|posted on [A-Z]\w+|on [A-Z]\w+))?|statement|"
    r"(?:press|news) conference(?: in [A-Z][\w-]+)?|press briefing|briefing|"
    r"interview(?: with [A-Z][\w.]*(?: [A-Z][\w.]*)*)?|speech|address|tweet|"
    r"post(?: on [A-Z]\w+)?|message|letter|op-ed|email|blog post|radio address|"
    r"Facebook(?: post)?|Twitter|Telegram(?: channel)?|YouTube|Instagram|TikTok|television|TV|radio|"
    r"social media|a rally|rally))\b"
)
# Verbs that attribute a quotation they follow ("“...,” she continued.").
_AFTER_QUOTE = SPEECH_VERBS | {"continue", "go", "conclude", "begin"}
_POSSESSIVE = {"his": "he", "their": "they", "its": "it", "our": "we", "my": "i"}
_QUOTE_CHARS = "“”\"„«»"
# Capitalised sentence openers that are not agents ("This threatens to ...").
_NON_AGENTS = frozenset("this that these those it there which what who the a an".split())


@dataclass(slots=True)
class _Item:
    kind: str
    start: int
    end: int
    cue: tuple[int, int] | None
    cue_lemma: str | None
    speaker: tuple[int, int] | None
    sent: tuple[int, int]  # the sentence of the cue, for medium and status
    resolved: str | None = None
    head: int | None = None  # character offset of the speaker phrase's head word


def candidates(doc: Any) -> list[Any]:
    """The sentences whose parse may show an attribution: those with a token that passes
    the first test of one of ``find_in_sentence``'s cues (a speech verb or noun, an
    attitude word, "according"), which reads nothing else."""
    return nlp.sentences_where(doc, ["ORTH", "LEMMA", "POS"], may_cue)


def parsed_sentences(doc: Any) -> list[Any]:
    """Every sentence ``find`` may read parsed: the ``candidates``, and the sentences
    around quotation marks where ``_cue_around`` looks for a cue."""
    found = {s.start: s for s in candidates(doc)}
    for q in _marks(doc):
        for sent in _cue_sentences(doc, q):
            if sent is not None:
                found.setdefault(sent.start, sent)
    return [found[k] for k in sorted(found)]


def _marks(doc: Any) -> list[QuoteMark]:
    """The quotations of the Doc's text, by their marks (kept on it: ``parsed_sentences`` asks first)."""
    found = doc.user_data.get(_MARKS_KEY)
    if found is None:
        found = doc.user_data[_MARKS_KEY] = quote_marks(nlp.text_of(doc))
    return found  # type: ignore[no-any-return]


_MARKS_KEY = "dateline.quote_marks"


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _agent(text: str, f: Found, entities: list[Entity]) -> bool:
    """Whether the speaker of ``f`` can say, want or plan things (not "the offensive threatens")."""
    if f.speaker_start is None or f.speaker_end is None:
        return False
    lemma = f.speaker_lemma or ""
    if lemma in PRONOUNS_PERSON or lemma in PRONOUNS_GROUP or lemma in ROLE_WORDS or lemma in GROUP_NOUNS:
        return True
    head = f.speaker_head if f.speaker_head is not None else f.speaker_start
    if text[head:head + 1].isupper() and lemma not in _NON_AGENTS:
        return True  # a name the model did not tag ("Trump wants to ...")
    return any(e.start <= head < e.end and e.label in ("PERSON", "ORG", "GPE", "NORP") for e in entities)


def _from_parse(doc: Any, sents: list[Any], entities: list[Entity]) -> list[_Item]:
    items: list[_Item] = []
    for sent in sents:
        sdoc = nlp.parsed(sent)
        base = sent.start_char
        for f in find_in_sentence(sdoc, base):
            if f.negated and f.cue_lemma not in DENY_VERBS:
                continue
            if f.speaker_start is None and f.via not in ("ccomp", "passive"):
                continue
            if f.via in ("xcomp", "object") and not _agent(nlp.text_of(doc), f, entities):
                continue
            spk = (f.speaker_start, f.speaker_end) if f.speaker_start is not None and f.speaker_end is not None else None
            items.append(_Item("indirect", f.start, f.end, (f.cue_start, f.cue_end), f.cue_lemma, spk,
                               (sent.start_char, sent.end_char), head=f.speaker_head))
    return items


def _univocal(items: list[_Item], marks: list[QuoteMark]) -> list[_Item]:
    """One role per word, as in PARC and PolNeAR: no attribution inside another one.

    A cue inside someone else's content or quotation ("... I think ...") is
    part of what they said; of two overlapping contents the longer wins.
    """
    kept: list[_Item] = []
    for it in sorted(items, key=lambda i: -(i.end - i.start)):
        if it.cue is not None and any(
            k.start <= it.cue[0] < k.end for k in kept
        ):
            continue
        if it.cue is not None and it.kind == "indirect" and any(
            q.start < it.cue[0] < q.end - 1 for q in marks
        ):
            continue
        if any(_overlap((k.start, k.end), (it.start, it.end)) > 0.5 * (it.end - it.start) for k in kept):
            continue
        kept.append(it)
    return sorted(kept, key=lambda i: i.start)


def _attach_marks(text: str, items: list[_Item], marks: list[QuoteMark]) -> list[QuoteMark]:
    """Widen parsed contents to the quotation they touch; return the quotations left over."""
    left: list[QuoteMark] = []
    for q in marks:
        hits = [it for it in items if it.start < q.end and q.start < it.end and not (
            it.cue and q.start <= it.cue[0] < q.end)]
        if not hits:
            left.append(q)
            continue
        for it in hits:
            inside = it.start >= q.start - 2 and it.end <= q.end + 2
            it.start, it.end = min(it.start, q.start), max(it.end, q.end)
            if inside or (it.start >= q.start and it.end <= q.end):
                it.kind = "direct"
            elif it.kind != "direct":
                it.kind = "mixed"
    return left


def _sentence_at(doc: Any, char: int) -> Any:
    k = _sentence_index(doc, char)
    return None if k is None else nlp.sentences(doc)[k]


def _sentence_index(doc: Any, char: int) -> int | None:
    """The index in ``nlp.sentences(doc)`` of the sentence holding the token at ``char``."""
    tok = doc.char_span(char, char + 1, alignment_mode="expand")
    if tok is None or not len(tok):
        return None
    return nlp.sentence_index(doc, tok.start)


# Transcript lines: "PENCE: Well, the question really should be ..."
_TRANSCRIPT = re.compile(r"^[\"“]?(?P<name>[A-Z][A-Z.'’ -]{1,30}[A-Z.]):\s+(?P<said>\S.*?)[\"”]?\s*$", re.M)


def _transcript(text: str) -> list[_Item]:
    out = []
    for m in _TRANSCRIPT.finditer(text):
        if len(m.group("said").split()) < 2:
            continue
        name = (m.start("name"), m.end("name"))
        colon = m.end("name")
        out.append(_Item("direct", m.start("said"), m.end("said"), (colon, colon + 1), None, name,
                         (m.start(), m.end())))
    return out


_HEAD_COLON = re.compile(r"(?P<src>[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}):\s+(?P<said>\S.*)")
_HEAD_AFTER = re.compile(
    r"(?P<said>\S.*?),\s+(?P<src>[A-Z][^,]{1,60}?)\s+(?P<cue>Says|Say|Said|Warns|Claims)")


def _headline(text: str) -> list[_Item]:
    """Attribution in a Title Case headline: "Pence: ...", "..., Doctor Says", "Obama Seeks ...".

    The parser reads Title Case poorly (every word looks like a name), so the
    headline's shape gives the parts: a short name before a colon, "Source Says"
    after the content, or the first capitalised speech verb in -s between them.
    """
    line_end = text.find("\n")
    end = line_end if line_end >= 0 else len(text)
    start = len(text[:end]) - len(text[:end].lstrip())
    while end > start and text[end - 1] in " .;":
        end -= 1
    head = text[start:end]
    words = head.split()
    if not 3 <= len(words) <= 20 or re.search(r"[.!?]\s", head):
        return []
    at = lambda m, g: (start + m.start(g), start + m.end(g))  # noqa: E731
    m = _HEAD_COLON.fullmatch(head)
    if m:
        colon = start + m.end("src")
        return [_Item("direct" if head[m.start("said")] in _QUOTE_CHARS + "‘'" else "indirect",
                      *at(m, "said"), (colon, colon + 1), None, at(m, "src"), (start, end))]
    capital = sum(w[:1].isupper() for w in words if w.isalpha() and len(w) > 3)
    if capital < 0.7 * sum(1 for w in words if w.isalpha() and len(w) > 3):
        return []  # sentence case: the parse reads it like any sentence
    m = _HEAD_AFTER.fullmatch(head)
    if m:
        return [_Item("indirect", *at(m, "said"), at(m, "cue"), "say", at(m, "src"), (start, end))]
    for w in re.finditer(r"[A-Z][a-z]+s\b", head):
        lemma = verb_lemma(w.group(), w.group()[:-1].lower())
        if lemma in SPEECH_VERBS and w.start() > 0 and w.end() < len(head) - 3:
            return [_Item("indirect", start + w.end() + 1, end, (start + w.start(), start + w.end()), lemma,
                          (start, start + w.start() - 1), (start, end))]
    return []


_PARTICIPLE = re.compile(r",\s+(?!during\b|including\b|according\b)(?:not\s+(?:even\s+)?)?[a-z]+ing\b")
_DASH_AFTER = re.compile(r"\s*[―—–]\s*")


def _cue_around(doc: Any, q: QuoteMark) -> _Item | None:
    """A cue for a quotation in the text right before (colon) or after it in its sentences."""
    text = nlp.text_of(doc)
    dash = _DASH_AFTER.match(text, q.end)
    if dash:
        # "“...” ― Jane Doe": the name after the dash signs the quotation.
        ent = next((e for e in doc.ents if e.start_char == dash.end() and e.label_ in ("PERSON", "ORG")), None)
        if ent is not None:
            return _Item("direct", q.start, q.end, (dash.start() + dash.group().index(dash.group().strip()),
                         dash.start() + dash.group().index(dash.group().strip()) + 1), None,
                         (ent.start_char, ent.end_char), (q.start, ent.end_char))
    end_sent, start_sent = _cue_sentences(doc, q)
    if end_sent is not None:
        sdoc = nlp.parsed(end_sent)
        base = end_sent.start_char
        for tok in sdoc:
            at = base + tok.idx
            lemma = verb_lemma(tok.text, tok.lemma_)
            if at < q.end or tok.pos_ not in ("VERB", "AUX") or lemma not in _AFTER_QUOTE:
                continue
            if at - q.end > 150:
                break
            subj = subject_of(tok)
            if end_sent.start_char >= q.end and (subj is None or tok.dep_ != "ROOT" or any(
                    c.dep_ in ("ccomp", "dobj", "xcomp") for c in tok.children)):
                break  # a sentence of its own, not a cue for the quotation before it
            spk = None
            if subj is not None:
                toks = sorted(subj.subtree, key=lambda t: t.i)
                spk = (base + toks[0].idx, base + toks[-1].idx + len(toks[-1].text))
            return _Item("direct", q.start, q.end, (at, at + len(tok.text)), lemma, spk,
                         (end_sent.start_char, end_sent.end_char))
    if start_sent is not None:
        sdoc = nlp.parsed(start_sent)
        base = start_sent.start_char
        verbs = [t for t in sdoc if t.pos_ in ("VERB", "AUX") and base + t.idx < q.start
                 and (subj := subject_of(t)) is not None and base + subj.idx < q.start]
        if verbs:
            root = min(verbs, key=lambda t: (len(list(t.ancestors)), t.i))
            subj = subject_of(root)
            spk = None
            if subj is not None:
                toks = [t for t in subj.subtree if t.dep_ not in ("appos", "punct")]
                toks = [t for t in toks if not any(a.dep_ == "appos" for a in t.ancestors if a.i > subj.i)]
                toks.sort(key=lambda t: t.i)
                spk = (base + toks[0].idx, base + toks[-1].idx + len(toks[-1].text))
            return _Item("direct", q.start, q.end, (base + root.idx, base + root.idx + len(root.text)),
                         root.lemma_.lower(), spk, (start_sent.start_char, q.start))
    return None


def _cue_sentences(doc: Any, q: QuoteMark) -> tuple[Any | None, Any | None]:
    """The sentences whose parse ``_cue_around`` reads for quotation ``q``, or ``None``
    where the tags alone show there is nothing to find (so they are not parsed):

    * the sentence the quotation ends in, when a speech verb follows the mark in it;
    * the sentence it starts in, when a colon or a comma comes before the mark and a
      verb before that.
    """
    text = nlp.text_of(doc)
    end_sent = _sentence_at(doc, max(q.end - 1, q.start))
    if end_sent is not None and end_sent.end_char <= q.end + 1 and end_sent.end < len(doc) and (
        "\n" not in text[q.end:doc[end_sent.end].idx] and text[q.end - 2:q.end - 1] in "!?,"
    ):
        # "“... Scott!” Scott's niece shouted to the crowd.": the splitter cut after the mark.
        end_sent = doc[end_sent.end].sent
    if end_sent is not None and not (end_sent.end_char > q.end and any(
            t.idx >= q.end and t.pos_ in ("VERB", "AUX") and verb_lemma(t.text, t.lemma_) in _AFTER_QUOTE
            for t in end_sent)):
        end_sent = None
    start_sent = _sentence_at(doc, q.start)
    if start_sent is not None and not (
        start_sent.start_char < q.start and text[start_sent.start_char:q.start].rstrip().endswith((":", ","))
        and any(t.idx < q.start and t.pos_ in ("VERB", "AUX") for t in start_sent)
    ):
        start_sent = None
    return end_sent, start_sent


def _continue_previous(text: str, items: list[_Item], q: QuoteMark) -> bool:
    """Join "“A,” he said. “B.”" into one attribution whose content runs from A to B."""
    prev = [it for it in items if it.end <= q.start and it.kind in ("direct", "mixed")]
    if not prev:
        return False
    p = max(prev, key=lambda i: i.end)
    gap = text[p.end:q.start]
    if "\n" in gap or p.cue is None or len(gap) > 250:
        return False
    # The cue (and speaker) must sit between the two parts.
    if not (p.end <= p.cue[0] and p.cue[1] <= q.start):
        return False
    if any(p.end <= it.start < q.start and re.search(r"[.!?]\s", text[p.cue[1]:it.start])
           for it in items if it is not p):
        return False  # another attribution, in a sentence of its own, stands between the parts
    if _PARTICIPLE.search(text, p.cue[1], q.start):
        return False  # "..., going on to contrast ...": the writer moved on
    if not re.search(r"[.!?,:;—–-]\s*$", gap):
        return False  # the second part must open a sentence or clause of its own
    if p.kind == "indirect":
        p.kind = "mixed"
    p.end = q.end
    # Whatever the parse found between the parts (a relative clause on the speaker:
    # "said X, who has been challenging ...") is not an attribution of its own.
    items[:] = [it for it in items if it is p or not (p.start <= it.start and it.end <= p.end)]
    return True


def _merge_shared_cues(text: str, items: list[_Item]) -> list[_Item]:
    """ "“A,” he told the host, “B.”": two quotations around one cue are one attribution."""
    out: list[_Item] = []
    for it in items:
        prev = out[-1] if out else None
        if (
            prev is not None and it.cue is not None and prev.cue == it.cue
            and prev.end <= it.cue[0] and it.cue[1] <= it.start
            and "\n" not in text[prev.end:it.start] and len(text[prev.end:it.start]) < 250
        ):
            prev.end = it.end
            if prev.kind != it.kind:
                prev.kind = "mixed"
            continue
        out.append(it)
    return out


def _entity_at(entities: list[Entity], span: tuple[int, int]) -> Entity | None:
    best = None
    start, end = span
    for e in entities:
        if e.start < end and start < e.end:  # they overlap
            if best is None or (e.label == "PERSON" and best.label != "PERSON"):
                best = e
    return best


def _resolve(text: str, it: _Item, entities: list[Entity], done: list[_Item]) -> str | None:
    if it.speaker is None:
        return None
    mention = text[it.speaker[0]:it.speaker[1]]
    ent = _entity_at(entities, it.speaker)
    if it.head is not None and not (it.speaker[0] <= it.head < it.speaker[1]):
        # A relative pronoun ("who said"): the person is the word it stands for.
        ent = _entity_at(entities, (it.head, it.head + 1))
        if ent is not None:
            return ent.canonical or ent.text
    words = [_POSSESSIVE.get(w, w) for w in mention.lower().split()]
    if ent is not None and ent.label in ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"):
        if ent.label != "NORP" or len(words) == 1:
            return ent.canonical or ent.text
    if len(words) == 1 and words[0] in PRONOUNS_PERSON | PRONOUNS_GROUP:
        person = words[0] in PRONOUNS_PERSON
        for prev in reversed(done):
            if prev.resolved and prev.speaker and prev.speaker[0] < it.speaker[0] and (
                it.speaker[0] - prev.speaker[1] < 1500
            ):
                pe = _entity_at(entities, prev.speaker)
                if person == (pe is not None and pe.label == "PERSON") or pe is None:
                    return prev.resolved
                break
        want = ("PERSON",) if person else ("ORG", "GPE", "NORP")
        for e in reversed(entities):
            if e.end <= it.speaker[0] and e.label in want:
                return e.canonical or e.text
        return None
    # A role noun: "the adviser", "the head of the ... administration".
    heads = [w for w in words if w.strip(",.") in ROLE_WORDS]
    if heads:
        best, score = None, 0
        for e in entities:
            if e.label == "PERSON" and e.role:
                role = set(e.role.lower().replace("-", " ").split())
                s = len(role & set(mention.lower().replace("-", " ").split()) - {"the", "of", "a", "an", "to", "in"})
                if heads[0] in role and s > score:
                    best, score = e, s
        if best is not None:
            return best.canonical
    return mention


def _status(text: str, it: _Item, doc: Any) -> str:
    sent_text = text[it.sent[0]:it.sent[1]]
    outside = text[it.sent[0]:it.start] + " " + text[it.end:it.sent[1]]
    if _UNVERIFIED.search(outside):
        return "unverified"
    k = _sentence_index(doc, it.sent[0])
    if k is not None:
        for following in nlp.sentences(doc)[k + 1 : k + 3]:  # the next two sentences
            said = text[following.start_char : following.end_char]
            if _UNVERIFIED.search(said) and not _has_own_claim(said):
                return "unverified"
    if it.cue_lemma in DENY_VERBS:
        return "denied"
    if it.cue_lemma in CLAIM_VERBS:
        return "claimed"
    if it.cue_lemma in HEDGE_VERBS or _HEDGE_WORDS.search(sent_text):
        return "hedged"
    if it.speaker is not None and _CONFLICT_CLAIM.search(text, it.start, it.end):
        # A side's report of its own battlefield gains or the enemy's losses is a claim
        # the outlet relays, whatever verb introduces it.
        return "claimed"
    return "asserted"


def _has_own_claim(sentence: str) -> bool:
    """A verification note that names its own subject ("... the claim, which X made") stays local."""
    return bool(re.search(r"\bwithout (?:providing|offering|giving) (?:any )?evidence\b", sentence))


def _medium(text: str, it: _Item) -> str | None:
    window = text[it.sent[0]:it.sent[1]]
    for m in _MEDIUM.finditer(window):
        at = it.sent[0] + m.start("m")
        if it.start <= at < it.end:
            continue
        return m.group("m")
    return None


def find(article: Article, doc: Any) -> list[Quote]:
    """Quotations and claims in ``article`` (``doc`` is ``nlp.parse(article.text)``)."""
    text = article.text
    sents = candidates(doc)
    nlp.parse_sentences(doc, parsed_sentences(doc))
    items = _from_parse(doc, sents, article.entities) + _transcript(text)
    heads = _headline(text)
    items = [it for it in items if not any(_overlap((h.start, h.end), (it.start, it.end)) for h in heads)]
    items += heads
    marks = _marks(doc)
    _attach_marks(text, items, marks)
    items = _univocal(items, marks)
    for q in marks:
        if any(it.start < q.end and q.start < it.end for it in items):  # a quotation already attached
            continue
        if _continue_previous(text, items, q):
            continue
        found = _cue_around(doc, q)
        if found is not None and not any(
            found.cue and it.start <= found.cue[0] < it.end for it in items
        ):
            items.append(found)
            items.sort(key=lambda i: i.start)
            continue
        words = len(text[q.start:q.end].split())
        if words < 4:
            continue  # a scare quote or a title
        if words < 10 and re.search(r"\w[\s(]*$", text[max(0, q.start - 3):q.start]):
            continue  # a fragment inside someone's reported words whose cue we could not see
        items.append(_Item("direct", q.start, q.end, None, None, None, (q.start, q.end)))
        items.sort(key=lambda i: i.start)
    items = _merge_shared_cues(text, items)
    out: list[Quote] = []
    done: list[_Item] = []
    for it in items:
        it.resolved = _resolve(text, it, article.entities, done)
        if it.speaker is None and it.kind == "direct" and done:
            # A quotation that goes on after a paragraph break or a full stop.
            prev = done[-1]
            gap = text[prev.end:it.start]
            if prev.resolved and prev.kind in ("direct", "mixed") and len(gap) < 300 and gap.count("\n") <= 2:
                it.resolved = prev.resolved
        done.append(it)
        start, end = it.start, it.end
        spk = it.speaker
        out.append(
            Quote(
                kind=it.kind,
                text=text[start:end],
                start=start,
                end=end,
                speaker=it.resolved,
                speaker_text=text[spk[0]:spk[1]] if spk else None,
                speaker_start=spk[0] if spk else None,
                speaker_end=spk[1] if spk else None,
                cue=text[it.cue[0]:it.cue[1]] if it.cue else None,
                cue_start=it.cue[0] if it.cue else None,
                cue_end=it.cue[1] if it.cue else None,
                medium=_medium(text, it),
                status=_status(text, it, doc),
            )
        )
    return out

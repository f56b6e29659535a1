"""Reported speech inside one dependency-parsed sentence: cue, speaker, content.

Works on the small Doc that ``nlp.parsed`` returns for one sentence; offsets
are made absolute with ``base`` (the sentence's first character in the text).
The constructions: a speech verb and its clausal complement ("X said (that)
..."), content first ("..., officials said"), the cue inside ("..., he said,
..."), infinitival content ("urged voters to ..."), "called X Y", "called
on/for X", nominal content ("denied the report"), "according to X", and
speech nouns ("his claim that ...").
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .lexicon import DENY_VERBS, SPEECH_NOUNS, SPEECH_VERBS, verb_lemma

# Verbs whose content is an infinitive ("pledged to ...", "urged X to ...").
_XCOMP_VERBS = frozenset(
    """
    urge ask call promise pledge vow vote plan want wish intend decide threaten
    refuse agree propose encourage order instruct advise tell warn demand expect
    hope offer seek aim push press decline try convince persuade refuse strive
    attempt prefer desire pressure lobby beg plead implore
    """.split()
)
# Verbs whose direct object can be the content ("denied the report", "cited polls").
_NOMINAL_VERBS = frozenset(
    """
    deny reject dispute refute cite describe criticize criticise praise blame
    condemn question announce report confirm predict promise propose recommend claim
    show find reveal acknowledge admit support oppose demand estimate
    characterize characterise dismiss defend welcome applaud blast slam attack
    note offer write portray depict downplay discuss laud hail echo address
    ignore observe endorse tout outline detail highlight unveil mention recall
    explain emphasize emphasise stress raise challenge accuse warn sign veto
    endorse back sponsor embrace favor favour view regard judge liken compare
    accept recognize recognise urge thank lambast denounce decry deplore fault
    scold rebuke chide mock ridicule anticipate envision envisage rate
    """.split()
) | DENY_VERBS
# Verbs whose content hangs on a preposition: "spoke about her ties", "warned of X".
_PREP_VERBS = frozenset(
    """
    speak talk warn complain write ask comment insist push argue advocate testify
    joke boast brag worry rail campaign lobby caution inquire vote
    """.split()
)
# Verbs of seeming whose subject and complement together are an impression reported.
_RAISING_VERBS = frozenset("seem appear".split())
_CONTENT_PREPS = frozenset("about of on against for".split())
_EMPTY_OBJECTS = frozenset("it this that so what something anything nothing everything".split())
_SUBJ = ("nsubj", "nsubjpass", "csubj")


@dataclass(slots=True)
class Found:
    """One attribution in absolute character offsets."""

    start: int
    end: int
    cue_start: int
    cue_end: int
    cue_lemma: str
    speaker_start: int | None = None
    speaker_end: int | None = None
    negated: bool = False
    via: str = "ccomp"  # what gave the content: ccomp, xcomp, object, parataxis, according, noun
    speaker_lemma: str | None = None  # the lemma of the speaker phrase's head
    speaker_head: int | None = None  # the character offset of that head


def _span(tokens: list[Any], base: int) -> tuple[int, int] | None:
    toks = [t for t in tokens if not (t.is_punct and t.text not in "“”\"'")]
    while toks and toks[-1].is_punct and toks[-1].text in "'":
        toks.pop()
    if not toks:
        return None
    toks.sort(key=lambda t: t.i)
    return base + toks[0].idx, base + toks[-1].idx + len(toks[-1].text)


def _speaker_tokens(head: Any) -> list[Any]:
    """The subject phrase without its appositions and relative clauses."""
    cut = {
        t.i
        for c in head.children
        if c.dep_ in ("appos", "relcl", "acl", "punct", "cc", "conj") and c.i > head.i
        for t in c.subtree
    }
    toks = [t for t in head.subtree if t.i not in cut]
    # Keep the contiguous stretch around the head.
    lo = hi = head.i
    idx = {t.i for t in toks}
    while lo - 1 in idx:
        lo -= 1
    while hi + 1 in idx:
        hi += 1
    return [t for t in toks if lo <= t.i <= hi]


def subject_of(verb: Any, depth: int = 0) -> Any | None:
    """The subject of ``verb``, inherited through coordination and raising verbs."""
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "csubj")]
    if subjects:
        # The nearest one before the verb: the parser sometimes gives a verb two.
        before = [c for c in subjects if c.i < verb.i]
        c = before[-1] if before else subjects[0]
        return c
    for c in verb.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    if depth < 3 and verb.dep_ in ("conj", "xcomp", "advcl") and verb.head is not verb:
        if verb.dep_ == "advcl" and verb.tag_ != "VBG":
            return None
        return subject_of(verb.head, depth + 1)
    return None


def _content_tokens(verb: Any, lemma: str) -> tuple[list[Any], str] | None:
    kids = list(verb.children)
    if lemma == "call":
        obj = [c for c in kids if c.dep_ == "dobj"] or [c for c in kids if c.dep_ == "oprd"][:1]
        pred = [c for c in kids if c.dep_ in ("oprd", "xcomp", "ccomp") and c not in obj]
        if obj and pred:
            return [t for c in obj + pred for t in c.subtree], "object"
        preps = [c for c in kids if c.dep_ == "prep" and c.lower_ in ("on", "for")]
        if preps:
            toks = [t for p in preps for g in p.children if g.dep_ in ("pobj", "pcomp") for t in g.subtree]
            toks += [t for c in kids if c.dep_ == "xcomp" for t in c.subtree]
            return (toks, "object") if toks else None
    clauses = [c for c in kids if c.dep_ == "ccomp"]
    subj = subject_of(verb)
    if subj is not None and subj.i < verb.i and any(c.i > verb.i for c in clauses):
        # "X: Republicans said they ...": the clause after the cue is what they said.
        clauses = [c for c in clauses if c.i > verb.i]
    if clauses:
        return [t for c in clauses for t in c.subtree], "ccomp"
    passive = [c for c in kids if c.dep_ == "nsubjpass"]
    if passive and not any(c.dep_ == "agent" for c in kids) and lemma in _PASSIVE_VERBS:
        # "Mr. Quiros was accused of ...", "North Korea is not thought to be capable ...":
        # no one is named; the whole clause is what is said.
        rest = [c for c in kids if c.dep_ not in ("punct", "cc", "conj", "advcl", "mark")]
        return [t for c in rest for t in c.subtree] + [verb], "passive"
    if lemma in _RAISING_VERBS:
        # "Melania seems to have vanished ...": an unattributed impression, the whole clause.
        x = [c for c in kids if c.dep_ in ("xcomp", "ccomp") and c.i > verb.i]
        subj = [c for c in kids if c.dep_ == "nsubj" and c.i < verb.i and c.lower_ not in ("it", "there")]
        if x and subj:
            return [t for c in subj + x for t in c.subtree] + [verb], "passive"
        return None
    if lemma in _XCOMP_VERBS:
        x = [c for c in kids if c.dep_ == "xcomp"]
        if x:
            objs = [c for c in kids if c.dep_ in ("dobj", "dative") and c.i < x[0].i]
            return [t for c in objs + x for t in c.subtree], "xcomp"
    if lemma in _NOMINAL_VERBS:
        obj = [c for c in kids if c.dep_ in ("dobj", "xcomp", "pcomp") and c.lower_ not in _EMPTY_OBJECTS]
        if obj:
            # "accused the government of attempting ...", "portrayed himself as ...".
            more = [c for c in kids if c.dep_ == "prep" and c.lower_ in ("of", "for", "as") and c.i > obj[0].i]
            return [t for c in obj + more[:1] for t in c.subtree], "object"
    if lemma in _PREP_VERBS or lemma in _NOMINAL_VERBS:
        preps = [c for c in kids if c.dep_ == "prep" and c.lower_ in _CONTENT_PREPS]
        toks = [t for p in preps[:1] for g in p.children if g.dep_ in ("pobj", "pcomp")
                and g.ent_type_ not in ("DATE", "TIME") for t in g.subtree]
        if toks:
            return toks, "object"
    if verb.dep_ == "parataxis" and verb.head is not verb and lemma in _INSERTED_CUES:
        inside = {t.i for t in verb.subtree}
        return [t for t in verb.head.subtree if t.i not in inside], "parataxis"
    return None


def _negated(verb: Any, content: list[Any]) -> bool:
    """ "did not say", "has not said": a negation next to the cue, not inside what it governs."""
    inside = {t.i for t in content}
    return any(c.dep_ == "neg" and c.i not in inside and 0 < verb.i - c.i <= 3 for c in verb.children)


def _according(tok: Any, sdoc: Any, base: int) -> Found | None:
    if tok.lower_ != "according" or tok.i + 1 >= len(sdoc) or sdoc[tok.i + 1].lower_ != "to":
        return None
    to = sdoc[tok.i + 1]
    pobj = [g for g in to.children if g.dep_ == "pobj"] or [
        g for g in tok.children if g.dep_ == "pobj"
    ]
    if not pobj:
        return None
    phrase = {t.i for t in tok.subtree} | {t.i for t in to.subtree}
    rest = [t for t in sdoc if t.i not in phrase and not t.is_space]
    content = _span(rest, base)
    spk = _span(_speaker_tokens(pobj[0]), base)
    if content is None or spk is None:
        return None
    return Found(content[0], content[1], base + tok.idx, base + to.idx + len(to.text), "according to",
                 spk[0], spk[1], via="according", speaker_lemma=pobj[0].lemma_.lower(),
                 speaker_head=base + pobj[0].idx)


def _noun_cue(tok: Any, base: int) -> Found | None:
    if tok.pos_ != "NOUN" or tok.lemma_.lower() not in SPEECH_NOUNS:
        return None
    clause = [c for c in tok.children if c.dep_ in ("acl", "ccomp") and any(
        g.dep_ == "mark" and g.lower_ == "that" for g in c.children)]
    owner = [c for c in tok.children if c.dep_ == "poss" and c.lower_ not in ("its",)]
    if not clause and owner:
        # "his plan to ...", "Trump's claims about ...": with a possessor as the source.
        clause = [c for c in tok.children if c.dep_ == "acl" and c.i > tok.i and any(
            g.dep_ == "aux" and g.lower_ == "to" for g in c.children)]
        clause = clause or [g for c in tok.children if c.dep_ == "prep" and c.i == tok.i + 1
                            and c.lower_ in ("about", "on") for g in c.children if g.dep_ == "pobj"]
    if not clause:
        return None
    content = _span(list(clause[0].subtree), base)
    if content is None:
        return None
    spk = _span(_speaker_tokens(owner[0]), base) if owner else None
    return Found(content[0], content[1], base + tok.idx, base + tok.idx + len(tok.text),
                 tok.lemma_.lower(), spk[0] if spk else None, spk[1] if spk else None, via="noun",
                 speaker_lemma=owner[0].lemma_.lower() if owner else None,
                 speaker_head=base + owner[0].idx if owner else None)


def _trim(toks: list[Any], nominal: bool = False) -> list[Any]:
    """Drop a trailing non-restrictive clause from a content: "..., who took heat for it"."""
    if not toks:
        return toks
    inside = {t.i for t in toks}
    roots = [t for t in toks if t.head.i not in inside or t.head is t]
    drop: set[int] = set()
    for root in roots:
        for c in root.children:
            if c.i <= root.i or c.dep_ not in ("relcl", "appos"):
                continue
            left = c.left_edge.i
            if left > 0 and c.doc[left - 1].text == "," and c.right_edge.i == max(inside):
                drop.update(t.i for t in c.subtree)
                drop.add(left - 1)
    for tok in toks:
        # A deeper apposition closing the content: "... with NATO, the existing alliance that ...".
        for c in tok.children:
            deep = ("appos", "relcl", "acl") if nominal else ("appos",)
            if c.dep_ not in deep or c.i <= tok.i or tok in roots:
                continue
            left = c.left_edge.i
            if left > 0 and c.doc[left - 1].text == "," and c.right_edge.i == max(inside):
                drop.update(t.i for t in c.subtree)
                drop.add(left - 1)
    return [t for t in toks if t.i not in drop] if drop else toks


def _own_clauses(toks: list[Any], verb: Any, subj: Any | None) -> list[Any]:
    """Fit a clausal content to what the speaker said, as PolNeAR marks it.

    A clause fronted before the speaker belongs to the content ("When she is
    hiring, she said she ..."); a clause after a semicolon, or a coordinated
    clause with a speech verb and a subject of its own ("... and Democrats
    accused ..."), is the writer's or someone else's, not this speaker's.
    """
    if not toks:
        return toks
    toks = sorted(toks, key=lambda t: t.i)
    first = toks[0].i
    if first > verb.i:
        for t in toks[1:]:
            if t.text == ";" or (t.dep_ == "conj" and t.pos_ in ("VERB", "AUX")
                                 and verb_lemma(t.text, t.lemma_) in SPEECH_VERBS
                                 and any(c.dep_ in _SUBJ for c in t.children)):
                stop = t.i
                if t.dep_ == "conj":
                    stop = min([c.i for c in t.head.children if c.dep_ == "cc" and t.head.i < c.i < t.i]
                               + [t.left_edge.i])
                toks = [x for x in toks if x.i < stop]
                break
        lead = subj.left_edge.i if subj is not None and subj.i < verb.i else verb.i
        fronted = [c for c in verb.children if c.dep_ == "advcl" and c.i < lead and c.left_edge.i == 0
                   and any(m.dep_ == "mark" and m.lower_ in ("when", "if", "unless") for m in c.children)
                   and c.right_edge.i + 1 < lead and c.doc[c.right_edge.i + 1].text == ","]
        if fronted:
            toks = sorted(list(fronted[0].subtree) + [verb.doc[fronted[0].right_edge.i + 1]] + toks,
                          key=lambda t: t.i)
    return toks


def _sandwiched(sdoc: Any, verb: Any, subj: Any | None) -> list[Any] | None:
    """ "A, Mr. Clarke said, B": the cue interrupts the content, which is the whole sentence."""
    first = min(verb.i, subj.left_edge.i) if subj is not None else verb.i
    if first < 2 or sdoc[first - 1].text != ",":
        return None
    k = verb.i + 1
    while k < len(sdoc) and k <= verb.i + 6 and sdoc[k].text != ",":
        k += 1
    if k >= len(sdoc) - 2 or sdoc[k].text != "," or sdoc[k + 1].tag_ == "VBG":
        return None
    cue_part = set(range(first - 1, k + 1))
    return [t for t in sdoc if t.i not in cue_part and not t.is_space]


# Cues that can stand inside or after their content as a parenthetical: "..., he said, ...".
_INSERTED_CUES = frozenset(
    "say tell add note explain write argue insist claim warn acknowledge admit predict continue "
    "recall conclude concede contend suggest believe think".split()
)

# Speech verbs whose passive reports unattributed speech or belief.
_PASSIVE_VERBS = frozenset(
    "say think believe expect report accuse allege consider know suspect rumor rumour estimate "
    "describe predict project fear understand claim rate confirm determine view regard deem criticize "
    "criticise ask".split()
)

# Adjectives of belief and feeling that take a clause: "Democrats are afraid that ...".
ATTITUDE_WORDS = _ATTITUDE = frozenset(
    "afraid convinced confident worried concerned sure certain optimistic hopeful aware skeptical "
    "sceptical adamant insistent fearful doubtful persuaded".split()
)


def _attitude(tok: Any, base: int) -> Found | None:
    if tok.lower_ not in _ATTITUDE or tok.dep_ not in ("acomp", "ROOT", "oprd"):
        return None
    clause = [c for c in tok.children if c.dep_ == "ccomp"]
    if not clause:
        return None
    content = _span(list(clause[0].subtree), base)
    subj = subject_of(tok.head) if tok.dep_ == "acomp" else subject_of(tok)
    if content is None or subj is None:
        return None
    spk = _span(_speaker_tokens(subj), base)
    if spk is None:
        return None
    cue = (base + tok.head.idx, base + tok.idx + len(tok.text)) if tok.head.i < tok.i else (
        base + tok.idx, base + tok.idx + len(tok.text))
    return Found(content[0], content[1], cue[0], cue[1], tok.lower_, spk[0], spk[1], via="ccomp",
                 speaker_lemma=subj.lemma_.lower(), speaker_head=base + subj.idx)


@functools.lru_cache(maxsize=50_000)
def may_cue(text: str, lemma: str, pos: str) -> bool:
    """Whether a token passes the first test of one of ``find_in_sentence``'s cues."""
    lower = text.lower()
    return (lower in _ATTITUDE or lower == "according"
            or (pos == "NOUN" and lemma.lower() in SPEECH_NOUNS)
            or (pos in ("VERB", "AUX") and verb_lemma(text, lemma) in SPEECH_VERBS))


def find_in_sentence(sdoc: Any, base: int) -> Iterator[Found]:
    """Every attribution the parse of one sentence shows."""
    from spacy.attrs import LEMMA, ORTH, POS

    strings = sdoc.vocab.strings
    rows = sdoc.to_array([ORTH, LEMMA, POS]).tolist() if len(sdoc) else []
    for i, (orth, lemma, pos) in enumerate(rows):
        if not may_cue(strings[orth], strings[lemma], strings[pos]):
            continue
        tok = sdoc[i]
        att = _attitude(tok, base)
        if att is not None:
            yield att
            continue
        acc = _according(tok, sdoc, base)
        if acc is not None:
            yield acc
            continue
        noun = _noun_cue(tok, base)
        if noun is not None:
            yield noun
            continue
        lemma = verb_lemma(tok.text, tok.lemma_)
        if tok.pos_ not in ("VERB", "AUX") or lemma not in SPEECH_VERBS:
            continue
        got = _content_tokens(tok, lemma)
        subj = subject_of(tok) if lemma not in _RAISING_VERBS else None
        sandwich = _sandwiched(sdoc, tok, subj) if lemma in _INSERTED_CUES else None
        if (not got or not got[0]) and sandwich:
            got = sandwich, "parataxis"
        if not got or not got[0]:
            continue
        toks, via = got
        toks = _trim(toks, nominal=via == "object")
        if via == "ccomp":
            toks = _own_clauses(toks, tok, subj)
        elif via == "parataxis":
            # "“...,” Mr. Obama said, not even needing to ...": the participle after the cue
            # is the writer's, whatever the parser hung it on.
            after = {t.i for t in toks if t.i > tok.i and t.head.i < tok.i and t.tag_ == "VBG"
                     and t.dep_ in ("advcl", "xcomp", "conj")}
            cut = {x.i for t in toks if t.i in after for x in t.subtree}
            toks = [t for t in toks if t.i not in cut]
        if sandwich is not None and via in ("ccomp", "parataxis"):
            toks = sandwich
        content = _span(toks, base)
        if content is None or content[1] - content[0] < 3:
            continue
        spk = _span(_speaker_tokens(subj), base) if subj is not None else None
        if subj is not None and subj.lower_ in ("who", "that") and subj.head.dep_ == "relcl":
            subj = subj.head.head  # "Smith, who said ...": the relative pronoun stands for Smith
        cue_toks = [tok] + [c for c in tok.children if c.dep_ in ("aux", "prt", "neg") or (
            c.dep_ == "prep" and lemma == "call" and c.lower_ in ("on", "for"))]
        cue = _span(cue_toks, base) or (base + tok.idx, base + tok.idx + len(tok.text))
        yield Found(content[0], content[1], cue[0], cue[1], lemma,
                    spk[0] if spk else None, spk[1] if spk else None, _negated(tok, toks), via,
                    subj.lemma_.lower() if subj is not None else None,
                    base + subj.idx if subj is not None else None)

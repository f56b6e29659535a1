"""Text fingerprints for story linking: normalised shingles, MinHash, and stem bags.

Two views of one article, each robust to a different kind of copy:

* **shingles** (word 5-grams over vowel-stripped word skeletons) measure text
  reuse. Skeletons make respellings and mixed transliterations ("Kharkov" /
  "Kharkiv", "colour" / "color") hash alike, so a spun copy still shares
  most of its shingles with the original.
* **stems** (the first five letters of each content word, title words counted
  twice) measure what a text is about; weighted by IDF they find retellings
  that share few exact phrases (rewrites by another outlet). Truncating words
  is a crude stemmer, but it works for English and Russian alike without a
  language model.

A third, small view keeps the **names** (capitalised words) of the text and
of its title. Two reports on one topic share most stems, but a retelling of
one event names the same people and places: an article whose title is about
someone the other text never mentions ("Christie calls Clinton a disgrace"
beside "Clinton speaks on police shooting") reports another event.

Boilerplate lines (promo lines, credits, "Previous Post", tag lists) are
dropped before either view is taken, so that two unrelated articles from one
content farm do not look alike through its template.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from datasketch import LeanMinHash, MinHash

NUM_PERM = 128
SCHEME = "affine32"  # datasketch 2.0's 32-bit permutations: signatures persist as 4 bytes per value
SHINGLE = 5
STEM = 5

_WORD = re.compile(r"\w+")
_DOUBLE = re.compile(r"(.)\1+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z]")
_NAME = re.compile(r"(?<!\w)[A-ZА-ЯЁ][a-zа-яё]+(?:-[A-ZА-ЯЁa-zа-яё][a-zа-яё]+)*")
_LOWER_WORD = re.compile(r"(?<!\w)[a-zа-яё]+(?!\w)")
_LAST_WORD = re.compile(r"(\w+)\s+$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;«\"“(\n—–-])\s*$")
_VOWELS = str.maketrans("", "", "aeiouyаеёиоуыэюяіїєі")

# Lines a page template adds around (or into) the article body. Matched on the
# whole line; what extraction already removed is not in Article.text anyway.
BOILERPLATE = re.compile(
    r"^\s*(?:register now\b.*|subscribe\b.*|sign up\b.*|read more\b.*|related\b.*|advertisement\b.*|"
    r"share (?:this|on)\b.*|follow us\b.*|click here\b.*|previous post|next post|leave a reply|tags?:.*|"
    r"your email address will not be published.*|our standards:.*|copyright\b.*|©.*|all rights reserved.*|"
    r"(?:reporting|writing|editing|additional reporting|letter) (?:by|from)\b.*|"
    r"подпис\w+ на\b.*|читайте также\b.*|реклама)\s*$",
    re.I,
)
# "KYIV, Sept. 10 (Reuters) -" and similar: dropped so that a copy without its
# dateline still shares its first shingles with the original.
DATELINE_PREFIX = re.compile(r"^[A-ZА-ЯЁ][\w .'’-]{1,40},?\s+[\w. ]{0,20}\((?:[A-Za-zА-Яа-я. ]{2,20})\)\s*[-–—]\s*")

STOPWORDS = frozenset(
    """the a an of to in and for on with at by from is are was were be been has have had that this it its as or
    but not he she they we you his her their our said says will would could should may can also after before over
    into about than more new who which what when where there been being do does did them then out up one two
    и в во не на что с со по к ко у о об от до из за для же бы ли как так это этот эта эти тот та те он она они мы
    вы я его ее её их но а или то все всё был была были быть есть уже еще ещё при после также более может будет
    который которые которая которого года году""".split()
)


def clean_lines(text: str) -> list[str]:
    """The article's lines without template boilerplate and without a leading dateline."""
    out = []
    for line in text.splitlines():
        if not line.strip() or BOILERPLATE.match(line):
            continue
        out.append(line)
    if out:
        out[0] = DATELINE_PREFIX.sub("", out[0])
    return out


def words(text: str) -> list[str]:
    """Lower-cased word tokens after Unicode normalisation (ё folded into е)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower().replace("ё", "е"))


@functools.lru_cache(maxsize=1 << 18)
def skeleton(word: str) -> str:
    """A spelling-tolerant key: first letter, then consonants with doubles collapsed."""
    if word.isdigit() or len(word) < 4:
        return word
    rest = word[1:].translate(_VOWELS)
    return word[0] + _DOUBLE.sub(r"\1", rest)


def script(text: str) -> str:
    """'cyrillic', 'latin' or '' by majority of letters: a language proxy that needs no model."""
    cyr = len(_CYRILLIC.findall(text, 0, 2000))
    lat = len(_LATIN.findall(text, 0, 2000))
    if not cyr and not lat:
        return ""
    return "cyrillic" if cyr > lat else "latin"


def shingles(tokens: list[str]) -> set[bytes]:
    """Word 5-grams over skeletons (short texts: the whole text as one shingle)."""
    skel = [skeleton(w) for w in tokens]
    if len(skel) < SHINGLE:
        return {" ".join(skel).encode()} if skel else set()
    return {" ".join(skel[i : i + SHINGLE]).encode() for i in range(len(skel) - SHINGLE + 1)}


def stems(tokens: list[str]) -> Counter[str]:
    return Counter(w[:STEM] for w in tokens if w not in STOPWORDS and (len(w) > 2 or w.isdigit()))


@functools.lru_cache(maxsize=1 << 16)
def name_key(word: str) -> int:
    """A name's hash, tolerant of Russian case endings ("Токаева" / "Токаев" -> "тока")."""
    w = word.lower().replace("ё", "е")
    return zlib.crc32((w[:4] if _CYRILLIC.match(w) else w).encode())


def _keys(name: str) -> tuple[int, ...]:
    return tuple(name_key(p) for p in name.split("-") if len(p) > 1)


def names_of(title: str | None, body: str) -> tuple[np.ndarray, tuple[tuple[int, ...], ...]]:
    """Name keys of title and body (sorted, unique) and the title's names (see below), in one pass.

    Every capitalised word part counts as a name key, sentence starts included:
    the keys only ever show that a text *mentions* a name. The title's names
    are stricter: sentence-initial capitals and headline case say nothing, so a
    title word counts only if the body writes it capitalised mid-sentence (not
    right after a capitalised function word: "The Latest", "В Мойке") and
    never in lower case. Hyphenated names keep their parts ("Санкт-Петербург":
    one part found is enough).
    """
    candidates: list[tuple[int, ...]] = []
    if title:
        lower = set(_LOWER_WORD.findall(body, 0, 20000))  # words the body writes in lower case
        for m in _NAME.finditer(title):
            if not any(p.lower() in STOPWORDS or p.lower() in lower for p in m.group().split("-")):
                candidates.append(_keys(m.group()))  # else a common word in title case ("Police", "Latest")
    wanted = {k for parts in candidates for k in parts}
    keys: set[int] = set()
    mid: set[int] = set()
    for m in _NAME.finditer(body):
        parts = _keys(m.group())
        keys.update(parts)
        if not wanted.intersection(parts) or m.start() > 20000:
            continue
        if _SENTENCE_START.search(body, max(0, m.start() - 3), m.start()):
            continue
        before = _LAST_WORD.search(body, max(0, m.start() - 12), m.start())
        if before is None or not (before.group(1)[0].isupper() and before.group(1).lower() in STOPWORDS):
            mid.update(parts)
    if title:
        keys.update(k for m in _NAME.finditer(title) for k in _keys(m.group()))
    found = [parts for parts in candidates if parts and any(k in mid for k in parts)]
    return np.array(sorted(keys), dtype=np.uint32), tuple(dict.fromkeys(found))


@dataclass(slots=True)
class Fingerprint:
    """What the linker keeps per article: enough to compare it without its text."""

    id: str
    minhash: LeanMinHash
    n_shingles: int
    terms: dict[str, float]  # stem -> 1 + log(tf), title stems counted twice (emptied once indexed)
    script: str = ""
    length: int = 0  # words of cleaned text
    site: str | None = None
    title_numbers: frozenset[str] = frozenset()  # "8" in "Forecast for 8 November"
    names: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32), repr=False)  # see ``names_of``
    title_names: tuple[tuple[int, ...], ...] = ()  # the title's names, see ``names_of``
    keys: list[int] = field(default_factory=list)  # its stem ids in the inverted index
    # Set by the index: sorted stem ids, their tf weights, and the unit TF-IDF vector.
    ids: np.ndarray | None = field(default=None, repr=False)
    tf: np.ndarray | None = field(default=None, repr=False)
    vector: np.ndarray | None = field(default=None, repr=False)
    embedding: np.ndarray | None = field(default=None, repr=False)
    terms_json: str | None = field(default=None, repr=False)  # the stored form of its weights, once indexed
    spin: list[str] | None = field(default=None, repr=False)  # the article's ``spin_signals``, when made with it

    def signature(self) -> bytes:
        return self.minhash.hashvalues.astype(np.uint32).tobytes()


def make_minhash(shingle_set: set[bytes]) -> LeanMinHash:
    m = MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32, scheme=SCHEME, permutations=_permutations())
    if shingle_set:
        m.update_batch(list(shingle_set))
    return LeanMinHash(m)


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's permutations for seed 1, drawn once (it draws them for every MinHash)."""
    return MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32, scheme=SCHEME).permutations


def minhash_from_signature(data: bytes) -> LeanMinHash:
    values = np.frombuffer(data, dtype=np.uint32)
    return LeanMinHash(seed=1, hashvalues=values, scheme=SCHEME)


def title_numbers(title: str | None) -> frozenset[str]:
    return frozenset(w for w in words(title or "") if w.isdigit())


def fingerprint(article_id: str, text: str, title: str | None = None, site: str | None = None) -> Fingerprint:
    """Build the fingerprint of one article's text (and title)."""
    body = "\n".join(clean_lines(text))
    tokens = words(body)
    sh = shingles(tokens)
    bag = stems(tokens)
    if title:
        for stem, n in stems(words(title)).items():
            bag[stem] += 2 * n
    terms = {s: 1.0 + math.log(n) for s, n in bag.items()}
    names, named = names_of(title, body)
    return Fingerprint(
        id=article_id, minhash=make_minhash(sh), n_shingles=len(sh), terms=terms,
        script=script(body), length=len(tokens),
        site=site, title_numbers=title_numbers(title),
        names=names, title_names=named,
    )


def unnamed_title_names(a: Fingerprint, b: Fingerprint) -> int:
    """How many of a's title names b never mentions (a hyphenated name counts if any part is there)."""
    if not a.title_names or not len(b.names):
        return 0
    missing = 0
    for parts in a.title_names:
        pos = np.searchsorted(b.names, parts)
        if not any(p < len(b.names) and b.names[p] == k for p, k in zip(pos, parts)):
            missing += 1
    return missing


def jaccard(a: Fingerprint, b: Fingerprint) -> float:
    """MinHash estimate of the shingle Jaccard similarity."""
    if not a.n_shingles or not b.n_shingles:
        return 0.0
    return float(np.count_nonzero(a.minhash.hashvalues == b.minhash.hashvalues)) / NUM_PERM


def reuse(a: Fingerprint, b: Fingerprint) -> tuple[float, float]:
    """Estimated share of a's shingles found in b, and of b's found in a.

    From the Jaccard estimate J and the set sizes: |A∩B| = J(|A|+|B|)/(1+J).
    A trimmed copy reuses ~1.0 of its own shingles while covering only part of
    the original: the two directions tell trimmed from paraphrased.
    """
    j = jaccard(a, b)
    if j <= 0.0:
        return 0.0, 0.0
    inter = j * (a.n_shingles + b.n_shingles) / (1.0 + j)
    return min(1.0, inter / a.n_shingles), min(1.0, inter / b.n_shingles)

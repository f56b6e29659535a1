"""Near-duplicate and retelling search: which stored article is a new one's closest relative?

Candidates come from two indexes, each cheap to update one document at a time:

* a MinHash LSH index (datasketch) over shingles finds copies: verbatim,
  trimmed, reordered, respelled, spun;
* an inverted index over each article's most distinctive stems (highest
  TF-IDF) finds retellings that share names, numbers and key words but few
  exact phrases.

Every candidate is then verified: text reuse (shingle containment) decides
copies; a retelling needs several signals to agree: IDF-weighted stem cosine,
the names (capitalised words) both texts use, the names and numbers of the
titles; for English text a sentence embedding (all-MiniLM-L6-v2) rescues
retellings in the grey zone. Articles that are merely on the same topic (two
reports from one front on one day, a politician's reaction to another's
remarks) share vocabulary but not phrases, rare stems and the same actors.
Names need no language model, so the rules hold for Russian as for English.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from datasketch import MinHashLSH

from .text import NUM_PERM, Fingerprint, reuse, unnamed_title_names

LSH_THRESHOLD = 0.2  # 28 bands of 2 rows: a copy trimmed to a quarter of the original (J ~ 0.25) is found 80% of the time, and the stem index catches most of the rest
KEY_TERMS = 12  # distinctive stems per article in the inverted index
MAX_POSTINGS = 5000  # a stem in more articles than this stops being a useful key
MIN_SHARED_KEYS = 2
COPY_REUSE = 0.5  # share of the smaller text's shingles found in the other
MIN_SHARED_SHINGLES = 12
RETELL_COSINE = 0.39
GREY_COSINE = 0.3  # below RETELL_COSINE, English pairs may still pass on embeddings
RETELL_EMBEDDING = 0.86
VETO_REUSE = 0.9
SAME_SITE_COSINE = 0.8
PLAIN_RETELL_COSINE = 0.47  # from here on, stems alone decide a retelling
SOME_NAMES = 0.2  # below it, a retelling must share this much name weight
NAMED_COSINE = 0.28  # below RETELL_COSINE, a pair naming the same rare people and places may still pass
NAMED_AGREEMENT = 0.55  # IDF-weighted cosine of the two name sets for that
OTHER_NAMES_COSINE = 0.55  # a retelling whose title names someone the other text never mentions


def _numbers_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two titles share a number, or two numbers within 5% of each other."""
    if a & b:
        return True
    return any(abs(int(x) - int(y)) <= 0.05 * max(int(x), int(y)) for x in a for y in b)


@dataclass(slots=True, frozen=True)
class Match:
    """How a new article relates to one stored article."""

    other: str
    score: float  # higher = closer; copies score above 1
    reuse_new: float  # share of the new article's shingles found in the other
    reuse_other: float
    cosine: float
    grey: bool = False  # a retelling in the grey zone: the embeddings may still decide (``same_story``)

    @property
    def copy(self) -> bool:
        return max(self.reuse_new, self.reuse_other) >= COPY_REUSE


class Index:
    """In-memory candidate indexes plus the document frequencies behind IDF.

    The linker rebuilds it from the database (fingerprints are persisted) and
    then adds one article at a time; nothing is ever recomputed in bulk.
    """

    def __init__(self, text_of: Callable[[str], str | None] | None = None) -> None:
        self.lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self.prints: dict[str, Fingerprint] = {}
        # Stems become integer ids so that each stored article keeps two small
        # arrays instead of two dicts (~2 KB instead of ~40 KB per article).
        self.vocab: dict[str, int] = {}
        self.stems: list[str] = []
        self.df = np.zeros(1024, dtype=np.int32)
        self.prior_docs = 0  # documents counted in df by ``observe`` but not (yet) indexed
        self.postings: dict[int, list[str]] = defaultdict(list)
        self.name_df: Counter[int] = Counter()  # documents per name key (fingerprints' ``names``)
        # Embeddings are computed only for grey-zone pairs, from the text this
        # callback returns (None: no embedding check at all).
        self.text_of = text_of

    def __len__(self) -> int:
        return len(self.prints)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self.prints

    # -- weights -------------------------------------------------------------------------
    def _encode(self, fp: Fingerprint) -> None:
        """Give the fingerprint sorted stem ids and tf weights (once)."""
        if fp.ids is not None:
            return
        ids = np.empty(len(fp.terms), dtype=np.int32)
        for k, stem in enumerate(fp.terms):
            tid = self.vocab.get(stem)
            if tid is None:
                tid = self.vocab[stem] = len(self.stems)
                self.stems.append(stem)
            ids[k] = tid
        tf = np.fromiter(fp.terms.values(), dtype=np.float32, count=len(fp.terms))
        order = np.argsort(ids)
        fp.ids, fp.tf = ids[order], tf[order]
        if len(self.stems) > len(self.df):
            self.df = np.concatenate([self.df, np.zeros(max(len(self.df), len(self.stems)), dtype=np.int32)])

    def terms_of(self, fp: Fingerprint) -> dict[str, float]:
        """The stem weights of a fingerprint (for persisting it)."""
        if fp.terms or fp.ids is None or fp.tf is None:
            return dict(fp.terms)
        return {self.stems[int(i)]: float(w) for i, w in zip(fp.ids, fp.tf)}

    def _vector(self, fp: Fingerprint) -> np.ndarray:
        # +1 smoothing on both sides: a stem seen once in a small corpus still
        # weighs less than one never seen, and weights stay positive.
        self._encode(fp)
        assert fp.ids is not None and fp.tf is not None
        n = len(self.prints) + self.prior_docs + 2
        vec = fp.tf * np.log(n / (self.df[fp.ids] + 1.0)).astype(np.float32)
        norm = float(np.linalg.norm(vec)) or 1.0
        return (vec / norm).astype(np.float32)

    def cosine(self, a: Fingerprint, b: Fingerprint) -> float:
        # Vectors are weighted with the IDF of the moment each was made: a
        # stored article's weights drift a little as the corpus grows, which
        # costs nothing measurable and saves re-weighting every candidate.
        va = a.vector if a.vector is not None else self._vector(a)
        vb = b.vector if b.vector is not None else self._vector(b)
        assert a.ids is not None and b.ids is not None
        _, ia, ib = np.intersect1d(a.ids, b.ids, assume_unique=True, return_indices=True)
        return float(va[ia] @ vb[ib])

    def name_cosine(self, a: Fingerprint, b: Fingerprint) -> float:
        """IDF-weighted cosine of two name sets: do they name the same rare people and places?"""
        if not len(a.names) or not len(b.names):
            return 0.0
        n = len(self.prints) + self.prior_docs + 2

        def idf2(keys: list[int]) -> float:
            return sum(math.log(n / (self.name_df[k] + 1.0)) ** 2 for k in keys)

        shared = np.intersect1d(a.names, b.names, assume_unique=True).tolist()
        if not shared:
            return 0.0
        return idf2(shared) / math.sqrt(idf2(a.names.tolist()) * idf2(b.names.tolist()) or 1.0)

    def key_terms(self, fp: Fingerprint) -> list[int]:
        vec = fp.vector if fp.vector is not None else self._vector(fp)
        assert fp.ids is not None
        top = np.argsort(-vec, kind="stable")[:KEY_TERMS]
        return [int(fp.ids[i]) for i in top]

    def observe(self, fp: Fingerprint) -> None:
        """Count a document in the IDF statistics ahead of indexing it (batch mode knows the corpus)."""
        self._encode(fp)
        self.df[fp.ids] += 1
        self.prior_docs += 1
        self.name_df.update(fp.names.tolist())

    def set_document_frequencies(self, df: Mapping[str, int], n_docs: int) -> None:
        """Weigh with the document counts of a larger corpus than this index has observed.

        A batch job that links one group of articles at a time (``dateline spark``
        links each connected component apart) still weighs terms as the whole input
        does. Observe the group's fingerprints first, then call this: every stem the
        index knows takes its count from ``df`` (a stem missing there was seen once),
        and ``n_docs`` documents count as observed.
        """
        for stem, tid in self.vocab.items():
            self.df[tid] = df.get(stem, 1)
        self.prior_docs = n_docs

    # -- search and insert --------------------------------------------------------------
    def candidates(self, fp: Fingerprint) -> set[str]:
        if fp.vector is None:
            fp.vector = self._vector(fp)
        found = set(self.lsh.query(fp.minhash)) if fp.n_shingles else set()
        shared: Counter[str] = Counter()
        for term in self.key_terms(fp):
            posting = self.postings.get(term)
            if posting and len(posting) <= MAX_POSTINGS:
                shared.update(posting)
        found.update(doc for doc, n in shared.items() if n >= MIN_SHARED_KEYS)
        found.discard(fp.id)
        return found

    def compare(self, fp: Fingerprint, other: Fingerprint) -> Match:
        r_new, r_other = reuse(fp, other)
        cos = self.cosine(fp, other)
        grey = (self.text_of is not None and GREY_COSINE <= cos < RETELL_COSINE
                and fp.script == other.script == "latin" and max(r_new, r_other) < COPY_REUSE)
        shared = max(r_new * fp.n_shingles, r_other * other.n_shingles)
        copy = max(r_new, r_other) >= COPY_REUSE and shared >= min(MIN_SHARED_SHINGLES, fp.n_shingles, other.n_shingles)
        score = 1.0 + max(r_new, r_other) if copy else cos
        return Match(other.id, score, r_new, r_other, cos, grey)

    def same_story(self, m: Match, fp: Fingerprint | None = None, other: Fingerprint | None = None) -> bool:
        """The verification rule: a copy, or a retelling close enough in what it says.

        A retelling whose title names a person or place the other text never
        mentions needs a higher cosine (see ``OTHER_NAMES_COSINE``).
        Serial items (forecasts, daily tallies) share a template and differ in
        the numbers of their titles ("Forecast for 8 November" / "... for 18
        November"): disjoint title numbers veto anything short of a verbatim copy.
        Numbers within 5% of each other agree: a tally updated or rounded by
        another outlet ("121 medics infected" / "120 medics") is the same report.
        """
        if (
            fp is not None and other is not None and fp.title_numbers and other.title_numbers
            and not _numbers_agree(fp.title_numbers, other.title_numbers) and min(m.reuse_new, m.reuse_other) < VETO_REUSE
        ):
            return False
        if m.score > 1.0:
            return True
        if fp is not None and other is not None and fp.site and fp.site == other.site:
            # An outlet seldom retells its own story in new words; its similar
            # items are serials (forecasts, contests) or follow-ups.
            return m.cosine >= SAME_SITE_COSINE
        if (
            fp is not None and other is not None and fp.script == other.script
            and (unnamed_title_names(fp, other) or unnamed_title_names(other, fp))
        ):
            # Same topic, another actor or place: one report reacting to
            # another, or the next event of the affair. Only a close retelling
            # (most rare stems shared) overrides the names.
            return m.cosine >= OTHER_NAMES_COSINE
        if fp is not None and other is not None and len(fp.names) and len(other.names) and m.cosine >= NAMED_COSINE:
            # Between the grey zone and a close retelling, shared stems alone
            # are topic evidence: the pair must also name the same people and
            # places (several signals agreeing, not one threshold). Without
            # names on one side (stored before they were kept), stems decide.
            names = self.name_cosine(fp, other)
            if m.cosine >= RETELL_COSINE and (m.cosine >= PLAIN_RETELL_COSINE or names >= SOME_NAMES):
                return True
            if names >= NAMED_AGREEMENT:
                return True
        elif m.cosine >= RETELL_COSINE:
            return True
        # Last, and only when every rule above left the pair open: the embeddings cost 60 ms
        # a text, and most grey-zone pairs are settled by the titles, the site or the names.
        if not m.grey or fp is None or other is None:
            return False
        similarity = self._embedding_similarity(fp, other)
        return similarity is not None and similarity >= RETELL_EMBEDDING

    def matches(self, fp: Fingerprint) -> list[Match]:
        """Stored articles that pass verification, closest first."""
        found = []
        for other_id in self.candidates(fp):
            m = self.compare(fp, self.prints[other_id])
            if self.same_story(m, fp, self.prints[other_id]):
                found.append(m)
        return sorted(found, key=lambda m: (-m.score, m.other))

    def verify(self, fp: Fingerprint, other_id: str) -> bool:
        """Whether ``fp`` passes verification against one stored article."""
        other = self.prints[other_id]
        return self.same_story(self.compare(fp, other), fp, other)

    def best_match(self, fp: Fingerprint) -> Match | None:
        """The closest stored article that passes verification, if any."""
        found = self.matches(fp)
        return found[0] if found else None

    def add(self, fp: Fingerprint, *, observed: bool = False) -> None:
        """Index one fingerprint (replacing an earlier one); ``observed``: already counted by ``observe``."""
        if fp.id in self.prints:
            self.remove(fp.id)
        self.prints[fp.id] = fp
        self._encode(fp)
        if observed:
            self.prior_docs -= 1
        else:
            self.df[fp.ids] += 1
            self.name_df.update(fp.names.tolist())
        if fp.n_shingles:
            self.lsh.insert(fp.id, fp.minhash, check_duplication=False)
        if fp.vector is None:
            fp.vector = self._vector(fp)
        fp.keys = self.key_terms(fp)
        fp.terms = {}  # kept as ids/tf from here on
        for term in fp.keys:
            self.postings[term].append(fp.id)

    def remove(self, article_id: str) -> None:
        fp = self.prints.pop(article_id, None)
        if fp is None:
            return
        self.df[fp.ids] -= 1
        self.name_df.subtract(fp.names.tolist())
        if fp.n_shingles:
            self.lsh.remove(article_id)
        for term in fp.keys:
            posting = self.postings.get(term)
            if posting and article_id in posting:
                posting.remove(article_id)

    def _embedding_similarity(self, a: Fingerprint, b: Fingerprint) -> float | None:
        assert self.text_of is not None
        missing = [fp for fp in (a, b) if fp.embedding is None]
        texts = [self.text_of(fp.id) for fp in missing]
        if any(t is None for t in texts):
            return None
        if missing:
            from ..analyze.embed import embed

            for fp, vec in zip(missing, embed([t for t in texts if t is not None])):
                fp.embedding = vec
        assert a.embedding is not None and b.embedding is not None
        return float(a.embedding @ b.embedding)

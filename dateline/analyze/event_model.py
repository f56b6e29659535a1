"""The event-type classifier: text of one event mention -> one of the 30 sub-types.

A linear SVM over five views of the text, chosen by 5-fold cross-validation
on the CASE 2021 Task 2 snippets (bench/events.py prints the figures):

- word uni- and bigram TF-IDF (what is said),
- character 2-5-gram TF-IDF (spelling variants, inflections, typos),
- the MiniLM sentence embedding (paraphrases the words never saw),
- cue-lexicon hits, one feature per type (synonyms pooled: "sarin",
  "chlorine" and "toxic gas" all count for Chemical weapon, so rare words
  learned from 500 examples still generalise),
- the cosine of the embedding to each type's definition (zero-shot prior).

Speed: the MiniLM embedding costs ~10x the rest of the features per text,
so prediction is a cascade. A second SVM over the cheap views alone (TF-IDF
and lexicon: 0.789 by cross-validation on its own) answers first; only the
texts it is unsure of (softmax confidence < ``CASCADE_CONFIDENCE``) are
embedded and go to the full model. bench/events.py scores the cascade, i.e.
exactly what the pipeline runs, and prints the share of texts embedded.

Each type's definition (ontology.py) is one extra training example. The
trained weights ship as plain arrays in dateline/data/events/ (no pickle):
``scripts/train_events.py`` writes them, ``model()`` loads them once.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..errors import AnalyzeError
from .embed import DIMENSION, embed
from .ontology import TYPES

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "events"
CODES: tuple[str, ...] = tuple(t.code for t in TYPES)
SVM_C = 0.5  # chosen by cross-validation (0.2..0.7 within 0.004 of each other)
# Softmax temperature turning SVM margins into a confidence in [0, 1].
MARGIN_SCALE = 4.0
# The cheap model's answer stands at or above this confidence (see the module docstring).
CASCADE_CONFIDENCE = 0.4

# Cue words per type; hits are capped at 3 and scaled to [0, 1].
LEXICON: dict[str, str] = {
    "ARMED_CLASH": r"\bclash(es|ed)?\b|\bfighting\b|\bfought\b|\bbattl(e|ed|es|ing)\b|\bexchanged? (of )?fire\b"
                   r"|\bgunfight|\bfirefight|\bskirmish|\bambush",
    "GOV_REGAINS_TERIT": r"\b(re-?captur|retak|retook|regain|liberat|reclaim|wrest|took back|take back"
                         r"|back under (the )?control)\w*",
    "NON_STATE_ACTOR_OVERTAKES_TER": r"\b(seiz|captur|overr[au]n|took control|take control|taken control"
                                     r"|gain(ed)? ground|fell to|fall to|stormed)\w*",
    "AIR_STRIKE": r"\b(air ?strike|air ?raid|warplane|jet|aircraft|drone|helicopter|bomber|air force|aerial"
                  r"|sortie)s?\b",
    "ART_MISS_ATTACK": r"\b(shell(ed|ing|s)?|artillery|mortar|rocket|missile|howitzer|bombard\w*|projectile"
                       r"|katyusha)s?\b",
    "CHEM_WEAP": r"\b(chemical|chlorine|sarin|mustard gas|toxic gas|poison(ous)? gas|nerve agent|gas attack"
                 r"|suffocat\w*)\b",
    "GRENADE": r"\bgrenades?\b",
    "REM_EXPLOS": r"\b(ied|ieds|improvised explosive|roadside bomb|car bomb|landmine|land mine|mine"
                  r"|explosive device|vbied|limpet|bomb blast|planted)s?\b",
    "SUIC_BOMB": r"\bsuicide\b|\b(blew|blow|blown) (himself|herself|themselves) up\b|\bexplosive (vest|belt)\b",
    "ATTACK": r"\b(gunm[ae]n|bandits|opened fire|shot dead|killed|massacre|raid(ed)?|villagers"
              r"|hack(ed)? to death|stabb\w*|murder\w*)\b",
    "ABDUCT_DISSAP": r"\b(kidnap\w*|abduct\w*|hostages?|disappear\w*|missing|taken captive)\b",
    "SEX_VIOL": r"\b(rap(e|ed|es|ing|ist)|gang-?rap\w*|sexual(ly)?|molest\w*)\b",
    "PEACE_PROTEST": r"\b(protest\w*|rall(y|ies|ied)|demonstrat\w*|march\w*|strike|sit-in|picket\w*|chant\w*"
                     r"|placards?)\b",
    "PROTEST_WITH_INTER": r"\b(dispers\w*|detain\w*|tear ?gas|water cannon|block(ed)?)\b",
    "FORCE_AGAINST_PROTEST": r"\b(live (ammunition|rounds|bullets)|rubber bullets|baton\w*"
                             r"|opened fire on (the )?(protesters|demonstrators)"
                             r"|killed (\w+ )?(protesters|demonstrators)|beat(en|ing)?)\b",
    "VIOL_DEMONSTR": r"\b(riot\w*|stones?|rocks|petrol bombs?|molotov|torch\w*|set (on )?fire|vandali\w*"
                     r"|clash(ed)? with (the )?police|violent)\b",
    "MOB_VIOL": r"\b(mob|lynch\w*|vigilante\w*|angry crowd|crowd)s?\b",
    "AGREEMENT": r"\b(agree\w*|deal|ceasefire|cease-fire|truce|peace (accord|agreement|talks)|sign(ed)?"
                 r"|prisoner (swap|exchange)|released|accord)\b",
    "ARREST": r"\b(arrest\w*|detain\w*|custody|apprehend\w*|nabbed|held)\b",
    "CHANGE_TO_GROUP_ACT": r"\b(deploy\w*|redeploy\w*|withdr[ae]w\w*|pull(ed)? (out|back)|reinforce\w*"
                           r"|mobili[sz]\w*|formed|dispatch\w*|troops|moving)\b",
    "DISR_WEAP": r"\b(seiz\w*|confiscat\w*|defus\w*|dismantl\w*|cache|ammunition|firearms|weapons|rounds"
                 r"|pistols|rifles|found|recovered|discovered|cleared)\b",
    "HQ_ESTABLISHED": r"\b(set up|established?|new (military )?base|outpost|observation post|headquarters"
                      r"|military post|camp)\b",
    "NON_VIOL_TERRIT_TRANSFER": r"\b(without (any )?(resistance|fighting|a fight)|handed over|handover"
                                r"|hand over|withdr[ae]w\w*|pulled out|vacated|entered)\b",
    "PROPERTY_DISTRUCT": r"\b(loot\w*|burn(ed|t|ing)|torch\w*|set alight|arson|destroy\w*|vandal\w*|shops)\b",
    "OTHER": r"\b(fled|flee\w*|refugees?|displaced|return(ed)?|tunnels?)\b",
    "DIPLO": r"\b(sanction\w*|diplomat\w*|embassy|ambassador|envoy|expel\w*|urg(e|ed|es)|foreign minist\w*"
             r"|talks|summit|retaliat\w*|ties)\b",
    "ATTRIB": r"\b(claim(ed|s)? responsibility|responsib\w*|accus\w*|blam\w*|den(y|ied|ies)|behind the"
              r"|involvement|allegation\w*|rejected)\b",
    "ORG_CRIME": r"\b(drugs?|cocaine|heroin|narcotic\w*|traffick\w*|smuggl\w*|cartel|gang|counterfeit|fraud"
                 r"|extort\w*|robber\w*|laundering|stolen|brothel|pornograph\w*)\b",
    "NATURAL_DISASTER": r"\b(earthquake|quake|tsunami|flood\w*|landslide|storm|hurricane|cyclone|typhoon"
                        r"|tornado|drought|volcan\w*|eruption|wildfire|bushfire|heavy rain\w*|magnitude"
                        r"|epidemic|outbreak|covid\w*|virus)\b",
    "MAN_MADE_DISASTER": r"\b(fire|blaze|explo(ded|sion)|leak\w*|spill\w*|collaps\w*|crash\w*|derail\w*"
                         r"|accident|capsiz\w*|poison\w*|factory|plant)\b",
}
_LEXICON_RX = [re.compile(LEXICON[code], re.I) for code in CODES]


def lexicon_features(texts: Sequence[str]) -> np.ndarray:
    """Per text, per type: cue-word hits capped at 3, scaled to [0, 1]."""
    return np.array([[min(len(rx.findall(t)), 3) / 3 for rx in _LEXICON_RX] for t in texts], dtype=np.float32)


# scikit-learn's analyzers for TfidfVectorizer's defaults (lowercase, no accent stripping,
# token_pattern r"(?u)\b\w\w+\b"), written out so that prediction does not import
# scikit-learn (a second of start-up in every process); fitting still uses it.
# tests/analyze/test_events.py checks that they give scikit-learn's n-grams.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s\s+")


def _word_ngrams(text: str, lo: int, hi: int) -> list[str]:
    words = _TOKEN.findall(text.lower())
    return [" ".join(words[i:i + n]) for n in range(lo, min(hi, len(words)) + 1) for i in range(len(words) - n + 1)]


def _char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
    grams: list[str] = []
    for word in _SPACES.sub(" ", text.lower()).split():
        w = f" {word} "
        for n in range(lo, hi + 1):
            grams += [w[i:i + n] for i in range(max(len(w) - n + 1, 1))]
            if len(w) <= n:  # a word shorter than n counts once, as itself
                break
    return grams


@dataclass  # not slots: functools.cached_property needs __dict__
class Tfidf:
    """A fitted TF-IDF view (sublinear tf, l2 norm) as plain data: vocabulary and idf."""

    analyzer: str  # "word" | "char_wb"
    ngrams: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, texts: Sequence[str], analyzer: str, ngrams: tuple[int, int], min_df: int) -> Tfidf:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, min_df=min_df)
        vec.fit(texts)
        vocab = {str(k): int(v) for k, v in vec.vocabulary_.items()}
        return cls(analyzer, ngrams, vocab, vec.idf_.astype(np.float32))

    @functools.cached_property
    def _analyze(self) -> Callable[[str], list[str]]:
        lo, hi = self.ngrams
        if self.analyzer == "word":
            return lambda text: _word_ngrams(text, lo, hi)
        if self.analyzer == "char_wb":
            return lambda text: _char_wb_ngrams(text, lo, hi)
        raise ValueError(f"unknown analyzer {self.analyzer!r}")

    def rows(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each text's l2-normalised vector as (columns in increasing order, values)."""
        out = []
        known = self.vocabulary.get
        for text in texts:
            counts = Counter(j for j in map(known, self._analyze(text)) if j is not None)
            cols = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
            tf = np.array([counts[j] for j in cols.tolist()], dtype=np.float32)
            vals = (1.0 + np.log(tf)) * self.idf[cols]
            out.append((cols, vals / max(float(np.sqrt(vals @ vals)), 1e-12)))
        return out

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        rows = self.rows(texts)
        indptr = np.cumsum([0, *(len(c) for c, _ in rows)])
        cols = np.concatenate([c for c, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
        vals = np.concatenate([v for _, v in rows]) if rows else np.zeros(0, dtype=np.float32)
        return sp.csr_matrix((vals, cols, indptr), shape=(len(texts), len(self.idf)), dtype=np.float32)


@dataclass(slots=True)
class Prediction:
    code: str
    confidence: float  # softmax of the SVM margins
    margin: float  # the winning SVM margin (> 0: the type's one-vs-rest side won outright)


@dataclass
class EventModel:
    word: Tfidf
    char: Tfidf
    definitions: np.ndarray  # (30, 384) embeddings of the type definitions
    coef: np.ndarray  # (30, n_features)
    intercept: np.ndarray  # (30,)
    fast_coef: np.ndarray  # (30, n_cheap_features): TF-IDF + lexicon only
    fast_intercept: np.ndarray  # (30,)
    codes: tuple[str, ...] = CODES

    def cheap_features(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF and lexicon views: no embedding."""
        return sp.hstack([self.word.transform(texts), self.char.transform(texts),
                          sp.csr_matrix(lexicon_features(texts))]).tocsr()

    def cascade_margins(self, texts: Sequence[str], vectors: np.ndarray | None = None,
                        threshold: float = CASCADE_CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
        """(margins, embedded mask): the cheap model's margins where it is confident,
        the full model's elsewhere; only the latter texts are embedded (or looked
        up in ``vectors``, ``embed(texts)`` when already computed).

        The same products as ``cheap_features(texts) @ fast_coef.T`` and ``margins``,
        summed from each text's few TF-IDF columns: a handful of texts per article
        spent most of the time in building sparse matrices."""
        n = len(self.codes)
        if not texts:
            return np.zeros((0, n), dtype=np.float32), np.zeros(0, dtype=bool)
        word, char, lex = self.word.rows(texts), self.char.rows(texts), lexicon_features(texts)
        nw, nc = len(self.word.idf), len(self.char.idf)

        def tfidf_part(weights: np.ndarray, i: int) -> np.ndarray:  # weights: (features, types)
            (wc, wv), (cc, cv) = word[i], char[i]
            return wv @ weights[wc] + cv @ weights[nw + cc]

        fast = self._fast_coef_t
        out = np.stack([tfidf_part(fast, i) for i in range(len(texts))]) + lex @ fast[nw + nc:] + self.fast_intercept
        unsure = _confidence(out) < threshold
        if unsure.any():
            idx = np.flatnonzero(unsure)
            vecs = vectors[idx] if vectors is not None else embed([texts[int(i)] for i in idx])
            full, at = self._coef_t, nw + nc
            dense = (vecs @ full[at : at + DIMENSION] + lex[idx] @ full[at + DIMENSION : at + DIMENSION + n]
                     + (vecs @ self.definitions.T) @ full[at + DIMENSION + n :])
            out[idx] = np.stack([tfidf_part(full, int(i)) for i in idx]) + dense + self.intercept
        return out, unsure

    @functools.cached_property
    def _fast_coef_t(self) -> np.ndarray:
        return np.ascontiguousarray(self.fast_coef.T, dtype=np.float32)

    @functools.cached_property
    def _coef_t(self) -> np.ndarray:
        return np.ascontiguousarray(self.coef.T, dtype=np.float32)

    def features(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> sp.csr_matrix:
        """The feature matrix; pass ``vectors`` (``embed(texts)``) when already computed."""
        vectors = embed(list(texts)) if vectors is None else vectors
        return sp.hstack([
            self.word.transform(texts),
            self.char.transform(texts),
            sp.csr_matrix(vectors),
            sp.csr_matrix(lexicon_features(texts)),
            sp.csr_matrix(vectors @ self.definitions.T),
        ]).tocsr()

    def margins(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.codes)), dtype=np.float32)
        return np.asarray(self.features(texts, vectors) @ self.coef.T) + self.intercept

    def predict(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> list[Prediction]:
        """One prediction per text, e.g. ``predict(["Rebels seized the town."])[0].code``.

        Runs the cascade; ``vectors`` (``embed(texts)``, when already computed) are
        looked up instead of re-embedding the unsure texts."""
        margins, _ = self.cascade_margins(texts, vectors)
        out = []
        for row in margins:
            p = np.exp(MARGIN_SCALE * (row - row.max()))
            p /= p.sum()
            best = int(row.argmax())
            out.append(Prediction(self.codes[best], float(p[best]), float(row[best])))
        return out

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], vectors: np.ndarray | None = None,
              definition_vectors: np.ndarray | None = None) -> EventModel:
        """Fit on labelled texts (CASE codes) plus one definition per type."""
        defs = [t.definition for t in TYPES]
        all_texts = list(texts) + defs
        all_labels = list(labels) + [t.code for t in TYPES]
        vectors = embed(list(texts)) if vectors is None else vectors
        def_vectors = embed(defs) if definition_vectors is None else definition_vectors
        model = cls(
            word=Tfidf.fit(all_texts, "word", (1, 2), 1),
            char=Tfidf.fit(all_texts, "char_wb", (2, 5), 2),
            definitions=def_vectors,
            coef=np.zeros(0),
            intercept=np.zeros(0),
            fast_coef=np.zeros(0),
            fast_intercept=np.zeros(0),
        )
        model.coef, model.intercept = _fit_svm(model.features(all_texts, np.vstack([vectors, def_vectors])),
                                               all_labels)
        model.fast_coef, model.fast_intercept = _fit_svm(model.cheap_features(all_texts), all_labels)
        return model

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            folder / "model.npz", word_idf=self.word.idf, char_idf=self.char.idf,
            definitions=self.definitions.astype(np.float32), coef=self.coef, intercept=self.intercept,
            fast_coef=self.fast_coef, fast_intercept=self.fast_intercept,
        )
        meta = {"codes": list(self.codes), "word_vocabulary": self.word.vocabulary,
                "char_vocabulary": self.char.vocabulary}
        (folder / "vocabulary.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> EventModel:
        try:
            arrays = np.load(folder / "model.npz")
            meta = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
        except OSError as exc:
            raise AnalyzeError("event-model-missing", f"{folder}: run scripts/train_events.py") from exc
        return cls(
            word=Tfidf("word", (1, 2), meta["word_vocabulary"], arrays["word_idf"]),
            char=Tfidf("char_wb", (2, 5), meta["char_vocabulary"], arrays["char_idf"]),
            definitions=arrays["definitions"],
            coef=arrays["coef"],
            intercept=arrays["intercept"],
            fast_coef=arrays["fast_coef"],
            fast_intercept=arrays["fast_intercept"],
            codes=tuple(meta["codes"]),
        )


def _confidence(margins: np.ndarray) -> np.ndarray:
    """Softmax probability of the winning type, per row."""
    z = np.exp(MARGIN_SCALE * (margins - margins.max(axis=1, keepdims=True)))
    return z.max(axis=1) / z.sum(axis=1)


def _fit_svm(x: sp.csr_matrix, labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(coef, intercept) of a one-vs-rest linear SVM, rows in ``CODES`` order."""
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=SVM_C).fit(x, labels)
    order = [list(svm.classes_).index(c) for c in CODES if c in svm.classes_]
    if len(order) != len(CODES):
        raise ValueError("training data must cover all 30 event types")
    return svm.coef_[order].astype(np.float32), svm.intercept_[order].astype(np.float32)


@functools.cache
def model() -> EventModel:
    """The shipped classifier, loaded once per process on first use."""
    return EventModel.load(DATA_DIR)

"""Line-level boilerplate classifier for plain text (a scraper's rendering of a page).

Why a model and not rules: in a scraped page the article and the boilerplate are told
apart by layout more than by wording — menus are runs of short title-case lines, the
article is a block of long lines full of function words, footers repeat, teasers are a
short line then a long one. A gradient-boosted classifier over such layout
features of each line *and of its neighbourhood* (nearby line lengths, the density of
prose in windows of several sizes, the distance to the densest stretch of prose, runs
of short lines) captures that without any site- or language-specific strings; the
window features are the smoothing: an isolated short sentence inside the article
scores high because its neighbours are prose.

Layout misses boilerplate that is shaped like prose ("Subscribe now to our e-edition for
the full story.", "(Photo: private)", "Your contribution helps our reporting"). A
second, lexical opinion covers it: a logistic regression over hashed word unigrams and
bigrams of the line (digits and case folded), whose probability for the line and its
neighbours enters the boosted model as features (stacking: in training the lexical
probabilities are out-of-fold, so the booster learns how far to trust them).

The model file ``dateline/data/textlines.joblib`` is trained by
``scripts/train_textlines.py`` (see ``dateline/data/textlines.README.md`` for the data).
Both training and prediction use :func:`line_features` here, so they cannot drift.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "textlines.joblib"
FEATURE_VERSION = 3

_WORD = re.compile(r"\w+", re.UNICODE)
_WS = re.compile(r"\s+")
_BULLET = re.compile(r"^\s*(?:[•·▪►▶◦‣●○■□*>»›✓✔-]|\d{1,2}[.)]\s)")
_URLISH = re.compile(r"https?://|www\.|\.(?:com|org|net|de|html?|php)\b|@\w", re.I)
_DATEISH = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b\d{1,2}:\d{2}\b")
_SENT_END = re.compile(r"[.!?…:;\"'”’»)\]]\s*$")
_SEPARATORS = re.compile(r"\s[|/•·>»]\s|\s\|\s?|\s?\|\s")

# Frequent function words of the languages news pages come in. Language-agnostic
# features carry most of the weight; these make "reads like running prose" visible
# beyond English (the training pages are mostly German, then English, Spanish,
# French, Polish).
_FUNCTION_WORDS = frozenset(
    """
    the of and to a in is that for it on was with as be by at this are from or an have
    has not but they he she we his her their its which were been would will can said
    who all one there more when also after about into than them out only new other
    der die das und in den von zu mit sich des auf für ist im dem nicht ein eine als
    auch es an er so dass sie nach wie bei um aus noch wird sind hat zur zum über vor
    durch einer einem eines werden wurde war ich wir ihr ihre aber oder nur wenn kann
    le la les de des du et un une en est que qui dans pour pas sur au avec il elle ce
    par plus ne se sont mais ont aux cette été ou nous vous leur son sa ses
    el los las y del por con para una es lo se su al como más pero sus le ha fue este
    esta entre cuando muy sin sobre también ya hay son
    il di che non per una sono della nel alla anche come dei delle gli più ma si
    o os as um uma não para com mais ao pelo pela foi são dos das seu sua
    de het een en van ik te dat die is niet op zijn met voor er maar ook als aan wordt
    i w z na się do nie że to jest o jak po ale od za przez tak być który która
    och att det som är för på med av den till inte har om ett
    """.split()
)


@dataclass(slots=True)
class Line:
    """One non-empty line of the input, with where it sits among blank lines."""

    text: str
    index: int  # position in the original splitlines() list
    blank_before: int  # blank lines between this and the previous non-empty line
    blank_after: int


def split_lines(text: str) -> list[Line]:
    """Non-empty lines of ``text`` with the number of blank lines around each."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines: list[Line] = []
    blanks = 0
    for i, s in enumerate(raw):
        if not s.strip():
            blanks += 1
            continue
        if lines:
            lines[-1].blank_after = blanks
        lines.append(Line(text=s, index=i, blank_before=blanks if lines else 0, blank_after=0))
        blanks = 0
    if lines:
        lines[-1].blank_after = blanks
    return lines


def norm_line(s: str) -> str:
    """The comparison form of a line: whitespace collapsed, case folded."""
    return _WS.sub(" ", s).strip().casefold()


_N_OWN = 22


def _own_features(s: str) -> list[float]:
    stripped = s.strip()
    words = _WORD.findall(stripped)
    nw = len(words)
    nc = len(stripped)
    letters = sum(map(str.isalpha, stripped))
    upper = sum(map(str.isupper, stripped))
    digits = sum(map(str.isdigit, stripped))
    commas = stripped.count(",")
    punct = commas + sum(stripped.count(c) for c in ".;:!?")
    func = sum(1 for w in words if w.casefold() in _FUNCTION_WORDS)
    titled = sum(1 for w in words if w[:1].isupper())
    avg_wlen = (sum(len(w) for w in words) / nw) if nw else 0.0
    return [
        math.log1p(nc),
        math.log1p(nw),
        func / nw if nw else 0.0,
        titled / nw if nw else 0.0,
        upper / letters if letters else 0.0,
        digits / nc if nc else 0.0,
        letters / nc if nc else 0.0,
        punct / nw if nw else 0.0,
        commas / nw if nw else 0.0,
        1.0 if _SENT_END.search(stripped) else 0.0,
        1.0 if stripped.endswith((".", "!", "?", "…", ".\"", ".”", "?”", "!”")) else 0.0,
        1.0 if stripped.endswith(":") else 0.0,
        1.0 if _BULLET.match(s) else 0.0,
        1.0 if _URLISH.search(stripped) else 0.0,
        1.0 if ("©" in stripped or "copyright" in stripped.casefold()) else 0.0,
        1.0 if _DATEISH.search(stripped) else 0.0,
        float(len(_SEPARATORS.findall(stripped))),
        1.0 if (letters and upper == letters and letters > 2) else 0.0,
        float(len(s) - len(s.lstrip())),
        avg_wlen,
        1.0 if stripped[:1].isupper() else 0.0,
        1.0 if stripped.endswith(("...", "…", "»", "›", ">")) else 0.0,
    ]


def line_features(lines: list[Line]) -> np.ndarray:
    """Feature matrix, one row per line: its own layout plus its neighbourhood's.

    Features only use the text itself, so the same function serves pages rendered
    by html-text and text pasted or scraped elsewhere.
    """
    n = len(lines)
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    own = np.array([_own_features(ln.text) for ln in lines], dtype=np.float64)
    nwords = np.expm1(own[:, 1])
    func = own[:, 2]
    long_ = (nwords >= 12).astype(np.float64)
    normed = [norm_line(ln.text) for ln in lines]
    counts: dict[str, int] = {}
    for s in normed:
        counts[s] = counts.get(s, 0) + 1
    seen: dict[str, int] = {}
    rep = np.zeros(n)
    first_seen = np.zeros(n)
    for i, s in enumerate(normed):
        rep[i] = counts[s]
        first_seen[i] = 1.0 if s not in seen else 0.0
        seen.setdefault(s, i)
    total_words = float(nwords.sum()) or 1.0
    cum_words = np.cumsum(nwords) - nwords
    max_words = float(nwords.max()) or 1.0
    long_idx = np.flatnonzero(nwords >= 20)

    def shifted(a: np.ndarray, k: int, fill: float) -> np.ndarray:
        out = np.full(n, fill)
        if k > 0:
            out[k:] = a[:-k] if k < n else out[k:]
        elif k < 0:
            out[:k] = a[-k:] if -k < n else out[:k]
        else:
            out[:] = a
        return out

    def window_mean(a: np.ndarray, half: int) -> np.ndarray:
        c = np.concatenate([[0.0], np.cumsum(a)])
        lo = np.clip(np.arange(n) - half, 0, n)
        hi = np.clip(np.arange(n) + half + 1, 0, n)
        return (c[hi] - c[lo]) / np.maximum(hi - lo, 1)

    cols: list[np.ndarray] = [own]
    logw = np.log1p(nwords)
    for k in (-3, -2, -1, 1, 2, 3):
        cols.append(shifted(logw, k, -1.0)[:, None])
    for k in (-2, -1, 1, 2):
        cols.append(shifted(func, k, -1.0)[:, None])
        cols.append(shifted(own[:, 9], k, -1.0)[:, None])
        cols.append(shifted(own[:, 3], k, -1.0)[:, None])
    for half in (2, 5, 12):
        wl = window_mean(long_, half)
        cols.append(wl[:, None])
        cols.append((wl / (wl.max() or 1.0))[:, None])
        ww = window_mean(logw, half)
        cols.append(ww[:, None])
        cols.append((ww / (ww.max() or 1.0))[:, None])
        cols.append(window_mean(func, half)[:, None])
    # Where the densest stretch of prose is, and how far this line is from it: the
    # article is usually the one long run of paragraphs; teasers are short+long pairs.
    dense = window_mean(long_ * logw, 8)
    centre = int(np.argmax(dense))
    cols.append(((np.arange(n) - centre) / n)[:, None])
    cols.append(np.log1p(np.abs(np.arange(n) - centre))[:, None])
    cols.append(_run_lengths(nwords >= 8)[:, None])
    cols.append(_run_lengths(nwords < 5)[:, None])
    if len(long_idx):
        index = np.arange(n)
        j = np.searchsorted(long_idx, index)
        before = np.where(j > 0, index - long_idx[np.maximum(j - 1, 0)], n)
        at_or_after = np.where(j < len(long_idx), long_idx[np.minimum(j, len(long_idx) - 1)] - index, n)
        dist = np.minimum(before, at_or_after).astype(np.float64)
        first_long, last_long = long_idx[0], long_idx[-1]
    else:
        dist = np.full(n, float(n))
        first_long, last_long = n, -1
    pos = np.arange(n, dtype=np.float64)
    blanks_b = np.array([min(ln.blank_before, 3) for ln in lines], dtype=np.float64)
    blanks_a = np.array([min(ln.blank_after, 3) for ln in lines], dtype=np.float64)
    doc = np.column_stack(
        [
            np.log1p(rep),
            first_seen,
            pos / n,
            cum_words / total_words,
            nwords / max_words,
            np.log1p(dist),
            (pos < first_long).astype(np.float64),
            (pos > last_long).astype(np.float64),
            blanks_b,
            blanks_a,
            np.full(n, math.log1p(n)),
            np.full(n, math.log1p(total_words)),
            np.full(n, float(long_.mean())),
        ]
    )
    cols.append(doc)
    return np.hstack(cols).astype(np.float32)


_DIGIT = re.compile(r"\d")
_HASH_FEATURES = 2**18


@functools.cache
def _hasher() -> Any:
    """The word uni/bigram hashing of the lexical model (stateless: nothing to ship)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="word", ngram_range=(1, 2), n_features=_HASH_FEATURES, alternate_sign=False,
        norm="l2", lowercase=False, token_pattern=r"(?u)\b\w+\b|[^\w\s]",
    )


def lexical_matrix(lines: list[Line]) -> Any:
    """Sparse hashed word uni/bigrams of each line (case and digits folded)."""
    return _hasher().transform([_DIGIT.sub("0", ln.text.strip().casefold()) for ln in lines])


def lexical_scores(matrix: Any, coef: np.ndarray, intercept: float) -> np.ndarray:
    """The lexical model's probability per line (a logistic regression's decision)."""
    z = np.asarray(matrix @ coef, dtype=np.float64).ravel() + intercept
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def lexical_columns(p: np.ndarray) -> np.ndarray:
    """Features from the lexical probabilities: the line's, its neighbours', window means."""
    n = len(p)
    idx = np.arange(n)
    cols = [p]
    for k in (-2, -1, 1, 2):
        out = np.full(n, -1.0)
        if 0 < k < n:
            out[k:] = p[:-k]
        elif 0 < -k < n:
            out[:k] = p[-k:]
        cols.append(out)
    c = np.concatenate([[0.0], np.cumsum(p)])
    for half in (2, 5, 12):
        lo = np.clip(idx - half, 0, n)
        hi = np.clip(idx + half + 1, 0, n)
        cols.append((c[hi] - c[lo]) / np.maximum(hi - lo, 1))
    cols.append(np.full(n, float(p.mean()) if n else 0.0))
    return np.column_stack(cols).astype(np.float32)


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """For each line, the length of the run of consecutive ``mask`` lines it is in (0 outside)."""
    out = np.zeros(len(mask))
    i = 0
    while i < len(mask):
        if not mask[i]:
            i += 1
            continue
        j = i
        while j < len(mask) and mask[j]:
            j += 1
        out[i:j] = math.log1p(j - i)
        i = j
    return out


@functools.cache
def load_model(path: str | None = None) -> dict[str, Any]:
    """The trained classifier bundle; loaded once per process."""
    import joblib  # deferred: only the plain-text path needs it

    bundle: dict[str, Any] = joblib.load(path or MODEL_PATH)
    if bundle.get("feature_version") != FEATURE_VERSION:
        raise RuntimeError(
            f"{path or MODEL_PATH} was trained with feature version {bundle.get('feature_version')}, "
            f"the code computes version {FEATURE_VERSION}: rerun scripts/train_textlines.py"
        )
    return bundle


def content_scores(lines: list[Line]) -> np.ndarray:
    """Probability that each line belongs to the article."""
    if not lines:
        return np.zeros(0)
    bundle = load_model()
    lex = lexical_scores(lexical_matrix(lines), bundle["lexical_coef"], bundle["lexical_intercept"])
    x = np.hstack([line_features(lines), lexical_columns(lex)])
    return np.asarray(bundle["model"].predict_proba(x)[:, 1], dtype=np.float64)


def threshold() -> float:
    """The decision threshold chosen on the training split's out-of-fold scores."""
    return float(load_model().get("threshold", 0.5))

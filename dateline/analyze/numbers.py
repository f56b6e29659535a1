"""Reading a quantity from words: "at least 30", "several hundred", "tens of thousands", "1,300".

Returns (min, max); ``max`` is None when only a lower bound or an exact value is
known. Vague plurals get the range their words allow ("hundreds": 200-999).
"""

from __future__ import annotations

import re

from .lexicon import NUMBER_WORDS, VAGUE_MULTIPLIERS, VAGUE_PLURALS

_DIGITS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$")
_LOWER = ("at least", "more than", "over", "upwards of", "no fewer than", "no less than", "some")
_UPPER = ("up to", "as many as", "fewer than", "less than", "under", "at most", "nearly", "almost")
_APPROX = ("about", "around", "roughly", "approximately", "an estimated", "estimated", "some")


def _word_value(words: list[str]) -> float | None:
    """"two hundred", "thirty-five", "1.3 million", "12" -> a number."""
    total, current, seen = 0.0, 0.0, False
    for w in words:
        w = w.lower().strip(",")
        if not w or w in ("and", "a"):
            continue
        if _DIGITS.match(w):
            current += float(w.replace(",", ""))
            seen = True
            continue
        parts = w.split("-")
        if len(parts) == 2 and all(p in NUMBER_WORDS for p in parts):
            current += NUMBER_WORDS[parts[0]] + NUMBER_WORDS[parts[1]]
            seen = True
            continue
        if w not in NUMBER_WORDS:
            return None
        v = NUMBER_WORDS[w]
        seen = True
        if v >= 1000:
            total += (current or 1) * v
            current = 0
        elif v == 100:
            current = (current or 1) * 100
        else:
            current += v
    return total + current if seen else None


def read_quantity(text: str) -> tuple[float | None, float | None] | None:
    """The (min, max) a count expression names, or None if it names no number."""
    t = " ".join(text.lower().replace("–", "-").split())
    hi_bound = False
    for p in _LOWER:  # "at least 30": a lower bound, which is what a bare number gives too
        if t.startswith(p + " "):
            t = t[len(p) + 1:]
            break
    for p in _UPPER:
        if t.startswith(p + " "):
            t, hi_bound = t[len(p) + 1:], True
            break
    for p in _APPROX:
        if t.startswith(p + " "):
            t = t[len(p) + 1:]
            break
    m = re.match(r"^(?:between )?(.+?)\s*(?:-|to|and)\s*(.+)$", t)
    if m:
        a, b = _word_value(m.group(1).split()), _word_value(m.group(2).split())
        if a is not None and b is not None and a < b:
            return a, b
    words = t.split()
    # "tens of thousands", "hundreds of thousands", "dozens".
    if words and words[-1] in VAGUE_PLURALS:
        lo, hi = VAGUE_PLURALS[words[-1]]
        head = " ".join(words[:-1])
        for k, (mlo, mhi) in VAGUE_MULTIPLIERS.items():
            if head == k:
                unit = lo / 2  # "thousands" -> 1000
                return mlo * unit, mhi * unit
        if not head:
            return lo, hi
    # "several hundred", "a few thousand".
    for k, (mlo, mhi) in VAGUE_MULTIPLIERS.items():
        if t.startswith(k + " "):
            multiple = _word_value(t[len(k) + 1:].split())
            if multiple:
                return mlo * multiple, mhi * multiple
    v = _word_value(words)
    if v is None:
        return None
    if hi_bound:
        return None, v
    return v, None

"""Signals that an article is a spun copy: a scraped, rewritten or machine-translated repost.

Content farms republish wire reports through machine translation or word
spinners and wrap them in their own template. What gives them away:

* credits garbled in translation ("letter from Peter Graff" for "Writing by");
* one place spelled two ways ("Kharkov" beside "Kharkiv"), because the
  spinner rewrote some mentions and not others;
* promo lines and unrelated "Previous Post / Next Post" headlines inserted
  into the page (extraction records what it removed in
  ``Article.extraction_signals``; leftovers are still in the text);
* spaces before punctuation ("rout .") left by re-joining translated tokens.

Each signal is a short ``kind: evidence`` string, so analysts see why.
"""

from __future__ import annotations

import re
from collections import defaultdict

from ..records import Article
from .text import BOILERPLATE, skeleton

# Signals that on their own mark a copy as spun; the others (template
# leftovers) only count when two different kinds meet.
STRONG = frozenset({"mistranslated-credits", "mixed-transliteration"})

_MISTRANSLATED_CREDIT = re.compile(r"\b(?:letter|letters|wrote|written|editorial|edit) (?:from|by)\b|\bediting from\b", re.I)
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{3,}\b")
_SPACE_BEFORE_PUNCT = re.compile(r"\w+ [.,](?=\s|$)")
_VOWEL = set("aeiouy")


def _kind(signal: str) -> str:
    return signal.split(":", 1)[0].strip()


def mixed_transliterations(text: str) -> list[tuple[str, str]]:
    """Pairs of capitalised words that are one name spelled two ways ("Kharkov", "Kharkiv").

    Same length, same consonant skeleton, and they differ only in vowels: that
    is how transliteration systems disagree, while inflection ("Ukraine",
    "Ukrainian") changes the length.
    """
    by_key: dict[tuple[str, int], set[str]] = defaultdict(set)
    for word in dict.fromkeys(_CAPITALISED.findall(text)):  # each distinct word once, in order
        by_key[(skeleton(word.lower()), len(word))].add(word)
    pairs = []
    for forms in by_key.values():
        if len(forms) < 2:
            continue
        ordered = sorted(forms)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                diff = [(x, y) for x, y in zip(a.lower(), b.lower()) if x != y]
                if 0 < len(diff) <= 2 and all(x in _VOWEL and y in _VOWEL for x, y in diff):
                    pairs.append((a, b))
    return pairs


def spin_signals(article: Article) -> list[str]:
    """Every spin signal found in the article and in what extraction removed from it."""
    signals: list[str] = []
    for sig in article.extraction_signals:
        kind = _kind(sig)
        if kind in {"promo-line", "related-posts", "tag-list", "comment-form", "mistranslated-credits"}:
            signals.append(sig)
    credit = article.credits.text or ""
    if credit and _MISTRANSLATED_CREDIT.search(credit) and not any(_kind(s) == "mistranslated-credits" for s in signals):
        signals.append("mistranslated-credits: " + credit.strip())
    for a, b in mixed_transliterations(article.text):
        signals.append(f"mixed-transliteration: {a} / {b}")
    promo = [line.strip() for line in article.text.splitlines() if line.strip() and BOILERPLATE.match(line)]
    for line in dict.fromkeys(promo):
        if re.match(r"(?:reporting|writing|editing|additional reporting)\b", line, re.I):
            if _MISTRANSLATED_CREDIT.search(line):
                signals.append("mistranslated-credits: " + line)
            continue
        signals.append(f"promo-line: {line[:80]}")
    text = article.text  # the pattern needs " ." or " ,": most texts have neither, and the search is slow
    spacing = _SPACE_BEFORE_PUNCT.findall(text) if " ." in text or " ," in text else []
    if spacing:
        signals.append(f"space-before-punctuation: {spacing[0]!r} (x{len(spacing)})")
    return list(dict.fromkeys(signals))


def is_spun(signals: list[str]) -> bool:
    """A strong signal, or template leftovers of two different kinds."""
    kinds = {_kind(s) for s in signals} - {"reuse"}
    return bool(kinds & STRONG) or len(kinds) >= 2

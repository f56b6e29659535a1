"""Stage 3, analyze: an Article with text -> the same Article with its facts.

Steps run in order over one shared spaCy Doc; each is ``find(article, doc) -> list``
and may read the facts of the steps before it (events read quotes, places, dates,
counts). A step that fails records an error on the article and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..records import Article, ErrorRecord
from . import counts, dates, entities, events, geo, nlp, quotes

Step = Callable[[Article, Any], list[Any]]

# (field on Article, step). Order matters: later steps read earlier facts.
STEPS: list[tuple[str, Step]] = [
    ("entities", entities.find),
    ("dates", dates.find),
    ("places", geo.find),
    ("quotes", quotes.find),
    ("counts", counts.find),
    ("events", events.find),
]


# The sentences whose dependency parse the steps read (quotes, counts, events): parsed
# before the steps run, in one batch. The parser works through a batch's sentences
# side by side, so one batch of 40 sentences costs less than three of 13.
PARSED: list[Callable[[Any], list[Any]]] = [quotes.parsed_sentences, counts.sentences, events.sentences]


def parse_wanted(doc: Any) -> None:
    """Dependency-parse, in one batch, every sentence of ``doc`` that a step will read parsed."""
    wanted = {s.start: s for select in PARSED for s in select(doc)}
    nlp.parse_sentences(doc, [wanted[k] for k in sorted(wanted)])


def _run_steps(article: Article, doc: Any) -> Article:
    try:
        parse_wanted(doc)
    except Exception:  # noqa: BLE001 - each step parses what it needs itself, and records its own failure
        pass
    for field, step in STEPS:
        try:
            setattr(article, field, step(article, doc))
        except Exception as exc:  # a failed step is data; the other steps still run
            article.errors.append(
                ErrorRecord(stage="analyze", code=f"{field}-failed", message=f"{type(exc).__name__}: {exc}")
            )
    return article


def not_english(article: Article) -> bool:
    """True when the article is in another language than English.

    Every step reads English (spaCy's English pipeline, English word lists): on
    other text they find nonsense at full cost. A page's declared language is
    checked against the text itself before the article is passed over, since
    sites declare the wrong one often enough.
    """
    from ..extract.language import detect_language

    lang = (article.language or "").lower()
    if not lang or lang == "en" or not article.text.strip():
        return False
    return detect_language(article.text) not in ("en", None)


UNSUPPORTED_LANGUAGE = "unsupported-language"


def _not_analysed(article: Article) -> Article:
    if article.text.strip():
        article.errors.append(ErrorRecord(
            stage="analyze", code=UNSUPPORTED_LANGUAGE,
            message=f"facts are found in English text only; this article is in {article.language!r}"))
    return article


def analyze(article: Article) -> Article:
    """Fill ``article``'s facts in place and return it."""
    if not article.text.strip() or not_english(article):
        return _not_analysed(article)
    return _run_steps(article, nlp.parse(article.text))


def analyze_many(articles: Iterable[Article]) -> Iterator[Article]:
    """Like ``analyze`` over a stream, batching the spaCy work (``nlp.pipe``); order is kept."""
    for article, doc in nlp.parse_many(articles, skip=not_english):
        yield _run_steps(article, doc) if doc is not None else _not_analysed(article)

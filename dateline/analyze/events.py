"""Placeholder until this step lands: finds nothing."""

from __future__ import annotations

from typing import Any

from ..records import Article


def find(article: Article, doc: Any) -> list[Any]:
    return []

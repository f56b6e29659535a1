"""Stage 4, link: placeholder until the stories work lands (assigns no story)."""

from __future__ import annotations

from ..records import Article, StoryRef


class Linker:
    def __init__(self, store: object) -> None:
        self.store = store

    def add(self, article: Article) -> StoryRef | None:
        return None

    def story_ref(self, article_id: str) -> StoryRef | None:
        return None


def link_corpus(articles: list[Article]) -> dict[str, StoryRef]:
    return {}

"""Corroboration: how many independent sources report the same happening.

Two events describe the same happening when they share type, place and day,
their modality is of the same family (a threatened attack does not
corroborate a reported one), and their actors overlap when both name any.
Copies of one report are not independent: sources are counted as distinct
stories (each story has one origin), never as articles.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..records import Event

_UNREAL = frozenset({"hypothetical", "threatened", "negated"})


def event_key(event: Event) -> str | None:
    """The grouping key of an event, or None when it lacks a place or a day to compare on."""
    if not event.place or not event.date:
        return None
    family = "unreal" if event.modality in _UNREAL else "real"
    return "|".join((event.type, event.subtype or "", event.place.strip().lower(), event.date[:10], family))


def _actors(event: Event) -> frozenset[str]:
    return frozenset(a.strip().lower() for a in event.actors if a.strip())


@dataclass(slots=True)
class Report:
    """One event as corroboration sees it."""

    article_id: str
    idx: int
    story_id: str
    key: str
    actors: frozenset[str] = field(default_factory=frozenset)

    def actors_json(self) -> str:
        return json.dumps(sorted(self.actors), ensure_ascii=False)


def reports(article_id: str, story_id: str, events: Iterable[Event]) -> list[Report]:
    out = []
    for idx, event in enumerate(events):
        key = event_key(event)
        if key is not None:
            out.append(Report(article_id, idx, story_id, key, _actors(event)))
    return out


def count_sources(group: list[Report]) -> dict[tuple[str, int], int]:
    """For reports sharing one key: (article id, event index) -> independent stories reporting it."""
    out = {}
    for r in group:
        stories = {
            o.story_id for o in group if not r.actors or not o.actors or r.actors & o.actors
        }
        stories.add(r.story_id)
        out[(r.article_id, r.idx)] = len(stories)
    return out

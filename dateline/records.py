"""The records that flow through dateline's stages.

sources -> RawDoc -> Article (with facts) -> Story -> database.

Every fact holds its evidence: ``start``/``end`` character offsets into
``Article.text`` with ``text[start:end] == fact.text``. The JSON form of an
article (``article_to_dict``) is the outside contract (CONTRACT.md); the
reverse (``article_from_dict``) reads it back from the database, JSONL or
Parquet so that stages can run on stored articles.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RawDoc:
    """One document as it came in, before extraction.

    ``kind`` is what ingest recognised from the content: ``html``, ``text`` or
    ``record`` (an already extracted news-please JSON record, in ``record``).
    """

    source: str
    content: bytes
    kind: str
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    record: dict[str, Any] | None = None
    fetched: str | None = None  # YYYY-MM-DD, from WARC-Date or the fetcher
    _hash: tuple[bytes, str] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def content_hash(self) -> str:
        """``content_hash(self.content)``, worked out once per content (the runner and extraction ask five times)."""
        if self._hash is None or self._hash[0] is not self.content:
            self._hash = (self.content, content_hash(self.content))
        return self._hash[1]


def content_hash(data: bytes | str) -> str:
    """A short stable id for content: the first 16 hex digits of SHA-256."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(slots=True)
class Span:
    """Evidence: ``text`` is exactly ``Article.text[start:end]``."""

    text: str
    start: int
    end: int


@dataclass(slots=True)
class Entity:
    text: str
    start: int
    end: int
    label: str  # PERSON, ORG, GPE, LOC, NORP, FAC, ...
    canonical: str | None = None
    role: str | None = None


@dataclass(slots=True)
class Place:
    text: str
    start: int
    end: int
    name: str | None = None
    geonameid: int | str | None = None
    country: str | None = None
    feature: str | None = None  # GeoNames feature class.code, e.g. P.PPL, A.ADM1, H.STM
    lat: float | None = None
    lon: float | None = None
    confidence: float | None = None
    metonymic: bool = False
    adjectival: bool = False


@dataclass(slots=True)
class DateMention:
    text: str
    start: int
    end: int
    date: str | None = None  # YYYY-MM-DD
    end_date: str | None = None  # for ranges ("last week", "in March")
    duration: str | None = None  # ISO 8601 duration when the expression is one ("six months")


@dataclass(slots=True)
class Quote:
    kind: str  # direct | indirect | mixed
    text: str
    start: int
    end: int
    speaker: str | None = None
    speaker_text: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    medium: str | None = None
    status: str = "asserted"  # asserted | claimed | unverified | denied | hedged


@dataclass(slots=True)
class Count:
    text: str
    start: int
    end: int
    min: float | None
    max: float | None = None
    object: str | None = None
    predicate: str | None = None
    modality: str | None = None  # asserted | claimed | hypothetical | threatened | negated
    quote: int | None = None  # index into Article.quotes when the count comes from one


@dataclass(slots=True)
class Event:
    type: str
    subtype: str
    text: str
    start: int
    end: int
    modality: str = "asserted"
    actors: list[str] = field(default_factory=list)
    place: str | None = None
    date: str | None = None
    confidence: float | None = None
    lat: float | None = None
    lon: float | None = None
    quote: int | None = None  # index into Article.quotes when the event comes from one
    counts: list[int] = field(default_factory=list)  # indexes into Article.counts
    sources: int | None = None  # independent sources (story origins) reporting it


@dataclass(slots=True)
class Dateline:
    place: str | None = None
    date: str | None = None
    agency: str | None = None
    text: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(slots=True)
class Credits:
    reporting: list[str] = field(default_factory=list)
    writing: list[str] = field(default_factory=list)
    editing: list[str] = field(default_factory=list)
    text: str | None = None  # the credits line as it stood, removed from the body


@dataclass(slots=True)
class StoryRef:
    """An article's place in its story (the ``story`` block of the JSON)."""

    id: str
    origin: str | None = None
    copies: int = 0
    spun: bool = False
    kind: str | None = None  # origin | verbatim | trimmed | paraphrased | translated | spun
    signals: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ErrorRecord:
    stage: str
    code: str
    message: str


@dataclass(slots=True)
class Article:
    id: str
    source: str
    text: str
    title: str | None = None
    url: str | None = None
    site: str | None = None
    language: str | None = None
    highlights: list[str] = field(default_factory=list)
    published: str | None = None
    authors: list[str] = field(default_factory=list)
    dateline: Dateline = field(default_factory=Dateline)
    credits: Credits = field(default_factory=Credits)
    entities: list[Entity] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    story: StoryRef | None = None
    errors: list[ErrorRecord] = field(default_factory=list)
    # What extraction removed or noticed: promo lines, related-post headlines,
    # mistranslated credit labels... The story stage reads these as spin signals.
    extraction_signals: list[str] = field(default_factory=list)
    raw_hash: str | None = None  # hash of the raw input, for idempotent reruns

    @property
    def reference_date(self) -> str | None:
        """The day the article speaks from: its dateline's date, else its publication date."""
        return self.dateline.date or self.published


FACT_TYPES: dict[str, type] = {
    "entities": Entity,
    "places": Place,
    "dates": DateMention,
    "quotes": Quote,
    "counts": Count,
    "events": Event,
}


def _plain(obj: Any) -> Any:
    """``dataclasses.asdict`` for the records here, without its deep copies: the fields'
    values are strings, numbers, lists, tuples, dicts and records (tested equal)."""
    kind = type(obj)
    if kind in _LEAVES:
        return obj
    if kind is list:
        return [_plain(x) for x in obj]
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(obj))
        elif isinstance(obj, list):
            return [_plain(x) for x in obj]
        elif isinstance(obj, tuple):
            return tuple(_plain(x) for x in obj)
        elif isinstance(obj, dict):
            return {_plain(k): _plain(v) for k, v in obj.items()}
        else:
            return obj
    return {name: _plain(getattr(obj, name)) for name in names}


_LEAVES = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def article_to_dict(article: Article) -> dict[str, Any]:
    """The article as CONTRACT.md's JSON object (plain dicts and lists)."""
    d: dict[str, Any] = {
        "id": article.id,
        "source": article.source,
        "url": article.url,
        "site": article.site,
        "language": article.language,
        "title": article.title,
        "highlights": list(article.highlights),
        "text": article.text,
        "published": article.published,
        "authors": list(article.authors),
        "dateline": _plain(article.dateline),
        "credits": _plain(article.credits),
    }
    for key in FACT_TYPES:
        d[key] = [_plain(f) for f in getattr(article, key)]
    d["story"] = _plain(article.story) if article.story else None
    d["errors"] = [_plain(e) for e in article.errors]
    d["extraction_signals"] = list(article.extraction_signals)
    return d


def _build(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def article_from_dict(d: dict[str, Any]) -> Article:
    """Read back what ``article_to_dict`` wrote (unknown keys are ignored)."""
    article = Article(
        id=d["id"],
        source=d.get("source") or "",
        text=d.get("text") or "",
        title=d.get("title"),
        url=d.get("url"),
        site=d.get("site"),
        language=d.get("language"),
        highlights=list(d.get("highlights") or []),
        published=d.get("published"),
        authors=list(d.get("authors") or []),
        dateline=_build(Dateline, d.get("dateline") or {}),
        credits=_build(Credits, d.get("credits") or {}),
        story=_build(StoryRef, d["story"]) if d.get("story") else None,
        errors=[_build(ErrorRecord, e) for e in d.get("errors") or []],
        extraction_signals=list(d.get("extraction_signals") or []),
    )
    for key, cls in FACT_TYPES.items():
        setattr(article, key, [_build(cls, f) for f in d.get(key) or []])
    return article

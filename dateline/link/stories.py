"""Stories: groups of copies and retellings of one report, with an origin and a kind per member.

``StoryBook`` is the in-memory state (candidate index, members, origins) that
both the database-backed ``Linker`` and batch ``link_corpus`` drive one article
at a time. A new article joins the story of its closest verified relative, or
starts a new one; stories are never recomputed in bulk. Story ids are stable:
a story keeps the id of the article that started it.

Origin: the member most likely to be the source of the others, ranked by
(not spun, names a wire agency in its dateline or credits, earliest date,
most complete text). Each other member gets a kind relative to the origin:

* ``verbatim``: nearly all shingles shared both ways (reordered paragraphs and
  respellings stay verbatim: shingles use spelling-tolerant skeletons);
* ``trimmed``: its own text is almost all in the origin, but it covers less;
* ``translated``: another language (or script) than the origin;
* ``spun``: spin signals (see ``spin.py``);
* ``paraphrased``: same story, little text reuse.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..records import Article, StoryRef
from .dedup import Index, Match
from .spin import is_spun, spin_signals
from .text import Fingerprint, fingerprint, reuse

VERBATIM_REUSE = 0.85
TRIMMED_REUSE = 0.75
MAX_RECHECK = 500  # members re-classified when the origin changes; larger stories only classify newcomers


@dataclass(slots=True)
class Member:
    """What the story keeps about one article (persisted as JSON)."""

    id: str
    date: str | None = None
    agency: str | None = None
    title: str | None = None
    site: str | None = None
    language: str | None = None
    length: int = 0
    spin: list[str] = field(default_factory=list)
    kind: str = "origin"
    reuse: float | None = None  # share of this member's text found in the origin
    match: float | None = None  # score of the link that brought it in

    @classmethod
    def of(cls, article: Article, fp: Fingerprint) -> Member:
        agency = article.dateline.agency or _credited_agency(article)
        return cls(
            id=article.id, date=article.reference_date, agency=agency, title=article.title,
            site=article.site, language=(article.language or "")[:2].lower() or None, length=fp.length,
            spin=fp.spin if fp.spin is not None else spin_signals(article),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Member:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @property
    def signals(self) -> list[str]:
        out = list(self.spin) if self.kind == "spun" else []
        if self.reuse is not None and self.kind != "origin":
            out.append(f"reuse: {self.reuse:.2f}")
        return out


_AGENCIES = ("Reuters", "Associated Press", "AP", "AFP", "Agence France-Presse", "Bloomberg", "dpa", "ANSA",
             "EFE", "Xinhua", "Kyodo", "Yonhap", "ТАСС", "TASS", "РИА Новости", "RIA Novosti", "Интерфакс",
             "Interfax", "UNIAN", "Ukrinform", "PTI", "ANI")


def _credited_agency(article: Article) -> str | None:
    credit = article.credits.text or ""
    names = article.credits.reporting + article.credits.writing
    for agency in _AGENCIES:
        if any(agency in n for n in names) or f"{agency} " in credit or credit.endswith(agency):
            return agency
    return None


@dataclass(slots=True)
class Story:
    id: str
    members: dict[str, Member] = field(default_factory=dict)
    origin: str | None = None

    @property
    def size(self) -> int:
        return len(self.members)

    def ref(self, article_id: str) -> StoryRef:
        m = self.members[article_id]
        return StoryRef(
            id=self.id, origin=self.origin, copies=self.size - 1, spun=m.kind == "spun",
            kind=m.kind, signals=m.signals,
        )

    def row(self) -> dict[str, Any]:
        """The ``stories`` table row (``data`` is the JSON detail)."""
        dates = sorted(m.date for m in self.members.values() if m.date)
        origin = self.members.get(self.origin or "")
        kinds: dict[str, int] = {}
        for m in self.members.values():
            kinds[m.kind] = kinds.get(m.kind, 0) + 1
        data = {
            "id": self.id, "origin": self.origin, "size": self.size, "kinds": kinds,
            "agency": origin.agency if origin else None,
            "members": [
                {"id": m.id, "kind": m.kind, "date": m.date, "site": m.site, "reuse": m.reuse, "signals": m.signals}
                for m in sorted(self.members.values(), key=lambda m: (m.kind != "origin", m.date or "9999", m.id))
            ],
        }
        return {
            "id": self.id, "origin": self.origin, "size": self.size, "title": origin.title if origin else None,
            "first_date": dates[0] if dates else None, "last_date": dates[-1] if dates else None, "data": data,
        }


def _origin_rank(m: Member) -> tuple[bool, bool, str, bool, int, str]:
    # min() picks the origin: not spun, agency-credited, earliest, free of template
    # leftovers, longest, then a stable id.
    return (bool(is_spun(m.spin)), m.agency is None, m.date or "9999-99-99", bool(m.spin), -m.length, m.id)


class StoryBook:
    """All stories in memory, updated one article at a time."""

    def __init__(self, index: Index | None = None) -> None:
        self.index = index if index is not None else Index()  # an empty Index is falsy (it has __len__)
        self.stories: dict[str, Story] = {}
        self.story_of: dict[str, str] = {}

    def load(self, fp: Fingerprint, member: Member, story_id: str, *, observed: bool = False) -> None:
        """Put back a persisted member as it was (no matching, no re-classification)."""
        self.index.add(fp, observed=observed)
        story = self.stories.setdefault(story_id, Story(story_id))
        story.members[member.id] = member
        if member.kind == "origin":
            story.origin = member.id
        self.story_of[member.id] = story_id

    def add(
        self, article: Article, fp: Fingerprint | None = None, *, observed: bool = False
    ) -> tuple[Story, list[str], str | None]:
        """Link one article; returns its story, the members whose record changed, and a story emptied by a re-add.

        ``fp``/``observed``: a fingerprint made (and counted in IDF via ``Index.observe``) beforehand.
        """
        emptied = self.remove(article.id)
        fp = fp or fingerprint(article.id, article.text, article.title, article.site)
        member = Member.of(article, fp)
        match = self._joinable(fp)
        self.index.add(fp, observed=observed)
        if match is not None:
            story = self.stories[self.story_of[match.other]]
            member.match = round(match.score, 3)
        else:
            story = self.stories.setdefault(article.id, Story(article.id))
        story.members[article.id] = member
        self.story_of[article.id] = story.id
        if emptied == story.id:
            emptied = None
        return story, self._classify(story, article.id), emptied

    def _joinable(self, fp: Fingerprint) -> Match | None:
        """The closest verified relative whose story the article may join.

        A copy may join through any member (copies of copies are common). A
        retelling must also pass verification against the story's origin:
        otherwise stories drift, one loose link at a time, from one report to
        the next report of the same affair.
        """
        for m in self.index.matches(fp):
            story = self.stories[self.story_of[m.other]]
            if m.copy or story.origin in (None, m.other) or self.index.verify(fp, story.origin):
                return m
        return None

    def remove(self, article_id: str) -> str | None:
        """Take an article out (for an idempotent re-add); returns its story's id if that became empty."""
        story_id = self.story_of.pop(article_id, None)
        self.index.remove(article_id)
        if story_id is None:
            return None
        story = self.stories[story_id]
        story.members.pop(article_id, None)
        if not story.members:
            del self.stories[story_id]
            return story_id
        if story.origin == article_id:
            self._classify(story, None)
        return None

    def _classify(self, story: Story, newcomer: str | None) -> list[str]:
        """Re-pick the origin and set member kinds; returns the ids whose kind or reuse changed."""
        origin = min(story.members.values(), key=_origin_rank)
        changed_origin = origin.id != story.origin
        story.origin = origin.id
        if changed_origin and story.size <= MAX_RECHECK:
            todo = list(story.members)
        else:
            todo = [i for i in (newcomer,) if i is not None]
            if changed_origin:
                todo.append(origin.id)
        ofp = self.index.prints[origin.id]
        changed = []
        for mid in todo:
            m = story.members[mid]
            before = (m.kind, m.reuse)
            if mid == origin.id:
                m.kind, m.reuse = "origin", None
            else:
                r_member, r_origin = reuse(self.index.prints[mid], ofp)
                m.reuse = round(r_member, 3)
                m.kind = _kind(m, origin, r_member, r_origin, self.index.prints[mid], ofp)
            if (m.kind, m.reuse) != before or mid == newcomer:
                changed.append(mid)
        return changed

    def match(self, article: Article) -> Match | None:
        """The verified closest relative of an article, without adding it."""
        return self.index.best_match(fingerprint(article.id, article.text, article.title, article.site))


def _kind(m: Member, origin: Member, r_member: float, r_origin: float, fp: Fingerprint, ofp: Fingerprint) -> str:
    if (fp.script and ofp.script and fp.script != ofp.script) or (
        m.language and origin.language and m.language != origin.language
    ):
        return "translated"
    if is_spun(m.spin):
        return "spun"
    if r_member >= VERBATIM_REUSE and r_origin >= VERBATIM_REUSE:
        return "verbatim"
    if r_member >= TRIMMED_REUSE:
        return "trimmed"
    return "paraphrased"

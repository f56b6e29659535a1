"""Stories for the API: the list, and one story with its copies, origin and corroboration.

Membership comes from the story's own record (the link stage rewrites it as copies arrive
and origins change); an article's ``story_id`` is only a fallback for stories stored without
a member list.
"""

from __future__ import annotations

import json
from typing import Any

from ..store import Store
from ..store.queries import ARTICLE_COLUMNS, Filters, Page, Where, page_rows

STORY_COLUMNS = "id, origin, size, title, first_date, last_date, data"


def _story(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row[k] for k in ("id", "origin", "size", "title", "first_date", "last_date")}
    extra = json.loads(row["data"] or "{}")
    for k, v in (extra.items() if isinstance(extra, dict) else []):
        out.setdefault(k, v)
    return out


def list_stories(store: Store, f: Filters, *, cursor: str | None = None, limit: int = 50) -> Page:
    """Stories, largest first."""
    w = Where()
    if f.min_size:
        w.add("size >= ?", f.min_size)
    w.contains("COALESCE(title, '')", f.q)
    if f.date_from:
        w.add("COALESCE(last_date, first_date) >= ?", f.date_from)
    if f.date_to:
        w.add("first_date <= ?", f.date_to)
    order = [("size", True), ("sort_date", True), ("id", False)]
    inner = f"SELECT {STORY_COLUMNS}, COALESCE(last_date, '') AS sort_date FROM stories WHERE {w.sql()}"
    rows, nxt = page_rows(store, f"SELECT * FROM ({inner}) s WHERE 1=1", order, ["size", "sort_date", "id"],
                      w.params, cursor, limit)
    return Page([_story(r) for r in rows], nxt)


def get_story(store: Store, story_id: str) -> dict[str, Any] | None:
    """A story with its members (kind and signals of each copy), origin and corroborated events."""
    rows = store.query(f"SELECT {STORY_COLUMNS} FROM stories WHERE id = ?", [story_id])
    if not rows:
        return None
    story = _story(rows[0])
    # The story's own member list is current; an article's story_id is only set when it is stored.
    listed = {m["id"]: m for m in story.get("members") or [] if isinstance(m, dict) and m.get("id")}
    ids = sorted(listed) or [r["id"] for r in store.query("SELECT id FROM articles WHERE story_id = ?", [story_id])]
    found = {}
    if ids:
        marks = ",".join("?" * len(ids))
        for r in store.query(f"SELECT {', '.join(ARTICLE_COLUMNS)}, data FROM articles WHERE id IN ({marks})", ids):
            found[r["id"]] = r
    members = []
    for aid in ids:
        row = found.get(aid)
        if row is None:
            continue
        ref = (json.loads(row.pop("data")) or {}).get("story") or {}
        info = listed.get(aid, {})
        row["kind"] = info.get("kind") or ref.get("kind") or ("origin" if aid == story["origin"] else None)
        row["signals"] = info.get("signals") if info.get("signals") is not None else ref.get("signals") or []
        row["reuse"] = info.get("reuse")
        row["spun"] = row["kind"] == "spun" or bool(ref.get("spun"))
        members.append(row)
    members.sort(key=lambda m: (m["id"] != story["origin"], m["ref_date"] or "9999", m["id"]))
    story["members"] = members
    events: list[dict[str, Any]] = []
    if members:
        marks = ",".join("?" * len(members))
        rows = store.query(f"SELECT article_id, idx, data FROM events WHERE article_id IN ({marks})"
                           " ORDER BY article_id, idx", [m["id"] for m in members])
        events = [{"article_id": r["article_id"], "idx": r["idx"], **json.loads(r["data"])} for r in rows]
    story["corroboration"] = corroboration(events)
    return story


def corroboration(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The story's events grouped by (type, subtype, place, date): how many copies and sources report each."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for e in events:
        key = (e.get("type"), e.get("subtype"), (e.get("place") or "").lower(), e.get("date"))
        g = groups.setdefault(key, {"type": e.get("type"), "subtype": e.get("subtype"), "place": e.get("place"),
                                    "date": e.get("date"), "articles": [], "sources": 0, "modalities": []})
        if e["article_id"] not in g["articles"]:
            g["articles"].append(e["article_id"])
        g["sources"] = max(g["sources"], e.get("sources") or 0)
        if e.get("modality") and e["modality"] not in g["modalities"]:
            g["modalities"].append(e["modality"])
    out = list(groups.values())
    for g in out:
        g["copies"] = len(g["articles"])
        g["sources"] = g["sources"] or 1
    out.sort(key=lambda g: (-g["sources"], -g["copies"], str(g["type"]), str(g["date"])))
    return out

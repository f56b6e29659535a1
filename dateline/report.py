"""What a run found, as a short human-readable report (printed by `dateline run`)."""

from __future__ import annotations

from collections import Counter

from .analyze import UNSUPPORTED_LANGUAGE
from .store import Store


def found_report(store: Store, top: int = 8) -> str:
    """Articles with their fact counts, then the most mentioned people, places and events."""
    lines: list[str] = []
    rows = store.query("SELECT id, title, ref_date, dateline_place, agency, language FROM articles"
                       " ORDER BY ref_date DESC, id LIMIT 25")
    total = store.query("SELECT COUNT(*) AS n FROM articles")[0]["n"]
    lines.append(f"Articles ({total}):")
    for r in rows:
        facts = []
        for table in ("entities", "places", "quotes", "counts", "events"):
            n = store.query(f"SELECT COUNT(*) AS n FROM {table} WHERE article_id = ?", [r["id"]])[0]["n"]
            facts.append(f"{n} {table}")
        where = ", ".join(x for x in (r["dateline_place"], r["agency"]) if x)
        lines.append(f"  {r['ref_date'] or '----------'}  {(r['title'] or '(untitled)')[:70]}"
                     f"{f'  [{where}]' if where else ''}  {r['language'] or ''}")
        lines.append(f"      {', '.join(facts)}")
    if total > len(rows):
        lines.append(f"  ... and {total - len(rows)} more")
    people = store.query("SELECT COALESCE(canonical, text) AS name, COUNT(*) AS n FROM entities"
                         " WHERE label = 'PERSON' GROUP BY COALESCE(canonical, text) ORDER BY n DESC, name LIMIT ?", [top])
    if people:
        lines.append("People: " + ", ".join(f"{p['name']} ({p['n']})" for p in people))
    places = store.query("SELECT name, country, COUNT(*) AS n FROM places WHERE name IS NOT NULL"
                         " GROUP BY name, country ORDER BY n DESC, name LIMIT ?", [top])
    if places:
        lines.append("Places: " + ", ".join(" ".join(filter(None, (p["name"], p["country"], f"({p['n']})")))
                                            for p in places))
    events = store.query("SELECT type, subtype, modality, COUNT(*) AS n FROM events"
                         " GROUP BY type, subtype, modality ORDER BY n DESC LIMIT ?", [top])
    if events:
        lines.append("Events: " + "; ".join(f"{e['subtype']} [{e['modality']}] ({e['n']})" for e in events))
    quotes = store.query("SELECT status, COUNT(*) AS n FROM quotes GROUP BY status ORDER BY n DESC")
    if quotes:
        lines.append("Quotes by status: " + ", ".join(f"{q['status']} {q['n']}" for q in quotes))
    stories = store.query("SELECT COUNT(*) AS n FROM stories")[0]["n"]
    if stories:
        lines.append(f"Stories: {stories}")
    # An article in another language is stored without facts: a notice, not an error.
    errors: Counter[str] = Counter()
    other_language = 0
    for r in store.query("SELECT stage, code, COUNT(*) AS n FROM errors GROUP BY stage, code ORDER BY stage"):
        if r["code"] == UNSUPPORTED_LANGUAGE:
            other_language += r["n"]
        else:
            errors[r["stage"]] += r["n"]
    if other_language:
        lines.append(f"Not in English (stored without facts): {other_language}")
    if errors:
        lines.append("Errors by stage: " + ", ".join(f"{k} {v}" for k, v in errors.items()))
    return "\n".join(lines)

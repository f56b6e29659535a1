"""CSV and JSONL downloads of any API list, streamed page by page.

The rows come from the same paged query as the JSON list, so an export of a
million events holds one page in memory at a time.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.responses import StreamingResponse

from ..store.queries import MAX_LIMIT, Page

PageFetcher = Callable[[str | None, int], Page]
MEDIA = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8"}


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _csv_line(values: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(values)
    return buf.getvalue()


def rows(fetch: PageFetcher, cursor: str | None, limit: int | None) -> Iterator[dict[str, Any]]:
    """Every row of the list from ``cursor`` on (at most ``limit``), fetching a page at a time."""
    left = limit
    while True:
        size = MAX_LIMIT if left is None else min(MAX_LIMIT, left)
        page = fetch(cursor, size)
        yield from page.items
        if left is not None:
            left -= len(page.items)
        if page.next_cursor is None or (left is not None and left <= 0):
            return
        cursor = page.next_cursor


def export_response(name: str, fmt: str, fetch: PageFetcher, cursor: str | None, limit: int | None) -> StreamingResponse:
    """A download of the list as JSONL (one object per line) or CSV (nested values as JSON)."""
    # The first page runs before the response starts, so a bad parameter is still a 4xx error body.
    first = fetch(cursor, MAX_LIMIT if limit is None else min(MAX_LIMIT, limit))

    def all_rows() -> Iterator[dict[str, Any]]:
        yield from first.items
        left = None if limit is None else limit - len(first.items)
        if first.next_cursor is not None and (left is None or left > 0):
            yield from rows(fetch, first.next_cursor, left)

    def jsonl() -> Iterator[str]:
        for row in all_rows():
            yield json.dumps(row, ensure_ascii=False) + "\n"

    def csv_text() -> Iterator[str]:
        header: list[str] | None = None
        for row in all_rows():
            if header is None:
                header = list(row)
                yield _csv_line(header)
            yield _csv_line([_cell(row.get(k)) for k in header])

    body = jsonl() if fmt == "jsonl" else csv_text()
    return StreamingResponse(body, media_type=MEDIA[fmt],
                             headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})

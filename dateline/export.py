"""Export what is stored: JSONL (articles as CONTRACT.md JSON), CSV and Parquet, streamed."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from typing import IO, Any

from .records import article_to_dict
from .store import Store

PARQUET_BATCH = 2000


def iter_rows(store: Store, what: str, fmt: str) -> Iterator[dict[str, Any]]:
    """Rows to export: whole articles for JSONL, flat table rows otherwise."""
    if what == "articles" and fmt == "jsonl":
        for article in store.articles():
            yield article_to_dict(article)
        return
    if what == "stories":
        from . import link

        exporter = getattr(link, "export_stories", None)
        if exporter is not None:
            yield from exporter(store)
            return
    for row in store.rows(what):
        if what == "articles":
            row = {k: v for k, v in row.items() if k != "data"}
        yield row


def export_rows(store: Store, what: str, fmt: str, output: str | None) -> int:
    """Write ``what`` in ``fmt`` to ``output`` (a path, or stdout when None); returns the row count."""
    rows = iter_rows(store, what, fmt)
    if fmt == "parquet":
        assert output is not None
        return _parquet(rows, output)
    handle: IO[str] = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt == "jsonl":
            n = 0
            for n, row in enumerate(rows, 1):
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            return n
        return _csv(rows, handle)
    finally:
        if output:
            handle.close()


def _flat(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value


def _csv(rows: Iterator[dict[str, Any]], handle: IO[str]) -> int:
    writer = None
    n = 0
    for n, row in enumerate(rows, 1):
        if writer is None:
            writer = csv.DictWriter(handle, fieldnames=list(row), extrasaction="ignore")
            writer.writeheader()
        writer.writerow({k: _flat(v) for k, v in row.items()})
    return n


def _arrow_type(values: list[Any]) -> Any:
    import pyarrow as pa

    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            return pa.bool_()
        if isinstance(v, int):
            return pa.int64() if all(isinstance(x, int) or x is None for x in values) else pa.float64()
        if isinstance(v, float):
            return pa.float64()
        return pa.string()
    return pa.string()


def _coerce(value: Any, kind: Any) -> Any:
    import pyarrow as pa

    if value is None:
        return None
    try:
        if kind == pa.string():
            return str(_flat(value))
        if kind == pa.float64():
            return float(value)
        if kind == pa.int64():
            return int(value)
        return bool(value)
    except (TypeError, ValueError):
        return None


def _parquet(rows: Iterator[dict[str, Any]], output: str) -> int:
    """Parquet with a schema fixed by the first batch (columns that are all null there are strings)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    schema = None
    batch: list[dict[str, Any]] = []
    n = 0

    def flush() -> None:
        nonlocal writer, schema
        if not batch:
            return
        if schema is None:
            names = list(batch[0])
            schema = pa.schema([(k, _arrow_type([r.get(k) for r in batch])) for k in names])
            writer = pq.ParquetWriter(output, schema)
        columns = {f.name: [_coerce(r.get(f.name), f.type) for r in batch] for f in schema}
        writer.write_table(pa.table(columns, schema=schema))  # type: ignore[union-attr]
        batch.clear()

    for n, row in enumerate(rows, 1):
        batch.append(row)
        if len(batch) >= PARQUET_BATCH:
            flush()
    flush()
    if writer is not None:
        writer.close()
    else:  # nothing stored: still a valid (empty) file
        pq.write_table(pa.table({}), output)
    return n


__all__ = ["export_rows", "iter_rows"]

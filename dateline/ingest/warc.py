"""WARC and WARC.gz archives (Common Crawl News): each HTML response is one document.

FastWARC reads the archive; a truncated archive yields every whole record
before the damage and then one error naming the archive.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import DatelineError, IngestError
from ..records import RawDoc

_HTML_TYPES = ("text/html", "application/xhtml", "text/plain")


def iter_warc(path: Path | None, source: str, limit: int, data: bytes | None = None,
              meter: Any = None) -> Iterator[RawDoc | DatelineError]:
    """Documents from a WARC file (``path``) or WARC bytes (``data``): response and resource records.

    ``meter`` (an ``ingest.InputMeter``) gets each record's offset in the file as it is read.
    """
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    from fastwarc.stream_io import GzipReader

    if data is not None:
        stream: object = io.BytesIO(data)
    else:
        assert path is not None
        with open(path, "rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
        stream = GzipReader(str(path), fsspec_args=False) if gz else str(path)
    n = 0
    try:
        records = ArchiveIterator(
            stream, record_types=WarcRecordType.response | WarcRecordType.resource, parse_http=True,
            stream_detect=True, fsspec_args=False,
        )
        for record in records:
            n += 1
            if meter is not None:
                meter.position = record.stream_pos  # in the file as stored (compressed or not)
            uri = record.headers.get("WARC-Target-URI")
            rec_source = f"{source}#{uri or n}"
            headers: dict[str, str] = {}
            if record.http_headers is not None:
                status = record.http_headers.status_code
                if status and status >= 300:
                    continue  # redirects and errors hold no article
                headers = {k.lower(): v for k, v in record.http_headers.items()}
            ctype = headers.get("content-type", record.headers.get("Content-Type", "")).lower()
            if ctype and not any(t in ctype for t in _HTML_TYPES):
                continue
            body = record.reader.read(limit + 1)
            if len(body) > limit:
                yield IngestError("too-large", f"record larger than the {limit // 1_000_000} MB limit", source=rec_source)
                continue
            if not body or len(body) < record.content_length:
                # FastWARC hands out a cut record as an empty or short one.
                yield IngestError("truncated-record", "the record's payload is missing or cut short "
                                  "(a truncated archive?)", source=rec_source)
                continue
            date = record.headers.get("WARC-Date", "")[:10] or None
            kind = "text" if "text/plain" in ctype else "html"
            yield RawDoc(source=rec_source, content=body, kind=kind, url=uri, headers=headers, fetched=date)
    except Exception as exc:  # FastWARC signals damage with assorted exception types
        yield IngestError("bad-warc", f"archive unreadable after {n} records ({type(exc).__name__}: {exc})", source=source)
        return
    if n == 0:
        yield IngestError("bad-warc", "no readable WARC records (truncated or not a WARC)", source=source)


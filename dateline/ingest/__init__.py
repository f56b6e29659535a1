"""Stage 1, ingest: sources (files, folders, stdin, WARC, feeds, URLs) -> RawDoc.

``read_sources`` yields a ``RawDoc`` per document and, for a document that
cannot be read, the ``DatelineError`` that says why: failures are data, and
the stream goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import DatelineError, IngestError
from ..records import RawDoc
from .files import (GZIP_MAGIC, gunzip, iter_files, iter_json_lines, json_lines, opens_an_object, read_limited,
                    records_from_json, sniff, starts_as_json_lines, stdin_stream, too_big_for_memory)
from .warc import iter_warc

DEFAULT_MAX_BYTES = 20_000_000


class InputMeter:
    """How far into its local files a ``read_sources`` stream has read, in bytes (for an ETA).

    A WARC archive reports the offset of each record as it goes; any other file counts
    whole once read.
    """

    def __init__(self) -> None:
        self.finished = 0  # bytes of the files read to the end
        self.position = 0  # offset in the file being read

    @property
    def read(self) -> int:
        return self.finished + self.position

    def file_done(self, path: Path) -> None:
        try:
            self.finished += path.stat().st_size
        except OSError:
            pass
        self.position = 0


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def read_sources(sources: Iterable[str], *, max_bytes: int = DEFAULT_MAX_BYTES,
                 store: Any = None, meter: InputMeter | None = None) -> Iterator[RawDoc | DatelineError]:
    """Every document of every source, in order; unreadable ones as errors.

    With a ``store``, the fetcher keeps its per-URL state there (conditional GETs across runs).
    With a ``meter``, the bytes of local files read so far are kept up to date in it.
    """
    urls: list[str] = []
    for source in sources:
        if is_url(source):
            urls.append(source)
            continue
        if source == "-":
            data, stream = stdin_stream(max_bytes)
            if stream is not None:  # past the size limit: a stream of records, or nothing
                yield from _stdin_records(stream, max_bytes)
                continue
            assert data is not None
            yield from _documents_or_urls(read_bytes(data, "-", max_bytes), urls)
            continue
        path = Path(source)
        if not path.exists():
            yield IngestError("not-found", "no such file or folder", source=source)
            continue
        for file in iter_files(path):
            yield from _documents_or_urls(read_file(file, max_bytes, meter), urls)
            if meter is not None:
                meter.file_done(file)
    if urls:
        from .web import read_urls  # the polite fetcher: only imported when a URL is given

        yield from read_urls(urls, max_bytes=max_bytes, store=store)


def _stdin_records(stream: Any, max_bytes: int) -> Iterator[RawDoc | DatelineError]:
    """Standard input larger than the size limit (``zcat dump.jsonl.gz | dateline run -``):
    a JSONL dump is read a record at a time; a WARC archive is first copied to a temporary
    file (FastWARC seeks in what it reads; the copy is deleted after); anything else is too large."""
    try:
        head = stream.peek(8192)[:8192]
    except (OSError, EOFError) as exc:
        yield IngestError("bad-gzip", f"truncated or corrupt gzip data ({exc})", source="-")
        return
    if opens_an_object(head):
        yield from json_lines(stream, "-", max_bytes)
    elif sniff(head) == "warc":
        yield from _spooled_warc(stream, max_bytes)
    else:
        yield IngestError("too-large", f"standard input is larger than the {max_bytes // 1_000_000} MB limit and is"
                          " neither a WARC archive nor JSON lines", source="-")


def _spooled_warc(stream: Any, max_bytes: int) -> Iterator[RawDoc | DatelineError]:
    import os
    import shutil
    import tempfile

    with tempfile.NamedTemporaryFile(prefix="dateline-stdin-", suffix=".warc", delete=False) as spool:
        name = spool.name
    try:
        try:
            with open(name, "wb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
        except (OSError, EOFError) as exc:  # a cut gzip stream: its whole records are still read
            yield IngestError("bad-gzip", f"standard input ended early ({exc})", source="-")
        yield from iter_warc(Path(name), "-", max_bytes)
    finally:
        os.unlink(name)


def _documents_or_urls(items: Iterator[RawDoc | DatelineError], urls: list[str]) -> Iterator[RawDoc | DatelineError]:
    """Pass documents on; a plain-text file that is a list of URLs adds them to ``urls`` instead."""
    from .urls import url_list

    for item in items:
        if isinstance(item, RawDoc) and item.kind == "text" and len(item.content) < 5_000_000:
            listed = url_list(item.content.decode("utf-8", errors="replace"))
            if listed:
                urls.extend(listed)
                continue
        yield item


def read_file(path: Path, max_bytes: int, meter: InputMeter | None = None) -> Iterator[RawDoc | DatelineError]:
    source = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
        # A WARC is read as a stream: archives are far larger than one document.
        if head.startswith(b"WARC/") or (head[:2] == GZIP_MAGIC and _gz_starts_with_warc(path)):
            yield from iter_warc(path, source, max_bytes, meter=meter)
            return
        if too_big_for_memory(path, max_bytes) and starts_as_json_lines(path):
            yield from iter_json_lines(path, source, max_bytes, meter=meter)  # a news-please dump
            return
        with open(path, "rb") as fh:
            data = read_limited(fh, max_bytes, source)
    except DatelineError as exc:
        yield exc
        return
    except OSError as exc:
        yield IngestError("unreadable", f"cannot read the file ({exc.strerror or exc})", source=source)
        return
    yield from read_bytes(data, source, max_bytes)


def _gz_starts_with_warc(path: Path) -> bool:
    import gzip
    import zlib

    try:
        with gzip.open(path, "rb") as gz:
            return gz.read(5) == b"WARC/"
    except (OSError, EOFError, zlib.error):
        return False


def read_bytes(data: bytes, source: str, max_bytes: int) -> Iterator[RawDoc | DatelineError]:
    """Documents in a blob of bytes whose kind is found from its content."""
    try:
        if data[:2] == GZIP_MAGIC:
            data = gunzip(data, max_bytes, source)
        if not data.strip():
            raise IngestError("empty", "the document is empty", source=source)
        kind = sniff(data[:8192])
        if kind == "binary":
            raise IngestError("binary", "binary data, not a news page or text", source=source)
    except DatelineError as exc:
        yield exc
        return
    if kind == "warc":
        yield from iter_warc(None, source, max_bytes, data=data)
    elif kind == "record":
        yield from records_from_json(data, source)
    else:
        yield RawDoc(source=source, content=data, kind=kind)


__all__ = ["DEFAULT_MAX_BYTES", "InputMeter", "is_url", "read_bytes", "read_file", "read_sources"]

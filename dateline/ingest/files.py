"""Files, folders and stdin: find each document's kind from its bytes, not its name.

Kinds: ``warc`` (WARC or WARC.gz archives, expanded into their records),
``record`` (news-please JSON or JSONL: already extracted articles), ``html`` and
``text``. A gzip layer is removed first whatever the file is called. A JSONL dump
too large to hold in memory is read line by line (``iter_json_lines``).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import DatelineError, IngestError
from ..records import RawDoc

GZIP_MAGIC = b"\x1f\x8b"
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<div", b"<p>", b"<article", b"<title")
# Files a folder walk passes over: hidden files and well-known non-documents.
_SKIP_SUFFIXES = {".md", ".py", ".pyc", ".license", ".lock"}


def iter_files(root: Path) -> Iterator[Path]:
    """Files below ``root`` in a stable order, streamed (a folder of 100k files starts at once)."""
    if root.is_file():
        yield root
        return
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                subdirs.append(Path(entry.path))
            elif entry.is_file() and Path(entry.name).suffix.lower() not in _SKIP_SUFFIXES:
                yield Path(entry.path)
        stack.extend(reversed(subdirs))


def read_limited(stream: IO[bytes], limit: int, source: str) -> bytes:
    """Read at most ``limit`` bytes; more is an error naming the document, not a memory spike."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise IngestError("too-large", f"larger than the {limit // 1_000_000} MB limit per document", source=source)
    return data


def gunzip(data: bytes, limit: int, source: str) -> bytes:
    """Remove a gzip layer, with the size limit applied to the expanded bytes."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            return read_limited(gz, limit, source)  # type: ignore[arg-type]
    except (EOFError, OSError, zlib.error) as exc:
        raise IngestError("bad-gzip", f"truncated or corrupt gzip data ({exc})", source=source) from exc


def _start(head: bytes) -> bytes:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")  # byte-order mark and blank space


def opens_an_object(head: bytes) -> bool:
    """Whether the bytes start with a JSON object (a record, or the first of JSON lines)."""
    return _start(head)[:1] == b"{"


def sniff(head: bytes) -> str:
    """The kind of a document from its first bytes: warc, record, html, text or binary."""
    start = _start(head)
    if start.startswith(b"WARC/"):
        return "warc"
    if start[:1] in (b"{", b"["):
        return "record"
    low = start[:4096].lower()
    if any(marker in low for marker in _HTML_MARKERS):
        return "html"
    if looks_binary(head):
        return "binary"
    return "text"


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KB mean it is not a text document."""
    sample = data[:8192]
    if not sample:
        return False
    if b"\x00" in sample and not (sample.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(sample) > 0.05


def records_from_json(data: bytes, source: str) -> Iterator[RawDoc | DatelineError]:
    """news-please records from a JSON object, a JSON list, or JSONL (one object per line)."""
    text = data.decode("utf-8-sig", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            yield IngestError("bad-json", f"not valid JSON ({exc})", source=source)
            return
        for n, item in enumerate(items, 1):
            yield _record(item, f"{source}#{n}")
        return
    try:  # a single (possibly pretty-printed) object
        obj = json.loads(stripped)
    except json.JSONDecodeError:
        obj = None
    if isinstance(obj, dict):
        yield _record(obj, source)
        return
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield _line_record(line, n, source)


def _line_record(line: str, n: int, source: str) -> RawDoc | DatelineError:
    """The record on line ``n`` of JSON lines, or the error naming that line."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return IngestError("bad-json", f"line {n} is not valid JSON ({exc.msg})", source=f"{source}#{n}")
    return _record(item, f"{source}#{n}")


def too_big_for_memory(path: Path, limit: int) -> bool:
    """Whether a file, or what its gzip layer expands to, is over ``limit`` bytes (gzip's own
    trailer gives the expanded size, modulo 4 GB)."""
    size = path.stat().st_size
    if size > limit:
        return True
    with open(path, "rb") as fh:
        if fh.read(2) != GZIP_MAGIC or size < 18:
            return False
        fh.seek(-4, os.SEEK_END)
        return int.from_bytes(fh.read(4), "little") > limit


def _expanded(raw: IO[bytes]) -> IO[bytes]:
    """A binary file as it reads without its gzip layer, if it has one."""
    gz = raw.read(2) == GZIP_MAGIC
    raw.seek(0)
    return gzip.GzipFile(fileobj=raw) if gz else raw  # type: ignore[return-value]


def starts_as_json_lines(path: Path) -> bool:
    """Whether a file (gzipped or not) starts with a JSON object: JSONL, as news-please writes it."""
    try:
        with open(path, "rb") as raw:
            return opens_an_object(_expanded(raw).read(4096))
    except (OSError, EOFError, zlib.error):
        return False


def iter_json_lines(path: Path, source: str, limit: int, meter: Any = None) -> Iterator[RawDoc | DatelineError]:
    """news-please records of a JSONL file too large to hold in memory, read line by line.

    The size limit applies to each line (a record), as it applies to each WARC record;
    a bad or oversized line is an error naming it, and the file goes on. ``meter`` (an
    ``ingest.InputMeter``) gets the offset reached in the file as stored.
    """
    with open(path, "rb") as raw:
        position = (lambda: setattr(meter, "position", raw.tell())) if meter is not None else None
        yield from json_lines(_expanded(raw), source, limit, position)


def json_lines(fh: Any, source: str, limit: int,
               position: Any = None) -> Iterator[RawDoc | DatelineError]:
    """news-please records from a binary stream of JSON lines (a file, or standard input),
    the size limit applying to each line; ``position()`` is called after each line is read."""
    n = 0
    try:
        while line := fh.readline(limit + 1):
            n += 1
            if position is not None:
                position()
            if len(line) > limit and not line.endswith(b"\n"):
                while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass
                yield IngestError("too-large", f"line {n} is larger than the {limit // 1_000_000} MB limit",
                                  source=f"{source}#{n}")
                continue
            if line.strip():
                yield _line_record(line.decode("utf-8-sig" if n == 1 else "utf-8", errors="replace"), n, source)
    except (OSError, EOFError, zlib.error) as exc:
        yield IngestError("bad-gzip", f"unreadable after line {n} ({type(exc).__name__}: {exc})", source=source)


class _Prefixed(io.RawIOBase):
    """A stream that gives ``head`` first, then the rest of ``tail`` (stdin after a peek)."""

    def __init__(self, head: bytes, tail: IO[bytes]) -> None:
        self.head = memoryview(head)
        self.tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if len(self.head):
            n = min(len(buffer), len(self.head))
            buffer[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        chunk = self.tail.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def stdin_stream(limit: int) -> tuple[bytes | None, IO[bytes] | None]:
    """Standard input as ``(data, None)`` when it fits in ``limit`` bytes, else ``(None, stream)``:
    the whole input, gzip layer removed, to be read as a stream (a WARC archive or a JSONL dump)."""
    raw = sys.stdin.buffer
    data = raw.read(limit + 1)
    if data[:2] == GZIP_MAGIC:
        packed = gzip.GzipFile(fileobj=io.BufferedReader(_Prefixed(data, raw), buffer_size=1 << 20))
        try:
            expanded = packed.read(limit + 1)
        except (OSError, EOFError, zlib.error):
            return data, None  # ``read_bytes`` names the damage
        if len(expanded) <= limit:
            return expanded, None
        return None, io.BufferedReader(_Prefixed(expanded, packed), buffer_size=1 << 20)  # type: ignore[arg-type]
    if len(data) <= limit:
        return data, None
    return None, io.BufferedReader(_Prefixed(data, raw), buffer_size=1 << 20)


def _record(item: object, source: str) -> RawDoc | DatelineError:
    if not isinstance(item, dict):
        return IngestError("bad-record", "a JSON record must be an object", source=source)
    if not isinstance(item.get("maintext") or item.get("text"), str):
        return IngestError("bad-record", "the record has no 'maintext' string", source=source)
    content = json.dumps(item, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return RawDoc(source=source, content=content, kind="record", url=item.get("url"), record=item)



"""Ingest finds each document's kind from its bytes and turns bad input into errors, not crashes."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from dateline.errors import DatelineError
from dateline.ingest import read_sources
from dateline.records import RawDoc

HTML = b"<!DOCTYPE html><html><head><title>T</title></head><body><article><p>Hello world.</p></article></body></html>"


def write_warc(path: Path, pages: list[tuple[str, bytes]], gz: bool = True) -> None:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for url, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))


def kinds(paths: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in read_sources(paths):
        if isinstance(item, RawDoc):
            out.append((Path(item.source.split("#")[0]).name, item.kind))
        else:
            out.append((Path((item.source or "").split("#")[0]).name, f"error:{item.code}"))
    return out


def test_kind_found_from_content_not_name(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_bytes(HTML)  # HTML despite .txt
    (tmp_path / "story.html").write_text("Just a scraped line of plain text about the news.\n")
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(HTML))
    (tmp_path / "records.data").write_text(json.dumps({"title": "A", "maintext": "Body text here."}) + "\n")
    write_warc(tmp_path / "crawl.bin", [("https://example.org/a", HTML)])
    got = dict(kinds([str(tmp_path)]))
    assert got == {"page.txt": "html", "story.html": "text", "page.html.gz": "html", "records.data": "record",
                   "crawl.bin": "html"}


def test_folder_walk_is_recursive_and_sorted(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("second document text")
    (tmp_path / "a.txt").write_text("first document text")
    (tmp_path / ".hidden.txt").write_text("never read")
    assert [n for n, _ in kinds([str(tmp_path)])] == ["a.txt", "2.txt"]


def test_jsonl_records_keep_maintext_and_name_bad_lines(tmp_path: Path) -> None:
    lines = [json.dumps({"id": "r1", "title": "One", "maintext": "Text one."}), "{not json",
             json.dumps({"title": "no text"}), json.dumps({"id": "r2", "maintext": "Text two."})]
    (tmp_path / "recs.jsonl").write_text("\n".join(lines))
    items = list(read_sources([str(tmp_path / "recs.jsonl")]))
    assert [i.record["id"] for i in items if isinstance(i, RawDoc)] == ["r1", "r2"]
    errors = [i for i in items if isinstance(i, DatelineError)]
    assert [(e.code, e.source.rsplit("#", 1)[1]) for e in errors] == [("bad-json", "2"), ("bad-record", "3")]


def test_warc_gz_records_and_truncation(tmp_path: Path) -> None:
    path = tmp_path / "news.warc.gz"
    pages = [(f"https://example.org/{i}", HTML.replace(b"Hello", f"Story {i}".encode()) * 20) for i in range(5)]
    write_warc(path, pages)
    full = [i for i in read_sources([str(path)]) if isinstance(i, RawDoc)]
    assert [d.url for d in full] == [u for u, _ in pages]
    assert all(d.kind == "html" and d.fetched for d in full)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    items = list(read_sources([str(cut)]))
    docs = [i for i in items if isinstance(i, RawDoc)]
    assert 1 <= len(docs) < 5
    bodies = [b for _, b in pages]
    assert all(d.content in bodies for d in docs), [len(d.content) for d in docs]  # no half-read document
    assert isinstance(items[-1], DatelineError) and items[-1].stage == "ingest"


def test_the_meter_follows_the_reader_through_archives_and_files(tmp_path: Path) -> None:
    """The byte meter behind a run's ETA: each WARC record's offset in the file as stored
    (gzip-compressed or not), then whole files as they end."""
    from dateline.ingest import InputMeter

    pages = [(f"https://example.org/{i}", HTML.replace(b"Hello", f"Story {i}".encode()) * 50) for i in range(8)]
    write_warc(tmp_path / "a.warc.gz", pages)
    write_warc(tmp_path / "b.warc", pages, gz=False)
    (tmp_path / "c.html").write_bytes(HTML)
    sizes = {p.name: p.stat().st_size for p in tmp_path.iterdir()}
    meter = InputMeter()
    seen = []
    for item in read_sources([str(tmp_path)], meter=meter):
        assert isinstance(item, RawDoc)
        seen.append((Path(item.source.split("#")[0]).name, meter.read))
    reads = [r for _, r in seen]
    assert reads == sorted(reads) and meter.read == sum(sizes.values())
    in_a = [r for name, r in seen if name == "a.warc.gz"]
    assert len(in_a) == 8 and 0 < in_a[1] < in_a[-1] < sizes["a.warc.gz"]  # inside the compressed file
    in_b = [r - sizes["a.warc.gz"] for name, r in seen if name == "b.warc"]
    assert 0 <= in_b[0] < in_b[-1] < sizes["b.warc"]


def test_a_jsonl_dump_larger_than_the_limit_is_read_line_by_line(tmp_path: Path) -> None:
    """news-please dumps run to gigabytes: past the size limit a JSONL file (or a gzipped one
    that expands past it) is streamed, the limit applying to each record; a bad or oversized
    line is an error naming it, and the records after it still come."""
    records = [{"id": f"r{i}", "maintext": f"Story {i}. " + "Troops shelled the town. " * 20} for i in range(12)]
    lines = [json.dumps(r) for r in records]
    lines[4] = json.dumps({"id": "huge", "maintext": "x" * 5000})
    lines[7] = "{not json"
    plain = tmp_path / "dump.jsonl"
    plain.write_text("\n".join(lines) + "\n")
    packed = tmp_path / "dump.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert packed.stat().st_size < 3000 < plain.stat().st_size
    whole = list(read_sources([str(plain)], max_bytes=1_000_000))  # small enough to read at once
    for path in (plain, packed):
        items = list(read_sources([str(path)], max_bytes=3000))
        docs = [i for i in items if isinstance(i, RawDoc)]
        assert [d.record["id"] for d in docs] == [r["id"] for k, r in enumerate(records) if k not in (4, 7)]
        errors = [(Path(e.source).name, e.code) for e in items if isinstance(e, DatelineError)]
        assert errors == [(f"{path.name}#5", "too-large"), (f"{path.name}#8", "bad-json")]
        if path is plain:  # the same records, named the same way, as the whole-file reader gives
            assert [(d.source, d.content) for d in docs] == [
                (d.source, d.content) for d in whole if isinstance(d, RawDoc) and d.record["id"] != "huge"]


def test_a_jsonl_dump_on_standard_input_is_streamed_past_the_limit(tmp_path: Path) -> None:
    """`zcat dump.jsonl.gz | dateline extract -`: past the limit, standard input holding JSON
    lines (plain or gzipped) is read a record at a time, a WARC archive through a temporary
    copy; anything else that large is refused."""
    import subprocess
    import sys

    records = [{"id": f"r{i}", "maintext": f"Story {i}. " + "Troops shelled the town. " * 20} for i in range(12)]
    dump = ("\n".join(json.dumps(r) for r in records) + "\n").encode()
    warc = tmp_path / "big.warc"
    page = b"<html><body><article><p>" + b"Troops shelled the town on Monday, officials said. " * 10 + b"</p></article>"
    write_warc(warc, [(f"https://example.org/{i}", page + f"<p>Story {i}.</p></body></html>".encode()) for i in range(5)],
               gz=False)
    assert warc.stat().st_size > 3000
    cmd = [sys.executable, "-m", "dateline", "extract", "-", "--no-analyze", "--format", "jsonl", "--max-bytes", "3000"]
    for payload in (dump, gzip.compress(dump)):
        assert len(payload) > 3000 or len(dump) > 3000
        done = subprocess.run(cmd, input=payload, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr.decode()
        assert [json.loads(line)["id"] for line in done.stdout.decode().splitlines()] == [r["id"] for r in records]
    for archive in (warc.read_bytes(), gzip.compress(warc.read_bytes())):  # copied to a file, then read
        done = subprocess.run(cmd, input=archive, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr.decode()
        urls = [json.loads(line)["url"] for line in done.stdout.decode().splitlines()]
        assert urls == [f"https://example.org/{i}" for i in range(5)]
    refused = subprocess.run(cmd, input=b"\x00\x01" * 5000, capture_output=True, timeout=300)
    assert refused.returncode != 0 and b"neither a WARC archive nor JSON lines" in refused.stderr


def test_bad_inputs_become_named_errors(tmp_path: Path) -> None:
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "cut.html.gz").write_bytes(gzip.compress(HTML * 100)[:60])
    (tmp_path / "huge.html").write_bytes(b"<html><body>" + b"<p>x</p>" * 200_000 + b"</body></html>")
    items = list(read_sources([str(tmp_path)], max_bytes=1_000_000))
    errors = {Path(e.source).name: (e.stage, e.code) for e in items if isinstance(e, DatelineError)}
    assert errors == {"junk.bin": ("ingest", "binary"), "empty.txt": ("ingest", "empty"),
                      "cut.html.gz": ("ingest", "bad-gzip"), "huge.html": ("ingest", "too-large")}


def test_missing_source_is_an_error(tmp_path: Path) -> None:
    (err,) = list(read_sources([str(tmp_path / "nope.html")]))
    assert isinstance(err, DatelineError) and err.code == "not-found"

"""The Spark job against the local runner: same input, same database after `dateline load`.

Two small WARC files are built from the sample corpus (HTML pages, the two
responses of the sample WARC, the scraped text reposts as resource records,
a repeated page and a page without an article), processed by `dateline run`'s
runner into one database and by `dateline spark` in local[2] + `dateline load`
into another; every stored row must match, timestamps aside.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None and not os.environ.get("JAVA_HOME"), reason="Spark needs a Java runtime"
)

# Columns that hold the time a row was written, and (in errors) the autoincrement key.
VOLATILE = {"created", "updated", "id"}


def _response(writer: Any, url: str, body: bytes, ctype: str = "text/html; charset=utf-8", status: str = "200 OK") -> None:
    from warcio.statusandheaders import StatusAndHeaders

    headers = StatusAndHeaders(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                               protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))


def _resource(writer: Any, url: str, body: bytes) -> None:
    writer.write_record(writer.create_warc_record(url, "resource", payload=io.BytesIO(body),
                                                  warc_content_type="text/plain; charset=utf-8"))


def _sample_responses() -> list[tuple[str, int, bytes]]:
    from warcio.archiveiterator import ArchiveIterator

    out = []
    with open(SAMPLES / "warc" / "sample-news.warc.gz", "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                out.append((record.rec_headers.get_header("WARC-Target-URI"),
                            int(record.http_headers.get_statuscode()), record.content_stream().read()))
    return out


def build_warcs(folder: Path) -> list[Path]:
    """Two WARC.gz files: 11 records, 8 documents, 6 distinct articles, 1 page without an article."""
    from warcio.warcwriter import WARCWriter

    kharkiv = (SAMPLES / "html" / "reuters-kharkiv-clean.html").read_bytes()
    queen = gzip.decompress((SAMPLES / "html" / "queen-balmoral.html.gz").read_bytes())
    responses = _sample_responses()
    assert len(responses) == 3  # IAEA, a redirect, NASA
    paths = [folder / "a.warc.gz", folder / "b.warc.gz"]
    with open(paths[0], "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        _response(w, "https://news.example.org/world/kharkiv", kharkiv)
        for url, status, body in responses[:2]:
            _response(w, url, body, status="200 OK" if status == 200 else "301 Moved Permanently")
        _response(w, "https://news.example.org/empty", b"<html><head><title>x</title></head><body><p>Hi.</p></body></html>")
        _response(w, "https://news.example.org/logo.png", b"\x89PNG\r\n", ctype="image/png")
    with open(paths[1], "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        _response(w, "https://news.example.org/uk/queen", queen)
        url, _status, body = responses[2]
        _response(w, url, body)
        _resource(w, "https://scraper.example.net/kharkiv.txt", (SAMPLES / "text" / "reuters-kharkiv-repost.txt").read_bytes())
        _resource(w, "https://scraper.example.net/queen.txt", (SAMPLES / "text" / "queen-balmoral-scrape.txt").read_bytes())
        _response(w, "https://mirror.example.com/world/kharkiv", kharkiv)  # the same bytes again: stored once
    return paths


@pytest.fixture(scope="module")
def warcs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return build_warcs(tmp_path_factory.mktemp("warcs"))


def _rows(db: Path) -> dict[str, list[str]]:
    """Every table's rows as sorted canonical JSON, timestamps left out, JSON columns parsed."""
    import sqlite3

    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    tables = ["articles", "entities", "places", "dates", "quotes", "counts", "events", "stories", "errors",
              "documents", "story_members", "story_events"]
    out = {}
    for table in tables:
        rows = []
        for row in conn.execute(f"SELECT * FROM {table}"):
            d = {k: row[k] for k in row.keys() if k not in VOLATILE or (k == "id" and table != "errors")}
            for key in ("data", "info", "terms", "signals"):
                if isinstance(d.get(key), str):
                    d[key] = json.loads(d[key])
            if table == "articles":
                # The linker writes an article's story block when the article is added and does not
                # rewrite it as copies arrive (readers get it from the story tables): not compared.
                d["data"].pop("story", None)
            rows.append(json.dumps(d, sort_keys=True, ensure_ascii=False))
        out[table] = sorted(rows)
    conn.close()
    return out


@pytest.fixture(scope="module")
def local_db(warcs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dateline.pipeline import Runner
    from dateline.store import open_store

    db = tmp_path_factory.mktemp("run") / "run.db"
    with open_store(str(db)) as store:
        stats = Runner(store, workers=1).run([str(p) for p in warcs])
    assert stats.articles == 6 and stats.skipped == 1 and stats.failed == 1, stats.summary()
    return db


@pytest.fixture(scope="module")
def spark_output(warcs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dateline.cli import main

    out = tmp_path_factory.mktemp("spark") / "out"
    result = CliRunner().invoke(main, ["spark", *map(str, warcs), "--output", str(out), "--master", "local[2]"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "2 files" in result.output and "6 articles, 1 failed" in result.output, result.output
    return out


def test_spark_tables_hold_every_article_and_fact(spark_output: Path, local_db: Path) -> None:
    articles = pq.read_table(spark_output / "articles").to_pylist()
    assert len(articles) == 6 and len({a["id"] for a in articles}) == 6
    # Written in input order: files, then records within a file.
    assert [(a["input_file"], a["input_record"]) for a in articles] == sorted(
        (a["input_file"], a["input_record"]) for a in articles)
    local = _rows(local_db)
    for table in ("entities", "places", "quotes", "counts", "events"):
        rows = pq.read_table(spark_output / table).to_pylist()
        assert len(rows) == len(local[table]) > 0, table
        for row in rows:
            article = next(a for a in articles if a["id"] == row["article_id"])
            assert article["text"][row["start"]:row["end"]] == row["text"], (table, row)
    stories = pq.read_table(spark_output / "stories").to_pylist()
    assert sorted(s["size"] for s in stories) == [1, 1, 2, 2]
    errors = pq.read_table(spark_output / "errors").to_pylist()
    assert [(e["stage"], e["code"]) for e in errors if e["article_id"] is None] == [("extract", "no-text")]


def test_spark_then_load_equals_run(spark_output: Path, local_db: Path, tmp_path: Path) -> None:
    from dateline.cli import main

    db = tmp_path / "spark.db"
    for failed in (1, 0):  # loading twice changes nothing (the failed document is recorded once)
        result = CliRunner().invoke(main, ["load", str(spark_output), "--db", str(db)])
        assert result.exit_code == 0, result.output + repr(result.exception)
        assert f"6 articles, {failed} failed documents, 4 stories loaded" in result.output, result.output
        loaded, local = _rows(db), _rows(local_db)
        for table, rows in local.items():
            assert loaded[table] == rows, table


def test_loaded_articles_read_back_with_their_stories(spark_output: Path, local_db: Path, tmp_path: Path) -> None:
    from dateline.records import article_to_dict
    from dateline.spark import load_output
    from dateline.store import open_store

    with open_store(str(tmp_path / "s.db")) as loaded, open_store(str(local_db)) as local:
        load_output(str(spark_output), loaded)
        ids = [r["id"] for r in local.query("SELECT id FROM articles ORDER BY id")]
        assert [article_to_dict(loaded.article(i)) for i in ids] == [article_to_dict(local.article(i)) for i in ids]
        assert len({loaded.article(i).story.id for i in ids}) == 4


def test_load_relinks_against_stored_stories(spark_output: Path, local_db: Path, tmp_path: Path) -> None:
    """A database that already holds the same stories: loading links incrementally and keeps them."""
    db = tmp_path / "again.db"
    shutil.copy(local_db, db)
    from dateline.spark import load_output
    from dateline.store import open_store

    with open_store(str(db)) as store:
        stats = load_output(str(spark_output), store, relink=True)
    assert stats.relinked and stats.articles == 6
    after, before = _rows(db), _rows(local_db)
    assert after["articles"] == before["articles"]
    assert after["stories"] == before["stories"]


# -- the parts, without Spark ---------------------------------------------------------------------
def _star_rounds(edges: set[tuple[str, str]]) -> dict[str, str]:
    """``components`` with Python collections in place of RDDs (the same step functions)."""
    from collections import defaultdict

    from dateline.spark import _large_star, _merge_roles, _roles, _small_star

    def group(pairs: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
        out: dict[str, list[str]] = defaultdict(list)
        for k, v in pairs:
            out[k].append(v)
        return list(out.items())

    edges = {(max(e), min(e)) for e in edges if e[0] != e[1]}
    for _ in range(50):
        roles: dict[str, tuple[frozenset[str], bool]] = {}
        for k, v in (r for e in edges for r in _roles(e)):
            roles[k] = _merge_roles(roles[k], v) if k in roles else v
        if not any(len(c) > 1 or (c and centre) for c, centre in roles.values()):
            return dict(edges)
        both = [p for e in edges for p in (e, (e[1], e[0]))]
        large = [x for item in group(both) for x in _large_star(item)]
        edges = {x for item in group(large) for x in _small_star(item)}
    raise AssertionError("no convergence")


@pytest.mark.parametrize("seed", range(5))
def test_star_components_match_union_find(seed: int) -> None:
    import random

    rng = random.Random(seed)
    nodes = [f"n{i:03d}" for i in range(60)]
    edges = {(rng.choice(nodes), rng.choice(nodes)) for _ in range(45)}
    edges |= {(nodes[i], nodes[i + 1]) for i in range(40, 55)}  # a long chain
    parent = {n: n for n in nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    labels = _star_rounds(edges)
    label = {n: labels.get(n, n) for n in nodes}
    for a in nodes:
        for b in nodes:
            assert (label[a] == label[b]) == (find(a) == find(b)), (a, b)


def test_key_terms_keep_ties_and_drop_unshared_stems() -> None:
    from dateline.spark import key_terms

    terms = {"ukrai": 2.0, "kharki": 1.0, "kupya": 1.0, "izyum": 1.0, "solo": 1.0}
    df = {"ukrai": 50, "kharki": 3, "kupya": 3, "izyum": 3}  # "solo" is in one article only
    assert key_terms(terms, df, 100, top=2) == ["kharki", "kupya", "izyum"]
    assert key_terms(terms, df, 100, top=10) == ["kharki", "kupya", "izyum", "ukrai"]


def test_expand_inputs_walks_folders_and_reads_path_lists(tmp_path: Path) -> None:
    from dateline.spark import expand_inputs

    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "b.warc.gz").write_bytes(b"x")
    (tmp_path / "d" / "sub" / "a.warc.gz").write_bytes(b"x")
    listing = tmp_path / "warc.paths.gz"
    listing.write_bytes(gzip.compress(b"crawl-data/CC-NEWS/1.warc.gz\n\ns3://other/2.warc.gz\n"))
    got = expand_inputs([str(tmp_path / "d"), "s3://bucket/x.warc.gz"], [str(listing)], "s3://commoncrawl/")
    assert got == ["s3://commoncrawl/crawl-data/CC-NEWS/1.warc.gz", "s3://other/2.warc.gz",
                   str(tmp_path / "d" / "b.warc.gz"), str(tmp_path / "d" / "sub" / "a.warc.gz"),
                   "s3://bucket/x.warc.gz"]

"""The runner end to end on real text: stored once, failures recorded, crash-safe, resumable."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dateline.pipeline import Runner
from dateline.records import FACT_TYPES
from dateline.store import open_store

ROOT = Path(__file__).resolve().parents[1]
DATELINE = [sys.executable, "-m", "dateline"]


def news_records(shared_dir: Path, n: int) -> list[dict]:
    """Real news texts (GeoWebNews excerpts, read at test time) as news-please records."""
    out = []
    with open(shared_dir / "bench" / "geo" / "geowebnews" / "docs.jsonl", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            out.append({"id": doc["doc_id"], "title": doc["title"], "url": doc["url"], "maintext": doc["text"],
                        "language": "en", "date_publish": "2018-01-15 00:00:00", "authors": []})
            if len(out) == n:
                break
    return out


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def bad_corpus(folder: Path) -> dict[str, str]:
    """Bad inputs and the stage each must fail in."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "junk.bin").write_bytes(os.urandom(20_000))
    (folder / "empty.html").write_bytes(b"")
    (folder / "cut.html.gz").write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + os.urandom(30))
    (folder / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me story.".encode("latin-1"))  # too short: no article
    (folder / "huge.html").write_bytes(b"<html><body><p>" + b"word " * 11_000_000 + b"</p></body></html>")
    return {"junk.bin": "ingest", "empty.html": "ingest", "cut.html.gz": "ingest", "latin1.txt": "extract",
            "huge.html": "ingest"}


def test_run_stores_each_document_once_and_records_failures(tmp_path: Path, shared_dir: Path, store) -> None:
    corpus = tmp_path / "corpus"
    expected_failures = bad_corpus(corpus)
    records = news_records(shared_dir, 6)
    write_jsonl(corpus / "news.jsonl", records)
    stats = Runner(store, workers=1).run([str(corpus)])
    assert stats.articles == 6 and stats.failed == len(expected_failures)
    errors = store.query("SELECT source, stage, code FROM errors WHERE article_id IS NULL")
    assert {Path(e["source"]).name: e["stage"] for e in errors} == expected_failures
    stored = store.query("SELECT id, text FROM articles ORDER BY id")
    assert [r["id"] for r in stored] == sorted(r["id"] for r in records)
    # offsets point into the record's maintext exactly
    first = store.article(records[0]["id"])
    assert first is not None and first.text == records[0]["maintext"]
    for ent in first.entities:
        assert first.text[ent.start : ent.end] == ent.text
    # a second run stores nothing twice, errors included
    again = Runner(store, workers=1).run([str(corpus)])
    assert again.articles == 0 and again.skipped == again.documents == 6 + len(expected_failures)
    assert store.counts()["articles"] == 6
    assert len(store.query("SELECT 1 FROM errors WHERE article_id IS NULL")) == len(expected_failures)


def test_run_with_two_workers_matches_one(tmp_path: Path, shared_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers analyse and fingerprint; the main process links: the stories are the same,
    whoever analysed each batch: the main process before forking the workers (all of them
    here, by default: 2 batches), the workers after the extracting process extracted it (the
    main process waits for it here), or a mix of the two."""
    from concurrent.futures import wait

    from dateline import pipeline as P

    records = news_records(shared_dir, 8)
    repost = {**records[0], "id": "repost", "url": "https://copies.example/a",
              "maintext": records[0]["maintext"].rsplit(". ", 1)[0] + "."}  # a copy that drops its last sentence
    src = write_jsonl(tmp_path / "news.jsonl", [*records, repost])
    handed: list[bool] = []  # per batch the workers analysed: extracted by the time they started?
    real_analysis, real_here = P._analysis, P._analyse_here

    def analysis(pool, raws, extracting, *args):  # type: ignore[no-untyped-def]
        handed.append(extracting.done())
        return real_analysis(pool, raws, extracting, *args)

    monkeypatch.setattr(P, "_analysis", analysis)
    pools: list[int] = []  # processes of each pool a run starts
    real_pool = P.ProcessPoolExecutor

    def pool(max_workers: int, **kwargs):  # type: ignore[no-untyped-def]
        pools.append(max_workers)
        return real_pool(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(P, "ProcessPoolExecutor", pool)
    results, handed_by_run, pools_by_run = [], [], []
    def here_once_extracted(started, batches, link):  # type: ignore[no-untyped-def]
        wait([item[1] for item in started if isinstance(item, tuple)])  # the extractor finishes first
        return real_here(started, batches, link)

    for run, workers, warm_batches, here in (
        ("one", 1, P.WARM_BATCHES, real_here),
        ("here", 2, P.WARM_BATCHES, real_here),
        ("workers", 2, 0, here_once_extracted),
        ("mixed", 2, 1, real_here),
    ):
        monkeypatch.setattr(P, "WARM_BATCHES", warm_batches)
        monkeypatch.setattr(P, "_analyse_here", here)
        handed.clear()
        pools.clear()
        with open_store(str(tmp_path / f"{run}.db")) as s:
            Runner(s, workers=workers).run([str(src)])
            articles = {a.id: a for a in s.articles()}
            rows = [(a.id, len(a.entities), len(a.places), len(a.quotes), a.story and a.story.id,
                     a.story and a.story.kind) for a in articles.values()]
            members = s.query("SELECT article_id, kind, signals, sig, n_shingles, terms, info FROM story_members"
                              " ORDER BY article_id")
            # Every stored row too: workers send their articles' rows ready-made (``article_rows``).
            stored = [tuple(r.values()) for r in s.query("SELECT id, data FROM articles ORDER BY id")]
            for table in FACT_TYPES:
                stored += [tuple(r.values()) for r in s.query(f"SELECT * FROM {table} ORDER BY article_id, idx")]
            results.append((rows, [tuple(m.values()) for m in members], stored))
        handed_by_run.append(list(handed))
        pools_by_run.append(list(pools))
    assert all(r == results[0] for r in results) and len(results[0][0]) == len(results[0][1]) == 9
    # 2 batches (8 + 1 documents): both analysed before the fork; both by the workers, both
    # extracted by the extracting process; the first before the fork, the second by a worker.
    assert [len(h) for h in handed_by_run] == [0, 0, 2, 1] and handed_by_run[2] == [True, True]
    assert pools_by_run == [[], [1], [1, 2], [1, 2]]  # all analysed before the fork: no workers forked
    assert len(results[0][2]) > 9 * 10  # the articles and their facts
    assert articles["repost"].story and articles["repost"].story.id == articles[records[0]["id"]].story.id


def test_batches_extracted_while_the_models_load_are_analysed_like_the_others(seed_path: Path) -> None:
    """A batch the extracting process finished is only analysed by the workers; one it never
    began, or failed on, is done whole; one it is still on is analysed when it finishes."""
    from concurrent.futures import Future, ThreadPoolExecutor

    from dateline import pipeline as P
    from dateline.records import RawDoc

    raw = RawDoc(source=str(seed_path), content=seed_path.read_bytes(), kind="text")
    extracted: Future = Future()
    extracted.set_result(P.extract_batch([raw]))
    never_begun: Future = Future()
    never_begun.cancel()
    failed: Future = Future()
    failed.set_exception(RuntimeError("the extracting process died"))
    running: Future = Future()
    running.set_running_or_notify_cancel()
    with ThreadPoolExecutor(1) as pool:
        late = P._analysis(pool, [raw], running, None, True)
        made = [P._analysis(pool, [raw], f, None, True).result(timeout=300) for f in (extracted, never_begun, failed)]
        assert not late.done()
        running.set_result(P.extract_batch([raw]))
        made.append(late.result(timeout=300))
    for (article, fp, rows), in made:
        assert article.quotes and article.events and fp is not None and fp.spin is not None
        assert rows == made[0][0][2] and len(article.quotes) == len(made[0][0][0].quotes)


def test_run_killed_midway_leaves_whole_documents_and_resumes(tmp_path: Path, shared_dir: Path) -> None:
    records = news_records(shared_dir, 60)
    src = write_jsonl(tmp_path / "news.jsonl", records)
    db = tmp_path / "kill.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([*DATELINE, "run", str(src), "--db", str(db), "--workers", "1", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 240
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.5)
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as c:
                    stored = c.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if stored >= 5:
                break
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n_articles = c.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        n_docs = c.execute("SELECT COUNT(*) FROM documents WHERE status = 'stored'").fetchone()[0]
        orphans = c.execute("SELECT COUNT(*) FROM entities WHERE article_id NOT IN (SELECT id FROM articles)").fetchone()[0]
    assert 5 <= n_articles < 60 and n_docs == n_articles and orphans == 0
    done = subprocess.run([*DATELINE, "run", str(src), "--db", str(db), "--workers", "1", "-q"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"{n_articles} already stored" in done.stdout
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM articles").fetchone() == (60, 60)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_formats(tmp_path: Path, shared_dir: Path, fmt: str) -> None:
    src = write_jsonl(tmp_path / "news.jsonl", news_records(shared_dir, 3))
    db = tmp_path / "e.db"
    with open_store(str(db)) as s:
        Runner(s, workers=1).run([str(src)])
    out = tmp_path / f"out.{fmt}"
    for what in ("articles", "entities"):
        res = subprocess.run([*DATELINE, "export", "--db", str(db), "--format", fmt, "--what", what, "-o", str(out)],
                             capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert res.returncode == 0, res.stderr
        if fmt == "jsonl":
            rows = [json.loads(line) for line in out.read_text().splitlines()]
        elif fmt == "csv":
            import csv

            rows = list(csv.DictReader(out.open()))
        else:
            import pyarrow.parquet as pq

            rows = pq.read_table(out).to_pylist()
        if what == "articles":
            assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in news_records(shared_dir, 3))
        else:
            assert rows and all(r["article_id"].startswith("gwn-") for r in rows)


def test_progress_counts_files_ahead_for_an_eta(tmp_path: Path) -> None:
    from dateline.pipeline import RunStats, count_ahead

    for i in range(5):
        (tmp_path / f"{i}.html").write_text("<html><body><p>x</p></body></html>")
    stats = RunStats()
    count_ahead([str(tmp_path)], stats)
    deadline = time.monotonic() + 10
    while stats.total is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stats.total == 5
    stats.documents, stats.elapsed = 2, 4.0
    assert stats.eta == 6.0  # 3 left at 0.5 docs/s
    # An archive's size in documents is unknown until read: its size in bytes stands in.
    from dateline.ingest import InputMeter

    (tmp_path / "more.warc.gz").write_bytes(b"\0" * 3000)
    size = sum(p.stat().st_size for p in tmp_path.iterdir())
    archive = RunStats(meter=InputMeter())
    count_ahead([str(tmp_path)], archive)
    deadline = time.monotonic() + 10
    while archive.input_bytes is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert archive.total is None and archive.input_bytes == size
    assert archive.eta is None  # nothing read yet
    assert archive.meter is not None
    archive.meter.position = size // 4  # the reader handed out 10 documents from the first quarter
    archive.pulled, archive.documents, archive.elapsed = 10, 8, 4.0
    assert archive.expected == pytest.approx(40, rel=0.01)
    assert archive.eta == pytest.approx((40 - 8) / 2.0, rel=0.02)  # 32 left at 2 docs/s


def test_other_languages_are_stored_without_facts(tmp_path: Path, shared_dir: Path, store) -> None:
    """The analysis reads English: a German page is stored, with no facts and a note saying why;
    an English text whose record declares another language is still analysed."""
    import gzip

    from dateline.extract import extract
    from dateline.pipeline import process
    from dateline.records import RawDoc

    german = None
    for page in sorted((shared_dir / "bench" / "extraction" / "html").glob("*.html.gz"))[:80]:
        raw = RawDoc(source=page.name, content=gzip.decompress(page.read_bytes()), kind="html")
        try:
            if extract(raw).language == "de":
                german = raw
                break
        except Exception:  # pages the extractor rejects are not what this test is about
            continue
    assert german is not None
    article = process(german)
    assert not (article.entities or article.places or article.quotes or article.events)
    assert [e.code for e in article.errors] == ["unsupported-language"]

    records = news_records(shared_dir, 2)
    records[0]["language"] = "de"  # a wrong declaration: the text is English
    write_jsonl(tmp_path / "news.jsonl", records)
    (tmp_path / german.source).write_bytes(gzip.compress(german.content))
    stats = Runner(store, workers=1).run([str(tmp_path / "news.jsonl"), str(tmp_path / german.source)])
    assert stats.articles == 3 and stats.other_language == 1 and not stats.errors_by_stage
    assert "1 not in English" in stats.summary()
    assert store.article(records[0]["id"]).entities  # analysed despite the declaration
    from dateline.report import found_report

    report = found_report(store).splitlines()  # a notice, not an error, as in the summary
    assert "Not in English (stored without facts): 1" in report
    assert not any(line.startswith("Errors by stage") for line in report)


def test_make_run_report_on_the_samples_names_identified_places(store) -> None:
    """What `make run` prints after the sample corpus: counts per article, and the places
    most named, identified ones only (a name the gazetteer lacks is placed approximately
    and is not reported under a country it is not in: Balmoral is in Scotland, not NZ)."""
    from dateline.report import found_report

    stats = Runner(store, workers=1).run([str(ROOT / "samples")])
    assert stats.articles >= 7 and not stats.errors_by_stage
    report = found_report(store)
    places = next(line for line in report.splitlines() if line.startswith("Places: "))
    assert "None" not in places and "Kharkiv UA (" in places and "Balmoral NZ" not in places and "  " not in places
    balmoral = store.query("SELECT name, country, lat, lon FROM places WHERE text = 'Balmoral'")
    assert balmoral and all(p["country"] in (None, "GB") and 54 < p["lat"] < 61 for p in balmoral)
    with store.transaction():  # a place the gazetteer knows no country for: "Name (n)", one space
        store.execute("UPDATE places SET country = NULL WHERE name = 'Kharkiv'")
    places = next(line for line in found_report(store).splitlines() if line.startswith("Places: "))
    assert "Kharkiv (" in places and "  " not in places


def test_progress_line_shows_rate_expected_documents_and_eta(capsys: pytest.CaptureFixture[str]) -> None:
    """The status line of `dateline run`: in a log (no terminal) the first line waits 10 s, so a
    short run shows only its summary; then docs done of those expected, docs/s and the ETA."""
    from dateline.cli import Progress
    from dateline.ingest import InputMeter
    from dateline.pipeline import RunStats

    progress = Progress("run")
    assert not progress.tty  # pytest captures stderr
    stats = RunStats(documents=3, articles=3, elapsed=1.0)
    progress(stats)
    assert capsys.readouterr().err == ""  # too early for a line in a log
    progress.last -= progress.every  # 10 s later
    stats = RunStats(documents=100, articles=90, failed=2, elapsed=50.0, input_bytes=4_000, meter=InputMeter(),
                     pulled=125)
    assert stats.meter is not None
    stats.meter.position = 1_000  # a quarter of the input read: ~500 documents in all
    progress(stats)
    line = capsys.readouterr().err.strip()
    assert line == "[run] 100/~500 docs · 2.0 docs/s · 90 articles · 2 failed · 0:50 · ETA 3:20", line


def test_extract_reports_progress_on_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    """`dateline extract` writes its output to stdout and keeps the same status line as `run`."""
    from click.testing import CliRunner

    from dateline import cli

    seen: list[tuple[int, int, int]] = []
    monkeypatch.setattr(cli.Progress, "__call__", lambda self, s: seen.append((s.documents, s.articles, s.failed)))
    warc = ROOT / "samples" / "warc" / "sample-news.warc.gz"
    result = CliRunner().invoke(cli.main, ["extract", str(warc), "--no-analyze", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    out = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert out and seen == [(n, n, 0) for n in range(1, len(out) + 1)]


def test_first_analysed_batch_freezes_what_is_loaded_and_later_batches_do_not(seed_path: Path) -> None:
    import gc

    from dateline.pipeline import process_batch
    from dateline.records import RawDoc

    raw = RawDoc(source=str(seed_path), content=seed_path.read_bytes(), kind="text")
    assert process_batch([raw])[0].quotes
    frozen = gc.get_freeze_count()
    assert frozen > 100_000  # the spaCy pipeline, lexicons and lookup tables at least
    process_batch([raw])
    assert gc.get_freeze_count() <= frozen  # frozen objects may still be freed, none is added


def test_a_worker_loads_its_tables_before_the_first_batch_and_survives_a_loader_that_fails() -> None:
    """``_warm_worker`` in a fresh process: the spaCy pipeline, dateparser's locales and the
    models the stages load on first use are there before any document; a loader that
    raises is left for the stage that needs it to report per document."""
    code = """
import sys
import dateline.pipeline as P
from dateline.analyze import embed, event_model, nlp
from dateparser.languages.loader import LocaleDataLoader

def broken():
    raise RuntimeError("no model here")

P.extract_warm, real_extract_warm = broken, P.extract_warm
P._warm_worker()  # a loader that fails does not stop the worker
assert nlp.pipeline.cache_info().currsize == 1 and event_model.model.cache_info().currsize == 1
assert embed.model.cache_info().currsize == 1
assert len(LocaleDataLoader._loaded_locales) == 0
real_extract_warm()
print(len(LocaleDataLoader._loaded_locales))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) > 200  # every locale dateparser has, loaded once

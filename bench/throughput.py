#!/usr/bin/env python3
"""Throughput: documents per second and peak memory, dateline against trafilatura alone.

    .venv/bin/python bench/throughput.py [-n 400] [--warc DIR] [--profile [--profile-n 100]]

One run measures, on the same WARC.gz input (English pages of
``shared/bench/extraction`` varied into N distinct documents by
``bench/make_warc.py``; or ``--warc DIR`` of your own):

* trafilatura alone: ``trafilatura.extract(html, url=...)`` on every record;
* trafilatura + metadata: ``bare_extraction(..., with_metadata=True)``, the part of
  dateline's extraction that trafilatura does (title, date via htmldate, site, authors);
* dateline extract-only: ``pipeline.process_batch(..., analyze_=False)``;
* the full pipeline (``Runner``: extract, analyze, link, store into a fresh SQLite
  file) with 1 and with 2 workers.

Each configuration runs in its own process, so that its peak RSS is its own
(``getrusage``: the main process, and the largest worker process). The extraction
configurations load their lazy tables first, untimed (trafilatura on one page;
dateline with ``extract.warm()``, what a worker loads before its first batch, and one
page). Rates are wall-clock over the whole run, the full pipeline's model loading
included, plus a "steady" rate from the 10th percentile of documents on. The machine
is shared: the load average is printed before and after, and the figures are only as
good as it allows.

``--profile`` times each stage per article on ~100 English pages in one process:
extract, spaCy (tagger, NER, sentences), each analysis step, the on-demand
dependency parse (charged separately from the step that asked for it), linking
and storing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import make_warc  # noqa: E402  (the generator beside this file)

CONFIGS = {
    "trafilatura": "trafilatura alone",
    "trafilatura-meta": "trafilatura + metadata (fair peer)",
    "extract": "dateline extract-only",
    "full-1": "dateline full pipeline, 1 worker",
    "full-2": "dateline full pipeline, 2 workers",
}


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def _raws(warc: Path) -> list[Any]:
    from dateline.ingest import read_sources
    from dateline.records import RawDoc

    return [d for d in read_sources([str(warc)]) if isinstance(d, RawDoc)]


def _timed_loop(raws: list[Any], fn: Any, batch: int = 1) -> tuple[float, list[float]]:
    """Run ``fn`` over the documents in batches; returns seconds and each document's completion time."""
    marks = []
    start = time.perf_counter()
    for i in range(0, len(raws), batch):
        fn(raws[i : i + batch])
        marks.extend([time.perf_counter() - start] * len(raws[i : i + batch]))
    return time.perf_counter() - start, marks


def run_one(config: str, warc: Path) -> dict[str, Any]:
    """One configuration, in this process; returns its figures."""
    out: dict[str, Any] = {"config": config}
    if config in ("trafilatura", "trafilatura-meta", "extract"):
        raws = _raws(warc)  # read before timing: both sides get the same documents in memory
        if config.startswith("trafilatura"):
            import trafilatura

            trafilatura.extract(raws[0].content, url=raws[0].url)  # warm-up, not timed
            meta = config == "trafilatura-meta"

            def fn(batch: list[Any]) -> None:
                for raw in batch:
                    if meta:  # what dateline asks of trafilatura: text and the page's metadata
                        trafilatura.bare_extraction(raw.content, url=raw.url, with_metadata=True)
                    else:
                        trafilatura.extract(raw.content, url=raw.url)
            seconds, marks = _timed_loop(raws, fn)
            out["articles"] = None
        else:
            from dateline.pipeline import Failure, process_batch

            from dateline.extract import warm

            warm()  # what a worker loads before its first batch (language models, dateparser's tables)
            process_batch(raws[:1], analyze_=False)  # warm-up (lazy models), not timed
            ok = [0]

            def fn(batch: list[Any]) -> None:
                ok[0] += sum(not isinstance(o, Failure) for o in process_batch(batch, analyze_=False))
            seconds, marks = _timed_loop(raws, fn, batch=16)
            out["articles"] = ok[0]
        out.update(docs=len(raws), seconds=seconds, marks=marks)
    else:
        from dateline.pipeline import Runner
        from dateline.store import open_store

        workers = int(config.split("-")[1])
        marks: list[float] = []
        start = time.perf_counter()

        def progress(stats: Any) -> None:
            while len(marks) < stats.documents:
                marks.append(time.perf_counter() - start)

        with tempfile.TemporaryDirectory() as tmp, open_store(str(Path(tmp) / "bench.db")) as store:
            stats = Runner(store, workers=workers, progress=progress).run([str(warc)])
        out.update(docs=stats.documents, articles=stats.articles, seconds=time.perf_counter() - start, marks=marks,
                   errors=dict(stats.errors_by_stage))
    self_, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu_s"] = self_.ru_utime + self_.ru_stime + kids.ru_utime + kids.ru_stime  # includes reading and warm-up
    out["rss_main_mb"] = _peak_mb(resource.RUSAGE_SELF)
    out["rss_worker_mb"] = _peak_mb(resource.RUSAGE_CHILDREN) or None
    return out


def _steady(marks: list[float]) -> float | None:
    if len(marks) < 20:
        return None
    i = len(marks) // 10
    span = marks[-1] - marks[i]
    return (len(marks) - 1 - i) / span if span > 0 else None


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def throughput(args: argparse.Namespace) -> None:
    print(f"before: {_load()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        warc = args.warc
        if warc is None:
            pages = make_warc.load_pages(args.shared, "en")
            warc = Path(tmp) / "warc"
            make_warc.write_warcs(warc, make_warc.documents(pages, args.n, args.seed), args.n,
                                  make_warc.dt.datetime(2022, 9, 10))
            print(f"input: {args.n} documents varied from {len(pages)} English pages of shared/bench/extraction")
        else:
            print(f"input: {warc}")
        rows = []
        for config in args.configs:
            proc = subprocess.run([sys.executable, __file__, "--one", config, "--warc", str(warc)],
                                  capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                print(f"{config}: failed\n{proc.stderr[-3000:]}", flush=True)
                continue
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(f"  done {config}: {row['docs'] / row['seconds']:.1f} docs/s ({_load()})", flush=True)
    print()
    print(f"{'configuration':36} {'docs':>5} {'articles':>8} {'s':>7} {'docs/s':>7} {'steady':>7} "
          f"{'per core':>8} {'per CPU s':>9} {'RSS main':>9} {'RSS worker':>10}")
    for row in rows:
        rate = row["docs"] / row["seconds"]
        steady = _steady(row["marks"])
        cores = int(row["config"].split("-")[1]) if row["config"].startswith("full") else 1
        worker = f"{row['rss_worker_mb']:.0f} MB" if row.get("rss_worker_mb") else "-"
        print(f"{CONFIGS[row['config']]:36} {row['docs']:5d} {row['articles'] if row['articles'] is not None else '-':>8} "
              f"{row['seconds']:7.1f} {rate:7.1f} {steady or 0:7.1f} {rate / cores:8.1f} {row['docs'] / row['cpu_s']:9.1f} "
              f"{row['rss_main_mb']:6.0f} MB {worker:>10}")
    by = {r["config"]: r for r in rows}
    print()
    if "trafilatura" in by and "extract" in by:
        t, d = (by[c]["docs"] / by[c]["seconds"] for c in ("trafilatura", "extract"))
        print(f"target extract-only >= trafilatura alone: {d:.1f} vs {t:.1f} docs/s -> {'met' if d >= t else 'NOT met'}")
    for c in ("full-1", "full-2"):
        if c in by:
            cores = int(c.split("-")[1])
            per_core = by[c]["docs"] / by[c]["seconds"] / cores
            worker = by[c]["rss_worker_mb"] or by[c]["rss_main_mb"]
            print(f"target {c}: >= 10 articles/s/core: {per_core:.1f} -> {'met' if per_core >= 10 else 'NOT met'}; "
                  f"<= 1.5 GB per worker: {worker:.0f} MB -> {'met' if worker <= 1536 else 'NOT met'}")
    print(f"after: {_load()}")


# -- profile ---------------------------------------------------------------------------------------
_WARM_PAGES = 20


def profile(args: argparse.Namespace) -> None:
    """Per-article cost of each stage on ~100 English pages, in this process."""
    import dateline.analyze.nlp as nlp
    from dateline.analyze import STEPS, parse_wanted
    from dateline.errors import DatelineError
    from dateline.extract import extract
    from dateline.link import Linker
    from dateline.records import RawDoc
    from dateline.store import open_store

    print(f"before: {_load()}", flush=True)
    pages = make_warc.load_pages(args.shared, "en")[: args.profile_n + _WARM_PAGES]
    raws = [RawDoc(source=p.id, content=p.html, kind="html", url=p.url) for p in pages]
    raws, warm = raws[: args.profile_n], raws[args.profile_n :]
    # Stage costs in CPU seconds of this process: on a shared machine wall time
    # mostly measures the neighbours; CPU time is what the stage would take on an idle core.
    clock = time.process_time
    cost: dict[str, float] = defaultdict(float)
    t = time.perf_counter()
    nlp.pipeline()
    load_s = time.perf_counter() - t
    # One-off costs (language models, the gazetteer, the embedding model, dateparser's
    # locales, regex caches) are paid once per process: pay them on other pages first.
    from dateline.pipeline import process_batch

    process_batch(warm)
    # dateparser compiles every locale the first time a string fails in all of them
    # (2 to 3 s); the warm pages may not hold such a string.
    from htmldate.extractors import get_external_parser

    get_external_parser().get_date_data("Copyright 2010 no date here")

    # The dependency parse runs on demand inside the steps: time it apart.
    real_parse = nlp.parse_sentences
    parsed_sents = [0]

    def timed_parse(doc: Any, sents: Any) -> None:
        sents = list(sents)
        parsed_sents[0] += sum(1 for s in sents if s.start not in nlp._cache(doc))
        t0 = clock()
        real_parse(doc, sents)
        cost["_parse"] += clock() - t0

    nlp.parse_sentences = timed_parse  # type: ignore[assignment]
    wall_start = time.perf_counter()
    articles = []
    for raw in raws:
        t0 = clock()
        try:
            articles.append(extract(raw))
        except DatelineError:
            pass
        cost["extract"] += clock() - t0
    words = sum(len(a.text.split()) for a in articles)
    t0 = clock()
    docs = list(nlp.parse_many(articles))
    cost["nlp (tagger, NER, sentences)"] += clock() - t0
    n_sents = sum(len(list(d.sents)) for _, d in docs if d is not None)
    for article, doc in docs:
        if doc is None:
            continue
        t0, before = clock(), cost["_parse"]
        parse_wanted(doc)  # as the pipeline does: the sentences the steps read parsed, in one batch
        cost["_parse"] = before + clock() - t0  # choosing them included
        for field, step in STEPS:
            before = cost["_parse"]
            t0 = clock()
            try:
                setattr(article, field, step(article, doc))
            except Exception as exc:  # a failed step is data in the pipeline; here it is reported
                print(f"  {field} failed on {article.source}: {type(exc).__name__}: {exc}")
            cost[field] += clock() - t0 - (cost["_parse"] - before)
    nlp.parse_sentences = real_parse  # type: ignore[assignment]
    cost["dependency parse (on demand)"] = cost.pop("_parse", 0.0)
    with tempfile.TemporaryDirectory() as tmp, open_store(str(Path(tmp) / "p.db")) as store:
        linker = Linker(store)
        for article in articles:
            with store.transaction():
                t0 = clock()
                store._save(article)
                t1 = clock()
                linker.add(article)
                t2 = clock()
            cost["store"] += t1 - t0
            cost["linking"] += t2 - t1
        t0 = clock()
        linker.finish()
        cost["linking"] += clock() - t0
    n = len(articles)
    total = sum(cost.values())
    print(f"{n} articles from {len(raws)} English pages of shared/bench/extraction "
          f"({words / max(n, 1):.0f} words/article; spaCy load {load_s:.1f} s, not counted)")
    print(f"dependency parse ran on {parsed_sents[0]} of {n_sents} sentences ({parsed_sents[0] / max(n_sents, 1):.0%})")
    print(f"wall time {time.perf_counter() - wall_start:.0f} s for {sum(cost.values()):.0f} CPU s (the rest: waiting for a core)")
    print(f"{'stage (CPU time)':32} {'total s':>8} {'ms/article':>11} {'share':>6} {'articles/s if alone':>20}")
    order = ["extract", "nlp (tagger, NER, sentences)", *[f for f, _ in STEPS], "dependency parse (on demand)",
             "linking", "store"]
    for stage in order:
        s = cost.get(stage, 0.0)
        print(f"{stage:32} {s:8.2f} {1000 * s / max(n, 1):11.1f} {s / total:6.1%} {n / s if s else float('inf'):20.1f}")
    print(f"{'all':32} {total:8.2f} {1000 * total / max(n, 1):11.1f} {1:6.1%} {n / total:20.1f}")
    print(f"after: {_load()}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=400, help="documents in the generated WARC")
    ap.add_argument("--warc", type=Path, default=None, help="a folder or WARC file to use instead")
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shared", type=Path, default=make_warc.DEFAULT_SHARED)
    ap.add_argument("--profile", action="store_true", help="per-stage cost per article instead of throughput")
    ap.add_argument("--profile-n", type=int, default=100, help="pages to profile")
    ap.add_argument("--one", choices=list(CONFIGS), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.warc)))
    elif args.profile:
        profile(args)
    else:
        throughput(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

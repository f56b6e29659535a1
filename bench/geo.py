"""Geoparsing benchmark: dateline's places on GeoWebNews, scored by the corpus' score.py.

    .venv/bin/python bench/geo.py [--split all|dev|test] [--bench DIR] [--out DIR]

Runs the analyze stage over the benchmark's documents (text exactly as given, so
offsets match), writes predictions as JSONL and prints score.py's end-to-end figures;
then resolves the gold spans alone (``--oracle`` predictions) and scores those too.
Also prints the gazetteer's build time, size and lookups per second.
Splits: ``dev`` = even-numbered documents (used to set the resolver's weights),
``test`` = odd-numbered ones (held out).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from dateline.analyze import STEPS, geo, nlp
from dateline.analyze import gazetteer as gz
from dateline.extract.dateline import find_dateline
from dateline.records import Article

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BENCH = ROOT.parent / "shared" / "bench" / "geo"


def _split_ok(doc_id: str, split: str) -> bool:
    if split == "all":
        return True
    n = int(doc_id.rsplit("-", 1)[-1])
    return (n % 2 == 0) == (split == "dev")


def _gazetteer_figures() -> None:
    path = gz.default_path()
    started = time.perf_counter()
    built_now = not path.exists()
    gz.ensure_built(path, progress=True)
    elapsed = time.perf_counter() - started
    gaz = gz.gazetteer()
    info = gaz.info()
    names = [r[0] for r in gaz.db.execute("SELECT norm FROM names WHERE rowid % 97 = 0 LIMIT 20000")]
    gaz._lookup.cache_clear()
    t = time.perf_counter()
    for n in names:
        gaz.lookup(n)
    rate = len(names) / (time.perf_counter() - t)
    build = (
        f"built now in {elapsed:.1f} s"
        if built_now
        else f"cached; last build took {info.get('build_seconds', '?')} s"
    )
    print(
        f"gazetteer: {info['places']:,} places, {info['names']:,} names, {info['bytes'] / 1e6:.0f} MB ({build})"
    )
    print(f"gazetteer lookups: {rate:,.0f}/s (uncached, {len(names):,} distinct names)")


def _score(bench: Path, gold: Path, pred: Path, oracle: bool) -> dict[str, object]:
    cmd = [sys.executable, str(bench / "score.py"), "--gold", str(gold), "--pred", str(pred)]
    if oracle:
        cmd.append("--oracle")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    print(out.rstrip())
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    ap.add_argument("--split", choices=["all", "dev", "test"], default="all")
    ap.add_argument(
        "--out", type=Path, default=None, help="folder for the prediction files (default: a temp dir)"
    )
    args = ap.parse_args()
    data = args.bench / "geowebnews"
    out = args.out or Path(tempfile.mkdtemp(prefix="dateline-geo-"))
    out.mkdir(parents=True, exist_ok=True)

    _gazetteer_figures()
    docs = [json.loads(line) for line in (data / "docs.jsonl").open(encoding="utf-8")]
    docs = [d for d in docs if _split_ok(d["doc_id"], args.split)]
    gold_rows = [json.loads(line) for line in (data / "gold.jsonl").open(encoding="utf-8")]
    gold_rows = [r for r in gold_rows if _split_ok(r["doc_id"], args.split)]
    gold = out / "gold.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in gold_rows), encoding="utf-8")
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r in gold_rows:
        if r.get("toponym", True):
            spans[r["doc_id"]].append((r["start"], r["end"]))

    articles = [
        Article(id=d["doc_id"], source=f"geowebnews#{d['doc_id']}", text=d["text"], title=d.get("title"))
        for d in docs
    ]
    for a in articles:  # as `dateline extract` does for news-please records: the dateline from the text
        a.dateline = find_dateline(a.text, None)
    words = sum(len(a.text.split()) for a in articles)
    started = time.perf_counter()
    pred_rows = []
    # the steps up to places (entities feed recognition); quotes, counts and events do not touch places
    steps = [(name, step) for name, step in STEPS if name in ("entities", "dates", "places")]
    for a, doc in nlp.parse_many(articles):
        for name, step in steps:
            if doc is not None:
                setattr(a, name, step(a, doc))
        pred_rows += [
            {"doc_id": a.id, "start": p.start, "end": p.end, "name": p.text, "lat": p.lat, "lon": p.lon}
            for p in a.places
        ]
    elapsed = time.perf_counter() - started
    pred = out / "pred.jsonl"
    pred.write_text("".join(json.dumps(r) + "\n" for r in pred_rows), encoding="utf-8")
    print(
        f"\n== end to end ({args.split}: {len(articles)} docs, {words:,} words, {elapsed:.1f} s, spaCy + entities, dates, places)"
    )
    e2e = _score(args.bench, gold, pred, oracle=False)

    oracle_rows = []
    for a in articles:
        doc = nlp.parse(a.text)
        for p in geo.resolve_spans(a, doc, spans.get(a.id, [])):
            oracle_rows.append(
                {"doc_id": a.id, "start": p.start, "end": p.end, "name": p.text, "lat": p.lat, "lon": p.lon}
            )
    oracle_pred = out / "pred_oracle.jsonl"
    oracle_pred.write_text("".join(json.dumps(r) + "\n" for r in oracle_rows), encoding="utf-8")
    print(f"\n== resolution on gold spans (--oracle, {args.split})")
    orc = _score(args.bench, gold, oracle_pred, oracle=True)
    print(
        f"\nsummary {args.split}: acc161_all end to end {e2e.get('acc161_all')}, "
        f"oracle {orc.get('acc161_all')} (predictions in {out})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

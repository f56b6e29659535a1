"""Story grouping on real same-story judgements (tgcontest pairs, mostly Russian).

Runs ``dateline.link.link_corpus`` over ../shared/bench/dedup/tgcontest-pairs-dev,
writes {id, cluster} predictions and scores them with the bench's own score.py,
printed next to the README's baselines (MinHash 0.585, MiniLM 0.710, all-in-one 0.56).
Also prints F1 on two halves of the judged pairs, split by connected component
of the pair graph (crc32 of the component's smallest id, mod 2): rules were
developed looking at half 0; half 1 shows how far they carry.

    .venv/bin/python bench/dedup.py [--shared PATH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dateline.link import link_corpus  # noqa: E402
from dateline.records import Article  # noqa: E402

BASELINES = {"MinHash (README)": 0.585, "MiniLM (README)": 0.710, "all-in-one cluster (README)": 0.56}


def _halves(gold: list[dict], pred: dict[str, str]) -> list[tuple[float, float, float, int]]:
    """(precision, recall, F1, pairs) on each half of the judged pairs, split by connected component."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for g in gold:
        parent[find(g["a"])] = find(g["b"])
    smallest: dict[str, str] = {}
    for x in list(parent):
        root = find(x)
        smallest[root] = min(smallest.get(root, x), x)
    out = []
    for half in (0, 1):
        tp = fp = fn = n = 0
        for g in gold:
            if zlib.crc32(smallest[find(g["a"])].encode()) % 2 != half:
                continue
            n += 1
            same = pred.get(g["a"], g["a"]) == pred.get(g["b"], g["b"])
            tp += same and g["label"] == 1
            fp += same and g["label"] == 0
            fn += not same and g["label"] == 1
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        out.append((p, r, 2 * p * r / (p + r) if p + r else 0.0, n))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared")
    args = ap.parse_args()
    bench = args.shared / "bench" / "dedup"
    data = bench / "tgcontest-pairs-dev"
    docs = [json.loads(line) for line in (data / "docs.jsonl").open(encoding="utf-8")]
    articles = [Article(id=d["id"], source=d["url"], text=d["text"], title=d["title"], url=d["url"], language=d["lang"],
                        site=urlsplit(d["url"]).netloc or None) for d in docs]
    t0 = time.perf_counter()
    refs = link_corpus(articles)
    elapsed = time.perf_counter() - t0
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for aid, ref in refs.items():
            fh.write(json.dumps({"id": aid, "cluster": ref.id}) + "\n")
        pred = fh.name
    out = subprocess.run([sys.executable, str(bench / "score.py"), str(data / "gold_pairs.jsonl"), pred, "--quiet"],
                         check=True, capture_output=True, text=True).stdout
    res = json.loads(out.strip().splitlines()[-1])
    print(f"tgcontest-pairs-dev: {len(docs)} docs, {res['n_pairs']} judged pairs, linked in {elapsed:.1f} s")
    print(f"{'method':32s} pair F1")
    for name, f1 in BASELINES.items():
        print(f"{name:32s} {f1:.3f}")
    print(f"{'dateline.link':32s} {res['pair_f1']:.3f}  (P {res['pair_precision']:.3f}, R {res['pair_recall']:.3f}, "
          f"tp {res['tp']} fp {res['fp']} fn {res['fn']})")
    gold = [json.loads(line) for line in (data / "gold_pairs.jsonl").open(encoding="utf-8")]
    for half, (p, r, f1, n) in enumerate(_halves(gold, {aid: ref.id for aid, ref in refs.items()})):
        print(f"{'  half ' + str(half) + f' ({n} pairs)':32s} {f1:.3f}  (P {p:.3f}, R {r:.3f})")
    print(json.dumps({"pair_f1": res["pair_f1"], "precision": res["pair_precision"], "recall": res["pair_recall"]}))


if __name__ == "__main__":
    main()

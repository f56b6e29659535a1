#!/usr/bin/env python3
"""Event benchmark: classifier accuracy on CASE 2021 Task 2, and the event step's speed.

Usage:  .venv/bin/python bench/events.py [--folds 5] [--articles N]

1. Weighted F1 of the sub-type classifier by stratified k-fold cross-validation
   on ../shared/bench/case2021-task2-acled-events/snippets.tsv (the half used for
   training), scored by that folder's score.py over all 30 types and over the 25
   ACLED ones. Each fold trains from scratch on the other folds (+ the type
   definitions), exactly as scripts/train_events.py trains the shipped model.
   Printed beside it, measured in the same run: the TF-IDF + linear SVM baseline
   (the figure the task paper reports as 0.626).
2. Speed of ``events.find`` on the seed article (and the sample texts): events/s and
   seconds per article, excluding the spaCy parse the pipeline shares with the
   other steps.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = (ROOT / ".." / "shared").resolve()
TASK = SHARED / "bench" / "case2021-task2-acled-events"

from dateline.analyze.embed import embed  # noqa: E402
from dateline.analyze.event_model import CASCADE_CONFIDENCE, EventModel  # noqa: E402
from dateline.analyze.ontology import TYPES  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from train_events import read_snippets  # noqa: E402


def score(ids: list[str], labels: list[str], name: str, quiet: bool = False) -> dict:
    """Run the task's score.py on predictions; print its lines (unless ``quiet``) and return its JSON."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for i, lab in zip(ids, labels):
            f.write(json.dumps({"id": i, "label": lab}) + "\n")
    out = subprocess.run([sys.executable, str(TASK / "score.py"), str(TASK / "snippets.tsv"), f.name],
                         capture_output=True, text=True, check=True).stdout
    Path(f.name).unlink()
    if quiet:
        return json.loads(out.splitlines()[-1])
    print(f"[{name}]")
    for line in out.splitlines()[:-1]:
        print("  " + line)
    return json.loads(out.splitlines()[-1])


def cross_validate(folds: int, seed: int = 0) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    ids, texts, labels = read_snippets(TASK / "snippets.tsv")
    t0 = time.perf_counter()
    vectors = embed(texts)
    def_vectors = embed([t.definition for t in TYPES])
    print(f"embedded {len(texts)} snippets in {time.perf_counter() - t0:.1f} s")
    y = np.array(labels)
    thresholds = sorted({0.3, 0.4, 0.5, CASCADE_CONFIDENCE, 0.6, 0.8, 1.01})
    ours = {t: np.empty(len(texts), dtype=object) for t in thresholds}
    embedded = {t: 0 for t in thresholds}
    base = np.empty(len(texts), dtype=object)
    with warnings.catch_warnings():  # the smallest class (OTHER) has 4 < folds examples in one fold split
        warnings.simplefilter("ignore", UserWarning)
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y))
    t0 = time.perf_counter()
    for train, test in splits:
        model = EventModel.train([texts[i] for i in train], list(y[train]), vectors[train], def_vectors)
        for t in thresholds:  # 1.01: every text embedded, i.e. the full model alone
            margins, unsure = model.cascade_margins([texts[i] for i in test], vectors[test], threshold=t)
            ours[t][test] = [model.codes[j] for j in margins.argmax(axis=1)]
            embedded[t] += int(unsure.sum())
        vec = TfidfVectorizer(sublinear_tf=True)
        svm = LinearSVC().fit(vec.fit_transform([texts[i] for i in train]), y[train])
        base[test] = svm.predict(vec.transform([texts[i] for i in test]))
    print(f"{folds}-fold cross-validation, {len(texts)} snippets, {time.perf_counter() - t0:.1f} s")
    score(ids, list(base), "baseline: word TF-IDF + linear SVM")
    for t in thresholds:
        res = score(ids, list(ours[t]), "", quiet=True)
        label = "full model alone" if t > 1 else f"cascade at confidence {t:.2f}"
        print(f"  {label:30s} weighted F1 {res['all']['weighted_f1']:.3f}, "
              f"{embedded[t] / len(texts):.0%} of texts embedded")
    res = score(ids, list(ours[CASCADE_CONFIDENCE]), f"dateline event classifier (shipped cascade, "
                f"confidence {CASCADE_CONFIDENCE})")
    print(f"weighted F1 (all 30 types): {res['all']['weighted_f1']:.3f}  target >= 0.80")


def speed(limit: int) -> None:
    from dateline.analyze import events, nlp
    from dateline.records import Article, Dateline

    docs = [SHARED / "seeds" / "000_8fae8f6d24054e21.txt"]
    docs += sorted(p for p in (ROOT / "samples" / "text").glob("*") if p.is_file())
    articles = []
    for path in docs[:limit]:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        articles.append(Article(id=path.stem, source=str(path), text=text, dateline=Dateline(date="2022-09-10")))
    parsed = [(a, nlp.parse(a.text)) for a in articles]
    events.find(*parsed[0])  # load the models outside the timing
    t0 = time.perf_counter()
    found = sum(len(events.find(a, d)) for a, d in parsed)
    secs = time.perf_counter() - t0
    words = sum(len(a.text.split()) for a in articles)
    print(f"events.find on {len(articles)} articles ({words} words): {found} events in {secs:.2f} s -> "
          f"{found / secs:.1f} events/s, {secs / len(articles):.3f} s/article (one core; includes the on-demand dependency parse of trigger sentences, not the shared tagging/NER pass)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--articles", type=int, default=20)
    ap.add_argument("--skip-cv", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args()
    if not args.skip_cv:
        cross_validate(args.folds)
    if not args.skip_speed:
        speed(args.articles)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Train the event-type classifier and write it to dateline/data/events/.

Usage:  .venv/bin/python scripts/train_events.py [SNIPPETS_TSV]

SNIPPETS_TSV defaults to ../shared/bench/case2021-task2-acled-events/snippets.tsv
(the labelled half of CASE 2021 Task 2; see dateline/data/events/README.md).
The data is read where it lies and never copied into the project; only the
trained weights are written. Takes about a minute on one core.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dateline.analyze.event_model import DATA_DIR, EventModel  # noqa: E402

DEFAULT = ROOT / ".." / "shared" / "bench" / "case2021-task2-acled-events" / "snippets.tsv"


def read_snippets(path: Path) -> tuple[list[str], list[str], list[str]]:
    """(ids, texts, labels) from a CASE 2021 Task 2 TSV (id, EventSnippet, SubType)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [r["id"] for r in rows], [r["EventSnippet"] for r in rows], [r["SubType"] for r in rows]


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT.resolve()
    _, texts, labels = read_snippets(path)
    model = EventModel.train(texts, labels)
    model.save(DATA_DIR)
    info = {"source": "CASE 2021 Task 2 labelled test set, project half (snippets.tsv)",
            "examples": len(texts), "labels": dict(sorted(Counter(labels).items())),
            "extra_examples": "one definition per type from dateline/analyze/ontology.py",
            "word_features": len(model.word.idf), "char_features": len(model.char.idf)}
    (DATA_DIR / "training.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    print(f"trained on {len(texts)} snippets + {len(model.codes)} definitions -> {DATA_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

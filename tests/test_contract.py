"""The outside contract: the seed's JSON validates against the shared schema and passes check_seed.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema

from dateline.records import StoryRef, article_from_dict, article_to_dict

ROOT = Path(__file__).resolve().parents[1]


def test_seed_json_validates_against_schema(seed_article, article_schema) -> None:
    data = article_to_dict(seed_article)
    jsonschema.validate(data, article_schema)
    for key in ("entities", "places", "dates", "quotes", "counts", "events"):
        for item in data[key]:
            assert data["text"][item["start"] : item["end"]] == item["text"], (key, item)


def test_article_json_round_trips(seed_article) -> None:
    data = article_to_dict(seed_article)
    assert article_to_dict(article_from_dict(json.loads(json.dumps(data)))) == data


def test_article_dict_equals_dataclasses_asdict(seed_article) -> None:
    """The fast record-to-dict conversion gives what ``dataclasses.asdict`` gives, field for field."""
    import copy
    import dataclasses

    from dateline.records import FACT_TYPES

    seed_article = copy.deepcopy(seed_article)
    seed_article.story = StoryRef(id="s1", origin="o", copies=2, kind="trimmed", signals=["a", "b"])
    data = article_to_dict(seed_article)
    assert data["dateline"] == dataclasses.asdict(seed_article.dateline)
    assert data["credits"] == dataclasses.asdict(seed_article.credits)
    assert data["story"] == dataclasses.asdict(seed_article.story)
    for key in FACT_TYPES:
        assert data[key] == [dataclasses.asdict(f) for f in getattr(seed_article, key)], key
        assert data[key], key  # the seed has facts of every kind


def test_cli_extract_seed_passes_check_seed(seed_path: Path, shared_dir: Path) -> None:
    """The acceptance command itself: `dateline extract SEED --format json | check_seed.py -`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "dateline", "extract", str(seed_path), "--format", "json"],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    check = subprocess.run([sys.executable, str(shared_dir / "seeds" / "check_seed.py"), "-"],
                           input=out.stdout, capture_output=True, text=True, timeout=60)
    misses = [line for line in check.stdout.splitlines() if line.startswith("MISS")]
    assert check.returncode == 0 and not misses, check.stdout

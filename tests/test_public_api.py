"""The package's public names are exactly what __all__ says, and importing it loads no model."""

from __future__ import annotations

import subprocess
import sys

import dateline


def test_all_is_exactly_the_public_names() -> None:
    public = {n for n in vars(dateline) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(dateline, n)).__name__ == "module"}
    assert set(dateline.__all__) == public - modules - {"annotations"}


def test_import_loads_no_heavy_resource() -> None:
    code = "import sys, dateline, dateline.cli; print(sorted(m for m in ('spacy','lingua','onnxruntime','torch') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

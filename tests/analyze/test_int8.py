"""int8 matrix products on onnxruntime, as the spaCy Maxout layers use them."""

from __future__ import annotations

import numpy as np

from dateline.analyze.int8 import Int8Product


def test_int8_product_is_close_to_the_float_product() -> None:
    rng = np.random.default_rng(7)
    weights = (rng.standard_normal((288, 288)) * 0.05).astype(np.float32)
    x = rng.standard_normal((1500, 288)).astype(np.float32)
    exact = x @ weights.T
    got = Int8Product(weights)(x)
    assert got.shape == exact.shape and got.dtype == np.float32
    error = np.abs(got - exact).max() / np.abs(exact).max()
    assert 0 < error < 0.03  # quantised (not exact), yet close
    assert np.corrcoef(got.ravel(), exact.ravel())[0, 1] > 0.999


def test_int8_product_keeps_a_zero_weight_row_at_zero_and_takes_strided_input() -> None:
    weights = np.array([[0, 0, 0, 0], [0, 1, 2, 3]], dtype=np.float32)
    x = np.arange(48, dtype=np.float32).reshape(4, 12)[:, ::3]  # (4, 4), not contiguous
    got = Int8Product(weights)(x)
    assert np.all(got[:, 0] == 0)
    assert np.allclose(got[:, 1], x @ weights[1], rtol=0.02)


def test_maxout_layers_go_int8_only_on_cpus_with_int8_dot_products(monkeypatch) -> None:
    from dateline.analyze import int8, nlp

    pipe = nlp.pipeline()
    monkeypatch.setattr(int8, "fast_int8", lambda: False)
    assert nlp._int8_layers(pipe) == {}
    monkeypatch.setattr(int8, "fast_int8", lambda: True)
    layers = nlp._int8_layers(pipe)
    # Four encoder layers in tok2vec and four in the NER's own; the embedding blocks' mixing
    # layers stay in float (analyze/wordvectors.py computes them once per word).
    assert sorted(p.shape for p in layers.values()) == [(288, 288)] * 8

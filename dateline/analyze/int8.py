"""One matrix product in int8 on onnxruntime: ``x @ weights.T`` for a fixed weight matrix.

The weights are quantised once, symmetrically per output unit (row of ``weights``);
``x`` is quantised at each call, one scale per slice of up to ``ROWS_PER_RUN`` rows
(onnxruntime's ``DynamicQuantizeLinear``), and the int32 product is scaled back to float. On CPUs
with integer dot-product instructions (AVX-512 VNNI here) onnxruntime fuses this into
one kernel that runs a (1,500 x 288) by (288 x 288) product in 0.7 ms against 2.4 ms
for NumPy's float32 BLAS, one thread each; the result is within about 1% of the
largest output value.

Used only where ``fast_int8()`` holds. Usage::

    product = Int8Product(weights)      # weights: (outputs, inputs) float32
    y = product(x)                      # x: (rows, inputs) -> (rows, outputs) float32
"""

from __future__ import annotations

import functools
import os
import platform
from pathlib import Path
from typing import Any

import numpy as np


@functools.cache
def fast_int8() -> bool:
    """Whether this CPU multiplies int8 exactly and fast: x86 with VNNI (AVX-512 VNNI or
    AVX-VNNI), or 64-bit ARM with dot-product instructions.

    Elsewhere onnxruntime's x86 kernels add pairs of uint8 x int8 products in 16 bits,
    which can saturate, so the int8 paths (the embedding model's and the spaCy Maxout
    layers') are used only where this holds; other machines run the float models.
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


def ort_session(model: str | bytes, *, arena: bool = True) -> Any:
    """An onnxruntime session on the CPU with every graph optimisation, on one thread:
    workers are processes, one per core, and intra-op threads would only fight them.
    ``arena=False``: buffers go back to the allocator after each run instead of staying
    in a per-session pool sized by the largest input seen."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = int(os.environ.get("DATELINE_ORT_THREADS", "1"))
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = arena
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


# Inputs are multiplied in slices of this many rows (tokens): the buffers of a run stay
# small enough for the C allocator to reuse, where those of a 10,000-token article
# stayed allocated (measured: 0.6 GB RSS after 360 articles, 0.75 GB unsliced).
ROWS_PER_RUN = 1024


class Int8Product:
    """``x @ weights.T`` with int8 operands (see the module docstring)."""

    def __init__(self, weights: np.ndarray) -> None:
        from onnx import TensorProto, helper, numpy_helper

        outputs, inputs = weights.shape
        self.shape = weights.shape
        scale = np.abs(weights).max(axis=1) / 127
        scale[scale == 0] = 1
        initializers = [
            numpy_helper.from_array(np.round(weights.T / scale).astype(np.int8), "w"),  # (inputs, outputs)
            numpy_helper.from_array(np.zeros(outputs, dtype=np.int8), "w_zero"),
            numpy_helper.from_array(scale.astype(np.float32), "w_scale"),
        ]
        nodes = [
            helper.make_node("DynamicQuantizeLinear", ["x"], ["q", "q_scale", "q_zero"]),
            helper.make_node("MatMulInteger", ["q", "w", "q_zero", "w_zero"], ["p"]),
            helper.make_node("Cast", ["p"], ["pf"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["q_scale", "w_scale"], ["scale"]),
            helper.make_node("Mul", ["pf", "scale"], ["y"]),
        ]
        graph = helper.make_graph(
            nodes, "int8_product",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["rows", inputs])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["rows", outputs])],
            initializers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        # Optimisation fuses the five nodes into one kernel. Without a memory pool per
        # session: 8 pools, each as large as the longest article's buffers, held 0.2 to
        # 0.3 GB per worker.
        self.session = ort_session(model.SerializeToString(), arena=False)

    def __call__(self, x: Any) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float32)
        if len(x) <= ROWS_PER_RUN:
            result: np.ndarray = self.session.run(None, {"x": x})[0]
            return result
        return np.concatenate([self.session.run(None, {"x": x[i : i + ROWS_PER_RUN]})[0]
                               for i in range(0, len(x), ROWS_PER_RUN)])

"""Loading BlazePose's TFLite files with LiteRT, quietly.

``ai_edge_litert`` runs the published files directly; the ``mediapipe`` package is not
used because its pinned protobuf cannot share an environment with TensorFlow 2.21.
"""

from __future__ import annotations

from harness.extractors.runtime import THREADS, tflite_interpreter

#: Interpreter threads: two at most, since the harness may run other work beside it.
INTERPRETER_THREADS = max(1, min(2, THREADS))


def open_interpreter(filename: str):
    """A ready LiteRT interpreter for a weights file resolved by :mod:`harness.weights`
    (FileNotFoundError, one line, when it is nowhere)."""
    return tflite_interpreter(filename, INTERPRETER_THREADS)


def output_indices(interpreter) -> dict[str, int]:
    """Tensor index of each output, by the name the converter gave it (``Identity_1``...)."""
    return {detail["name"]: detail["index"] for detail in interpreter.get_output_details()}

"""Loading BlazePose's TFLite files with LiteRT, quietly.

``ai_edge_litert`` runs the published files directly; the ``mediapipe`` package is not
used because its pinned protobuf cannot share an environment with TensorFlow 2.21.
"""

from __future__ import annotations

from harness import weights as weights_resolver
from harness.features import THREADS, _quiet_stderr

#: Interpreter threads: two at most, since the harness may run other work beside it.
INTERPRETER_THREADS = max(1, min(2, THREADS))


def open_interpreter(filename: str):
    """A ready LiteRT interpreter for a weights file resolved by :mod:`harness.weights`.

    Raises
    ------
    FileNotFoundError
        With one line saying where to put ``filename`` when it is nowhere.
    """
    from ai_edge_litert.interpreter import Interpreter

    path = weights_resolver.resolve_weights(filename)
    # LiteRT prints "Created TensorFlow Lite XNNPACK delegate" on stderr; the harness is quiet.
    with _quiet_stderr():
        interpreter = Interpreter(model_path=str(path), num_threads=INTERPRETER_THREADS)
        interpreter.allocate_tensors()
    return interpreter


def output_indices(interpreter) -> dict[str, int]:
    """Tensor index of each output, by the name the converter gave it (``Identity_1``...)."""
    return {detail["name"]: detail["index"] for detail in interpreter.get_output_details()}

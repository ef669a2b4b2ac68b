"""Running pretrained models quietly and with the right thread count: TensorFlow and LiteRT.

TensorFlow and LiteRT write start-up chatter straight to the C-level stderr (CUDA probes,
"Created TensorFlow Lite XNNPACK delegate"); the harness is quiet by default, so model
loading happens inside :func:`quiet_stderr`.
"""

from __future__ import annotations

import contextlib
import os
import sys

from harness import weights as weights_resolver

# Silence TensorFlow's C++ start-up chatter (set before TensorFlow is first imported).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: Threads for TensorFlow and LiteRT: the machine's cores (2 here); one op at a time.
THREADS = int(os.environ.get("HARNESS_THREADS", os.cpu_count() or 1))


@contextlib.contextmanager
def quiet_stderr():
    """Hide C-level stderr: TensorFlow and LiteRT log some lines before any log level applies."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow():
    """Import TensorFlow quietly, with threads set for a small CPU machine."""
    fresh = "tensorflow" not in sys.modules
    with quiet_stderr() if fresh else contextlib.nullcontext():
        import tensorflow as tf
    tf.get_logger().setLevel("ERROR")  # e.g. retracing notes: each fitted head traces anew
    if not fresh:
        return tf
    with contextlib.suppress(RuntimeError):  # already initialised by someone else
        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    return tf


def tflite_interpreter(weights_file: str, threads: int = THREADS):
    """A ready LiteRT interpreter for the weights file ``weights_file`` (resolved, loaded quietly).

    Raises FileNotFoundError (one line) when the file is nowhere to be found.
    """
    from ai_edge_litert.interpreter import Interpreter

    path = weights_resolver.resolve_weights(weights_file)
    with quiet_stderr():  # LiteRT announces its XNNPACK delegate on stderr
        interpreter = Interpreter(model_path=str(path), num_threads=threads)
        interpreter.allocate_tensors()
    return interpreter

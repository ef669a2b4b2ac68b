"""The default way a fitted method is written to a folder and read back.

A method's state is what pickling it keeps (``__getstate__``: scikit-learn's, or the
method's own, which leaves out what cannot be pickled, such as traced TensorFlow
functions). It is stored with joblib (``state.joblib``), except that every Keras model
among the state's values is stored apart in Keras's own format (``NAME.keras``): a Keras
model pickled with joblib ties the file to the exact TensorFlow build, a ``.keras`` file
does not. Loading reverses both and hands the state to ``__setstate__``, where a method
rebuilds what it left out.

Only top-level attributes are searched for Keras models: a method keeping one inside a
list or a dict overrides :meth:`harness.method.Method.save` and ``load``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import joblib

#: The joblib file holding every attribute but the Keras models.
STATE_FILE = "state.joblib"


@dataclass(frozen=True)
class KerasFile:
    """Stands in the stored state for a Keras model saved beside it as ``name``."""

    name: str


def is_keras_model(value) -> bool:
    """Whether ``value`` is a Keras model (without importing Keras when nothing did yet)."""
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.Model)


def save_state(method, folder: Path) -> None:
    """Write ``method``'s state into ``folder`` (created if needed).

    Raises
    ------
    ValueError
        When the folder holds a saved state already, or a value cannot be pickled (one
        line naming the attribute).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / STATE_FILE).exists():
        raise ValueError(f"{folder}: holds a saved method already; give an empty folder")
    state = dict(method.__getstate__())
    for name, value in list(state.items()):
        if is_keras_model(value):
            value.save(folder / f"{name}.keras")
            state[name] = KerasFile(f"{name}.keras")
    try:
        joblib.dump(state, folder / STATE_FILE)
    except Exception as error:  # pickling errors come as several types
        culprit = next((n for n, v in state.items() if not _picklable(v)), "?")
        raise ValueError(
            f"{type(method).__name__}: attribute {culprit!r} cannot be saved ({error}); "
            "leave it out in __getstate__ and rebuild it in __setstate__"
        ) from None


def load_state(cls: type, folder: Path):
    """A ``cls`` instance with the state :func:`save_state` wrote into ``folder``.

    Raises
    ------
    FileNotFoundError
        With one line when the folder holds no saved state.
    """
    folder = Path(folder)
    path = folder / STATE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{folder}: no {STATE_FILE}; is it a folder `save` wrote?")
    state = joblib.load(path)
    for name, value in state.items():
        if isinstance(value, KerasFile):
            state[name] = _load_keras(folder / value.name)
    method = cls.__new__(cls)
    method.__setstate__(state)
    return method


def _load_keras(path: Path):
    from harness.extractors.runtime import import_tensorflow, quiet_stderr

    import_tensorflow()  # quietly, with the harness's thread settings
    import keras

    if not path.is_file():
        raise FileNotFoundError(f"{path}: the saved Keras model is missing")
    # compile=False: only inference is needed; optimiser state and losses stay behind.
    with quiet_stderr():  # the first model built logs TensorFlow's failed CUDA probe
        return keras.models.load_model(path, compile=False)


def _picklable(value) -> bool:
    import pickle

    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True

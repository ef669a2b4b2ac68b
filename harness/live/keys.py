"""Key maps (move -> key name) and the presser that sends them to a game.

A key map is a small TOML file with one line per move under ``[keys]``::

    [keys]
    punch_right = "a"
    walk_left = "left"

or a CSV file of ``move,key`` rows (an optional ``move,key`` header; ``#`` starts a
comment). Moves are the harness's labels (:data:`harness.labels.KNOWN_LABELS`); a key is
one character or a special key as pynput names it (:data:`SPECIAL_KEYS`). The default map,
for MK.js, ships as ``mkjs_keys.toml`` beside this module (:func:`default_key_map_path`).

:class:`KeyPresser` presses a move's key when the move starts and releases it when the
move ends, through pynput (the optional extra ``keys``) when a display is available, and
does nothing otherwise, saying once on stderr why.
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path

from harness.labels import KNOWN_LABELS
from harness.streaming import IDLE

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the tomli backport, if installed
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        tomllib = None

#: pynput's names of special keys that exist on Linux, macOS and Windows alike.
SPECIAL_KEYS: frozenset[str] = frozenset(
    "alt alt_l alt_r backspace caps_lock cmd ctrl ctrl_l ctrl_r delete down end enter esc "
    "home left page_down page_up right shift shift_l shift_r space tab up".split()
    + [f"f{i}" for i in range(1, 13)]
)


def default_key_map_path() -> Path:
    """The MK.js key map shipped with the harness."""
    return Path(str(resources.files("harness.live") / "mkjs_keys.toml"))


def load_key_map(path, classes: Sequence[str] | None = None) -> dict[str, str]:
    """Read and check a key map file.

    Parameters
    ----------
    path : a ``.toml`` or ``.csv`` file.
    classes : the model's classes; when given, moves outside them are dropped (one map
        serves several tasks), and a map that keys none of them is an error.

    Returns
    -------
    dict move -> key name.

    Raises
    ------
    FileNotFoundError, ValueError
        with one line naming the file and the key (TOML) or line (CSV) at fault.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such key map; give a .toml or .csv file (move,key)")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        entries = _read_toml(path)
    elif suffix == ".csv":
        entries = _read_csv(path)
    else:
        raise ValueError(f"{path}: a key map must be a .toml or .csv file (move,key)")
    key_map = {}
    for where, move, key in entries:
        key_map[move] = _checked(path, where, move, key)
    if classes is not None:
        key_map = {move: key for move, key in key_map.items() if move in set(classes)}
        if not key_map:
            raise ValueError(f"{path}: keys none of the model's classes ({', '.join(classes)})")
    return key_map


def _read_toml(path: Path) -> list[tuple[str, str, object]]:
    if tomllib is None:
        raise ValueError(f"{path}: reading TOML needs Python 3.11 or tomli; or write it as CSV")
    try:
        with open(path, "rb") as f:
            table = tomllib.load(f).get("keys")
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML ({error})") from None
    if not isinstance(table, dict):
        raise ValueError(f'{path}: no [keys] table; add one with lines like punch_left = "s"')
    return [(f"key {move!r}", move, key) for move, key in table.items()]


def _read_csv(path: Path) -> list[tuple[str, str, object]]:
    entries, seen = [], set()
    with open(path, newline="") as f:
        for number, row in enumerate(csv.reader(f), start=1):
            cells = [cell.strip() for cell in row]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if number == 1 and [c.lower() for c in cells] == ["move", "key"]:
                continue  # the header
            if len(cells) != 2:
                raise ValueError(f"{path}, line {number}: expected two cells, move,key")
            if cells[0] in seen:
                raise ValueError(f"{path}, line {number}: {cells[0]!r} has a key already")
            seen.add(cells[0])
            entries.append((f"line {number}", cells[0], cells[1]))
    return entries


def _checked(path: Path, where: str, move: str, key: object) -> str:
    """The key name, or a one-line ValueError naming the file and ``where``."""
    if move not in KNOWN_LABELS:
        raise ValueError(f"{path}, {where}: unknown move {move!r}; valid: {sorted(KNOWN_LABELS)}")
    if move in IDLE:
        raise ValueError(f"{path}, {where}: {move!r} never starts a move; remove its key")
    if not isinstance(key, str) or not key.strip():
        raise ValueError(f"{path}, {where}: empty key for {move!r}; give a key name, e.g. a")
    key = key.strip()
    if len(key) == 1:
        return key
    if key.lower() in SPECIAL_KEYS:
        return key.lower()
    raise ValueError(
        f"{path}, {where}: {key!r} is not a key; use one character or one of "
        f"{', '.join(sorted(SPECIAL_KEYS))}"
    )


class KeyPresser:
    """Press a move's key when it starts and release it when it ends.

    Parameters
    ----------
    key_map : move -> key name (as :func:`load_key_map` returns).
    keyboard : an object with ``press(key)`` and ``release(key)``; by default pynput's
        keyboard controller when pynput imports and a display is present, else nothing.
        An injected keyboard receives key names as strings.
    stream : where the one line saying why no keys are sent goes (stderr by default).
    """

    def __init__(self, key_map: Mapping[str, str], keyboard=None, stream=None):
        self.key_map = dict(key_map)
        self.held: set[str] = set()
        self.reason = None
        if keyboard is not None or not self.key_map:  # no map: no keys asked for, nothing to say
            self._keyboard, self._keys = keyboard, {k: k for k in self.key_map.values()}
        else:
            self._keyboard, self._keys, self.reason = _pynput_keyboard(self.key_map.values())
        if self.reason:
            print(f"keys: not sending key presses: {self.reason}", file=stream or sys.stderr)

    @property
    def enabled(self) -> bool:
        """Whether key presses reach a keyboard."""
        return self._keyboard is not None

    def handle(self, events: Iterable[dict]) -> None:
        """Press or release the keys of these events, in order; unmapped moves are ignored."""
        for event in events:
            key = self.key_map.get(event["move"])
            if key is None or not self.enabled:
                continue
            if event["event"] == "start" and key not in self.held:
                self._keyboard.press(self._keys[key])
                self.held.add(key)
            elif event["event"] == "end" and key in self.held:
                self._keyboard.release(self._keys[key])
                self.held.discard(key)

    def release_all(self) -> None:
        """Release every held key, so none stays stuck down in the game when we stop."""
        for key in sorted(self.held):
            self._keyboard.release(self._keys[key])
        self.held.clear()

    def __enter__(self) -> KeyPresser:
        return self

    def __exit__(self, *exc) -> None:
        self.release_all()


def _pynput_keyboard(names: Iterable[str]):
    """(controller, {name: pynput key}, None), or (None, {}, why not)."""
    # pynput's X11 backend connects to the display when it is imported, and fails there
    # without one, so check for a display first.
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        return None, {}, "no display (DISPLAY is not set)"
    try:
        from pynput import keyboard
    except ModuleNotFoundError:
        return None, {}, "pynput is not installed (pip install 'posture-harness[keys]')"
    except Exception as error:  # any backend failure means "no keys"
        return None, {}, f"pynput cannot reach the keyboard ({error})"
    keys = {}
    for name in set(names):
        try:
            keys[name] = name if len(name) == 1 else keyboard.Key[name]
        except KeyError:
            return None, {}, f"key {name!r} does not exist on this platform"
    return keyboard.Controller(), keys, None

"""Key maps (TOML and CSV, checked against the labels) and the key presser.

The presser is tested with a recording keyboard: a stand-in for the operating system's
keyboard, the one thing a test cannot press.
"""

from __future__ import annotations

import pytest

from harness.labels import ACTION_LABELS, COARSE_LABELS, FINE_LABELS
from harness.live.keys import KeyPresser, default_key_map_path, load_key_map
from harness.streaming import IDLE
from harness.tasks import TASKS


class RecordingKeyboard:
    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def press(self, key):
        self.calls.append(("press", key))

    def release(self, key):
        self.calls.append(("release", key))


def _event(move, kind, frame=0):
    return {"t": frame / 15, "frame": frame, "move": move, "event": kind, "confidence": 0.9}


def test_the_default_map_keys_every_move_of_every_task_with_mkjs_keys():
    key_map = load_key_map(default_key_map_path())
    moves = set(FINE_LABELS + ACTION_LABELS + COARSE_LABELS) - set(IDLE)
    assert set(key_map) == moves
    assert set(key_map.values()) <= {"a", "s", "d", "f", "left", "right", "down"}
    assert key_map["squat"] == "down" and key_map["walk_left"] == "left"
    for task in TASKS.values():  # each task's moves, and nothing else
        for_task = load_key_map(default_key_map_path(), classes=task.classes)
        assert set(for_task) == set(task.classes) - set(IDLE)


def test_toml_and_csv_maps_read_the_same(tmp_path):
    toml = tmp_path / "keys.toml"
    toml.write_text('[keys]\npunch_left = "s"\nsquat = "Down"\n')
    csv = tmp_path / "keys.csv"
    csv.write_text("move,key\n# a comment\npunch_left, s\n\nsquat,down\n")
    assert load_key_map(toml) == load_key_map(csv) == {"punch_left": "s", "squat": "down"}


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("k.toml", '[keys]\npunch_up = "a"\n', r"k.toml, key 'punch_up': unknown move"),
        ("k.toml", '[keys]\npunch_left = ""\n', r"k.toml, key 'punch_left': empty key"),
        ("k.toml", "[keys]\npunch_left = 3\n", r"k.toml, key 'punch_left': empty key"),
        ("k.toml", '[keys]\nsquat = "downn"\n', r"k.toml, key 'squat': 'downn' is not a key"),
        ("k.toml", '[keys]\nstand = "x"\n', r"k.toml, key 'stand': 'stand' never starts"),
        ("k.toml", 'punch_left = "a"\n', r"k.toml: no \[keys\] table"),
        ("k.toml", "[keys\n", r"k.toml: not valid TOML"),
        ("k.csv", "move,key\npunch_left,a\nkick,\n", r"k.csv, line 3: empty key for 'kick'"),
        ("k.csv", "punch_left,a\njab,b\n", r"k.csv, line 2: unknown move 'jab'"),
        ("k.csv", "punch_left,a,b\n", r"k.csv, line 1: expected two cells"),
        ("k.csv", "kick,f\nkick,d\n", r"k.csv, line 2: 'kick' has a key already"),
        ("k.json", "{}", r"k.json: a key map must be a .toml or .csv"),
    ],
)
def test_a_bad_map_fails_with_one_line_naming_the_file_and_the_entry(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as error:
        load_key_map(path)
    assert "\n" not in str(error.value)


def test_a_missing_map_or_one_for_other_classes_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.toml: no such key map"):
        load_key_map(tmp_path / "nope.toml")
    path = tmp_path / "k.csv"
    path.write_text("punch,a\nkick,f\n")
    with pytest.raises(ValueError, match="keys none of the model's classes"):
        load_key_map(path, classes=TASKS["posture"].classes)


def test_keys_go_down_on_start_and_up_on_end_in_event_order():
    keyboard = RecordingKeyboard()
    presser = KeyPresser({"punch_left": "s", "squat": "down"}, keyboard=keyboard)
    assert presser.enabled
    presser.handle([_event("punch_left", "start"), _event("punch_left", "end", 5)])
    presser.handle([_event("squat", "start", 9), _event("walk_left", "start", 20)])  # no key
    presser.handle([_event("squat", "end", 20)])
    presser.handle([_event("squat", "end", 21)])  # not held: nothing to release
    assert keyboard.calls == [
        ("press", "s"),
        ("release", "s"),
        ("press", "down"),
        ("release", "down"),
    ]


def test_no_key_stays_down_when_the_stream_stops_mid_move():
    keyboard = RecordingKeyboard()
    with KeyPresser({"squat": "down", "kick": "f"}, keyboard=keyboard) as presser:
        presser.handle([_event("squat", "start"), _event("squat", "end", 3)])
        presser.handle([_event("kick", "start", 4)])
    assert keyboard.calls[-1] == ("release", "f") and not presser.held


def test_without_a_display_the_presser_does_nothing_and_says_why_once(monkeypatch, capsys):
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    presser = KeyPresser({"punch": "a"})
    presser.handle([_event("punch", "start"), _event("punch", "end", 4)] * 3)
    presser.release_all()
    assert not presser.enabled
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["keys: not sending key presses: no display (DISPLAY is not set)"]


def test_an_empty_map_asks_for_no_keyboard_and_says_nothing(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    with KeyPresser({}) as presser:
        presser.handle([_event("punch", "start")])
    assert not presser.enabled and presser.reason is None
    assert capsys.readouterr().err == ""


def test_with_a_display_but_no_usable_pynput_the_reason_names_it(monkeypatch, capsys):
    monkeypatch.setenv("DISPLAY", ":4242")  # no X server there
    presser = KeyPresser({"punch": "a"})
    assert not presser.enabled
    assert "pynput" in presser.reason
    assert len(capsys.readouterr().err.splitlines()) == 1

"""Windows of the action task: inside one take, labelled by their last frame."""

import numpy as np

from harness.api import Recording, get_task
from harness.samples import task_samples

ACTION = get_task("action")


def _take(rec_id, labels, subject="s1", ambiguous=None):
    # Each frame's pixels hold its take number and frame index, so a window's origin
    # can be read back from the pixels themselves.
    n = len(labels)
    frames = np.zeros((n, 4, 4, 3), np.uint8)
    frames[..., 0] = np.arange(n)[:, None, None]
    frames[..., 1] = int(rec_id[-1])
    return Recording(rec_id, frames, labels, subject, ambiguous=ambiguous)


def _two_takes():
    first = _take("t1", ["stand"] * 6 + ["punch_left"] * 4 + ["stand"] * 2)
    second = _take("t2", ["stand"] * 3 + ["roundhouse_kick_right"] * 5 + ["stand"] * 3, "s2")
    return [first, second]


def test_no_window_crosses_two_takes():
    samples = task_samples(_two_takes(), ACTION, window=4)
    for i in range(len(samples)):
        clip = samples.clip(i)
        assert clip.shape == (4, 4, 4, 3)
        # every frame of the window comes from the sample's own take ...
        assert set(np.unique(clip[..., 1])) == {int(samples.recording(i).id[-1])}
        # ... and the frames are consecutive, ending at the sample's frame
        assert list(clip[:, 0, 0, 0]) == list(range(samples.end[i] - 3, samples.end[i] + 1))


def test_each_take_starts_its_windows_after_a_full_history():
    samples = task_samples(_two_takes(), ACTION, window=4)
    for r in (0, 1):
        ends = samples.end[samples.rec == r]
        assert ends.min() == 3
        assert ends.max() == len(samples.recordings[r]) - 1
    assert len(samples) == (12 - 3) + (11 - 3)


def test_window_label_is_the_move_at_its_last_frame():
    samples = task_samples(_two_takes(), ACTION, window=4)
    for i in range(len(samples)):
        assert samples.y[i] == samples.recording(i).labels[samples.end[i]]
    # the window ending on the first punch frame is a punch, though 3 of its 4 frames stand
    first_punch = np.flatnonzero((samples.rec == 0) & (samples.end == 6))[0]
    assert samples.y[first_punch] == "punch_left"


def test_ambiguous_frames_end_no_window_but_stay_as_history():
    labels = ["stand"] * 4 + ["front_kick_left"] * 4 + ["stand"] * 2
    ambiguous = [False] * 4 + [True, True] + [False] * 4  # the kick's onset is unclear
    samples = task_samples([_take("t1", labels, ambiguous=ambiguous)], ACTION, window=3)
    assert 4 not in samples.end and 5 not in samples.end
    i = int(np.flatnonzero(samples.end == 6)[0])
    assert samples.y[i] == "front_kick_left"
    assert list(samples.clip(i)[:, 0, 0, 0]) == [4, 5, 6]  # the ambiguous frames are kept


def test_ambiguous_flags_given_as_ints_or_a_list_work_like_bools():
    labels = ["stand"] * 6
    as_bools = np.array([False, False, True, False, True, False])
    expected = task_samples([_take("t1", labels, ambiguous=as_bools)], ACTION, window=1).end
    for flags in (as_bools.astype(int), list(as_bools)):
        samples = task_samples([_take("t1", labels, ambiguous=flags)], ACTION, window=1)
        assert list(samples.end) == list(expected) == [0, 1, 3, 5]


def test_frames_without_a_kick_style_are_not_action_samples():
    # a source that does not know kick styles labels kicks "kick_left": no action label
    take = _take("t1", ["stand"] * 3 + ["kick_left"] * 3)
    samples = task_samples([take], ACTION, window=2)
    assert set(samples.y) == {"stand"}
    assert list(samples.end) == [1, 2]


def test_a_take_shorter_than_the_window_gives_no_samples():
    samples = task_samples([_take("t1", ["stand"] * 3)], ACTION, window=8)
    assert len(samples) == 0


def test_groups_follow_the_subject_of_each_window():
    samples = task_samples(_two_takes(), ACTION, window=4)
    assert set(samples.groups[samples.rec == 0]) == {"s1"}
    assert set(samples.groups[samples.rec == 1]) == {"s2"}

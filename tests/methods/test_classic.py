"""classic-faithful: movement.js's silhouette, histograms and rules on hand-made shapes."""

import cv2
import numpy as np
import pytest
from _plugins import helper, plugin
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.api import Recording, get_task
from harness.extractors.silhouette import gray, histograms, silhouette
from harness.samples import Samples, task_samples

mv = helper("methods", "_movement.py")
Faithful = plugin("methods", "classic-faithful").cls


def figure(kind: str) -> np.ndarray:
    """A 300 x 400 silhouette of a hand-made posture (image's left = performer's right)."""
    mask = np.zeros((300, 400), np.uint8)
    if kind == "empty":
        return mask
    if kind == "squat":  # wide and low: no column reaches 90 px
        mask[220:290, 100:300] = 1
        return mask
    body = slice(320, 370) if kind == "walk_left" else slice(180, 230)
    mask[80:280, body] = 1  # an upright bar, 200 px tall and 50 columns wide
    if kind == "punch_right":  # an arm raised towards the image's left
        mask[60:80, 20:180] = 1
    elif kind == "punch_left":
        mask[60:80, 230:380] = 1
    elif kind == "kick_right":  # a limb out low on the image's left: more mass in the legs
        mask[220:300, 20:180] = 1
    elif kind == "kick_left":
        mask[220:300, 230:380] = 1
    return mask


KINDS = ("empty", "stand", "punch_right", "punch_left", "kick_right", "kick_left", "squat")


def read(mask: np.ndarray):
    return mv.rules(*histograms(mask))


def test_upright_bar_is_stand_in_the_middle():
    reading = read(figure("stand"))
    assert (reading.gesture, reading.position) == ("stand", "middle")
    assert mv.fine_label(reading) == "stand"


def test_raised_block_on_image_left_is_the_performers_right_arm():
    reading = read(figure("punch_right"))
    assert reading.right_hand_up and not reading.left_hand_up and not reading.limb_down
    assert reading.gesture == "right-arm-up"
    assert mv.fine_label(reading) == "punch_right"


def test_raised_block_on_image_right_is_the_performers_left_arm():
    assert read(figure("punch_left")).gesture == "left-arm-up"


@pytest.mark.parametrize(
    "kind, gesture", [("kick_right", "right-leg-up"), ("kick_left", "left-leg-up")]
)
def test_low_limb_makes_a_leg_gesture(kind, gesture):
    reading = read(figure(kind))
    assert reading.limb_down and reading.gesture == gesture
    assert mv.fine_label(reading) == kind


def test_wide_low_blob_is_squat():
    reading = read(figure("squat"))
    assert not reading.stand and reading.gesture == "squat"


def test_empty_mask_is_empty():
    reading = read(figure("empty"))
    assert (reading.gesture, reading.position) == ("empty", "empty")
    assert mv.fine_label(reading) == "empty"


def test_standing_at_image_right_edge_walks_left():
    reading = read(figure("walk_left"))
    assert (reading.gesture, reading.position) == ("stand", "left")
    assert mv.fine_label(reading) == "walk_left"


def test_both_arms_up_maps_to_stand_as_in_mk_js():
    mask = figure("stand")
    mask[60:80, 20:380] = 1
    assert read(mask).gesture == "arms-up"
    assert mv.fine_label(read(mask)) == "stand"


def test_stand_needs_exactly_forty_columns_of_ninety_pixels():
    mask = np.zeros((300, 400), np.uint8)
    mask[300 - 90 :, 100:139] = 1
    assert not read(mask).stand
    mask[300 - 90 :, 139] = 1
    assert read(mask).stand


def test_empty_tolerates_fifteen_noisy_columns():
    mask = np.zeros((300, 400), np.uint8)
    mask[:16, :15] = 1  # 15 columns of 16 px: still empty
    assert read(mask).empty
    mask[:16, 15] = 1
    assert not read(mask).empty


def test_right_hand_scan_ignores_columns_from_240_on():
    mask = np.zeros((300, 400), np.uint8)
    mask[:15, 40:240] = 1  # 200 columns of 15 px inside the first 60 %
    assert read(mask).right_hand_up
    mask[:, 40] = 0
    mask[:15, 240] = 1  # the same count, but one column outside the scan
    assert not read(mask).right_hand_up


def plain_histograms(mask):
    """movement.js's loops, pixel by pixel."""
    height, width = mask.shape
    columns, rows = [0] * width, [0] * height
    for i in range(height):
        for j in range(width):
            if mask[i, j]:
                columns[j] += 1
                rows[i] += 1
    return np.array(columns), np.array(rows)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), density=st.floats(0.0, 1.0))
def test_vectorised_histograms_equal_a_plain_loop(seed, density):
    mask = (np.random.default_rng(seed).random((300, 400)) < density).astype(np.uint8)
    columns, rows = histograms(mask * 255)
    expected_columns, expected_rows = plain_histograms(mask)
    np.testing.assert_array_equal(columns, expected_columns)
    np.testing.assert_array_equal(rows, expected_rows)


def test_silhouette_thresholds_luma_difference_at_fifty():
    background = np.full((300, 400, 3), 100, np.uint8)
    frame = background.copy()
    frame[:, :100] = 149  # difference 49: background
    frame[:, 100:200] = 150  # difference 50: foreground
    frame[:, 200:300] = (100, 100, 255)  # pure blue: luma moves by only 0.0722 * 155
    mask = silhouette(frame, gray(background))
    assert mask[:, :100].max() == 0 and mask[:, 100:200].min() == 1
    assert mask[:, 200:300].max() == 0


@pytest.mark.parametrize(
    "frame, match",
    [
        (np.zeros((300, 400, 3), np.float32), "uint8"),
        (np.zeros((300, 400), np.uint8), "shape"),
        (np.zeros((300, 400, 4), np.uint8), "shape"),
    ],
)
def test_wrong_frame_dtype_or_shape_gets_clear_error(frame, match):
    with pytest.raises(ValueError, match=match):
        silhouette(frame, np.zeros((300, 400), np.uint8))


def test_background_of_wrong_size_gets_clear_error():
    with pytest.raises(ValueError, match="background"):
        silhouette(np.zeros((300, 400, 3), np.uint8), np.zeros((480, 640), np.uint8))


def make_recording(kinds, repeat=3, subject="s0", with_background=True, size=(480, 640)):
    """A take whose frames paint the hand-made silhouettes over a textured scene."""
    rng = np.random.default_rng(len(subject))
    scene = rng.integers(0, 110, (*size, 3), np.uint8)
    frames, labels = [], []
    for kind in kinds:
        big = cv2.resize(figure(kind), size[::-1], interpolation=cv2.INTER_NEAREST) > 0
        for _ in range(repeat):
            frame = scene.copy()
            frame[big] = (230, 220, 200)
            frames.append(frame)
            labels.append(kind)
    return Recording(
        f"take-{subject}",
        np.stack(frames),
        np.array(labels),
        subject=subject,
        fps=5.0,
        background=scene if with_background else None,
    )


def test_faithful_method_labels_frames_from_raw_camera_size():
    recording = make_recording(KINDS + ("walk_left",))
    samples = task_samples([recording], get_task("posture"))
    method = Faithful().fit(samples)
    np.testing.assert_array_equal(method.predict(samples.without_labels()), samples.y)


def test_faithful_method_maps_onto_coarse_tasks():
    recording = make_recording(KINDS)
    samples = task_samples([recording], get_task("punch-kick-other"))
    predicted = Faithful().fit(samples).predict(samples.without_labels())
    np.testing.assert_array_equal(predicted, samples.y)
    assert set(predicted) == {"punch", "kick", "other"}


def test_mirrored_camera_swaps_the_sides():
    recording = make_recording(("punch_right", "kick_left"), repeat=1)
    samples = task_samples([recording], get_task("posture"))
    predicted = Faithful(mirrored=True).fit(samples).predict(samples.without_labels())
    assert list(predicted) == ["punch_left", "kick_right"]


def test_faithful_estimates_background_when_take_has_none():
    # A take that starts with the empty scene for most of its first 30 frames.
    recording = make_recording(("empty",) * 6 + KINDS, repeat=3, with_background=False)
    samples = task_samples([recording], get_task("posture"))
    predicted = Faithful().fit(samples).predict(samples.without_labels())
    assert (predicted == samples.y).mean() == 1.0


def stream(method, recording):
    """The method's labels over every frame of ``recording`` played live."""
    posture = get_task("posture")
    every = Samples(posture, [recording], np.zeros(len(recording), int), np.arange(len(recording)))
    return method.fit(task_samples([recording], posture)).predict_stream(every)


def test_stream_reports_only_after_48_quiet_frames():
    # A punch from the first frame on: a guard shorter than 48 frames would report it early.
    recording = make_recording(("punch_right",) * 10 + ("stand",) * 10, repeat=5)
    labels = stream(Faithful(stream_fps=None), recording)
    # Frame 0 primes; frames 1..48 are counted; the 48th quiet frame reports.
    assert set(labels[:48]) == {"stand"}
    assert list(labels[48:50]) == ["punch_right"] * 2
    assert list(labels[50:]) == ["stand"] * 50  # once reporting, every quiet frame reports


def test_stream_guard_restarts_after_a_lighting_change():
    recording = make_recording(("punch_right",) * 12 + ("stand",) * 14, repeat=5)
    frames = recording.frames.copy()
    frames[60] = 255  # the scene flashes: a silhouette over 66 % of the frame
    flashed = Recording(
        "flash", frames, recording.labels, "s0", fps=5.0, background=recording.background
    )
    labels = stream(Faithful(stream_fps=None), flashed)
    # The punch stays the game's state until 48 quiet frames after the flash.
    assert set(labels[50 : 60 + mv.QUIET_FRAMES]) == {"punch_right"}
    assert labels[60 + mv.QUIET_FRAMES] == "stand"


def test_stream_samples_five_times_a_second():
    recording = make_recording(("punch_right",) * 70, repeat=3)  # 210 frames at 15 fps
    recording.fps = 15.0
    labels = stream(Faithful(), recording)
    # One frame in three is processed; the 48th counted one is processed frame 48.
    assert int(np.argmax(labels == "punch_right")) == 48 * 3


def test_explain_draws_frame_silhouette_histograms_and_decision():
    recording = make_recording(("punch_right",), repeat=1)
    samples = task_samples([recording], get_task("posture"))
    image = Faithful().fit(samples).explain(samples, 0)
    assert image.dtype == np.uint8 and image.shape == (660, 800, 3)
    assert image[:300, 400:].max() == 255  # the silhouette panel is not blank


def test_the_live_stream_keeps_movement_js_guard_like_a_take_played_live():
    recording = make_recording(("punch_right",) * 30 + ("stand",) * 10, repeat=5)
    recording.fps = 15.0  # a webcam's rate, which the live stream assumes
    method = Faithful()
    take = stream(method, recording)
    live = method.stream(get_task("posture"), background=recording.background)
    pushed = [live.push(frame) for frame in recording.frames]
    assert pushed == list(take)
    assert pushed[: 48 * 3] == ["stand"] * (48 * 3)  # nothing reported before the guard
    assert "punch_right" in pushed

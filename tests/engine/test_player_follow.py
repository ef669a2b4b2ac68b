"""Every person-centred extractor follows the player among several people, by one rule.

The scenes are composed from a real person (the squat photo, cut out with BlazePose's
mask, ``tests/_people.py``): the player stands large near the middle, someone else small
at the side; over a short take the player steps aside and the other person walks up,
ending larger and more central than the player. A rule without tracking would switch to
them; every extractor must stay on the player.
"""

from __future__ import annotations

import numpy as np
import pytest
from _people import empty_scene, require, scene, walk

from harness.extractors import person_crop

START = [(150, 400, 200, True), (380, 440, 380)]  # the other person, then the player
END = [(230, 470, 450, True), (520, 440, 330)]
TAKE = walk(START, END, 8)
PLAYER_X = np.array([frame[1][0] for frame in TAKE])  # the centres of the people's boxes
OTHER_X = np.array([frame[0][0] for frame in TAKE])


def on_the_player(x) -> bool:
    """Whether horizontal positions (hips, a box centre) are the player's in every frame:
    within 80 px of their centre (a squat puts the hips ~60 px behind it) and at least
    140 px from the other person's centre (they stand 230 px or more apart)."""
    x = np.asarray(x)
    return bool((np.abs(x - PLAYER_X) < 80).all() and (np.abs(x - OTHER_X) > 140).all())


@pytest.fixture(scope="module")
def take() -> np.ndarray:
    require("pose_detection.tflite", "pose_landmark_full.tflite")
    return np.stack([scene(people) for people in TAKE])


def test_the_last_frame_alone_would_pick_the_other_person():
    from harness.player import pick_player

    boxes = [[230 - 150, 20, 230 + 150, 470], [520 - 112, 110, 520 + 112, 440]]
    assert pick_player(boxes, (480, 640)) == 0


def test_people_boxes_split_people_apart_and_join_a_body_cut_in_pieces():
    mask = np.zeros((240, 320), np.uint8)
    mask[40:100, 200:240] = 1  # a torso...
    mask[112:200, 205:235] = 1  # ...and legs, cut apart by trousers the colour of the wall
    mask[120:200, 20:50] = 1  # someone else
    mask[5:7, 5:7] = 1  # a speck of noise
    boxes = person_crop.people_boxes(mask)
    assert sorted(boxes.tolist()) == [[20, 120, 50, 200], [200, 40, 240, 200]]


def test_the_person_crop_follows_the_player(take):
    find = person_crop.PlayerFinder(empty_scene())
    boxes = np.array([find(frame) for frame in take])
    assert on_the_player((boxes[:, 0] + boxes[:, 2]) / 2)
    assert find(empty_scene()) is None  # nobody: the whole frame is embedded


def test_movenet_follows_the_player(take):
    require("movenet_single_pose_lightning_ptq.tflite")
    from harness.extractors.movenet import MoveNetTracker

    tracker = MoveNetTracker()
    hips = [tracker.process(frame)[[11, 12], 0].mean() for frame in take]
    assert on_the_player(hips), hips
    assert tracker.detector_calls == 1  # seeded once, then its own crops


def test_movenet_on_the_whole_frame_would_not_see_the_player(take):
    require("movenet_single_pose_lightning_ptq.tflite")
    from harness.extractors.movenet import load_movenet

    hips = load_movenet().detect(take[-1])[0][[11, 12], 0].mean()
    assert abs(hips - PLAYER_X[-1]) > 80, hips


def test_blazepose_follows_the_player(take):
    from harness.extractors.blazepose_extractors import BlazePoseLandmarks

    features = BlazePoseLandmarks().embed_take(take, None, 15.0)
    assert (features[:, :, 4].max(axis=1) > 0.5).all()  # found in every frame
    hips = features[:, [23, 24], 0].mean(axis=1)
    assert on_the_player(hips), hips


def test_the_player_keeps_a_limb_the_threshold_cut_off_but_not_the_person_beside():
    background = np.zeros((240, 320, 3), np.uint8)
    frame = background.copy()
    frame[50:200, 200:240] = 255  # the player's body...
    frame[70:80, 244:290] = 255  # ...a punching forearm, cut off at the elbow by a sleeve
    frame[110:200, 60:110] = 255  # someone else, beside them
    box = person_crop.PlayerFinder(background)(frame)
    assert box[0] == 200 and box[2] == 290  # the forearm is in, the other person is not

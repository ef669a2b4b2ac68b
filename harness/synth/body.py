"""The performer: a subject's build and colours, and forward kinematics from joint angles.

World coordinates are metres: X to the camera's right, Y up, Z away from the camera
(into the room); the floor is Y = 0. A performer facing the camera faces -Z, so their own
left side is at +X, which an unmirrored webcam shows on the image's right.

A pose is a vector of :data:`POSE_FIELDS` (angles in radians). Limb directions are given in
the frame of the body part they hang from, by two angles: ``abd`` tilts the limb outward
to the performer's side (90 deg = horizontal sideways, 180 deg = straight up) and ``flex``
swings it in the sagittal plane (0 = hanging down, 90 deg = pointing forward, 180 deg = up,
negative = backward). Forward kinematics runs on whole takes at once (arrays of poses).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Pose vector layout. x, z: pelvis position on the floor (m). yaw: turn to the performer's
#: left (rad). lean: torso pitched forward; roll: torso tilted toward the performer's left;
#: twist: shoulders turned left relative to the hips. Limb angles: see the module docstring.
POSE_FIELDS: tuple[str, ...] = (
    "x", "z", "yaw", "lean", "roll", "twist", "head_pitch", "head_yaw",
    "l_ua_abd", "l_ua_flex", "l_fa_abd", "l_fa_flex",
    "r_ua_abd", "r_ua_flex", "r_fa_abd", "r_fa_flex",
    "l_th_abd", "l_th_flex", "l_sh_abd", "l_sh_flex",
    "r_th_abd", "r_th_flex", "r_sh_abd", "r_sh_flex",
    "breath",
)  # fmt: skip
P = {name: i for i, name in enumerate(POSE_FIELDS)}

#: Every 3D point forward kinematics produces. The first 15 are the published keypoints
#: (harness.labels.KEYPOINT_NAMES order); the rest only shape the drawing.
JOINTS: tuple[str, ...] = (
    "head", "neck", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "pelvis", "left_hip", "right_hip", "left_knee",
    "right_knee", "left_ankle", "right_ankle",
    "left_hand", "right_hand", "left_toe", "right_toe", "chest", "head_top", "nose",
    "torso_fwd", "torso_left", "pelvis_fwd",
)  # fmt: skip
J = {name: i for i, name in enumerate(JOINTS)}
N_KEYPOINTS = 15

SKIN_TONES = np.array(
    [
        (250, 222, 200), (238, 198, 170), (224, 176, 140), (205, 150, 110),
        (180, 124, 86), (150, 98, 66), (118, 76, 52), (88, 58, 42),
    ],
    dtype=float,
)  # fmt: skip
HAIR_COLOURS = np.array(
    [(25, 20, 18), (50, 35, 25), (85, 60, 40), (140, 105, 65), (200, 170, 115),
     (130, 60, 30), (150, 150, 150)],
    dtype=float,
)  # fmt: skip
SHIRT_COLOURS = np.array(
    [
        (30, 40, 80), (20, 20, 24), (235, 235, 230), (128, 128, 132), (170, 30, 40),
        (40, 110, 60), (200, 160, 40), (120, 170, 215), (90, 50, 110), (220, 120, 60),
        (70, 90, 70), (180, 190, 200), (150, 40, 90), (60, 140, 150),
    ],
    dtype=float,
)  # fmt: skip
TROUSER_COLOURS = np.array(
    [(45, 65, 110), (35, 50, 85), (25, 25, 30), (190, 170, 130), (95, 95, 100),
     (70, 80, 60), (90, 110, 150)],
    dtype=float,
)  # fmt: skip
SHOE_COLOURS = np.array(
    [(235, 235, 235), (30, 30, 30), (90, 60, 40), (60, 60, 70), (170, 40, 40)], dtype=float
)


@dataclass(frozen=True)
class Subject:
    """One performer: stable id, body measures (m), colours (RGB 0-255) and movement style."""

    id: str
    height: float
    seg: dict  # segment lengths in metres
    width: dict  # radii in metres
    skin: tuple
    hair: tuple
    hair_style: str  # "short", "long" or "buzz"
    shirt: tuple
    stripe: tuple | None
    long_sleeves: bool
    trousers: tuple
    shorts: bool
    shoes: tuple
    tempo: float  # > 1 moves faster
    amplitude: float  # how far the subject reaches in each move
    guard: bool  # holds fists up between moves (fighting stance) or lets arms hang


def make_subject(index: int, seed: int) -> Subject:
    """Draw subject ``index`` (id ``s01``...): the same index and seed give the same person.

    Proportions follow the anthropometric ratios of segment length to stature (Drillis and
    Contini), each jittered by a few percent, so people differ in build, not only in size.
    """
    rng = np.random.default_rng([seed, 7919, index])
    height = float(rng.uniform(1.50, 1.95))
    jit = lambda: float(rng.normal(1.0, 0.035))  # noqa: E731
    build = float(rng.uniform(0.85, 1.30))
    seg = {
        "upper_arm": 0.186 * height * jit(),
        "forearm": 0.146 * height * jit(),
        "hand": 0.060 * height,
        "thigh": 0.245 * height * jit(),
        "shin": 0.246 * height * jit(),
        "ankle": 0.039 * height,
        "foot": 0.130 * height,
        "torso": 0.300 * height * jit(),  # hip joints to neck base
        "neck": 0.045 * height,
        "head": 0.068 * height * jit(),  # half the head's height
        "shoulder_w": 0.245 * height * jit() * (0.92 + 0.08 * build),
        "hip_w": 0.105 * height * jit() * (0.9 + 0.1 * build),
    }
    width = {
        "upper_arm": 0.047 * build * height / 1.75,
        "forearm": 0.038 * build * height / 1.75,
        "hand": 0.043 * height / 1.75,
        "thigh": 0.080 * build * height / 1.75,
        "shin": 0.057 * build * height / 1.75,
        "foot": 0.045 * height / 1.75,
        "neck": 0.052 * build**0.5 * height / 1.75,
        "head": 0.080 * height / 1.75,  # half the head's width
        "torso_depth": 0.105 * build * height / 1.75,
        "waist": 0.15 * build * height / 1.75,
    }
    skin_pos = rng.uniform(0, len(SKIN_TONES) - 1)
    low = int(skin_pos)
    skin = SKIN_TONES[low] + (skin_pos - low) * (SKIN_TONES[min(low + 1, 7)] - SKIN_TONES[low])
    pick = lambda table: table[rng.integers(len(table))] * rng.uniform(0.88, 1.08, 3)  # noqa: E731
    shirt = pick(SHIRT_COLOURS)
    stripe = pick(SHIRT_COLOURS) if rng.random() < 0.3 else None
    return Subject(
        id=f"s{index + 1:02d}",
        height=height,
        seg=seg,
        width=width,
        skin=tuple(np.clip(skin, 0, 255)),
        hair=tuple(np.clip(pick(HAIR_COLOURS), 0, 255)),
        hair_style=str(rng.choice(["short", "short", "long", "buzz"])),
        shirt=tuple(np.clip(shirt, 0, 255)),
        stripe=None if stripe is None else tuple(np.clip(stripe, 0, 255)),
        long_sleeves=bool(rng.random() < 0.45),
        trousers=tuple(np.clip(pick(TROUSER_COLOURS), 0, 255)),
        shorts=bool(rng.random() < 0.15),
        shoes=tuple(np.clip(pick(SHOE_COLOURS), 0, 255)),
        tempo=float(rng.uniform(0.75, 1.25)),
        amplitude=float(rng.uniform(0.85, 1.1)),
        guard=bool(rng.random() < 0.6),
    )


def _limb_dir(abd, flex, side, lateral, up, forward):
    """Unit direction of a limb from its two angles, in the frame (lateral, up, forward)."""
    sa, ca = np.sin(abd), np.cos(abd)
    return (
        (sa * side)[..., None] * lateral
        - (ca * np.cos(flex))[..., None] * up
        + (ca * np.sin(flex))[..., None] * forward
    )


def _rotate(v, axis, angle):
    """Rodrigues rotation of vectors ``v`` (..., 3) about unit ``axis`` (..., 3)."""
    c, s = np.cos(angle)[..., None], np.sin(angle)[..., None]
    dot = np.sum(v * axis, axis=-1, keepdims=True)
    return v * c + np.cross(axis, v) * s + axis * dot * (1 - c)


def forward_kinematics(subject: Subject, poses: np.ndarray) -> np.ndarray:
    """3D positions of every joint in :data:`JOINTS` for poses (T, len(POSE_FIELDS)).

    The body is then lowered or raised so the lower ankle rests at ankle height: feet stay
    on the floor in squats, kicks and steps without a separate solver.
    """
    poses = np.atleast_2d(poses)
    n = len(poses)
    g = lambda name: poses[:, P[name]]  # noqa: E731
    seg, wid = subject.seg, subject.width
    up0 = np.broadcast_to(np.array([0.0, 1.0, 0.0]), (n, 3))
    yaw = g("yaw")
    fwd = np.stack([np.sin(yaw), np.zeros(n), -np.cos(yaw)], axis=-1)
    left = np.stack([np.cos(yaw), np.zeros(n), np.sin(yaw)], axis=-1)
    hip_height = seg["thigh"] + seg["shin"] + seg["ankle"]
    pelvis = np.stack([g("x"), np.full(n, hip_height), g("z")], axis=-1)

    # Torso frame: the pelvis frame twisted about the vertical, leaned and rolled.
    t_fwd = _rotate(fwd, up0, g("twist"))
    t_left = _rotate(left, up0, g("twist"))
    t_up = _rotate(up0, t_left, -g("lean"))
    t_fwd = _rotate(t_fwd, t_left, -g("lean"))
    t_up2 = _rotate(t_up, t_fwd, -g("roll"))
    t_left = _rotate(t_left, t_fwd, -g("roll"))
    t_up = t_up2

    out = np.zeros((n, len(JOINTS), 3))
    neck = pelvis + seg["torso"] * t_up
    breath = g("breath")[:, None]
    out[:, J["pelvis"]] = pelvis
    out[:, J["neck"]] = neck
    out[:, J["chest"]] = pelvis + 0.62 * seg["torso"] * t_up + 0.25 * wid["torso_depth"] * t_fwd
    out[:, J["torso_fwd"]] = t_fwd
    out[:, J["torso_left"]] = t_left
    out[:, J["pelvis_fwd"]] = fwd
    h_fwd = _rotate(_rotate(t_fwd, up0, g("head_yaw")), t_left, -g("head_pitch"))
    h_up = _rotate(t_up, t_left, -g("head_pitch"))
    head = neck + (seg["neck"] + seg["head"] * 0.85) * h_up + 0.02 * t_fwd
    out[:, J["head"]] = head
    out[:, J["head_top"]] = head + seg["head"] * h_up
    out[:, J["nose"]] = head + wid["head"] * 0.9 * h_fwd - 0.01 * h_up

    for side_name, side in (("left", 1.0), ("right", -1.0)):
        s = side_name[0]
        shoulder = (
            neck
            - (0.022 * subject.height - 0.006 * breath) * t_up
            + side * 0.5 * seg["shoulder_w"] * t_left
        )
        side_arr = np.full(n, side)
        ua = _limb_dir(g(f"{s}_ua_abd"), g(f"{s}_ua_flex"), side_arr, t_left, t_up, t_fwd)
        fa = _limb_dir(g(f"{s}_fa_abd"), g(f"{s}_fa_flex"), side_arr, t_left, t_up, t_fwd)
        elbow = shoulder + seg["upper_arm"] * ua
        wrist = elbow + seg["forearm"] * fa
        out[:, J[f"{side_name}_shoulder"]] = shoulder
        out[:, J[f"{side_name}_elbow"]] = elbow
        out[:, J[f"{side_name}_wrist"]] = wrist
        out[:, J[f"{side_name}_hand"]] = wrist + seg["hand"] * fa

        hip = pelvis + side * 0.5 * seg["hip_w"] * left
        th = _limb_dir(g(f"{s}_th_abd"), g(f"{s}_th_flex"), side_arr, left, up0, fwd)
        sh = _limb_dir(g(f"{s}_sh_abd"), g(f"{s}_sh_flex"), side_arr, left, up0, fwd)
        knee = hip + seg["thigh"] * th
        ankle = knee + seg["shin"] * sh
        # The foot stays roughly square to the shin: toes forward when the shin hangs,
        # pointing up when the leg is raised forward, down when the shin swings back.
        beta = g(f"{s}_sh_flex")[:, None]
        foot = np.cos(beta) * fwd + np.sin(beta) * up0
        out[:, J[f"{side_name}_hip"]] = hip
        out[:, J[f"{side_name}_knee"]] = knee
        out[:, J[f"{side_name}_ankle"]] = ankle
        out[:, J[f"{side_name}_toe"]] = ankle + seg["foot"] * foot - 0.3 * seg["ankle"] * up0

    lowest = np.minimum(out[:, J["left_ankle"], 1], out[:, J["right_ankle"], 1])
    shift = seg["ankle"] - lowest
    points = [i for i, name in enumerate(JOINTS) if name not in DIRECTIONS]
    out[:, points, 1] += shift[:, None]
    return out


#: Entries of the joint array that hold unit directions, not positions (they come last).
DIRECTIONS = frozenset({"torso_fwd", "torso_left", "pelvis_fwd"})
N_POINTS = len(JOINTS) - len(DIRECTIONS)
assert not DIRECTIONS & set(JOINTS[:N_POINTS])

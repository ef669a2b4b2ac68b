"""The moves, a take's random script of them, and per-frame poses and labels.

Every move is a short list of key poses (onset, peak, return) at times scaled by the
subject's tempo, interpolated with monotone cubic splines (PCHIP), so limbs accelerate and
stop like a person's, hold their peak without overshoot, and pass through intermediate
keys without halting. Walking adds a procedural gait whose phase follows the distance
actually travelled, so the feet do not slide.

Timing follows what people do in front of a game webcam (at 15 fps): an upper punch lasts
about 0.8 s, a kick about 1.1-1.2 s, a squat 2-3 s (down, hold, up), a walk 1-2 s; pauses
of 0.3-1.4 s separate moves. Front and roundhouse kicks of the same side end in the *same*
peak pose (the action task's hard pair): the front kick lifts the knee in front (chamber)
and extends straight out; the roundhouse pivots the hips, chambers the knee to the side
with the shin back and sweeps the leg round in an arc into that peak.

Labelling rule (:func:`label_frames`). A move's *extension* at a frame is how far it has
gone from its starting pose toward its peak, in [0, 1]: the wrist's displacement relative
to the pelvis for punches, the ankle's for kicks, the pelvis drop for squats and the
pelvis speed for walks, each divided by its maximum over the move. A frame shows the move
*plainly* when the extension is at least ``PLAIN`` = 0.5: it gets the move's label. Frames
between ``ONSET`` = 0.2 and 0.5 (the wind-up and the return) keep the move's label but are
flagged *ambiguous*: frame tasks leave them out, windows keep them as history. Below 0.2
the frame is ``stand``. Frames where the performer is partly out of view (some keypoints
outside the image) are ambiguous too, and frames without any performer pixel are
``empty``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.interpolate import PchipInterpolator

from harness.labels import ACTION_LABELS
from harness.synth.body import POSE_FIELDS, P, Subject

#: Moves a script is made of (action vocabulary, kicks split by style).
MOVES: tuple[str, ...] = tuple(a for a in ACTION_LABELS if a not in ("empty", "stand"))

#: Fields whose sign flips when a right-side move is performed on the left.
_SIGNED = ("x", "yaw", "roll", "twist", "head_yaw")


def neutral_pose(subject: Subject, x: float, z: float) -> np.ndarray:
    """The subject's idle stance at (x, z): guard up (fists near the chin) or arms hanging."""
    pose = np.zeros(len(POSE_FIELDS))
    pose[P["x"]], pose[P["z"]] = x, z
    pose[P["lean"]] = 0.04
    for s in "lr":
        if subject.guard:
            arm = {"ua_abd": 0.28, "ua_flex": 0.45, "fa_abd": -0.45, "fa_flex": 2.55}
        else:
            arm = {"ua_abd": 0.13, "ua_flex": 0.08, "fa_abd": 0.06, "fa_flex": 0.35}
        for key, value in arm.items():
            pose[P[f"{s}_{key}"]] = value
        pose[P[f"{s}_th_abd"]] = 0.09
        pose[P[f"{s}_th_flex"]] = 0.07
        pose[P[f"{s}_sh_abd"]] = 0.06
        pose[P[f"{s}_sh_flex"]] = -0.05
    return pose


def _kick_peak(amp: float) -> dict:
    # The shared peak of both kick styles (right leg): leg extended forward and a little out
    # at about hip height, torso leaning back to balance, hips turned slightly.
    return {
        "r_th_abd": 0.35, "r_th_flex": 1.30 * amp, "r_sh_abd": 0.35, "r_sh_flex": 1.25 * amp,
        "l_th_flex": 0.12, "l_sh_flex": -0.12, "lean": -0.22, "yaw": 0.12, "roll": 0.08,
    }  # fmt: skip


def _right_keys(move: str, amp: float, hold: float) -> list[tuple[float, dict]]:
    """Key poses of a right-side move as (time s at tempo 1, overrides of the neutral pose)."""
    if move == "punch":
        peak = {
            "r_ua_abd": 2.2 * amp**0.3, "r_ua_flex": -0.25, "r_fa_abd": 2.6 * amp**0.3,
            "r_fa_flex": -0.3, "twist": 0.15, "roll": 0.1, "head_pitch": -0.1,
        }  # fmt: skip
        return [(0.0, {}), (0.30, peak), (0.42, peak), (0.82, {})]
    if move == "front_kick":
        chamber = {
            "r_th_abd": 0.12, "r_th_flex": 1.55 * amp, "r_sh_abd": 0.05, "r_sh_flex": -0.2,
            "l_th_flex": 0.1, "l_sh_flex": -0.1, "lean": -0.1,
        }  # fmt: skip
        peak = _kick_peak(amp)
        return [(0.0, {}), (0.32, chamber), (0.50, peak), (0.64, peak), (0.82, chamber), (1.12, {})]
    if move == "roundhouse_kick":
        chamber = {
            "r_th_abd": 1.25 * amp, "r_th_flex": 0.35, "r_sh_abd": 1.0, "r_sh_flex": -1.25,
            "l_th_flex": 0.12, "l_sh_flex": -0.12, "yaw": 0.60, "roll": 0.28, "lean": -0.08,
        }  # fmt: skip
        sweep = {
            "r_th_abd": 0.85 * amp, "r_th_flex": 0.95 * amp, "r_sh_abd": 0.75, "r_sh_flex": 0.3,
            "l_th_flex": 0.12, "l_sh_flex": -0.12, "yaw": 0.35, "roll": 0.18, "lean": -0.15,
        }  # fmt: skip
        peak = _kick_peak(amp)
        back = dict(chamber, yaw=0.45, roll=0.22)
        return [
            (0.0, {}), (0.34, chamber), (0.47, sweep), (0.57, peak), (0.69, peak),
            (0.88, back), (1.18, {}),
        ]  # fmt: skip
    if move == "squat":
        down = {"lean": 0.42 * amp, "head_pitch": -0.35, "z": 0.2 * amp}
        for s in "lr":
            down.update({
                f"{s}_th_abd": 0.42, f"{s}_th_flex": 1.45 * amp, f"{s}_sh_abd": 0.12,
                f"{s}_sh_flex": -0.5 * amp,
            })  # fmt: skip
        return [(0.0, {}), (0.65, down), (0.65 + hold, down), (1.3 + hold, {})]
    raise ValueError(f"unknown move {move!r}; valid: {', '.join(MOVES)}")


def _mirror_keys(keys: list[tuple[float, dict]]) -> list[tuple[float, dict]]:
    """The same move performed with the left limbs."""
    out = []
    for t, over in keys:
        new = {}
        for key, value in over.items():
            if key[:2] == "r_":
                key = "l_" + key[2:]
            elif key[:2] == "l_":
                key = "r_" + key[2:]
            new[key] = -value if key in _SIGNED else value
        out.append((t, new))
    return out


@dataclass
class MoveEvent:
    """One performed move: its action label and its time span in seconds."""

    label: str
    start: float
    end: float
    side: str = ""  # "left" / "right" for one-sided moves


@dataclass
class Script:
    """A take's plan: key poses on a timeline, walk spans and the moves performed."""

    times: list = field(default_factory=list)
    poses: list = field(default_factory=list)
    events: list = field(default_factory=list)
    duration: float = 0.0

    def key(self, t: float, pose: np.ndarray) -> None:
        if self.times and t <= self.times[-1] + 1e-6:
            t = self.times[-1] + 1e-3
        self.times.append(float(t))
        self.poses.append(np.array(pose, dtype=float))


#: Rough labelled seconds of one move, used only to balance classes while scripting.
_LABELLED_SECONDS = {"punch": 0.52, "kick": 0.67, "squat": 1.27, "walk": 1.4}


def make_script(
    subject: Subject,
    rng: np.random.Generator,
    duration: float,
    empty_seconds: float,
    z: float,
    half_width: float,
) -> Script:
    """A random script: walk in, then every move at least once, then moves chosen to keep the
    labelled time of the fine classes balanced, with pauses, until ``duration`` seconds.

    ``half_width`` is half the view's width (m) at the performer's depth: walks stay inside.
    """
    script = Script()
    tempo = subject.tempo
    bound = max(half_width - 0.9, 0.3)  # room for a raised arm or leg on both sides
    enter_from = rng.choice([-1.0, 1.0])
    x = enter_from * (half_width + 0.55)
    script.key(0.0, neutral_pose(subject, x, z))
    t = empty_seconds
    script.key(t, neutral_pose(subject, x, z))
    target = float(rng.uniform(-0.3, 0.3)) * bound
    start, x_entry = t, x
    t, x = _walk(script, subject, rng, t, x, target, z)
    entry = "walk_left" if target > x_entry else "walk_right"
    script.events.append(MoveEvent(entry, start, t, entry.split("_")[1]))
    required = list(MOVES)
    rng.shuffle(required)
    balance = {name: 0.0 for name in ("punch_left", "punch_right", "kick_left", "kick_right",
                                      "walk_left", "walk_right", "squat")}  # fmt: skip
    balance[entry] += _LABELLED_SECONDS["walk"]
    kick_styles = {"left": int(rng.integers(2)), "right": int(rng.integers(2))}
    while True:
        t = _pause(script, subject, rng, t, x, z)
        if required:
            move = required.pop()
        else:
            if t > duration - 1.5:
                break
            fine = min(balance, key=lambda k: balance[k] + rng.uniform(0, 0.6))
            if fine.startswith("kick_"):
                side = fine.split("_")[1]
                style = ("front", "roundhouse")[kick_styles[side] % 2]
                kick_styles[side] += 1
                move = f"{style}_{fine}"
            else:
                move = fine
        if move.startswith("walk_"):
            direction = 1.0 if move == "walk_left" else -1.0  # performer's left is +X
            room = bound - direction * x
            if room < 0.7:
                direction, room = -direction, bound + direction * x
                move = "walk_left" if direction > 0 else "walk_right"
            distance = min(float(rng.uniform(0.8, 1.6)) * subject.amplitude, room)
            start = t
            t, x = _walk(script, subject, rng, t, x, x + direction * distance, z)
            script.events.append(MoveEvent(move, start, t, move.split("_")[1]))
        else:
            parts = move.split("_")
            side = parts[-1] if parts[-1] in ("left", "right") else ""
            kind = "_".join(parts[:-1]) if side else move
            hold = float(rng.uniform(0.4, 1.2)) if kind == "squat" else 0.0
            keys = _right_keys(kind, subject.amplitude * rng.uniform(0.93, 1.05), hold)
            if side == "left":
                keys = _mirror_keys(keys)
            base = neutral_pose(subject, x, z)
            speed = tempo * rng.uniform(0.92, 1.08)
            for dt, over in keys[1:]:
                pose = base.copy()
                for key, value in over.items():
                    pose[P[key]] = base[P[key]] + value if key in ("x", "z") else value
                script.key(t + dt / speed, pose)
            script.events.append(MoveEvent(move, t, t + keys[-1][0] / speed, side))
            t = t + keys[-1][0] / speed
        fine_name = move.replace("front_", "").replace("roundhouse_", "")
        balance[fine_name] += _LABELLED_SECONDS[fine_name.split("_")[0]]
    t = max(t, duration)
    script.key(t, neutral_pose(subject, x, z))
    script.duration = t
    return script


def _pause(script, subject, rng, t, x, z) -> float:
    """Stand between moves (short pauses when a subject chains moves)."""
    t += float(rng.uniform(0.2, 0.8)) / subject.tempo
    script.key(t, neutral_pose(subject, x, z))
    return t


def walk_speed(subject: Subject) -> float:
    """Walking speed (m/s): slower for shorter people and slower tempos."""
    return 0.75 * subject.tempo * (subject.height / 1.75) ** 0.5


def _walk(script, subject, rng, t, x0, x1, z):
    """Turn toward the goal, walk there at a steady pace, turn back to the camera."""
    direction = np.sign(x1 - x0)
    turn = float(rng.uniform(0.9, 1.35)) * direction  # people turn most of the way
    turn_time = 0.3 / subject.tempo
    speed = walk_speed(subject)
    distance = abs(x1 - x0)
    # Accelerate during the turn (covering half the cruising distance of that time).
    ramp = min(0.5 * speed * turn_time, distance / 3)
    cruise = max(distance - 2 * ramp, 0.0) / speed
    turned = neutral_pose(subject, 0, z)
    turned[P["yaw"]] = turn
    turned[P["lean"]] = 0.08
    for s in "lr":  # arms drop from a guard to swing while walking
        turned[P[f"{s}_ua_abd"]], turned[P[f"{s}_ua_flex"]] = 0.12, 0.05
        turned[P[f"{s}_fa_abd"]], turned[P[f"{s}_fa_flex"]] = 0.05, 0.45
    a = turned.copy()
    a[P["x"]] = x0 + direction * ramp
    b = turned.copy()
    b[P["x"]] = x1 - direction * ramp
    script.key(t + turn_time, a)
    script.key(t + turn_time + cruise, b)
    end = t + 2 * turn_time + cruise
    script.key(end, neutral_pose(subject, x1, z))
    return end, x1


def sample_poses(subject: Subject, script: Script, fps: float, rng: np.random.Generator):
    """Poses (T, len(POSE_FIELDS)) at every frame: the script's splines, gait and idle sway."""
    n = int(round(script.duration * fps))
    ts = np.arange(n) / fps
    poses = PchipInterpolator(np.array(script.times), np.stack(script.poses), axis=0)(ts)
    _add_gait(subject, poses, fps)
    _add_idle(poses, ts, rng, subject)
    return poses


def _add_gait(subject: Subject, poses: np.ndarray, fps: float) -> None:
    # Hip swing of +-A; a gait cycle (two steps) covers 4 L sin(A) metres, and the phase is
    # driven by distance actually covered, so the stance foot roughly stays planted.
    amp = 0.34
    leg = subject.seg["thigh"] + subject.seg["shin"]
    per_cycle = 4 * leg * np.sin(amp)
    vx = np.gradient(poses[:, P["x"]]) * fps
    speed = np.abs(vx)
    weight = np.clip(speed / (0.6 * walk_speed(subject)), 0, 1)
    phase = 2 * np.pi * np.cumsum(speed / fps) / per_cycle
    for s, offset in (("l", 0.0), ("r", np.pi)):
        ph = phase + offset
        swing = amp * np.sin(ph) * weight
        knee = 1.05 * np.clip(np.cos(ph), 0, None) ** 1.5 * weight
        poses[:, P[f"{s}_th_flex"]] += swing
        poses[:, P[f"{s}_sh_flex"]] += swing - knee
        other = "r" if s == "l" else "l"  # arms swing with the opposite leg
        poses[:, P[f"{other}_ua_flex"]] += 0.55 * swing
        poses[:, P[f"{other}_fa_flex"]] += 0.8 * swing


def _add_idle(poses: np.ndarray, ts: np.ndarray, rng: np.random.Generator, subject) -> None:
    """Breathing and slow postural sway, different in every take (people never stand still)."""
    sway = {
        "x": 0.012, "yaw": 0.05, "lean": 0.02, "roll": 0.02, "twist": 0.03,
        "head_pitch": 0.05, "head_yaw": 0.08, "l_ua_abd": 0.04, "r_ua_abd": 0.04,
        "l_fa_flex": 0.06, "r_fa_flex": 0.06, "l_th_abd": 0.02, "r_th_abd": 0.02,
    }  # fmt: skip
    for name, amp in sway.items():
        for _ in range(2):
            freq = rng.uniform(0.08, 0.45)
            poses[:, P[name]] += amp * 0.7 * np.sin(2 * np.pi * freq * ts + rng.uniform(0, 6.3))
    breath_rate = rng.uniform(0.2, 0.32)
    poses[:, P["breath"]] = np.sin(2 * np.pi * breath_rate * ts + rng.uniform(0, 6.3))


#: Labelling thresholds on a move's extension (0 = its starting pose, 1 = its peak).
PLAIN = 0.5
ONSET = 0.2


def extension(event: MoveEvent, joints: np.ndarray, fps: float) -> tuple[int, int, np.ndarray]:
    """How far a move has gone toward its peak at each of its frames, in [0, 1].

    Punches measure the wrist, kicks the ankle (both relative to the pelvis, so sway does
    not count), squats the pelvis drop and walks the pelvis speed. Returns (first frame,
    end frame, extension per frame).
    """
    from harness.synth.body import J

    first = int(np.ceil(event.start * fps - 1e-9))
    end = min(int(np.ceil(event.end * fps - 1e-9)), len(joints))
    if end <= first:
        return first, first, np.zeros(0)
    span = joints[first:end]
    name = event.label
    if name.startswith("walk"):
        x = joints[:, J["pelvis"], 0]
        value = np.abs(np.gradient(x) * fps)[first:end]
    elif name == "squat":
        value = span[0, J["pelvis"], 1] - span[:, J["pelvis"], 1]
    else:
        point = f"{event.side}_wrist" if name.startswith("punch") else f"{event.side}_ankle"
        rel = span[:, J[point]] - span[:, J["pelvis"]]
        value = np.linalg.norm(rel - rel[0], axis=-1)
    peak = value.max()
    return first, end, (value / peak if peak > 1e-6 else np.zeros_like(value))


def label_frames(events: list[MoveEvent], joints: np.ndarray, fps: float, present: np.ndarray):
    """Per-frame action labels and ambiguous flags from the performed moves.

    A frame carries a move's label from its onset to its return. It is plainly visible,
    and so not ambiguous, when the move's extension is at least :data:`PLAIN` (half-way to
    its peak); between :data:`ONSET` and :data:`PLAIN` the frame keeps the move's label but
    is flagged ambiguous; below :data:`ONSET` it is ``stand``. ``present`` is 0 where no
    pixel of the performer is in view (``empty``), 1 where the whole body is in view and in
    between while entering: partly visible frames are flagged ambiguous.
    """
    n = len(joints)
    labels = np.full(n, "stand", dtype=object)
    ambiguous = np.zeros(n, dtype=bool)
    for event in events:
        first, end, ext = extension(event, joints, fps)
        if end <= first:
            continue
        on = ext >= ONSET
        labels[first:end][on] = event.label
        ambiguous[first:end] |= on & (ext < PLAIN)
    labels[present <= 0] = "empty"
    ambiguous[present <= 0] = False
    ambiguous |= (present > 0) & (present < 1)
    return labels, ambiguous

"""Nuisance factors: the things that break webcam recognisers in real rooms, at graded strengths.

Each factor is named (harness.synth.config.NUISANCES), drawn from its own random stream
and recorded in the take's ``meta``; all are off in the ``clean`` variant. Each has a
strength in [0, 1]: 0 is the clean render (the factor is dropped from the configuration),
1 is severe. The random draws of a take do not depend on the strength, which only scales
what was drawn, so the levels of a sweep are the same lamp, shake or pet, stronger.
The named variants (``mk-synth:noise``) render at ``DEFAULT_STRENGTH`` (0.5 unless said),
exactly as they did before strengths existed.

- ``lighting``, ``lighting-gradual``, ``lighting-sudden``: after the background frame the
  scene's light changes by a gain g, suddenly (a lamp switched) or gradually over 2-6 s (a
  cloud, auto-exposure); ``lighting`` picks one of the two at random, as the named variant
  does. |g - 1| is 0.3-0.8 times the strength (0.15-0.4 at 0.5; at 1, g is 0.2-0.7 or 1.3-1.8).
- ``shake``: the camera wobbles by up to 4-16 px times the strength (a laptop on a desk
  someone bumps; 2-8 px at 0.5).
- ``noise``: sensor noise, Gaussian, partly per channel, sigma 8-20 grey levels times the
  strength (4-10 at 0.5).
- ``shadow``: a lamp near the camera casts the performer's soft shadow on the floor and the
  back wall (the shadow is not part of the mask); it darkens by 0.7-1.1 times the strength,
  at most by 0.92 (0.35-0.55 at 0.5).
- ``camouflage``: the shirt's colour is blended from its own to the wall's behind the chest
  by the strength; at 1 (the named variant) it is the wall's and its stripes are gone
  (handled in render.py).
- ``moving-object``: a pet walks to and fro behind the performer, 0.9-1.4 m long times the
  strength (a cat at 0.25, a dog at 0.5, a pony at 1).
- ``mirrored`` (0 or 1): a selfie camera: the image (and keypoints, masks, background) are
  flipped left-right; labels and keypoint names stay on the performer's own sides.
- ``person-scale``: the performer is drawn smaller about their feet, at 1 / (1 + 1.5 s) of
  their size (100, 73, 57, 47, 40 % at 0, 0.25, ..., 1): a child, or how small a player
  standing farther back looks. Room, path and script are unchanged (so at small scales
  the feet glide a little on walks); labels come from the same performed moves.
- ``frame-rate``: the webcam films at fps / (1 + 2 s) (15, 10, 7.5, 6, 5 fps from 15). What
  a real webcam does in dim light: it lengthens the exposure and drops its frame rate. The
  performance is sampled at the new instants (same script, same continuous motion) and
  each frame exposes half its interval, so fast limbs smear more; labels are those of the
  new instants, by the same rule. The empty lead-in stays 1 s (5 frames at 5 fps).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from harness.synth.body import DIRECTIONS, JOINTS, J, Subject
from harness.synth.config import DEFAULT_STRENGTH

# Shadow casters: pairs of joints and the body width they stand for (m).
_SHADOW_LIMBS = (
    ("left_shoulder", "left_elbow", 0.1), ("right_shoulder", "right_elbow", 0.1),
    ("left_elbow", "left_hand", 0.08), ("right_elbow", "right_hand", 0.08),
    ("left_hip", "left_knee", 0.16), ("right_hip", "right_knee", 0.16),
    ("left_knee", "left_toe", 0.11), ("right_knee", "right_toe", 0.11),
    ("neck", "head_top", 0.17), ("neck", "pelvis", 0.36),
)  # fmt: skip


def _ratio(strengths: dict, name: str) -> float:
    """How many times its named variant's strength ``name`` has (1.0 at the default)."""
    return strengths[name] / DEFAULT_STRENGTH[name]


def frame_rate(strengths: dict, fps: float) -> float:
    """The frames per second the webcam films at under ``frame-rate`` (``fps`` without it)."""
    return fps / (1 + 2 * strengths["frame-rate"]) if "frame-rate" in strengths else fps


def scale_person(
    subject: Subject, joints: np.ndarray, strengths: dict
) -> tuple[Subject, np.ndarray]:
    """The performer at ``person-scale``: body measures and joints shrunk about the feet.

    Joint positions shrink toward the floor point under the pelvis at every frame, so the
    path across the room stays; direction rows (``torso_fwd``, ...) are left as they are.
    """
    if "person-scale" not in strengths:
        return subject, joints
    factor = 1 / (1 + 1.5 * strengths["person-scale"])
    ground = joints[:, J["pelvis"]].copy()
    ground[:, 1] = 0.0
    points = np.array([name not in DIRECTIONS for name in JOINTS])
    scaled = joints.copy()
    scaled[:, points] = ground[:, None] + (joints[:, points] - ground[:, None]) * factor
    smaller = dataclasses.replace(
        subject,
        height=subject.height * factor,
        seg={k: v * factor for k, v in subject.seg.items()},
        width={k: v * factor for k, v in subject.width.items()},
    )
    return smaller, scaled


def backgrounds(background, n, strengths, rng, camera, joints, room, meta, fps):
    """A function t -> the frame under the performer at frame t (shadow, moving object)."""
    if not strengths.keys() & {"shadow", "moving-object"}:
        return lambda t: background
    shadow = _shadow_maker(background, strengths, rng, camera, joints, room, meta)
    pet = _pet_maker(n, strengths, rng, camera, room, meta, fps)

    def frame(t: int) -> np.ndarray:
        out = background.copy()
        if pet is not None:
            pet(out, t)
        if shadow is not None:
            shadow(out, t)
        return out

    return frame


def _shadow_maker(background, strengths, rng, camera, joints, room, meta):
    if "shadow" not in strengths:
        return None
    lamp = np.array([rng.choice([-1.0, 1.0]) * rng.uniform(0.6, 1.4), rng.uniform(1.9, 2.3), 0.3])
    strength = min(float(rng.uniform(0.35, 0.55)) * _ratio(strengths, "shadow"), 0.92)
    meta["shadow"] = {"lamp": [round(float(v), 2) for v in lamp], "strength": round(strength, 2)}
    rays = joints - lamp
    with np.errstate(divide="ignore", invalid="ignore"):
        t_floor = np.where(rays[..., 1] < 0, -lamp[1] / rays[..., 1], np.inf)
        t_wall = np.where(rays[..., 2] > 0, (room.depth - lamp[2]) / rays[..., 2], np.inf)
    hit = lamp + rays * np.minimum(t_floor, t_wall)[..., None]
    pix, depth = camera.project(hit)
    pix = (pix - 0.5) / 2.0
    scale = camera.focal / 2 / depth * np.minimum(t_floor, t_wall)
    h, w = background.shape[:2]

    def draw(out, t):
        shade = np.zeros((h, w), np.uint8)
        for a, b, width in _SHADOW_LIMBS:
            ia, ib = J[a], J[b]
            thick = int(max(width * (scale[t, ia] + scale[t, ib]) / 2, 1))
            p, q = pix[t, ia], pix[t, ib]
            if not (np.all(np.isfinite(p)) and np.all(np.isfinite(q))):
                continue
            cv2.line(
                shade,
                (int(p[0] * 8), int(p[1] * 8)),
                (int(q[0] * 8), int(q[1] * 8)),
                255,
                thick,
                cv2.LINE_AA,
                3,
            )
        shade = cv2.GaussianBlur(shade, (0, 0), 2.5)
        factor = 1.0 - strength * shade.astype(np.float32) / 255.0
        out[:] = np.clip(out * factor[..., None], 0, 255).astype(np.uint8)

    return draw


def _pet_maker(n, strengths, rng, camera, room, meta, fps):
    if "moving-object" not in strengths:
        return None
    size = _ratio(strengths, "moving-object")  # the whole animal scales, widths included
    z = room.depth - rng.uniform(0.5, 1.0)
    span = room.half_width - 0.4
    speed = rng.uniform(0.4, 0.9)
    colour = tuple(
        float(c) for c in rng.choice([(70, 50, 35), (30, 28, 26), (210, 200, 185), (160, 110, 60)])
    )
    phase = rng.uniform(0, 2 * np.pi)
    length = rng.uniform(0.45, 0.7) * size
    meta["moving_object"] = {
        "kind": "pet",
        "speed": round(float(speed), 2),
        "depth": round(float(z), 2),
        "length": round(float(length), 2),
    }
    ts = np.arange(n) / fps
    # To and fro across the room (a triangle wave), legs stepping as it goes.
    xs = span * (2 / np.pi) * np.arcsin(np.sin(speed * ts / span * np.pi / 2 + phase))
    heading = np.sign(np.gradient(xs) + 1e-9)

    def draw(out, t):
        # A dog seen from the side: legs stepping, body, raised head with a snout, tail.
        x, d = xs[t], heading[t]
        body_y = 0.45 * length + 0.1
        step = np.sin(t / fps * 2 * np.pi * 2.5)

        def px(dx, y):
            return camera.project(np.array([x + d * dx * length, y, z]))[0]

        s = camera.focal / 2 / (z - camera.position[2]) * size
        for k, lx in enumerate((-0.38, -0.3, 0.3, 0.38)):
            swing = 0.1 * step * (-1) ** k
            _seg(out, px(lx, body_y), px(lx + swing, 0.0), colour, 0.05 * s)
        _seg(out, px(-0.5, body_y + 0.05), px(-0.75, body_y + 0.22), colour, 0.035 * s)
        _seg(out, px(-0.42, body_y), px(0.42, body_y), colour, 0.2 * s)
        _seg(out, px(0.42, body_y + 0.02), px(0.55, body_y + 0.16), colour, 0.09 * s)
        _seg(out, px(0.55, body_y + 0.18), px(0.72, body_y + 0.14), colour, 0.11 * s)
        _seg(out, px(0.58, body_y + 0.25), px(0.56, body_y + 0.3), colour, 0.04 * s)

    return draw


def _seg(out, a, b, colour, width) -> None:
    """A thick anti-aliased line between two render-size points, drawn at stored size."""
    p, q = (a - 0.5) / 2 * 8, (b - 0.5) / 2 * 8
    cv2.line(out, (int(p[0]), int(p[1])), (int(q[0]), int(q[1])), colour,
             max(int(round(width)), 1), cv2.LINE_AA, 3)  # fmt: skip


def after(frames, keypoints, masks, strengths, rng, meta, config, fps):
    """Apply the whole-image factors (lighting, shake, noise, mirror) in place where possible.

    ``fps`` is the rate the take was filmed at (lower under ``frame-rate``).
    """
    n, h, w = frames.shape[:3]
    empty = int(round(config.empty_seconds * fps))
    lighting = sorted(strengths.keys() & {"lighting", "lighting-gradual", "lighting-sudden"})
    if lighting:
        name = lighting[0]
        gain = float(rng.choice([rng.uniform(0.6, 0.85), rng.uniform(1.15, 1.4)]))
        sudden = bool(rng.random() < 0.5)  # drawn always, so the streams stay aligned
        if name != "lighting":
            sudden = name == "lighting-sudden"
        start = int(rng.integers(max(empty // 2, 1), max(n // 2, empty)))
        ramp = 1 if sudden else int(rng.uniform(2, 6) * fps)
        change = (gain - 1) * _ratio(strengths, name)
        gains = 1 + change * np.clip((np.arange(n) - start + 1) / ramp, 0, 1)
        meta["lighting"] = {"gain": round(1 + change, 3), "sudden": sudden, "start_frame": start}
        levels = np.arange(256, dtype=np.float32)
        for t in range(start, n):
            lut = np.clip(levels * gains[t], 0, 255).astype(np.uint8)
            cv2.LUT(frames[t], lut, dst=frames[t])
    if "shake" in strengths:
        amp = float(rng.uniform(2, 8)) * _ratio(strengths, "shake")
        ts = np.arange(n) / fps
        offsets = np.zeros((n, 2))
        for axis in range(2):
            for _ in range(3):
                offsets[:, axis] += np.sin(
                    2 * np.pi * rng.uniform(0.5, 4) * ts + rng.uniform(0, 6.3)
                )
        offsets += rng.normal(0, 0.3, offsets.shape)
        offsets *= amp / max(np.abs(offsets).max(), 1e-6)
        offsets[0] = 0  # the background frame is taken steady
        meta["shake"] = {"amplitude_px": round(amp, 2)}
        for t in range(n):
            m = np.float32([[1, 0, offsets[t, 0]], [0, 1, offsets[t, 1]]])
            frames[t] = cv2.warpAffine(frames[t], m, (w, h), borderMode=cv2.BORDER_REFLECT_101)
            masks[t] = (
                cv2.warpAffine(masks[t].astype(np.uint8), m, (w, h), flags=cv2.INTER_NEAREST) > 0
            )
        keypoints = keypoints + offsets[:, None, :]
    if "noise" in strengths:
        sigma = float(rng.uniform(4, 10)) * _ratio(strengths, "noise")
        meta["noise"] = {"sigma": round(sigma, 2)}
        pool = [
            (rng.normal(0, sigma * 0.8, (h, w, 1)) + rng.normal(0, sigma * 0.6, (h, w, 3))).astype(
                np.int16
            )
            for _ in range(4)
        ]
        for t in range(n):
            noise = np.roll(pool[t % 4], (int(rng.integers(h)), int(rng.integers(w))), axis=(0, 1))
            frames[t] = np.clip(frames[t].astype(np.int16) + noise, 0, 255).astype(np.uint8)
    if "mirrored" in strengths:
        frames = np.ascontiguousarray(frames[:, :, ::-1])
        masks = np.ascontiguousarray(masks[:, :, ::-1])
        keypoints = keypoints.copy()
        keypoints[..., 0] = w - 1 - keypoints[..., 0]
        meta["mirrored"] = True
    return frames, keypoints, masks

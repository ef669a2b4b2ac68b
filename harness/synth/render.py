"""Render one take: the performer drawn over the empty room, frame by frame, with ground truth.

The performer is drawn at twice the stored resolution into a 4-channel canvas covering only
their bounding box (premultiplied colour plus coverage), as shaded capsules for limbs and
convex hulls for the shirt and trousers, far parts first (painter's algorithm on camera
depth). The canvas is area-reduced to the stored size, which anti-aliases the outline, and
composited over the background; the coverage gives the exact mask (>= 50 %).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from harness.synth import nuisances
from harness.synth.body import JOINTS, N_KEYPOINTS, J, Subject, forward_kinematics, make_subject
from harness.synth.config import TakeSpec
from harness.synth.moves import label_frames, make_script, sample_poses
from harness.synth.scene import Camera, finish, make_room, render_room, vignette_at

SHIFT = 3  # OpenCV sub-pixel bits: coordinates are drawn in 1/8 pixel
ONE = 1 << SHIFT


@dataclass
class Take:
    """A rendered take: frames and their ground truth (see harness.api.Recording)."""

    frames: np.ndarray
    labels: np.ndarray
    ambiguous: np.ndarray
    keypoints: np.ndarray
    masks: np.ndarray
    background: np.ndarray
    meta: dict


# Limb capsules: (first joint, second joint, radius key, colour slot).
_LIMBS = (
    ("left_shoulder", "left_elbow", "upper_arm", "sleeve"),
    ("right_shoulder", "right_elbow", "upper_arm", "sleeve"),
    ("left_elbow", "left_wrist", "forearm", "forearm"),
    ("right_elbow", "right_wrist", "forearm", "forearm"),
    ("left_wrist", "left_hand", "hand", "skin"),
    ("right_wrist", "right_hand", "hand", "skin"),
    ("left_hip", "left_knee", "thigh", "trousers"),
    ("right_hip", "right_knee", "thigh", "trousers"),
    ("left_knee", "left_ankle", "shin", "shin"),
    ("right_knee", "right_ankle", "shin", "shin"),
    ("left_ankle", "left_toe", "foot", "shoes"),
    ("right_ankle", "right_toe", "foot", "shoes"),
)


def _shades(rgb, exposure) -> tuple:
    """Dark rim, base and highlight colours (RGBA, alpha 255) of one material."""
    base = np.asarray(rgb, float) * exposure
    dark = base * 0.58
    light = base * 1.12 + 10
    return tuple(
        tuple(float(v) for v in np.clip(c, 0, 255)) + (255.0,) for c in (dark, base, light)
    )


def _hull_points(joints: np.ndarray, subject: Subject) -> tuple[np.ndarray, np.ndarray]:
    """3D corner points (T, 8, 3) of the shirt and trousers volumes."""
    seg, wid = subject.seg, subject.width
    fwd, left = joints[:, J["torso_fwd"]], joints[:, J["torso_left"]]
    p_fwd, p_left = (
        joints[:, J["pelvis_fwd"]],
        np.cross(joints[:, J["pelvis_fwd"]], [0.0, 1.0, 0.0]),
    )
    p_left = -p_left  # fwd x up points to the performer's right
    neck, pelvis = joints[:, J["neck"]], joints[:, J["pelvis"]]
    t_up = (neck - pelvis) / np.linalg.norm(neck - pelvis, axis=-1, keepdims=True)
    depth = wid["torso_depth"]
    sh_half = 0.5 * seg["shoulder_w"] + 0.6 * wid["upper_arm"]
    belt = pelvis + 0.1 * subject.height * t_up
    shirt, trousers = [], []
    for lat in (-1.0, 1.0):
        for dep in (-1.0, 1.0):
            top = neck - 0.035 * subject.height * t_up + lat * sh_half * left
            shirt.append(top + dep * depth * fwd)
            shirt.append(belt + lat * wid["waist"] * left + dep * depth * 0.95 * fwd)
            trousers.append(belt + lat * wid["waist"] * left + dep * depth * 0.95 * p_fwd)
            hip = pelvis - 0.04 * subject.height * t_up
            trousers.append(
                hip + lat * (0.5 * seg["hip_w"] + wid["thigh"]) * p_left + dep * depth * p_fwd
            )
    return np.stack(shirt, axis=1), np.stack(trousers, axis=1)


def _stripe_points(joints, subject) -> np.ndarray:
    """3D quads (T, n, 4, 3) of horizontal stripes on the shirt's front."""
    seg, wid = subject.seg, subject.width
    fwd, left = joints[:, J["torso_fwd"]], joints[:, J["torso_left"]]
    neck, pelvis = joints[:, J["neck"]], joints[:, J["pelvis"]]
    top = neck - 0.06 * subject.height * (neck - pelvis) / np.linalg.norm(
        neck - pelvis, axis=-1, keepdims=True
    )
    belt = pelvis + 0.12 * subject.height * (neck - pelvis) / np.linalg.norm(
        neck - pelvis, axis=-1, keepdims=True
    )
    quads = []
    n = 5
    for k in range(n):
        a, b = (k + 0.15) / n, (k + 0.55) / n
        corners = []
        for frac, lat in ((a, -1), (a, 1), (b, 1), (b, -1)):
            centre = top + frac * (belt - top)
            half = (1 - frac) * 0.5 * seg["shoulder_w"] + frac * wid["waist"]
            corners.append(centre + lat * 0.92 * half * left + 1.02 * wid["torso_depth"] * fwd)
        quads.append(np.stack(corners, axis=1))
    return np.stack(quads, axis=1)


def render_take(spec: TakeSpec) -> Take:
    """Render one take of ``spec`` (deterministic in the spec)."""
    config = spec.config
    fps = config.fps
    out_w, out_h = config.size
    size2 = (2 * out_w, 2 * out_h)
    # Random streams: one for who/what (shared by all variants, so a variant differs from
    # clean only by its nuisance), one for the nuisance itself.
    rng = np.random.default_rng([config.seed, 101, spec.take, spec.subject, spec.scene])
    subject = make_subject(spec.subject, config.seed)
    room = make_room(spec.scene, config.seed)

    # Camera: a webcam on a desk, laptop or monitor, framing the performer at 55-85 %.
    vfov = np.radians(rng.uniform(40, 48))
    focal = size2[1] / 2 / np.tan(vfov / 2)
    frac = rng.uniform(0.58, 0.78)
    z = min(focal * subject.height / (frac * size2[1]), room.depth - 1.7)
    cam_h = rng.uniform(0.85, 1.35)
    aim = 0.52 * subject.height + 0.12
    pitch = np.arctan2(cam_h - aim, z)
    camera = Camera(
        (float(rng.uniform(-0.2, 0.2)), float(cam_h), 0.0), float(pitch), float(focal), size2
    )
    half_width = z * (size2[0] / 2) / focal

    script = make_script(subject, rng, spec.seconds, config.empty_seconds, z, half_width)
    poses = sample_poses(subject, script, fps, rng)
    joints = forward_kinematics(subject, poses)
    n = len(poses)

    nrng = np.random.default_rng([config.seed, 202, spec.take, spec.subject, spec.scene])
    active = set(config.nuisances)
    colours = {
        "shirt": subject.shirt,
        "skin": subject.skin,
        "trousers": subject.trousers,
        "shoes": subject.shoes,
        "hair": subject.hair,
        "stripe": subject.stripe,
    }
    meta = {"subject_height": round(subject.height, 3), "camera_height": round(float(cam_h), 3),
            "distance": round(float(z), 3), "nuisances": sorted(active)}  # fmt: skip
    if "camouflage" in active:
        # Clothing the colour of the wall behind: the classic detector's worst case.
        shade = nrng.uniform(0.94, 1.06, 3)
        colours["shirt"] = tuple(np.clip(room.wall * shade, 0, 255))
        colours["stripe"] = None
        meta["camouflage_colour"] = [round(float(c), 1) for c in colours["shirt"]]

    room_img, room_meta = render_room(room, camera)
    white_balance = rng.uniform(0.93, 1.07, 3)
    vignette = float(rng.uniform(0.15, 0.35))
    background = finish(room_img, (out_w, out_h), white_balance, vignette)
    meta.update(room_meta)

    pix, depth = camera.project(joints[:, : len(JOINTS)])
    exposure = white_balance * vignette_at(size2, (size2[0] / 2, size2[1] / 2), vignette) * 0.95
    materials = {
        "skin": _shades(colours["skin"], exposure),
        "sleeve": _shades(colours["shirt"], exposure),
        "forearm": _shades(colours["shirt"] if subject.long_sleeves else colours["skin"], exposure),
        "trousers": _shades(colours["trousers"], exposure),
        "shin": _shades(colours["skin"] if subject.shorts else colours["trousers"], exposure),
        "shoes": _shades(colours["shoes"], exposure),
        "hair": _shades(colours["hair"], exposure),
        "shirt": _shades(colours["shirt"], exposure),
    }
    stripe = None if colours["stripe"] is None else _shades(colours["stripe"], exposure)[1]
    shirt3d, trousers3d = _hull_points(joints, subject)
    shirt_px, shirt_d = camera.project(shirt3d)
    trousers_px, trousers_d = camera.project(trousers3d)
    stripes_px = None
    if stripe is not None:
        stripes_px, _ = camera.project(_stripe_points(joints, subject))
    facing = -np.sum(joints[:, J["torso_fwd"]] * (joints[:, J["chest"]] - camera.position), axis=-1)
    light_dir = np.array([0.35 * (room.light_x or 0.3), -1.0])
    light_dir /= np.linalg.norm(light_dir)

    frames = np.empty((n, out_h, out_w, 3), np.uint8)
    masks = np.zeros((n, out_h, out_w), bool)
    drawer = _Drawer(subject, camera, materials, stripe, light_dir)
    bg_stack = nuisances.backgrounds(background, n, active, nrng, camera, joints, room, meta, fps)
    for t in range(n):
        bg = bg_stack(t)
        drawer.frame(
            frames[t], masks[t], bg, pix[t], depth[t], joints[t], shirt_px[t], shirt_d[t],
            trousers_px[t], trousers_d[t], None if stripes_px is None else stripes_px[t],
            facing[t] > 0,
        )  # fmt: skip

    keypoints = (pix[:, :N_KEYPOINTS] - 0.5) / 2.0
    inside = (
        (keypoints[..., 0] >= 0) & (keypoints[..., 0] <= out_w - 1)
        & (keypoints[..., 1] >= 0) & (keypoints[..., 1] <= out_h - 1)
    )  # fmt: skip
    has_pixels = masks.reshape(n, -1).any(axis=1)
    present = np.where(has_pixels, inside.mean(axis=1), 0.0)
    labels, ambiguous = label_frames(script.events, joints, fps, present)
    frames, keypoints, masks = nuisances.after(frames, keypoints, masks, active, nrng, meta, config)
    if "mirrored" in active:
        background = background[:, ::-1].copy()
    meta["events"] = [(e.label, round(e.start, 3), round(e.end, 3)) for e in script.events]
    return Take(frames, labels, ambiguous, keypoints.astype(np.float32), masks, background, meta)


class _Drawer:
    """Draws the performer of one take, frame after frame."""

    def __init__(self, subject, camera, materials, stripe, light_dir):
        self.subject = subject
        self.focal = camera.focal
        self.materials = materials
        self.stripe = stripe
        self.light = light_dir
        self.limbs = [(J[a], J[b], subject.width[r], materials[c]) for a, b, r, c in _LIMBS]
        self.neck = (J["neck"], J["head"], subject.width["neck"], materials["skin"])

    def frame(self, out, mask, bg, pix, depth, joints, shirt_px, shirt_d, trousers_px,
              trousers_d, stripes_px, facing):  # fmt: skip
        h2, w2 = 2 * out.shape[0], 2 * out.shape[1]
        margin = 0.12 * self.focal / max(depth.min(), 0.3)
        lo = (
            np.minimum(pix.min(axis=0), np.minimum(shirt_px.min(axis=0), trousers_px.min(axis=0)))
            - margin
        )
        hi = (
            np.maximum(pix.max(axis=0), np.maximum(shirt_px.max(axis=0), trousers_px.max(axis=0)))
            + margin
        )
        x0, y0 = max(int(lo[0]) // 2 * 2, 0), max(int(lo[1]) // 2 * 2, 0)
        x1, y1 = min((int(hi[0]) // 2 + 1) * 2, w2), min((int(hi[1]) // 2 + 1) * 2, h2)
        out[:] = bg
        if x1 <= x0 or y1 <= y0:
            return
        canvas = np.zeros((y1 - y0, x1 - x0, 4), np.uint8)
        origin = np.array([x0, y0], float)
        local = pix - origin
        items = []
        for a, b, radius, mat in self.limbs:
            items.append(((depth[a] + depth[b]) / 2, 0, (a, b, radius, mat)))
        a, b, radius, mat = self.neck
        items.append((depth[a] + 0.01, 0, (a, b, radius, mat)))
        items.append(
            (trousers_d.mean() + 0.04, 1, (trousers_px - origin, self.materials["trousers"], None))
        )
        stripes = None if stripes_px is None or not facing else stripes_px - origin
        shirt = (shirt_px - origin, self.materials["shirt"], stripes)
        items.append((shirt_d.mean() + 0.03, 1, shirt))
        items.append((depth[J["head"]], 2, None))
        items.sort(key=lambda item: -item[0])
        for _, kind, data in items:
            if kind == 0:
                self._capsule(canvas, local, depth, *data)
            elif kind == 1:
                self._hull(canvas, *data)
            else:
                self._head(canvas, local, depth, joints)
        small = cv2.resize(canvas, ((x1 - x0) // 2, (y1 - y0) // 2), interpolation=cv2.INTER_AREA)
        sy, sx = slice(y0 // 2, y1 // 2), slice(x0 // 2, x1 // 2)
        alpha = small[..., 3:4].astype(np.uint16)
        region = out[sy, sx]
        blended = (region.astype(np.uint16) * (255 - alpha) + 127) // 255 + small[..., :3]
        out[sy, sx] = np.minimum(blended, 255).astype(np.uint8)
        mask[sy, sx] = small[..., 3] >= 128

    def _capsule(self, canvas, local, depth, a, b, radius, mat):
        pa, pb = local[a], local[b]
        r = self.focal * radius / ((depth[a] + depth[b]) / 2)
        dark, base, light = mat
        shift = self.light * r
        for colour, scale, off in ((dark, 1.0, 0.0), (base, 0.78, 0.2), (light, 0.36, 0.45)):
            thick = max(int(round(2 * r * scale)), 1)
            p = np.round((pa + off * shift) * ONE).astype(int)
            q = np.round((pb + off * shift) * ONE).astype(int)
            cv2.line(
                canvas,
                (int(p[0]), int(p[1])),
                (int(q[0]), int(q[1])),
                colour,
                thick,
                cv2.LINE_8,
                SHIFT,
            )

    def _hull(self, canvas, points, mat, stripes):
        hull = cv2.convexHull(points.astype(np.float32)).reshape(-1, 2)
        centre = hull.mean(axis=0)
        dark, base, light = mat
        span = float(np.ptp(hull[:, 0]))
        for colour, scale, off in ((dark, 1.0, 0.0), (base, 0.86, 0.06), (light, 0.45, 0.16)):
            poly = centre + (hull - centre) * scale + off * span * self.light
            cv2.fillConvexPoly(
                canvas, np.round(poly * ONE).astype(np.int32), colour, cv2.LINE_8, SHIFT
            )
        if stripes is not None:
            for quad in stripes:
                cv2.fillConvexPoly(
                    canvas, np.round(quad * ONE).astype(np.int32), self.stripe, cv2.LINE_8, SHIFT
                )

    def _head(self, canvas, local, depth, joints):
        subject = self.subject
        joints[J["head"]]
        d = depth[J["head"]]
        c = local[J["head"]]
        top = local[J["head_top"]]
        nose = local[J["nose"]]
        up = top - c
        up_len = float(np.hypot(*up)) or 1.0
        angle = float(np.degrees(np.arctan2(up[0], -up[1])))
        rw = self.focal * subject.width["head"] / d
        rh = self.focal * subject.seg["head"] / d
        toward = nose - c  # where the face points, in the image
        dark, base, light = self.materials["skin"]
        hdark, hbase, _ = self.materials["hair"]
        back = -toward * 0.5
        unit_up = up / up_len
        hair_scale = {"short": 1.07, "long": 1.1, "buzz": 1.02}[subject.hair_style]
        # Hair covers the crown and the back of the head; the face is drawn over it.
        hair_c = c + unit_up * rh * 0.2 + back
        if subject.hair_style == "long":
            tip = c - unit_up * rh * 1.1 + back * 1.4
            self._line(canvas, hair_c, tip, 2 * rw * 0.9, hdark)
        axes = (rw * hair_scale, rh * hair_scale * 0.9)
        self._ellipse(canvas, hair_c, axes, angle, hdark)
        self._ellipse(
            canvas, hair_c + self.light * rw * 0.1, (axes[0] * 0.8, axes[1] * 0.8), angle, hbase
        )
        face_c = c + toward * 0.25 - up / up_len * rh * 0.1
        self._ellipse(canvas, face_c, (rw * 0.93, rh * 0.86), angle, dark)
        self._ellipse(canvas, face_c + self.light * rw * 0.12, (rw * 0.78, rh * 0.74), angle, base)
        if float(np.hypot(*toward)) < 0.6 * rw:  # facing the camera: eyes and mouth show
            side = np.array([-(up[1]), up[0]]) / up_len
            eye_y = face_c + toward * 0.6 - up / up_len * rh * 0.05
            eye_r = max(rw * 0.09, 0.6)
            for s in (-1, 1):
                self._ellipse(
                    canvas,
                    eye_y + s * side * rw * 0.38,
                    (eye_r, eye_r * 0.7),
                    angle,
                    (40.0, 30.0, 28.0, 255.0),
                )
            mouth = face_c + toward * 0.6 - up / up_len * rh * 0.45
            self._ellipse(
                canvas,
                mouth,
                (rw * 0.22, max(rh * 0.04, 0.5)),
                angle,
                tuple(np.array(dark[:3]) * 0.8) + (255.0,),
            )

    @staticmethod
    def _ellipse(canvas, centre, axes, angle, colour):
        cv2.ellipse(
            canvas,
            (int(round(centre[0] * ONE)), int(round(centre[1] * ONE))),
            (max(int(round(axes[0] * ONE)), 1), max(int(round(axes[1] * ONE)), 1)),
            angle, 0, 360, colour, -1, cv2.LINE_8, SHIFT,
        )  # fmt: skip

    @staticmethod
    def _line(canvas, a, b, thick, colour):
        cv2.line(
            canvas,
            (int(round(a[0] * ONE)), int(round(a[1] * ONE))),
            (int(round(b[0] * ONE)), int(round(b[1] * ONE))),
            colour, max(int(round(thick)), 1), cv2.LINE_8, SHIFT,
        )  # fmt: skip

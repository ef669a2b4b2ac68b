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
from harness.synth.body import N_KEYPOINTS, N_POINTS, J, Subject, forward_kinematics, make_subject
from harness.synth.config import TakeSpec
from harness.synth.moves import label_frames, make_script, sample_poses
from harness.synth.scene import Camera, finish, make_room, render_room, vignette_at

SHIFT = 3  # OpenCV sub-pixel bits: coordinates are drawn in 1/8 pixel
#: Motion blur: sample instants (in frame intervals before the frame) and their weights.
BLUR_SAMPLES = (0.0, 0.25, 0.5)
BLUR_WEIGHTS = (0.52, 0.26, 0.22)
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
    """3D corner points (T, k, 3) of the shirt and trousers volumes.

    The shirt runs from a collar round the neck over sloping shoulders down to a hem just
    below the hip joints (worn untucked); the trousers from the waist to the crotch.
    """
    seg, wid, height = subject.seg, subject.width, subject.height
    fwd, left = joints[:, J["torso_fwd"]], joints[:, J["torso_left"]]
    p_fwd = joints[:, J["pelvis_fwd"]]
    p_left = np.cross(p_fwd, [0.0, 1.0, 0.0])
    neck, pelvis = joints[:, J["neck"]], joints[:, J["pelvis"]]
    t_up = (neck - pelvis) / np.linalg.norm(neck - pelvis, axis=-1, keepdims=True)
    depth = wid["torso_depth"]
    sh_half = 0.5 * seg["shoulder_w"] + 0.4 * wid["upper_arm"]
    shirt, trousers = [], []
    for lat in (-1.0, 1.0):
        for dep in (-1.0, 1.0):
            collar = neck + lat * 1.1 * wid["neck"] * left + dep * 0.6 * depth * fwd
            shoulder = neck - 0.03 * height * t_up + lat * sh_half * left + dep * depth * fwd
            chest = neck - 0.09 * height * t_up + lat * (sh_half - 0.3 * wid["upper_arm"]) * left
            hem = pelvis + 0.015 * height * t_up + lat * 1.05 * wid["waist"] * left
            shirt += [collar, shoulder, chest + dep * depth * fwd, hem + dep * depth * fwd]
            waist = pelvis + 0.06 * height * t_up + lat * wid["waist"] * left
            crotch = pelvis - 0.05 * height * t_up
            crotch = crotch + lat * (0.5 * seg["hip_w"] + wid["thigh"]) * p_left
            trousers += [waist + dep * 0.95 * depth * p_fwd, crotch + dep * depth * p_fwd]
    return np.stack(shirt, axis=1), np.stack(trousers, axis=1)


def _stripe_points(joints, subject) -> np.ndarray:
    """3D quads (T, n, 4, 3) of horizontal stripes on the shirt's front."""
    seg, wid = subject.seg, subject.width
    fwd, left = joints[:, J["torso_fwd"]], joints[:, J["torso_left"]]
    neck, pelvis = joints[:, J["neck"]], joints[:, J["pelvis"]]
    t_up = (neck - pelvis) / np.linalg.norm(neck - pelvis, axis=-1, keepdims=True)
    top = neck - 0.07 * subject.height * t_up
    belt = pelvis + 0.04 * subject.height * t_up
    quads = []
    n = 6
    for k in range(n):
        a, b = (k + 0.15) / n, (k + 0.55) / n
        corners = []
        for frac, lat in ((a, -1), (a, 1), (b, 1), (b, -1)):
            centre = top + frac * (belt - top)
            half = (1 - frac) * 0.5 * seg["shoulder_w"] + frac * wid["waist"]
            corners.append(centre + lat * 0.92 * half * left + 1.02 * wid["torso_depth"] * fwd)
        quads.append(np.stack(corners, axis=1))
    return np.stack(quads, axis=1)


@dataclass
class Posed:
    """A take's performer, room, camera and per-frame 3D joints (no pixels yet)."""

    subject: Subject
    room: object
    camera: Camera
    rng: np.random.Generator
    script: object
    joints: np.ndarray
    distance: float


def pose_take(spec: TakeSpec, fps: float | None = None) -> Posed:
    """Choose the camera, script the moves and pose the body at every frame (cheap).

    ``fps``: the rate the poses are sampled at (default: the rate the take is filmed at).
    """
    config = spec.config
    size2 = (2 * config.size[0], 2 * config.size[1])
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
    aim = 0.5 * subject.height + 0.08  # a little below mid-body: feet clear of the edge
    pitch = np.arctan2(cam_h - aim, z)
    camera = Camera(
        (float(rng.uniform(-0.2, 0.2)), float(cam_h), 0.0), float(pitch), float(focal), size2
    )
    half_width = z * (size2[0] / 2) / focal
    script = make_script(subject, rng, spec.seconds, config.empty_seconds, z, half_width)
    # Under ``frame-rate`` the same continuous motion is sampled at the slower rate (the
    # pose draws do not depend on the rate, so the performance is the same).
    fps = fps or nuisances.frame_rate(config.strengths, config.fps)
    poses = sample_poses(subject, script, fps, rng)
    joints = forward_kinematics(subject, poses)
    return Posed(subject, room, camera, rng, script, joints, float(z))


def stage_take(spec: TakeSpec) -> Staged:
    """Plan, pose and label a take of ``spec`` without drawing it (deterministic)."""
    config = spec.config
    strengths = config.strengths
    fps = nuisances.frame_rate(strengths, config.fps)
    out_w, out_h = config.size
    size2 = (2 * out_w, 2 * out_h)
    posed = pose_take(spec)
    room, camera, rng = posed.room, posed.camera, posed.rng
    script, z, focal = posed.script, posed.distance, camera.focal
    # What is drawn (a smaller body under ``person-scale``); labels follow the moves performed.
    subject, joints = nuisances.scale_person(posed.subject, posed.joints, strengths)
    cam_h = camera.position[1]
    n = len(joints)

    nrng = np.random.default_rng([config.seed, 202, spec.take, spec.subject, spec.scene])
    colours = {
        "shirt": subject.shirt,
        "skin": subject.skin,
        "trousers": subject.trousers,
        "shoes": subject.shoes,
        "hair": subject.hair,
        "stripe": subject.stripe,
    }
    meta = {"subject_height": round(subject.height, 3), "camera_height": round(float(cam_h), 3),
            "distance": round(float(z), 3), "nuisances": sorted(strengths), "fps": fps}  # fmt: skip
    room_img, room_meta = render_room(room, camera)
    white_balance = rng.uniform(0.93, 1.07, 3)
    vignette = float(rng.uniform(0.15, 0.35))
    background = finish(room_img, (out_w, out_h), white_balance, vignette)
    meta.update(room_meta)
    pix, depth = camera.project(joints[:, :N_POINTS])
    exposure = white_balance * vignette_at(size2, (size2[0] / 2, size2[1] / 2), vignette) * 0.95

    if "camouflage" in strengths:
        # Clothing the colour of the wall behind the chest, as the camera sees it: the
        # classic detector's worst case. Weaker: the shirt's own colour blended toward it.
        chest = np.median((pix[:, J["chest"]] - 0.5) / 2, axis=0)
        x, y = np.clip(chest.round().astype(int), [8, 8], [out_w - 9, out_h - 9])
        seen = background[y - 8 : y + 8, x - 24 : x + 24].reshape(-1, 3).mean(axis=0)
        shade = nrng.uniform(0.96, 1.04, 3)
        wall = np.clip(seen / exposure * shade, 0, 255)
        mix = strengths["camouflage"]
        if mix == 1.0:
            colours["shirt"], colours["stripe"] = tuple(wall), None
        else:
            for part in ("shirt", "stripe"):
                if colours[part] is not None:
                    colours[part] = tuple((1 - mix) * np.asarray(colours[part], float) + mix * wall)
        meta["camouflage_colour"] = [round(float(c), 1) for c in colours["shirt"]]
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
    light_dir = np.array([0.35 * (room.light_x or 0.3), -1.0])
    light_dir /= np.linalg.norm(light_dir)
    geometry = _geometry(joints, subject, camera, stripe is not None)
    pix = geometry["pix"]
    drawer = _Drawer(subject, camera, materials, stripe, light_dir, geometry)
    # Motion blur: a webcam exposes each frame for about half the frame interval indoors, so
    # fast limbs smear. Where anything moved more than 2 px (stored size) in that half
    # interval, the body is also drawn a quarter and half an interval earlier and the three
    # are averaged, weighted toward the frame's own instant (52 %), so the mask (coverage
    # >= 50 %) and the keypoints stay those of that instant.
    drawers = [drawer]
    for back in BLUR_SAMPLES[1:]:
        earlier = joints.copy()
        earlier[1:] = (1 - back) * joints[1:] + back * joints[:-1]
        shape = _geometry(earlier, subject, camera, stripe is not None)
        drawers.append(_Drawer(subject, camera, materials, stripe, light_dir, shape))
    motion = np.abs(drawers[-1].g["pix"] - pix).max(axis=(1, 2)) / 2
    blur = motion > 2.0
    bg_stack = nuisances.backgrounds(
        background, n, strengths, nrng, camera, joints, room, meta, fps
    )

    keypoints = (pix[:, :N_KEYPOINTS] - 0.5) / 2.0
    if fps == config.fps:
        labels, ambiguous = _truth(script, posed.joints, geometry, focal, (out_w, out_h), fps)
    else:
        # Under ``frame-rate`` the labels are the clean rate's, at the nearest clean instant
        # (the same instant when the rates divide): the truth of the performance, not of
        # how often it was sampled (a coarse sampling would miss the peaks the rule uses).
        clean = pose_take(spec, config.fps)
        shown = nuisances.scale_person(clean.subject, clean.joints, strengths)[1]
        clean_geometry = _geometry(shown, subject, camera, False)
        size = (out_w, out_h)
        labels, ambiguous = _truth(script, clean.joints, clean_geometry, focal, size, config.fps)
        nearest = np.floor(np.arange(n) * config.fps / fps + 0.5).astype(int)
        nearest = np.minimum(nearest, len(labels) - 1)
        labels, ambiguous = labels[nearest], ambiguous[nearest]
    meta["events"] = [(e.label, round(e.start, 3), round(e.end, 3)) for e in script.events]
    meta["motion_blurred_frames"] = int(blur.sum())
    return Staged(spec, tuple(drawers), blur, bg_stack, labels, ambiguous, keypoints,
                  background, meta, strengths, nrng, fps)  # fmt: skip


def _truth(script, performed, geometry, focal, size, fps) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame labels and ambiguous flags: the moves ``performed`` (3D joints), seen as drawn.

    Visibility comes from the drawn ``geometry`` alone: a frame is empty when the body's
    outline (joints plus the widest limb radius) misses the image, partly present while
    some joints are outside.
    """
    out_w, out_h = size
    pix, depth = geometry["pix"], geometry["depth"]
    keypoints = (pix[:, :N_KEYPOINTS] - 0.5) / 2.0
    inside = (
        (keypoints[..., 0] >= 0) & (keypoints[..., 0] <= out_w - 1)
        & (keypoints[..., 1] >= 0) & (keypoints[..., 1] <= out_h - 1)
    )  # fmt: skip
    margin = 0.12 * focal / np.maximum(depth.min(axis=1), 0.3) / 2
    hulls = (geometry["shirt_px"], geometry["trousers_px"])
    all_px = (np.concatenate([pix, *hulls], axis=1) - 0.5) / 2.0
    lo, hi = all_px.min(axis=1) - margin[:, None], all_px.max(axis=1) + margin[:, None]
    overlaps = (hi[:, 0] >= 0) & (lo[:, 0] <= out_w - 1) & (hi[:, 1] >= 0) & (lo[:, 1] <= out_h - 1)
    present = np.where(overlaps, inside.mean(axis=1), 0.0)
    return label_frames(script.events, performed, fps, present)


@dataclass
class Staged:
    """A take planned and posed but not yet drawn (everything per frame is precomputed)."""

    spec: TakeSpec
    drawers: tuple  # the body at each frame's instant and at the BLUR_SAMPLES before it
    blur: np.ndarray  # frames drawn with motion blur
    backgrounds: object
    labels: np.ndarray
    ambiguous: np.ndarray
    keypoints: np.ndarray
    background: np.ndarray
    meta: dict
    strengths: dict  # the active nuisances and their strengths
    rng: np.random.Generator
    fps: float  # the rate the take is filmed at

    def __len__(self) -> int:
        return len(self.labels)


def draw_frames(staged: Staged) -> tuple[np.ndarray, np.ndarray]:
    """Draw every frame of a staged take: (frames (T, H, W, 3) uint8, masks (T, H, W) bool)."""
    out_w, out_h = staged.spec.config.size
    n = len(staged)
    frames = np.empty((n, out_h, out_w, 3), np.uint8)
    masks = np.zeros((n, out_h, out_w), bool)
    now = staged.drawers[0]
    for t in range(n):
        out = frames[t]
        out[:] = staged.backgrounds(t)
        boxes = [d.box(t) for d in (staged.drawers if staged.blur[t] else staged.drawers[:1])]
        box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
               max(b[3] for b in boxes))  # fmt: skip
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        canvas = now.paint(t, box)
        if staged.blur[t]:
            canvas = cv2.addWeighted(canvas, BLUR_WEIGHTS[0], staged.drawers[1].paint(t, box),
                                     BLUR_WEIGHTS[1], 0)  # fmt: skip
            for drawer, weight in zip(staged.drawers[2:], BLUR_WEIGHTS[2:], strict=True):
                canvas = cv2.addWeighted(canvas, 1.0, drawer.paint(t, box), weight, 0)
        _composite(out, masks[t], canvas, box)
    return frames, masks


def _composite(out, mask, canvas, box) -> None:
    """Area-reduce the canvas and lay it over ``out`` (premultiplied "over"); fill the mask."""
    x0, y0, x1, y1 = box
    small = cv2.resize(canvas, ((x1 - x0) // 2, (y1 - y0) // 2), interpolation=cv2.INTER_AREA)
    sy, sx = slice(y0 // 2, y1 // 2), slice(x0 // 2, x1 // 2)
    inverse = 255 - small[..., 3]
    region = cv2.multiply(out[sy, sx], cv2.merge([inverse, inverse, inverse]), scale=1 / 255)
    out[sy, sx] = cv2.add(region, cv2.cvtColor(small, cv2.COLOR_RGBA2RGB))
    mask[sy, sx] = small[..., 3] >= 128


def _geometry(joints, subject, camera, stripes: bool) -> dict:
    """Everything drawn, projected for every frame: joints, clothing hulls, stripes."""
    pix, depth = camera.project(joints[:, :N_POINTS])
    shirt3d, trousers3d = _hull_points(joints, subject)
    shirt_px, shirt_d = camera.project(shirt3d)
    trousers_px, trousers_d = camera.project(trousers3d)
    stripes_px = camera.project(_stripe_points(joints, subject))[0] if stripes else None
    facing = -np.sum(joints[:, J["torso_fwd"]] * (joints[:, J["chest"]] - camera.position), axis=-1)
    return {
        "pix": pix, "depth": depth, "joints": joints, "shirt_px": shirt_px, "shirt_d": shirt_d,
        "trousers_px": trousers_px, "trousers_d": trousers_d, "stripes_px": stripes_px,
        "facing": facing > 0, "size": camera.size,
    }  # fmt: skip


def render_take(spec: TakeSpec) -> Take:
    """Render one take of ``spec`` (deterministic in the spec)."""
    staged = stage_take(spec)
    frames, masks = draw_frames(staged)
    config, meta = spec.config, staged.meta
    frames, keypoints, masks = nuisances.after(
        frames, staged.keypoints, masks, staged.strengths, staged.rng, meta, config, staged.fps
    )
    background = staged.background
    if "mirrored" in staged.strengths:
        background = background[:, ::-1].copy()
    return Take(
        frames,
        staged.labels,
        staged.ambiguous,
        keypoints.astype(np.float32),
        masks,
        background,
        meta,
    )


class _Drawer:
    """Draws the performer of one take, frame after frame."""

    _LAYERS = ((0, 1.0, 0.0), (1, 0.78, 0.2), (2, 0.36, 0.45))  # (shade, width, offset)

    def __init__(self, subject, camera, materials, stripe, light_dir, geometry):
        self.g = geometry
        pix, depth = geometry["pix"], geometry["depth"]
        self.subject = subject
        self.focal = camera.focal
        self.materials = materials
        self.stripe = stripe
        self.light = light_dir
        limbs = [(J[a], J[b], subject.width[r], c) for a, b, r, c in _LIMBS]
        limbs.append((J["neck"], J["head"], subject.width["neck"], "skin"))
        a = np.array([x[0] for x in limbs])
        b = np.array([x[1] for x in limbs])
        radius = np.array([x[2] for x in limbs])
        self.cap_colours = [[materials[x[3]][k] for k, _, _ in self._LAYERS] for x in limbs]
        # Every capsule's three shading layers for every frame, in 1/8 px, computed at once:
        # the per-frame loop then only calls OpenCV.
        cap_depth = (depth[:, a] + depth[:, b]) / 2
        cap_depth[:, -1] = depth[:, a[-1]] + 0.01  # the neck sits behind the chin
        r = self.focal * radius[None] / ((depth[:, a] + depth[:, b]) / 2)
        ends, thick = [], []
        for _, width, offset in self._LAYERS:
            shift = (offset * r)[..., None] * light_dir
            pts = np.stack([pix[:, a] + shift, pix[:, b] + shift], axis=2)  # (T, C, 2, 2)
            ends.append(np.round(pts * ONE).astype(np.int64))
            thick.append(np.maximum(np.round(2 * r * width), 1).astype(np.int64))
        self.cap_ends = np.stack(ends, axis=2)  # (T, C, L, 2, 2)
        self.cap_thick = np.stack(thick, axis=2)  # (T, C, L)
        self.cap_depth = cap_depth

    def box(self, t) -> tuple[int, int, int, int]:
        """Even-aligned (x0, y0, x1, y1) at render size around the body at frame t."""
        g = self.g
        w2, h2 = g["size"]
        pix, shirt_px, trousers_px = g["pix"][t], g["shirt_px"][t], g["trousers_px"][t]
        margin = 0.12 * self.focal / max(g["depth"][t].min(), 0.3)
        lo = np.minimum(pix.min(axis=0), np.minimum(shirt_px.min(axis=0), trousers_px.min(axis=0)))
        hi = np.maximum(pix.max(axis=0), np.maximum(shirt_px.max(axis=0), trousers_px.max(axis=0)))
        x0, y0 = max(int(lo[0] - margin) // 2 * 2, 0), max(int(lo[1] - margin) // 2 * 2, 0)
        x1 = min((int(hi[0] + margin) // 2 + 1) * 2, w2)
        y1 = min((int(hi[1] + margin) // 2 + 1) * 2, h2)
        return x0, y0, x1, y1

    def paint(self, t, box) -> np.ndarray:
        """The body at frame t on a transparent RGBA canvas covering ``box``."""
        g = self.g
        x0, y0, x1, y1 = box
        depth, joints = g["depth"][t], g["joints"][t]
        canvas = np.zeros((y1 - y0, x1 - x0, 4), np.uint8)
        origin = np.array([x0, y0], float)
        local = g["pix"][t] - origin
        ends = (self.cap_ends[t] - np.array([x0, y0]) * ONE).tolist()
        thick = self.cap_thick[t].tolist()
        items = [(float(d), 0, c) for c, d in enumerate(self.cap_depth[t])]
        trousers = (g["trousers_px"][t] - origin, "trousers", None)
        items.append((g["trousers_d"][t].mean() + 0.04, 1, trousers))
        stripes_px = g["stripes_px"]
        stripes = None if stripes_px is None or not g["facing"][t] else stripes_px[t] - origin
        items.append(
            (g["shirt_d"][t].mean() + 0.03, 1, (g["shirt_px"][t] - origin, "shirt", stripes))
        )
        items.append((depth[J["head"]], 2, None))
        items.sort(key=lambda item: -item[0])
        for _, kind, data in items:
            if kind == 0:
                for (p, q), width, colour in zip(
                    ends[data], thick[data], self.cap_colours[data], strict=True
                ):
                    cv2.line(canvas, p, q, colour, width, cv2.LINE_8, SHIFT)
            elif kind == 1:
                self._hull(canvas, data[0], self.materials[data[1]], data[2])
            else:
                self._head(canvas, local, depth, joints)
        return canvas

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
        if subject.hair_style == "long":  # strands falling beside the face to the shoulders
            side = np.array([-unit_up[1], unit_up[0]])
            for s in (-1.0, 1.0):
                root = c + s * side * rw * 0.6 + back
                tip = c - unit_up * rh * 1.15 + s * side * rw * 0.75 + back * 1.3
                self._line(canvas, root, tip, rw * 0.7, hdark)
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

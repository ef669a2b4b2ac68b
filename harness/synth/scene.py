"""Procedural rooms seen through a webcam: the camera, and the empty scene it films.

A room is a box (floor, back wall, side walls, ceiling) ray-cast per pixel so textures
(wood planks, tiles, carpet, painted walls) foreshorten correctly, lit by a ceiling lamp
and a window, with soft darkening in the corners. Wall decals (a door, a window, posters)
live in wall coordinates; furniture (sofa, bookshelf, cabinet, plant, lamp) is drawn as
shaded boxes. Everything stands behind the performer, so nothing occludes them and the
performer mask stays exact. The scene is rendered at twice the stored resolution and
reduced with area averaging, as a webcam's sensor would.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WALL_COLOURS = np.array(
    [(236, 232, 222), (225, 215, 195), (210, 212, 208), (200, 214, 222), (214, 222, 200),
     (238, 226, 200), (190, 180, 170), (150, 170, 180), (228, 205, 190)],
    dtype=float,
)  # fmt: skip
FLOOR_KINDS = ("planks", "planks", "tiles", "carpet")


@dataclass(frozen=True)
class Camera:
    """A pinhole webcam at ``position`` (m), pitched down by ``pitch`` (rad).

    ``focal`` is in pixels at the render resolution ``size`` = (width, height).
    """

    position: tuple
    pitch: float
    focal: float
    size: tuple

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates (..., 2) and depth (...) of world points (..., 3)."""
        d = np.asarray(points, dtype=float) - np.asarray(self.position)
        s, c = np.sin(self.pitch), np.cos(self.pitch)
        xc = d[..., 0]
        yc = d[..., 1] * c + d[..., 2] * s
        zc = -d[..., 1] * s + d[..., 2] * c
        zc = np.maximum(zc, 1e-3)
        w, h = self.size
        u = w / 2 - 0.5 + self.focal * xc / zc
        v = h / 2 - 0.5 - self.focal * yc / zc
        return np.stack([u, v], axis=-1), zc

    def rays(self) -> np.ndarray:
        """World direction (H, W, 3) of the ray through every pixel centre."""
        w, h = self.size
        u, v = np.meshgrid(np.arange(w) - w / 2 + 0.5, np.arange(h) - h / 2 + 0.5)
        xc, yc, zc = u / self.focal, -v / self.focal, np.ones_like(u)
        s, c = np.sin(self.pitch), np.cos(self.pitch)
        return np.stack([xc, yc * c - zc * s, yc * s + zc * c], axis=-1)


@dataclass
class Room:
    """Geometry, materials and contents of one room (drawn from a scene seed)."""

    id: str
    half_width: float
    depth: float  # distance of the back wall from the camera
    ceiling: float
    wall: np.ndarray
    floor_kind: str
    floor_colour: np.ndarray
    rng_seed: int
    light_x: float  # where the window is (-1 left wall, 1 right wall, 0 back wall)


def make_room(index: int, seed: int) -> Room:
    rng = np.random.default_rng([seed, 4111, index])
    floor_kind = str(rng.choice(FLOOR_KINDS))
    floor = {
        "planks": rng.choice([(150, 105, 65), (185, 145, 100), (110, 75, 50), (200, 170, 130)]),
        "tiles": rng.choice([(200, 195, 185), (150, 150, 150), (175, 160, 140)]),
        "carpet": rng.choice([(120, 110, 100), (90, 95, 110), (160, 150, 130)]),
    }[floor_kind]
    return Room(
        id=f"room{index + 1:02d}",
        half_width=float(rng.uniform(2.0, 3.0)),
        depth=float(rng.uniform(5.0, 6.5)),
        ceiling=float(rng.uniform(2.4, 2.7)),
        wall=WALL_COLOURS[rng.integers(len(WALL_COLOURS))] * rng.uniform(0.92, 1.04, 3),
        floor_kind=floor_kind,
        floor_colour=np.asarray(floor, dtype=float) * rng.uniform(0.9, 1.1, 3),
        rng_seed=int(rng.integers(2**31)),
        light_x=float(rng.choice([-1.0, 0.0, 1.0])),
    )


def _noise(rng, shape, scale):
    """Smooth random texture in [-1, 1]: upsampled white noise (cheap 'paint' and grain)."""
    small = rng.normal(size=(max(shape[0] // scale, 2), max(shape[1] // scale, 2)))
    big = cv2.resize(small.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return np.clip(big / 2.0, -1, 1)


def render_room(room: Room, camera: Camera) -> tuple[np.ndarray, dict]:
    """The empty room as float RGB (H, W, 3) in 0-255 at the camera's size, plus facts."""
    rng = np.random.default_rng(room.rng_seed)
    w, h = camera.size
    rays = camera.rays()
    origin = np.asarray(camera.position)
    hw, depth, ceil = room.half_width, room.depth, room.ceiling
    big = 1e9
    with np.errstate(divide="ignore", invalid="ignore"):
        t_floor = np.where(rays[..., 1] < 0, -origin[1] / rays[..., 1], big)
        t_ceil = np.where(rays[..., 1] > 0, (ceil - origin[1]) / rays[..., 1], big)
        t_back = np.where(rays[..., 2] > 0, (depth - origin[2]) / rays[..., 2], big)
        t_right = np.where(rays[..., 0] > 0, (hw - origin[0]) / rays[..., 0], big)
        t_left = np.where(rays[..., 0] < 0, (-hw - origin[0]) / rays[..., 0], big)
    ts = np.stack([t_floor, t_ceil, t_back, t_left, t_right])
    surface = np.argmin(ts, axis=0)  # 0 floor, 1 ceiling, 2 back, 3 left, 4 right
    t = np.min(ts, axis=0)
    hit = origin + rays * t[..., None]
    X, Y, Z = hit[..., 0], hit[..., 1], hit[..., 2]

    img = np.zeros((h, w, 3), np.float32)
    grain = _noise(rng, (h, w), 3)[..., None]
    paint = _noise(rng, (h, w), 40)[..., None]
    wall = room.wall[None, None, :] * (1 + 0.03 * paint + 0.012 * grain)
    walls = surface >= 2
    img[walls] = wall[walls]
    if rng.random() < 0.3:  # wallpaper stripes on the back wall
        stripes = (np.floor(X * 4.0) % 2 == 0) & (surface == 2)
        img[stripes] *= 0.93
    img[surface == 1] = np.array([240, 238, 232]) * (1 + 0.01 * grain[surface == 1])
    floor = surface == 0
    img[floor] = _floor_texture(room, rng, X[floor], Z[floor], grain[floor])
    # Skirting boards: a light strip at the foot of every wall.
    img[walls & (Y < 0.08)] = np.array([235, 232, 225]) * 0.95
    door = _draw_decals(room, rng, img, surface, X, Y, Z)

    # Lighting: a ceiling lamp above the room's middle plus light from the window side;
    # corners and the ceiling edge get darker (ambient occlusion).
    lamp = np.array([0.0, ceil - 0.1, depth * 0.55])
    dist2 = np.sum((hit - lamp) ** 2, axis=-1)
    light = 0.55 + 0.55 / (1 + dist2 / 6.0)
    light += 0.18 * np.clip(room.light_x * X / hw, 0, 1) if room.light_x else 0.08
    edge = np.minimum.reduce([Y, ceil - Y, hw - np.abs(X), depth - Z])
    edge = np.where(surface == 0, np.minimum(depth - Z, hw - np.abs(X)), edge)
    light *= 1 - 0.22 * np.exp(-np.clip(edge, 0, None) / 0.35)
    img *= light[..., None]
    _draw_furniture(room, rng, img, camera, door)
    return img, {"room": room.id, "floor": room.floor_kind}


def _floor_texture(room, rng, X, Z, grain):
    base = room.floor_colour
    if room.floor_kind == "planks":
        width = 0.14
        plank = np.floor(X / width)
        offset = (plank * 0.618) % 1.0 * 2.0
        board = np.floor((Z + offset) / 1.2)
        tone = ((plank * 7.3 + board * 3.1) % 1.0 - 0.5) * 0.16
        seam = (np.abs((X / width) % 1.0 - 0.5) > 0.47) | (
            np.abs(((Z + offset) / 1.2) % 1.0 - 0.5) > 0.495
        )
        streak = 0.05 * np.sin(Z * 37 + plank * 3.0)
        col = base[None] * (1 + tone + streak)[:, None] * np.where(seam, 0.75, 1.0)[:, None]
    elif room.floor_kind == "tiles":
        size = 0.4
        grout = (np.abs((X / size) % 1.0 - 0.5) > 0.47) | (np.abs((Z / size) % 1.0 - 0.5) > 0.47)
        col = base[None] * np.where(grout, 0.8, 1.0)[:, None]
    else:
        col = base[None] * (1 + 0.06 * grain)
    return col * (1 + 0.03 * grain)


def _draw_decals(room, rng, img, surface, X, Y, Z):
    """Door, window and posters, placed in wall coordinates (never on the performer)."""
    hw, depth = room.half_width, room.depth
    # Window on the light side (or the back wall), door on the other side.
    if room.light_x == 0:
        cx = float(rng.uniform(-hw + 1.0, hw - 1.0))
        sel = (surface == 2) & (np.abs(X - cx) < 0.6) & (Y > 0.9) & (Y < 2.1)
        u, v = (X - cx) / 0.6, (Y - 1.5) / 0.6
    else:
        side = 4 if room.light_x > 0 else 3
        cz = float(rng.uniform(depth - 2.2, depth - 0.9))
        sel = (surface == side) & (np.abs(Z - cz) < 0.55) & (Y > 0.9) & (Y < 2.1)
        u, v = (Z - cz) / 0.55, (Y - 1.5) / 0.6
    frame = (np.abs(u) > 0.9) | (np.abs(v) > 0.9) | (np.abs(u) < 0.04) | (np.abs(v) < 0.04)
    sky = np.stack([235 - 25 * v, 242 - 15 * v, 250 + 0 * v], -1)
    img[sel] = np.where(frame[sel][:, None], np.array([245.0, 245, 242]), sky[sel])
    curtain = np.asarray(rng.choice([(180, 60, 60), (200, 190, 160), (70, 90, 130)]), float)
    sel_c = surface == (2 if room.light_x == 0 else (4 if room.light_x > 0 else 3))
    sel_c &= (Y > 0.6) & (Y < 2.25) & (np.abs(u) > 1.0) & (np.abs(u) < 1.45)
    folds = 1 + 0.12 * np.sin(u * 40)
    img[sel_c] = curtain * folds[sel_c][:, None]

    # Door on the back wall or the side without the window.
    door_surface = 2 if room.light_x != 0 else int(rng.choice([3, 4]))
    door = None
    if door_surface == 2:
        dx = float(rng.choice([-1, 1]) * rng.uniform(hw - 1.3, hw - 0.6))
        du = (X - dx) / 0.45
        door = (dx - 0.55, dx + 0.55)
    else:
        dz = float(rng.uniform(depth - 2.5, depth - 0.7))
        du = (Z - dz) / 0.45
    sel = (surface == door_surface) & (np.abs(du) < 1.0) & (Y < 2.05)
    wood = np.asarray(rng.choice([(235, 232, 225), (150, 105, 70), (200, 170, 130)]), float)
    panel = (np.abs(du) > 0.9) | (Y > 1.98)
    img[sel] = np.where(panel[sel][:, None], wood * 0.85, wood)
    knob = (surface == door_surface) & (np.abs(du - 0.75) < 0.06) & (np.abs(Y - 1.0) < 0.04)
    img[knob] = (90, 90, 80)

    # Posters and framed pictures on the back wall: blocks of flat colour with a border.
    for _ in range(int(rng.integers(1, 4))):
        pw, ph = rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.9)
        px, py = rng.uniform(-hw + 0.5, hw - 0.5), rng.uniform(1.2, 1.9)
        sel = (surface == 2) & (np.abs(X - px) < pw / 2) & (np.abs(Y - py) < ph / 2)
        pu, pv = (X - px) / pw + 0.5, (Y - py) / ph + 0.5
        c1, c2, c3 = (rng.uniform(30, 240, 3) for _ in range(3))
        pattern = np.where((pu + 0.6 * pv) % 0.5 < 0.25, 0, 1) + (pv > 0.7)
        colours = np.stack([c1, c2, c3])[np.clip(pattern, 0, 2)]
        border = (pu < 0.05) | (pu > 0.95) | (pv < 0.05) | (pv > 0.95)
        colours[border] = (40, 35, 30) if rng.random() < 0.5 else (235, 235, 235)
        img[sel] = colours[sel]
    return door


def _box_faces(camera, x0, x1, y0, y1, z0, z1):
    """Visible faces of an axis-aligned box as (polygon pixels, outward normal), far first."""
    corners = np.array([[x, y, z] for x in (x0, x1) for y in (y0, y1) for z in (z0, z1)])
    faces = {
        (0, 0, -1): [0, 2, 6, 4], (1, 0, 0): [4, 6, 7, 5], (-1, 0, 0): [0, 1, 3, 2],
        (0, 1, 0): [2, 3, 7, 6], (0, 0, 1): [1, 5, 7, 3],
    }  # fmt: skip
    pix, depth = camera.project(corners)
    cam = np.asarray(camera.position)
    out = []
    for normal, idx in faces.items():
        centre = corners[idx].mean(axis=0)
        if np.dot(np.asarray(normal), centre - cam) < 0:
            out.append((float(depth[idx].mean()), pix[idx], np.asarray(normal), corners[idx]))
    out.sort(key=lambda f: -f[0])
    return out


_FACE_SHADE = {(0, 0, -1): 1.0, (0, 1, 0): 1.12, (1, 0, 0): 0.8, (-1, 0, 0): 0.8, (0, 0, 1): 0.7}


def _fill(img, pix, colour):
    pts = np.round(pix * 8).astype(np.int32)
    cv2.fillConvexPoly(img, pts, tuple(float(c) for c in colour), cv2.LINE_AA, 3)


def _draw_box(img, camera, box, colour, rng=None):
    for _, pix, normal, _ in _box_faces(camera, *box):
        shade = _FACE_SHADE[tuple(int(n) for n in normal)]
        _fill(img, pix, np.clip(np.asarray(colour) * shade, 0, 255))


_WIDTHS = {"sofa": 2.0, "bookshelf": 0.9, "cabinet": 1.2, "plant": 0.35, "lamp": 0.4, "tv": 1.4}


def _draw_furniture(room, rng, img, camera, door):
    """Two to four pieces side by side against the back wall (never overlapping each other
    or the door), drawn outer ones first."""
    hw, depth = room.half_width, room.depth
    kinds = list(rng.choice(list(_WIDTHS), size=int(rng.integers(2, 5)), replace=False))
    items = []
    x = -hw + float(rng.uniform(0.1, 0.8))
    for kind in kinds:
        width = _WIDTHS[kind]
        if door is not None and x < door[1] and x + width > door[0]:
            x = door[1] + 0.1
        if x + width > hw - 0.1:
            break
        items.append((kind, x + width / 2))
        x += width + float(rng.uniform(0.1, 0.9))
    items.sort(key=lambda item: -abs(item[1]))  # outer pieces look farther in perspective
    for kind, x in items:
        if kind == "sofa":
            colour = np.asarray(
                rng.choice([(90, 90, 100), (140, 70, 50), (60, 80, 110), (170, 160, 140)]), float
            )
            z1 = depth
            _draw_box(img, camera, (x - 1.0, x + 1.0, 0.1, 0.8, z1 - 0.25, z1), colour * 0.9)
            _draw_box(img, camera, (x - 1.0, x + 1.0, 0.1, 0.45, z1 - 0.9, z1), colour)
            for ax in (x - 1.0, x + 0.8):
                _draw_box(img, camera, (ax, ax + 0.2, 0.1, 0.62, z1 - 0.9, z1), colour * 0.95)
            _draw_box(img, camera, (x - 0.95, x + 0.95, 0.0, 0.1, z1 - 0.85, z1), (40, 35, 30))
        elif kind == "bookshelf":
            wood = np.asarray(rng.choice([(120, 85, 55), (230, 228, 220), (60, 45, 35)]), float)
            x0, x1, z1 = x - 0.45, x + 0.45, depth
            _draw_box(img, camera, (x0, x1, 0, 1.9, z1 - 0.35, z1), wood)
            for shelf in range(5):
                y0 = 0.08 + shelf * 0.36
                bx = x0 + 0.04
                while bx < x1 - 0.1:
                    bw = float(rng.uniform(0.025, 0.06))
                    bh = float(rng.uniform(0.2, 0.3))
                    col = rng.uniform(30, 220, 3)
                    pix, _ = camera.project(
                        np.array(
                            [
                                [bx, y0, z1 - 0.34],
                                [bx + bw, y0, z1 - 0.34],
                                [bx + bw, y0 + bh, z1 - 0.34],
                                [bx, y0 + bh, z1 - 0.34],
                            ]
                        )
                    )
                    _fill(img, pix, col)
                    bx += bw + 0.004
        elif kind == "cabinet":
            colour = np.asarray(
                rng.choice([(200, 190, 170), (110, 80, 55), (240, 240, 238)]), float
            )
            _draw_box(img, camera, (x - 0.6, x + 0.6, 0, 0.85, depth - 0.45, depth), colour)
        elif kind == "plant":
            _draw_box(
                img,
                camera,
                (x - 0.15, x + 0.15, 0, 0.35, depth - 0.45, depth - 0.15),
                (170, 90, 60),
            )
            centre, _ = camera.project(np.array([x, 0.75, depth - 0.3]))
            scale = camera.focal / (depth - 0.3 - camera.position[2])
            for _ in range(14):
                off = rng.normal(0, 0.14, 2) * scale
                rad = float(rng.uniform(0.06, 0.13) * scale)
                col = (rng.uniform(30, 70), rng.uniform(90, 140), rng.uniform(30, 60))
                cv2.circle(
                    img,
                    (int(centre[0] + off[0]), int(centre[1] + off[1] * 1.4)),
                    int(rad),
                    col,
                    -1,
                    cv2.LINE_AA,
                )
        elif kind == "lamp":
            z = depth - 0.3
            _draw_box(img, camera, (x - 0.02, x + 0.02, 0, 1.5, z - 0.02, z + 0.02), (50, 50, 50))
            _draw_box(
                img, camera, (x - 0.2, x + 0.2, 1.45, 1.75, z - 0.2, z + 0.2), (245, 235, 205)
            )
        elif kind == "tv":
            _draw_box(img, camera, (x - 0.7, x + 0.7, 0, 0.5, depth - 0.45, depth), (70, 55, 45))
            _draw_box(
                img,
                camera,
                (x - 0.55, x + 0.55, 0.55, 1.2, depth - 0.12, depth - 0.06),
                (20, 20, 22),
            )


def finish(
    image: np.ndarray, size: tuple, white_balance: np.ndarray, vignette: float
) -> np.ndarray:
    """A webcam's look: area-reduced to ``size``, colour cast, vignetting, uint8."""
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    falloff = 1 - vignette * r2 / 2
    small = small * white_balance[None, None] * falloff[..., None]
    return np.clip(small, 0, 255).round().astype(np.uint8)


def vignette_at(size: tuple, point: tuple, vignette: float) -> float:
    """The vignetting factor at one pixel (the performer gets the factor at their centre)."""
    w, h = size
    r2 = ((point[0] - w / 2) / (w / 2)) ** 2 + ((point[1] - h / 2) / (h / 2)) ** 2
    return float(1 - vignette * r2 / 2)

"""movement.js's rules (2013, MIT) and the tuned variant's features, on its histograms.

Shared by ``classic.py``'s two methods. The silhouette and its column and row histograms
come from the engine's :class:`harness.api.Silhouette` extractor (400 x 300, luma, the
difference with the empty scene thresholded at 50); this file reads movement.js's rules
and the tuned variant's features off them, and draws the explanation.

Conventions kept from movement.js:

- Histograms count foreground *pixels* (movement.js sums 255s and divides by 255).
- "Right" means the performer's right, which an unmirrored camera shows on the image's
  *left*: "right hand up" scans the first 60 % of the columns, "right side" the first
  30 %. A mirrored (selfie) camera swaps every side; callers handle that by swapping the
  label (:func:`harness.api.swap_side`), never by changing the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from threadpoolctl import ThreadpoolController

from harness.api import SILHOUETTE_SIZE, BlazePoseMask, Silhouette

WIDTH, HEIGHT = SILHOUETTE_SIZE
MOTION_LIMIT = 79_680  # silhouettes larger than this reset the quiet-frame counter
QUIET_FRAMES = 48  # gestures are reported after this many quiet frames
NOISE = 15  # "empty": no more than 15 columns hold more than 15 px

#: The rule thresholds in pixels, derived from the frame size as movement.js does.
STAND_HEIGHT = 0.3 * HEIGHT  # 90 px: a column "stands" at this height...
STAND_COLUMNS = 0.1 * WIDTH  # ...and 40 such columns make a standing person
HAND_HEIGHT = 0.05 * HEIGHT  # 15 px: a column takes part in a raised hand
HAND_COLUMNS = WIDTH / 2  # 200 such columns within the scanned 60 %
SIDE_HEIGHT = 0.2 * HEIGHT  # 60 px: a column counts towards a side position
SIDE_COLUMNS = 0.1 * WIDTH  # 40 such columns within the outer 30 %

# Column ranges of the scans, exactly as movement.js's loops bound them.
RIGHT_HAND_COLS = slice(0, int(np.ceil(0.6 * WIDTH)))  # i < 0.6 W: columns 0..239
LEFT_HAND_COLS = slice(int(0.4 * WIDTH) + 1, WIDTH)  # i > 0.4 W: columns 161..399
RIGHT_SIDE_COLS = slice(0, int(np.ceil(0.3 * WIDTH)))  # i < 0.3 W: columns 0..119
LEFT_SIDE_COLS = slice(int(np.ceil(0.7 * WIDTH)), WIDTH)  # i >= 0.7 W: columns 280..399
ARM_ROWS = slice(int(0.4 * HEIGHT), int(0.7 * HEIGHT))  # rows 120..209
LEG_ROWS = slice(int(0.7 * HEIGHT), HEIGHT)  # rows 210..299

#: movement.js gestures -> harness fine labels, for an unmirrored camera. ARMS_UP maps to
#: "stand" because MK.js does the same (its webcam controller ignores it); the squat
#: variants become "squat" (MK.js plays a squatting low punch, which has no fine label).
GESTURE_TO_FINE: dict[str, str] = {
    "empty": "empty",
    "stand": "stand",
    "arms-up": "stand",
    "left-arm-up": "punch_left",
    "right-arm-up": "punch_right",
    "left-leg-up": "kick_left",
    "right-leg-up": "kick_right",
    "squat": "squat",
    "squat-left-arm-up": "squat",
    "squat-right-arm-up": "squat",
}

#: movement.js positions -> fine labels when the gesture is a plain stand: standing at an
#: edge is how movement.js walks (MK.js: left -> walk backward, right -> walk forward).
POSITION_TO_FINE: dict[str, str] = {"left": "walk_left", "right": "walk_right"}


@dataclass(frozen=True)
class Reading:
    """What the rules read off one silhouette."""

    empty: bool
    stand: bool
    right_hand_up: bool
    left_hand_up: bool
    limb_down: bool
    gesture: str
    position: str


def silhouette_extractor(silhouette: str, background: str, background_frames: int):
    """The extractor of the silhouette histograms: ``"difference"`` (movement.js's, against
    the empty scene) or ``"mask"`` (BlazePose's learned person mask, no empty scene)."""
    if silhouette == "mask":
        return BlazePoseMask()
    if silhouette != "difference":
        raise ValueError(f"classic: silhouette must be 'difference' or 'mask', not {silhouette!r}")
    return Silhouette(background, background_frames)


def rules(columns: np.ndarray, rows: np.ndarray) -> Reading:
    """Apply movement.js's rules to the histograms of one 400 x 300 silhouette."""
    empty = np.count_nonzero(columns > NOISE) <= NOISE
    stand = np.count_nonzero(columns >= STAND_HEIGHT) >= STAND_COLUMNS
    right_hand = np.count_nonzero(columns[RIGHT_HAND_COLS] >= HAND_HEIGHT) >= HAND_COLUMNS
    left_hand = np.count_nonzero(columns[LEFT_HAND_COLS] >= HAND_HEIGHT) >= HAND_COLUMNS
    limb_down = rows[LEG_ROWS].sum() > rows[ARM_ROWS].sum()
    if empty:
        gesture = "empty"
    elif stand:
        if (left_hand or right_hand) and limb_down:
            gesture = "left-leg-up" if left_hand else "right-leg-up"
        elif left_hand and right_hand:
            gesture = "arms-up"
        elif left_hand or right_hand:
            gesture = "left-arm-up" if left_hand else "right-arm-up"
        else:
            gesture = "stand"
    else:
        gesture = "squat-left-arm-up" if left_hand else "squat-right-arm-up"
        gesture = gesture if (left_hand or right_hand) else "squat"
    if np.count_nonzero(columns[LEFT_SIDE_COLS] >= SIDE_HEIGHT) >= SIDE_COLUMNS:
        position = "left"
    elif np.count_nonzero(columns[RIGHT_SIDE_COLS] >= SIDE_HEIGHT) >= SIDE_COLUMNS:
        position = "right"
    else:
        position = "middle" if (stand or not empty) else "empty"
    return Reading(empty, stand, right_hand, left_hand, limb_down, gesture, position)


_SINGLE_THREADED: list = []  # the process-wide thread limit, once set


def single_threaded() -> None:
    """Limit BLAS and OpenMP to one thread for the rest of the process (idempotent).

    classic-tuned's work per frame is far too small to share between threads: with two
    threads on a busy machine a one-frame predict took 4-7 ms instead of 1.7 ms, and a
    1 s fit 30 s when folds ran side by side. Switching the limit on and off around each
    call cost ~2 ms itself, so it is set once and left on. The harness times every method
    on one core, so this is the setting it measures anyway. (The one-thread figure is
    ``python -m pytest tests/benchmarks/test_classic_latency.py --benchmark-only``; the
    two-thread ones were timed by hand once, before this limit, and no command repeats them.)
    """
    if not _SINGLE_THREADED:
        _SINGLE_THREADED.append(ThreadpoolController().limit(limits=1))


def fine_label(reading: Reading) -> str:
    """The harness fine label of a reading (unmirrored camera); see the two tables."""
    fine = GESTURE_TO_FINE[reading.gesture]
    if fine == "stand":
        fine = POSITION_TO_FINE.get(reading.position, fine)
    return fine


def bounding_box(columns: np.ndarray, rows: np.ndarray, trim: float = 0.01):
    """(x0, x1, y0, y1), half-open, holding all but ``trim`` of the mass on each side.

    Trimming by mass rather than by the first non-zero column keeps a few specks of noise
    from stretching the box across the frame. An empty mask gives the whole frame.
    """
    total = columns.sum()
    if total == 0:
        return 0, len(columns), 0, len(rows)
    bounds = []
    for hist in (columns, rows):
        cumulative = np.cumsum(hist)
        lo, hi = np.searchsorted(cumulative, [trim * total, (1 - trim) * total])
        bounds += [int(lo), int(min(hi, len(hist) - 1)) + 1]
    return tuple(bounds)


def resample(hist: np.ndarray, start: int, stop: int, n_bins: int) -> np.ndarray:
    """Mean of ``hist[start:stop]`` over ``n_bins`` equal, fractional-width bins."""
    cumulative = np.concatenate(([0.0], np.cumsum(hist[start:stop], dtype=np.float64)))
    edges = np.linspace(0.0, stop - start, n_bins + 1)
    sums = np.diff(np.interp(edges, np.arange(len(cumulative)), cumulative))
    return sums / np.diff(edges)


#: Names of the shape features :func:`features` appends after the two histograms.
SHAPE_FEATURES = ("width", "height", "aspect", "fill", "centre_x", "centre_y", "area")


def features(columns: np.ndarray, rows: np.ndarray, n_bins: int = 16) -> np.ndarray:
    """The tuned variant's features: both histograms inside the silhouette's box.

    The column histogram is cropped to the box, resampled to ``n_bins`` and divided by
    the box's height (so 1.0 = a column full from top to bottom of the box); the row
    histogram likewise by the box's width. Then the box's shape and place in the frame.
    """
    x0, x1, y0, y1 = bounding_box(columns, rows)
    box_w, box_h = x1 - x0, y1 - y0
    area = float(columns.sum())
    shape = (
        box_w / WIDTH,
        box_h / HEIGHT,
        box_h / box_w,
        area / (box_w * box_h),
        (x0 + x1) / (2 * WIDTH),
        (y0 + y1) / (2 * HEIGHT),
        area / (WIDTH * HEIGHT),
    )
    return np.concatenate(
        (
            resample(columns, x0, x1, n_bins) / box_h,
            resample(rows, y0, y1, n_bins) / box_w,
            shape,
        )
    )


_WHITE, _RED, _GREEN, _BLUE, _YELLOW = (
    (255, 255, 255),
    (230, 60, 60),
    (60, 200, 90),
    (80, 140, 255),
    (240, 200, 40),
)


def _put(image: np.ndarray, text: str, at: tuple[int, int], colour=_WHITE, scale=0.45) -> None:
    cv2.putText(image, text, at, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)


def _silhouette_image(mask, box=None) -> np.ndarray:
    """The 400 x 300 silhouette in white, the arm/leg row split in yellow, ``box`` in red."""
    sil = np.repeat((mask > 0)[..., None] * np.uint8(255), 3, axis=2)
    for y in (ARM_ROWS.start, LEG_ROWS.start):  # where limb-down compares arms with legs
        cv2.line(sil, (0, y), (WIDTH - 1, y), _YELLOW, 1)
    if box is not None:
        x0, x1, y0, y1 = box
        cv2.rectangle(sil, (x0, y0), (x1 - 1, y1 - 1), _RED, 1)
    return sil


def _column_image(columns) -> np.ndarray:
    """H as bars, one pixel per foreground pixel (at most 300), with the rules' lines."""
    col_img = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    col_img[np.arange(HEIGHT)[:, None] >= HEIGHT - columns[None, :]] = (170, 170, 170)
    for value, name, colour in (
        (HAND_HEIGHT, "hand/empty 15", _GREEN),
        (SIDE_HEIGHT, "side 60", _BLUE),
        (STAND_HEIGHT, "stand 90", _RED),
    ):
        y = HEIGHT - int(value)
        cv2.line(col_img, (0, y), (WIDTH - 1, y), colour, 1)
        _put(col_img, name, (4, y - 3), colour, 0.4)
    for x, colour in (
        (RIGHT_SIDE_COLS.stop, _BLUE),
        (LEFT_SIDE_COLS.start, _BLUE),
        (LEFT_HAND_COLS.start, _GREEN),
        (RIGHT_HAND_COLS.stop, _GREEN),
    ):
        cv2.line(col_img, (x, 0), (x, HEIGHT - 1), colour, 1)
    _put(col_img, "H: foreground per column", (4, 14))
    _put(col_img, "<- performer's right | performer's left ->", (4, 30), _WHITE, 0.4)
    return col_img


def _row_image(rows) -> np.ndarray:
    """V as horizontal bars, one pixel per foreground pixel (at most 400)."""
    row_img = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    row_img[np.arange(WIDTH)[None, :] < rows[:, None]] = (170, 170, 170)
    for y in (ARM_ROWS.start, LEG_ROWS.start):
        cv2.line(row_img, (0, y), (WIDTH - 1, y), _YELLOW, 1)
    arms, legs = int(rows[ARM_ROWS].sum()), int(rows[LEG_ROWS].sum())
    _put(row_img, "V: foreground per row", (200, 14))
    _put(row_img, f"rows 40-70%: {arms} px", (200, ARM_ROWS.start + 16), _YELLOW)
    _put(row_img, f"rows 70-100%: {legs} px", (200, LEG_ROWS.start + 16), _YELLOW)
    return row_img


def _flags(reading: Reading) -> str:
    return (
        f"empty={reading.empty} stand={reading.stand} right_hand={reading.right_hand_up} "
        f"left_hand={reading.left_hand_up} limb_down={reading.limb_down}"
    )


def render(frame, mask, columns, rows, reading: Reading, decision: str, box=None) -> np.ndarray:
    """An RGB explanation image (800 x 660): the frame, its silhouette (with ``box``, the
    tuned variant's bounding box, if given), H and V with the rules' thresholds and scan
    ranges drawn on them, and the decision underneath."""
    small = cv2.resize(np.ascontiguousarray(frame), (WIDTH, HEIGHT), cv2.INTER_AREA)
    canvas = np.zeros((2 * HEIGHT + 60, 2 * WIDTH, 3), np.uint8)
    canvas[:HEIGHT, :WIDTH], canvas[:HEIGHT, WIDTH:] = small, _silhouette_image(mask, box)
    canvas[HEIGHT : 2 * HEIGHT, :WIDTH] = _column_image(columns)
    canvas[HEIGHT : 2 * HEIGHT, WIDTH:] = _row_image(rows)
    _put(canvas, decision, (8, 2 * HEIGHT + 22), _WHITE, 0.55)
    _put(canvas, _flags(reading), (8, 2 * HEIGHT + 46), (200, 200, 200), 0.45)
    return canvas


def live_panel(mask, columns, rows, reading: Reading, box=None) -> np.ndarray:
    """The live view's side panel (800 x 600 RGB): the silhouette and H above, V and the
    rules' reading below (the frame itself is the live view)."""
    canvas = np.zeros((2 * HEIGHT, 2 * WIDTH, 3), np.uint8)
    canvas[:HEIGHT, :WIDTH] = _silhouette_image(mask, box)
    canvas[:HEIGHT, WIDTH:] = _column_image(columns)
    canvas[HEIGHT:, :WIDTH] = _row_image(rows)
    lines = [f"movement.js: {reading.gesture}, {reading.position}"] + _flags(reading).split()
    for i, line in enumerate(lines):
        _put(canvas, line, (WIDTH + 12, HEIGHT + 34 + 30 * i), _WHITE, 0.7)
    return canvas

"""Does every person-centred extractor follow one person through real footage?

    python benchmarks/follow_player.py VIDEO [--frames N] [--out DIR]

Runs the three player pickers of the harness over the first N frames of a video with
several people in view: the person crop's (the foreground's connected people against the
take's estimated empty scene, as :class:`~harness.api.PersonCrop` sees them), MoveNet's
(:class:`~harness.extractors.movenet.MoveNetTracker`) and BlazePose's
(:class:`~harness.extractors.blazepose.BlazePoseTracker`). For each it prints whom it took
at the start (the centre of their box), how many frames it found nobody, and every jump:
a frame where the followed box's centre moved more than ``--jump`` of the frame width
from the last frame it found someone, which is a switch to another person (people walk a
few pixels a frame). With ``--out`` it writes a strip of every 50th frame with each
method's box drawn (person crop red, MoveNet green, BlazePose blue).

Real footage tried (the harness ships none): OpenCV's sample ``vtest.avi`` (three people
walking across a campus, 768x576, 10 fps), from Debian's ``opencv-doc`` package
(``apt-get download opencv-doc`` and unpack ``examples/data/vtest.avi``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from harness.background import scene_background
from harness.extractors import person_crop
from harness.extractors.blazepose import BlazePoseTracker
from harness.extractors.movenet import MoveNetTracker, keypoint_box
from harness.recording import Recording
from harness.tools.media import read_video

COLOURS = {"person-crop": (255, 0, 0), "movenet": (0, 200, 0), "blazepose": (0, 80, 255)}


def boxes_of_take(frames: np.ndarray, background: np.ndarray) -> dict[str, list]:
    """Each picker's box of the followed person per frame (None: nobody)."""
    find = person_crop.PlayerFinder(background)
    movenet, blazepose = MoveNetTracker(), BlazePoseTracker("lite")
    out = {name: [] for name in COLOURS}
    for frame in frames:
        box = find(frame)
        out["person-crop"].append(None if box is None else np.asarray(box, float))
        out["movenet"].append(keypoint_box(movenet.process(frame)))
        result = blazepose.process(frame)
        out["blazepose"].append(result.box if result.found else None)
    return out


def jumps(boxes: list, width: int, share: float) -> list[int]:
    """Frames where the followed box's centre moved more than ``share`` of the width."""
    found, last = [], None
    for t, box in enumerate(boxes):
        if box is None:
            continue
        centre = (box[:2] + box[2:]) / 2
        if last is not None and np.linalg.norm(centre - last) > share * width:
            found.append(t)
        last = centre
    return found


def strip(frames: np.ndarray, boxes: dict, every: int = 50) -> np.ndarray:
    """Every ``every``-th frame with each method's box, side by side in rows of four."""
    tiles = []
    for t in range(0, len(frames), every):
        tile = np.ascontiguousarray(frames[t]).copy()
        for name, colour in COLOURS.items():
            box = boxes[name][t]
            if box is not None:
                x0, y0, x1, y1 = np.round(box).astype(int)
                cv2.rectangle(tile, (x0, y0), (x1, y1), colour, 2)
        cv2.putText(tile, str(t), (8, 28), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 0), 2)
        tiles.append(cv2.resize(tile, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))
    while len(tiles) % 4:
        tiles.append(np.zeros_like(tiles[0]))
    return np.vstack([np.hstack(tiles[i : i + 4]) for i in range(0, len(tiles), 4)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--jump", type=float, default=0.06, help="share of the frame width")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    frames = read_video(args.video)[: args.frames]
    take = Recording("footage", frames, ["stand"] * len(frames), "someone")
    background = scene_background(take, "median", 30)
    boxes = boxes_of_take(frames, background)
    width = frames.shape[2]
    print(f"{args.video.name}: {len(frames)} frames of {width}x{frames.shape[1]}")
    for name, per_frame in boxes.items():
        first = next((b for b in per_frame if b is not None), None)
        start = "nobody" if first is None else f"x={(first[0] + first[2]) / 2:.0f}"
        nobody = sum(b is None for b in per_frame)
        switched = jumps(per_frame, width, args.jump)
        print(
            f"  {name:12s} starts on {start:8s} nobody in {nobody:3d} frames, jumps at {switched}"
        )
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        image = cv2.cvtColor(strip(frames, boxes), cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(args.out / f"{args.video.stem}-followed.png"), image)


if __name__ == "__main__":
    main()

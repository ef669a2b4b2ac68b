"""A tiny dataset for engine tests: block figures whose pose encodes the label.

Not a stand-in for mk-synth: it exists so runner, metrics and report tests stay fast and
independent of the renderer.
"""

import numpy as np

from harness.api import Dataset, Recording

MOVES = (
    "stand",
    "punch_left",
    "punch_right",
    "front_kick_left",
    "roundhouse_kick_right",
    "squat",
    "walk_left",
)


def draw(label: str, height: int, width: int, shade: int, offset: int) -> np.ndarray:
    frame = np.full((height, width, 3), 40, np.uint8)
    if label == "empty":
        return frame
    x = width // 2 + offset
    top = height // 2 if label == "squat" else height // 5
    frame[top : height - 4, x - 4 : x + 4] = shade
    if label.startswith("punch"):
        side = 1 if label.endswith("left") else -1  # performer's left = image right
        frame[top : top + 4, x : x + side * 16 : side or 1] = shade
        frame[top - 10 : top, x + side * 14 - 2 : x + side * 14 + 2] = shade
    if "kick" in label:
        side = 1 if label.endswith("left") else -1
        lo, hi = sorted((x, x + side * 18))
        frame[height - 20 : height - 16, lo:hi] = shade
    if label.startswith("walk"):
        frame[height - 12 : height - 4, x - 10 : x + 10] = shade
    return frame


class Toy(Dataset):
    name = "toy"
    variants = ("clean",)
    version = "toy-1"

    def load(self):
        rng = np.random.default_rng(self.seed)
        recordings = []
        n_subjects = 4 if self.profile == "quick" else 6
        for s in range(n_subjects):
            labels = ["empty"] * 4
            for move in rng.permutation(MOVES * 2):
                labels += [str(move)] * 6
            shade = 150 + 20 * s
            frames = np.stack(
                [draw(label, 48, 64, shade, (i % 3) - 1) for i, label in enumerate(labels)]
            )
            noise = rng.integers(0, 6, frames.shape, dtype=np.uint8)
            ambiguous = np.zeros(len(labels), bool)
            ambiguous[4::6] = True
            recordings.append(
                Recording(
                    id=f"toy-s{s}",
                    frames=frames + noise,
                    labels=np.asarray(labels, dtype=object),
                    subject=f"s{s}",
                    background=frames[0],
                    ambiguous=ambiguous,
                )
            )
        return recordings

"""Recording: one continuous take, the unit every dataset plugin yields."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field

import numpy as np

from harness.labels import KNOWN_LABELS


class LabelsHidden(LookupError):
    """A method read the labels of a take it is asked to predict."""


class HiddenLabels:
    """The labels of a take as ``predict`` sees them: how many there are, nothing more.

    Any read (indexing, iterating, converting to an array, comparing) raises
    :class:`LabelsHidden`, so a method that looks at the truth of its test takes fails
    loudly instead of scoring too well.
    """

    def __init__(self, n: int):
        self.n = int(n)

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"HiddenLabels({self.n})"

    def _refuse(self, *args, **kwargs):
        raise LabelsHidden(
            "the labels of a take handed to predict are hidden: a method must not read "
            "recording.labels (nor keypoints or masks) of the samples it predicts"
        )

    __getitem__ = __iter__ = __array__ = __eq__ = __ne__ = __contains__ = _refuse
    __hash__ = None


@dataclass
class Recording:
    """One continuous take of one performer.

    Attributes
    ----------
    id : unique within its dataset (used in file names and caches).
    frames : uint8 array (T, H, W, 3), RGB. May be a read-only memory map.
    labels : array (T,) of labels from :data:`harness.labels.KNOWN_LABELS`: action-vocabulary
        labels where the source knows the kick style, fine or coarse labels otherwise; a
        :class:`HiddenLabels` in the takes ``predict`` gets (:meth:`blind`).
    subject : who performs; folds never share a subject.
    scene : where (room, camera).
    fps : frame rate of the take.
    background : uint8 (H, W, 3) frame of the empty scene, or None if the source has none.
    ambiguous : bool (T,): frames between a move's onset and its plain visibility. Frame
        tasks leave them out; windows keep them as history.
    keypoints : float (T, J, 2) of (x, y) pixels in :data:`harness.labels.KEYPOINT_NAMES`
        order, or None.
    masks : bool (T, H, W) of the performer's exact pixels, or None.
    fingerprint : a content id that changes whenever the frames change; caches key on it.
        Computed from the frames when the source gives none.
    meta : free-form facts about the take (nuisance parameters, source file, ...).
    continuous : True for a take filmed frame after frame; False for independent images
        (class folders), which have no windows worth streaming over.
    """

    id: str
    frames: np.ndarray
    labels: np.ndarray
    subject: str
    scene: str = ""
    fps: float = 15.0
    background: np.ndarray | None = None
    ambiguous: np.ndarray | None = None
    keypoints: np.ndarray | None = None
    masks: np.ndarray | None = None
    fingerprint: str = ""
    meta: dict = field(default_factory=dict)
    continuous: bool = True

    def __post_init__(self) -> None:
        frames = self.frames
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
            raise ValueError(
                f"recording {self.id}: frames must be uint8 (T, H, W, 3) RGB, "
                f"got {frames.dtype} {frames.shape}"
            )
        if not isinstance(self.labels, HiddenLabels):
            self.labels = np.asarray(self.labels, dtype=object)
        if len(self.labels) != len(frames):
            raise ValueError(
                f"recording {self.id}: {len(self.labels)} labels for {len(frames)} frames"
            )
        hidden = isinstance(self.labels, HiddenLabels)
        unknown = [] if hidden else sorted(set(self.labels) - KNOWN_LABELS)
        if unknown:
            raise ValueError(
                f"recording {self.id}: unknown labels {unknown}; "
                f"known labels: {', '.join(sorted(KNOWN_LABELS))}"
            )
        if self.ambiguous is None:
            self.ambiguous = np.zeros(len(frames), dtype=bool)
        if self.background is not None and self.background.shape != frames.shape[1:]:
            raise ValueError(
                f"recording {self.id}: background {self.background.shape} does not match "
                f"frames {frames.shape[1:]}"
            )
        if not self.subject:
            raise ValueError(f"recording {self.id}: empty subject id")
        self.subject = str(self.subject)
        if not self.fingerprint:
            self.fingerprint = content_fingerprint(frames)

    def __len__(self) -> int:
        return len(self.frames)

    def __getstate__(self) -> dict:
        # Worker processes (local, Dask, Ray) get a take by reference to its file on disk,
        # never a copy of gigabytes of frames.
        return {k: FileView.of(v) or v for k, v in self.__dict__.items()}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(
            {k: v.open() if isinstance(v, FileView) else v for k, v in state.items()}
        )

    def blind(self) -> Recording:
        """The take as ``predict`` sees it: frames, empty scene, ids and facts, without the
        truth (labels unreadable, no keypoints, masks or ambiguous frames).

        The fingerprint is kept: cached features of the frames stay valid. A view: no
        pixel is copied.
        """
        return dataclasses.replace(
            self, labels=HiddenLabels(len(self)), ambiguous=None, keypoints=None, masks=None
        )

    @property
    def is_blind(self) -> bool:
        """True for a take whose truth is hidden (see :meth:`blind`)."""
        return isinstance(self.labels, HiddenLabels)

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the frames."""
        return self.frames.shape[1], self.frames.shape[2]

    def segments(self) -> list[tuple[int, int, str]]:
        """Runs of equal labels as (start, end_exclusive, label)."""
        runs = []
        start = 0
        for t in range(1, len(self.labels) + 1):
            if t == len(self.labels) or self.labels[t] != self.labels[start]:
                runs.append((start, t, str(self.labels[start])))
                start = t
        return runs


def as_frame_batch(frames, owner: str) -> np.ndarray:
    """Raw frames as a uint8 (N, H, W, 3) RGB batch; one frame (H, W, 3) becomes N = 1.

    ``owner`` names who asked, so a bad input's one-line error says where it went wrong.
    """
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = frames[None]
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(
            f"{owner}: frames must be uint8 (N, H, W, 3) RGB, got {frames.dtype} {frames.shape}"
        )
    return frames


def content_fingerprint(frames: np.ndarray) -> str:
    """A short hash of every pixel: two takes share it only if they are identical."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(repr(frames.shape).encode())
    for frame in frames:
        digest.update(np.ascontiguousarray(frame).data)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileView:
    """Where a memory-mapped array's data lies in its file: enough to map it again."""

    filename: str
    offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    dtype: str

    @staticmethod
    def of(array) -> FileView | None:
        """The view of ``array`` if it is (a view into) a file-backed memory map, else None."""
        if not isinstance(array, np.memmap) or not getattr(array, "filename", None):
            return None
        root = array
        while isinstance(root.base, np.ndarray):  # up to the map that owns the mmap buffer
            root = root.base
        if not isinstance(root, np.memmap):
            return None
        moved = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        return FileView(
            str(array.filename),
            int(root.offset) + int(moved),
            tuple(array.shape),
            tuple(array.strides),
            array.dtype.str,
        )

    def open(self) -> np.ndarray:
        """The same array, mapped read-only from the file."""
        whole = np.memmap(self.filename, dtype=np.uint8, mode="r")
        return np.ndarray(
            self.shape, np.dtype(self.dtype), buffer=whole, offset=self.offset, strides=self.strides
        )

"""``python -m harness dataset extract VIDEO --out DIR``: a video's frames as image files.

What the 2018 blog did with ffmpeg before sorting frames into class folders by hand.
"""

from __future__ import annotations

from pathlib import Path

import cv2

from harness.tools import media

FORMATS = (".png", ".jpg", ".jpeg")


def extract_frames(
    video: Path,
    out_dir: Path,
    every: int = 1,
    size: tuple[int, int] | None = None,
    ext: str = ".png",
) -> int:
    """Write every ``every``-th frame of ``video`` to ``out_dir`` as ``<stem>_<frame>.png``.

    Parameters
    ----------
    video : any video OpenCV reads (avi, mp4, ...).
    out_dir : created if needed. Existing files are never overwritten: if a file of this
        video's frames is already there, nothing is written and ValueError is raised.
    every : keep frames 0, every, 2*every, ... (numbers in the names are the video's own).
    size : (width, height) to resize to, or None for the video's size.
    ext : ``.png`` (lossless, default) or ``.jpg``.

    Returns
    -------
    int : the number of frames written.

    Raises
    ------
    FileNotFoundError, ValueError : one line naming the file: no such video, a video OpenCV
        cannot read, an output folder that cannot be made or written, bad arguments. A video
        that stops decoding early (damaged) gives a warning naming it, and its frames up to
        there.
    """
    video, out_dir = Path(video), Path(out_dir)
    if video.is_dir():
        raise ValueError(f"{video}: is a folder; give one video file (e.g. {video}/take.avi)")
    if not video.is_file():
        raise FileNotFoundError(f"{video}: no such video")
    if every < 1:
        raise ValueError(f"--every must be 1 or more, got {every}")
    if ext.lower() not in FORMATS:
        raise ValueError(f"image format {ext!r} not supported; use one of {', '.join(FORMATS)}")
    if size is not None and (len(size) != 2 or min(size) < 1):
        raise ValueError(f"size must be (width, height) in pixels, got {size}")
    info = media.probe_video(video)
    if not info.ok:
        raise media.UnreadableFile(
            video,
            "OpenCV cannot read this video (corrupt, truncated or an unknown codec); "
            "re-encode it (e.g. ffmpeg -i IN OUT.mp4) or choose another file",
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file of that name, a read-only place
        raise ValueError(
            f"{out_dir}: cannot make the output folder ({error.strerror or error}); "
            "choose another --out"
        ) from None
    existing = sorted(out_dir.glob(f"{video.stem}_*{ext}"))
    if existing:
        raise ValueError(
            f"{out_dir} already holds frames of {video.name} ({existing[0].name}, ...); "
            "choose another --out folder (existing files are never overwritten)"
        )
    digits = max(6, len(str(info.frame_count)))
    written = 0
    for index, frame in media.iter_video(video, tuple(size) if size else None, every=every):
        path = out_dir / f"{video.stem}_{index:0{digits}d}{ext}"
        ok, data = cv2.imencode(ext, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        if not ok:
            raise ValueError(f"{path}: OpenCV could not encode the frame as {ext}")
        try:
            data.tofile(str(path))  # imwrite cannot write to non-ASCII paths
        except OSError as error:  # disk full, permissions
            raise ValueError(
                f"{path}: cannot write the frame ({error.strerror or error}); {written} frames "
                f"were written to {out_dir} before it"
            ) from None
        written += 1
    return written


def parse_size(text: str) -> tuple[int, int]:
    """``"100x56"`` -> (100, 56): the ``--size WxH`` argument."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ValueError(
            f"--size must look like WIDTHxHEIGHT (e.g. 100x56), got {text!r}"
        ) from None
    if width < 1 or height < 1:
        raise ValueError(f"--size must be positive, got {text!r}")
    return width, height

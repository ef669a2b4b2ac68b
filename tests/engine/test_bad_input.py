"""Bad data (issue 15): one line naming the file and what to do, and the rest kept.

Every case is reproduced with a real file made here: an image that Pillow's
decompression-bomb guard refuses, truncated images, folders whose names are not UTF-8,
an AVI with corrupt bytes mid-file, manifests and labels saved as Latin-1 or UTF-16, and
the ``dataset check`` and ``dataset extract`` commands run on all of them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import warnings
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from _plugins import plugin
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from harness.tools import media
from harness.tools.check import check_dataset
from harness.tools.extract import extract_frames
from harness.tools.label_names import read_overrides
from harness.tools.layout import safe_name, scan_clips, scan_folders

REPO = Path(__file__).resolve().parents[2]
Folders = plugin("datasets", "folders").cls
Clips = plugin("datasets", "clips").cls

SUFFIXES = sorted(media.IMAGE_SUFFIXES)
SMALL = (48, 64)  # (height, width) of the test images


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))


# -- files made for the tests ----------------------------------------------------------------


def write_image(path: Path, shade: int = 90, suffix: str | None = None) -> Path:
    """A small RGB figure on grey (written with numpy: the path may not be UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.full((*SMALL, 3), shade, np.uint8)
    cv2.circle(image, (32, 20), 9, (200, 60, 40), -1)
    ok, data = cv2.imencode(suffix or path.suffix, image)
    assert ok
    data.tofile(str(path))
    return path


def write_huge_png(path: Path, side: int = 14000) -> Path:
    """A real, valid ``side`` x ``side`` 1-bit PNG (24 KB on disk, 196 megapixels)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("1", (side, side)).save(path)
    return path


def truncated_copy(path: Path, keep: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def folders_dataset(root: Path, subjects=(b"ann", b"bob")) -> Path:
    """``hits/`` and ``kicks/`` with a subject folder each (names given as bytes)."""
    for c, folder in enumerate(("hits", "kicks")):
        for subject in subjects:
            for i in range(2):
                where = os.fsencode(root / folder) + b"/" + subject + f"/{i}.png".encode()
                write_image(Path(os.fsdecode(where)), shade=60 + 40 * c + 10 * i)
    return root


def write_avi(path: Path, frames: int = 200, size=(64, 48)) -> Path:
    """An MJPG AVI whose frames show their own number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15, size)
    for i in range(frames):
        frame = np.full((size[1], size[0], 3), (3 * i) % 255, np.uint8)
        cv2.putText(frame, str(i), (4, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2)
        writer.write(frame)
    writer.release()
    return path


def damage(path: Path, at: float = 0.06, length: int = 3000) -> Path:
    """Zero ``length`` bytes ``at`` a fraction of the file: a disk or copy error mid-file."""
    data = bytearray(path.read_bytes())
    start = int(len(data) * at)
    data[start : start + length] = bytes(length)
    path.write_bytes(bytes(data))
    return path


def non_utf8_dir(parent: Path, name: bytes) -> Path:
    """``parent/name`` for a name that is not UTF-8 (skips where the filesystem refuses)."""
    if sys.platform in ("win32", "darwin"):
        pytest.skip("file names are Unicode on this system")
    folder = Path(os.fsdecode(os.fsencode(parent) + b"/" + name))
    try:
        folder.mkdir(parents=True)
    except OSError as error:
        pytest.skip(f"the filesystem refuses non-UTF-8 names: {error}")
    return folder


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m harness ARGS`` of this tree, as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line_naming(message: str, path: Path) -> None:
    assert "\n" not in message.strip(), message
    assert safe_name(str(path)) in safe_name(message), message


# -- 2. images that cannot be read ----------------------------------------------------------


@pytest.mark.parametrize("side", [14000, 10000])  # over twice Pillow's limit, and between
def test_a_huge_image_is_refused_in_one_line_before_it_is_decoded(tmp_path, side):
    path = write_huge_png(tmp_path / f"huge{side}.png", side)
    with pytest.raises(media.UnreadableFile) as caught:
        media.load_image(path)
    message = str(caught.value)
    one_line_naming(message, path)
    assert "too large" in message and "scale it down or delete it" in message
    assert ("10000x10000 pixels" if side == 10000 else "196 megapixels") in message
    assert media.image_size(path) is None and media.read_image(path) is None
    with pytest.raises(media.UnreadableFile, match="too large"):
        media.read_image_size(path)


def test_the_folders_dataset_skips_and_names_a_huge_image_and_keeps_the_others(tmp_path):
    root = folders_dataset(tmp_path / "blog")
    huge = write_huge_png(root / "hits" / "ann" / "huge.png")
    broken = truncated_copy(write_image(root / "kicks" / "bob" / "broken.png"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recordings = Folders(arg=str(root)).load()
    assert sum(len(r) for r in recordings) == 8  # every readable image
    messages = [str(w.message) for w in caught]
    assert any(m.startswith(str(huge)) and "skipped" in m for m in messages), messages
    assert any(m.startswith(str(broken)) and "skipped" in m for m in messages), messages


def test_check_names_each_unreadable_image_with_its_reason(tmp_path):
    root = folders_dataset(tmp_path / "blog")
    huge = write_huge_png(root / "hits" / "ann" / "huge.png")
    broken = truncated_copy(write_image(root / "kicks" / "bob" / "broken.png"))
    empty = root / "kicks" / "ann" / "empty.jpg"
    empty.write_bytes(b"")
    report = check_dataset(root)
    text = report.format()
    assert f"{huge}: image too large to load" in text
    assert f"{broken}: unreadable or corrupt image" in text
    assert f"{empty}: unreadable image: the file is empty" in text
    assert sum(report.classes.values()) == 8 and report.sizes == {(64, 48): 8}


REAL_IMAGES = {
    suffix: cv2.imencode(suffix, np.random.default_rng(1).integers(0, 255, (24, 32, 3), np.uint8))[
        1
    ].tobytes()
    for suffix in SUFFIXES
}


def _assert_read_or_one_line_error(path: Path) -> None:
    try:
        image = media.load_image(path)
    except media.UnreadableFile as error:
        one_line_naming(str(error), path)
        assert error.reason and media.read_image(path) is None
    else:
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    size = media.image_size(path)
    assert size is None or (len(size) == 2 and min(size) >= 1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_arbitrary_bytes_as_an_image_give_an_image_or_one_clear_line(data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"frame{suffix}"
        path.write_bytes(data)
        _assert_read_or_one_line_error(path)


@settings(max_examples=60, deadline=None)
@given(suffix=st.sampled_from(SUFFIXES), cut=st.floats(0.0, 1.0), flip=st.integers(0, 10**6))
def test_truncated_or_bit_flipped_images_give_an_image_or_one_clear_line(suffix, cut, flip):
    data = bytearray(REAL_IMAGES[suffix][: max(1, int(len(REAL_IMAGES[suffix]) * cut))])
    data[flip % len(data)] ^= 0xFF
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"frame{suffix}"
        path.write_bytes(bytes(data))
        _assert_read_or_one_line_error(path)


def _png(width: int, height: int) -> bytes:
    """A PNG whose header says width x height, with one row of pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        size = len(body).to_bytes(4, "big")
        return size + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    pixels = zlib.compress(bytes(1 + min(width, 4096)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@settings(max_examples=30, deadline=None)
@given(width=st.integers(1, 2**31 - 1), height=st.integers(1, 2**31 - 1))
def test_a_png_header_over_the_limit_is_refused_whatever_its_shape(width, height):
    assume(width * height > media.max_image_pixels())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bomb.png"
        path.write_bytes(_png(width, height))
        with pytest.raises(media.UnreadableFile, match="too large to load"):
            media.load_image(path)


# -- 3. folder names that are not UTF-8 ------------------------------------------------------


def test_latin1_subject_folders_get_safe_stable_distinct_names(tmp_path):
    root = folders_dataset(tmp_path / "blog", subjects=(b"Jos\xe9", b"Jos\xe8", b"ann"))
    non_utf8_dir(tmp_path / "probe", b"x\xe9")  # skips on filesystems that refuse
    layout = scan_folders(root)
    assert {item.subject for item in layout.items} == {"Jos%E9", "Jos%E8", "ann"}
    assert all(item.rel.encode("utf-8") for item in layout.items)
    assert [i.subject for i in scan_folders(root).items] == [i.subject for i in layout.items]

    recordings = Folders(arg=str(root)).load()
    assert {r.subject for r in recordings} == {"Jos%E9", "Jos%E8", "ann"}
    # What a run writes about them: JSON and CSV in UTF-8, as results are written.
    rows = [
        {"subject": r.subject, "id": r.id, "files": " ".join(r.meta["files"])} for r in recordings
    ]
    json.dumps(rows, ensure_ascii=False).encode("utf-8")
    out = io.StringIO()
    csv.DictWriter(out, fieldnames=list(rows[0])).writerows(rows)
    out.getvalue().encode("utf-8")


@pytest.mark.slow  # a whole run or worker pool: seconds; CI's slow step
def test_a_run_on_latin1_subject_folders_writes_its_results(tmp_path):
    # Before: "error: 'utf-8' codec can't encode character '\\udce9'" once results were written.
    root = tmp_path / "blog"
    non_utf8_dir(tmp_path / "probe", b"x\xe9")
    for c, folder in enumerate(("hits", "kicks", "others")):
        for subject in (b"Jos\xe9", b"Jos\xe8", b"ann"):
            for i in range(2):
                where = os.fsencode(root / folder) + b"/" + subject + f"/{i}.png".encode()
                write_image(Path(os.fsdecode(where)), shade=50 + 60 * c + 9 * i)
    out = tmp_path / "run"
    done = run_cli(
        "run",
        "--dataset",
        f"folders:{root}",
        "--methods",
        "chance",
        "--folds",
        "3",
        "--out",
        str(out),
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    results = (out / "results.csv").read_bytes().decode("utf-8")
    assert "Jos%E9" in results and "Jos%E8" in results
    (out / "summary.md").read_bytes().decode("utf-8")


def test_a_subject_named_as_check_shows_it_can_be_given_in_subjects_csv(tmp_path):
    root = folders_dataset(tmp_path / "blog", subjects=(b"Jos\xe9", b"ann"))
    (root / "subjects.csv").write_text("hits/Jos%E9/*.png,jose\nkicks/Jos%E9/*.png,jose\n")
    subjects = {item.subject for item in scan_folders(root).items}
    assert subjects == {"jose", "ann"}


def test_check_shows_non_utf8_names_and_its_output_prints(tmp_path):
    parent = non_utf8_dir(tmp_path, b"Donn\xe9es")
    root = folders_dataset(parent / "blog", subjects=(b"Jos\xe9", b"ann"))
    (Path(os.fsdecode(os.fsencode(root) + b"/m\xfdstery"))).mkdir()
    text = check_dataset(root).format()
    text.encode("utf-8")  # printable
    assert "subjects: Jos%E9 4, ann 4" in text
    assert "Donn%E9es/blog" in text
    assert "folder name 'm%FDstery' is not a known class" in text
    done = run_cli("dataset", "check", str(root))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Jos%E9" in done.stdout


def test_videos_in_a_non_utf8_folder_are_read_not_a_crash(tmp_path):
    # OpenCV 4.11's VideoCapture crashes the interpreter (SIGSEGV) on such a name.
    folder = non_utf8_dir(tmp_path, b"Jos\xe9")
    video = write_avi(tmp_path / "take.avi", frames=20)
    os.replace(video, folder / "take.avi")
    video = folder / "take.avi"
    info = media.probe_video(video)
    assert info.ok and info.frame_count == 20 and info.size == (64, 48)
    assert media.count_frames(video) == 20
    assert len(media.read_video(video)) == 20
    assert media.median_frame(video).shape == (48, 64, 3)


# -- 4. a video damaged mid-file ------------------------------------------------------------


def test_a_video_that_stops_decoding_early_is_called_damaged_by_name(tmp_path):
    video = damage(write_avi(tmp_path / "punch.avi"))
    with pytest.warns(UserWarning) as caught:
        frames = media.read_video(video)
    assert len(frames) < 20  # 6 of 200 with OpenCV 4.11
    (message,) = [str(w.message) for w in caught]
    one_line_naming(message, video)
    assert f"damaged video: decoding stops after {len(frames)} of the 200 frames" in message
    with warnings.catch_warnings():  # a caller that reports damage itself
        warnings.simplefilter("error")
        assert len(list(media.iter_video(video, warn_damage=False))) == len(frames)


def test_a_whole_video_is_not_called_damaged(tmp_path):
    video = write_avi(tmp_path / "punch.avi")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(media.read_video(video)) == 200


def _manifest(root: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    text = "path,label,subject,start_frame,end_frame\n" + "".join(row + "\n" for row in rows)
    (root / "manifest.csv").write_bytes(text.encode(encoding))
    return root / "manifest.csv"


def test_the_clips_dataset_says_which_video_is_damaged_not_only_that_ranges_are_cut(tmp_path):
    root = tmp_path / "clips"
    damage(write_avi(root / "ann.avi"))
    write_avi(root / "bob.avi")
    _manifest(root, ["ann.avi,punch,ann,50,120", "bob.avi,punch,bob,50,120"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Clips(arg=str(root)).load()
    messages = [str(w.message) for w in caught]
    damaged = [m for m in messages if "damaged video" in m]
    assert len(damaged) == 1 and damaged[0].startswith(str(root / "ann.avi")), messages


def test_check_reports_the_damaged_video_and_why_its_range_is_cut(tmp_path):
    root = tmp_path / "clips"
    damage(write_avi(root / "ann.avi"))
    write_avi(root / "bob.avi")
    _manifest(root, ["ann.avi,punch,ann,50,120", "bob.avi,kick,bob,50,120"])
    text = check_dataset(root).format()
    assert f"warning: {root / 'ann.avi'}: damaged video: decoding stops after" in text
    assert "ann.avi decodes only" in text and "the range 50..120 is cut there" in text


# -- 5. text files that are not UTF-8 --------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "found"),
    [
        ("latin-1", "byte 0xe9 on line 2"),
        ("utf-16", "it is UTF-16"),
        ("utf-16-le", "it has NUL bytes"),
    ],
)
def test_a_manifest_not_in_utf8_is_one_line_saying_to_save_it_as_utf8(tmp_path, encoding, found):
    root = tmp_path / "clips"
    write_avi(root / "a.avi", frames=10)
    manifest = _manifest(root, ["a.avi,punch,José,,", "a.avi,kick,José,,"], encoding)
    with pytest.raises(ValueError) as caught:
        Clips(arg=str(root)).load()
    message = str(caught.value)
    one_line_naming(message, manifest)
    assert message.startswith(f"{manifest}: not UTF-8 text ({found}")
    assert "save it as UTF-8" in message


def test_labels_csv_not_in_utf8_is_one_line_saying_to_save_it_as_utf8(tmp_path):
    root = folders_dataset(tmp_path / "blog")
    (root / "labels.csv").write_bytes(
        "folder,label\ncoups,punch\nd\xe9fense,other\n".encode("cp1252")
    )
    with pytest.raises(ValueError) as caught:
        read_overrides(root)
    one_line_naming(str(caught.value), root / "labels.csv")
    assert "byte 0xe9 on line 3" in str(caught.value) and "save it as UTF-8" in str(caught.value)
    report = check_dataset(root)
    assert not report.ok and [str(p) for p in report.problems] == [str(caught.value)]


def test_subjects_csv_and_subject_regex_not_in_utf8_are_named(tmp_path):
    root = folders_dataset(tmp_path / "blog")
    (root / "subjects.csv").write_bytes("hits/ann/*.png,Ann\xe9e\n".encode("latin-1"))
    with pytest.raises(ValueError, match="subjects.csv: not UTF-8 text .* save it as UTF-8"):
        scan_folders(root).raise_first_error()
    clips = tmp_path / "ucf"
    write_avi(clips / "punch" / "v_Punch_g01_c01.avi", frames=5)
    (clips / "subject_regex.txt").write_bytes("_g(\\d+)_\xe9".encode("latin-1"))
    with pytest.raises(ValueError, match="subject_regex.txt: not UTF-8 text"):
        scan_clips(clips)


ENCODINGS = ["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=st.text(min_size=1, max_size=12),
    label=st.sampled_from(["punch", "kick", "jab", "squat"]),
    encoding=st.sampled_from(ENCODINGS),
)
def test_a_manifest_in_any_encoding_loads_or_gives_one_line_naming_it(subject, label, encoding):
    text = f"path,label,subject\na.avi,{label},{subject}\n"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    with tempfile.TemporaryDirectory() as folder:
        manifest = Path(folder) / "manifest.csv"
        manifest.write_bytes(data)
        write_avi(Path(folder) / "a.avi", frames=3)
        layout = scan_clips(manifest)
        utf8 = b"\0" not in data and _decodes(data)
        errors = layout.errors
        if not utf8:
            assert errors and str(errors[0]).startswith(f"{manifest}: not UTF-8 text")
            assert "save it as UTF-8" in str(errors[0])
        else:
            assert not any("UTF-8" in str(error) for error in errors)
        for problem in layout.problems:
            assert "\n" not in str(problem) and str(problem).startswith(folder)


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


@settings(max_examples=80, deadline=None)
@given(data=st.binary(max_size=400))
@example(data=b'"pa\nth",label,subject\n')  # a quoted line break in the header
@example(data=b'path,label,subject\n"a\x00.avi",punch,ann\n')  # no file has such a name
@example(data=b"path,label,subject\n" + b"a" * 5000 + b".avi,punch,ann\n")  # nor so long a one
def test_arbitrary_bytes_as_a_manifest_are_problems_never_a_crash(data):
    with tempfile.TemporaryDirectory() as folder:
        manifest = Path(folder) / "manifest.csv"
        manifest.write_bytes(data)
        layout = scan_clips(manifest)
        assert layout.errors  # nothing here is a valid manifest with a real clip
        for problem in layout.problems:
            assert "\n" not in str(problem) and str(problem).startswith(folder)
        with pytest.raises((ValueError, FileNotFoundError)) as caught:
            layout.raise_first_error()
        assert "\n" not in str(caught.value)


# -- 6. dataset check on all of it ----------------------------------------------------------


def test_check_cli_on_bad_folders_lists_each_problem_once_and_exits_1(tmp_path):
    root = folders_dataset(tmp_path / "blog", subjects=(b"ann", b"bob"))
    non_utf8_dir(root / "hits", b"Jos\xe9")
    write_image(Path(os.fsdecode(os.fsencode(root / "hits") + b"/Jos\xe9/0.png")))
    huge = write_huge_png(root / "hits" / "ann" / "huge.png")
    broken = truncated_copy(write_image(root / "kicks" / "bob" / "broken.png"))
    (root / "subjects.csv").write_bytes("kicks/ann/*.png,Ann\xe9e\n".encode("latin-1"))
    done = run_cli("dataset", "check", str(root))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    for expected in (
        f"error: {root / 'subjects.csv'}: not UTF-8 text (byte 0xe9 on line 1",
        f"warning: {huge}: image too large to load",
        f"warning: {broken}: unreadable or corrupt image",
    ):
        assert sum(line.strip().startswith(expected) for line in lines) == 1, done.stdout
    assert "Jos%E9" in done.stdout


def test_check_cli_on_bad_clips_lists_each_problem_once_and_exits_1(tmp_path):
    root = tmp_path / "clips"
    damage(write_avi(root / "ann.avi"))
    write_avi(root / "bob.avi", frames=30)
    (root / "junk.avi").write_bytes(os.urandom(4000))
    _manifest(
        root,
        [
            "ann.avi,punch,Zoé,0,20",
            "bob.avi,kick,bob,0,20",
            "junk.avi,kick,cy,,",
            "gone.avi,kick,cy,,",
        ],
        encoding="latin-1",
    )
    done = run_cli("dataset", "check", str(root))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = [line.strip() for line in done.stdout.splitlines()]
    for expected in (
        f"error: {root / 'manifest.csv'}: not UTF-8 text (byte 0xe9 on line 2",
        f"error: {root / 'manifest.csv'} line 5: clip 'gone.avi' does not exist",
        f"warning: {root / 'ann.avi'}: damaged video: decoding stops after",
        f"warning: {root / 'junk.avi'}: unreadable or corrupt video",
    ):
        assert sum(line.startswith(expected) for line in lines) == 1, done.stdout
    assert done.stderr.strip() == "", done.stderr  # no FFmpeg or OpenCV chatter


# -- 7. dataset extract ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["junk", "empty"])
def test_extract_cli_on_a_corrupt_video_prints_one_line_naming_it(tmp_path, kind):
    video = tmp_path / "take.avi"
    video.write_bytes(os.urandom(5000) if kind == "junk" else b"")
    done = run_cli("dataset", "extract", str(video), "--out", str(tmp_path / "frames"))
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()  # no FFmpeg chatter around it
    assert line.startswith(f"error: {video}: OpenCV cannot read this video")


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_extract_of_a_missing_video_is_one_line_naming_it(tmp_path, kind):
    video = tmp_path / "take.avi"
    if kind == "folder":
        video.mkdir()
    with pytest.raises((FileNotFoundError, ValueError)) as caught:  # the CLI's exit 2
        extract_frames(video, tmp_path / "frames")
    one_line_naming(str(caught.value), video)
    assert not (tmp_path / "frames").exists()


def test_extract_of_a_damaged_video_names_it_and_keeps_the_frames_before(tmp_path):
    video = damage(write_avi(tmp_path / "take.avi"))
    with pytest.warns(UserWarning, match=f"{video}: damaged video"):
        written = extract_frames(video, tmp_path / "frames")
    assert 0 < written < 20 and len(list((tmp_path / "frames").glob("take_*.png"))) == written


def test_extract_into_a_file_is_one_line_naming_it(tmp_path):
    video = write_avi(tmp_path / "take.avi", frames=3)
    (tmp_path / "frames").write_text("not a folder")
    with pytest.raises(ValueError) as caught:
        extract_frames(video, tmp_path / "frames")
    one_line_naming(str(caught.value), tmp_path / "frames")


def test_extract_of_a_video_in_a_non_utf8_folder_works(tmp_path):
    folder = non_utf8_dir(tmp_path, b"Jos\xe9")
    video = write_avi(tmp_path / "take.avi", frames=4)
    os.replace(video, folder / "take.avi")
    assert extract_frames(folder / "take.avi", folder / "frames") == 4

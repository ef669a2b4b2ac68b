"""The ``folders`` dataset: the 2018 blog's class folders, with and without subjects."""

from __future__ import annotations

import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest
from _byod_data import (
    held_out_rows,
    pooled_macro_f1,
    sample_recordings,
    synthetic_recordings,
    tree_state,
    write_folders,
    write_image,
)
from _plugins import plugin

from harness.samples import task_samples
from harness.tasks import get_task

REPO = Path(__file__).resolve().parents[2]
Folders = plugin("datasets", "folders").cls


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))


def load(root, **kwargs):
    dataset = Folders(arg=str(root), **kwargs)
    return dataset, dataset.load()


def small_blog(root: Path, subjects: bool = True) -> Path:
    return write_folders(root, synthetic_recordings(frames_per_move=2), subjects=subjects)


def test_blog_folders_with_subject_folders_load_as_coarse_labels_per_subject(tmp_path):
    recordings = sample_recordings()
    root = write_folders(tmp_path / "blog", recordings, subjects=True, every=5)
    dataset, loaded = load(root)
    assert dataset.subjects_known is True and dataset.leaky_message == ""
    assert {r.subject for r in loaded} == {r.subject for r in recordings}
    assert {label for r in loaded for label in r.labels} <= {"punch", "kick", "other"}
    assert dataset.tasks == ("punch-binary", "punch-kick-other")
    n_images = sum(1 for _ in root.rglob("*.jpg"))
    assert sum(len(r) for r in loaded) == n_images
    for task in dataset.tasks:
        assert len(task_samples(loaded, get_task(task))) == n_images


def test_images_keep_their_folder_label_in_file_name_order(tmp_path):
    root = small_blog(tmp_path / "blog")
    _, loaded = load(root)
    ann = next(r for r in loaded if r.subject == "ann")
    files = ann.meta["files"]
    assert files == sorted(files)
    expected = {"hits": "punch", "kicks": "kick", "others": "other"}
    assert list(ann.labels) == [expected[f.split("/")[0]] for f in files]


def test_folders_without_subjects_are_flagged_as_a_leaky_split(tmp_path):
    root = write_folders(tmp_path / "blog", sample_recordings(), subjects=False, every=10)
    dataset, loaded = load(root)
    assert dataset.subjects_known is False
    assert all(r.subject.startswith("unknown-") for r in loaded)
    assert len(loaded) > 1  # pseudo-subjects: a random split of frames, as the blog's
    message = dataset.leaky_message
    assert "subjects.csv" in message and "--allow-leaky-split" in message
    assert "92 %" in message and str(root) in message


def test_subjects_csv_assigns_subjects_by_file_and_pattern(tmp_path):
    root = small_blog(tmp_path / "blog", subjects=False)
    (root / "subjects.csv").write_text(
        "file,subject\nhits/ann_ann-take_0002.jpg,ann\nann_*,ann\nbob_*,bob\n*/cy_*.jpg,cy\n"
    )
    dataset, loaded = load(root)
    assert dataset.subjects_known is True
    assert {r.subject for r in loaded} == {"ann", "bob", "cy"}
    for recording in loaded:
        assert all(f.split("/")[-1].startswith(recording.subject) for f in recording.meta["files"])


def test_empty_subject_in_subjects_csv_names_the_line(tmp_path):
    root = small_blog(tmp_path / "blog", subjects=False)
    (root / "subjects.csv").write_text("file,subject\nann_*,ann\nbob_*,\n")
    with pytest.raises(ValueError, match=r"subjects.csv line 3: empty subject for 'bob_\*'"):
        load(root)


def test_labels_csv_overrides_the_name_table_and_can_ignore_a_folder(tmp_path):
    root = small_blog(tmp_path / "blog")
    (root / "others").rename(root / "fillers")
    write_image(root / "unsorted" / "x.jpg", np.zeros((60, 80, 3), np.uint8))
    (root / "labels.csv").write_text("folder,label\nfillers,other\nunsorted,ignore\n")
    _, loaded = load(root)
    assert {label for r in loaded for label in r.labels} == {"punch", "kick", "other"}
    assert not any("unsorted" in f for r in loaded for f in r.meta["files"])


def test_unknown_folder_name_is_one_line_naming_the_folder_and_labels_csv(tmp_path):
    root = small_blog(tmp_path / "blog")
    (root / "others").rename(root / "fillers")
    with pytest.raises(ValueError) as error:
        load(root)
    message = str(error.value)
    assert "\n" not in message
    assert "fillers" in message and "labels.csv" in message and "not a known class" in message


def test_fine_label_folders_also_serve_the_posture_task(tmp_path):
    root = tmp_path / "fine"
    for recording in synthetic_recordings(frames_per_move=2):
        for t, label in enumerate(recording.labels):
            name = "front-kick-left" if label == "front_kick_left" else label
            write_image(root / name / recording.subject / f"{t}.png", recording.frames[t])
    dataset, loaded = load(root)
    assert dataset.tasks == ("punch-binary", "punch-kick-other", "posture")
    assert "front_kick_left" in {label for r in loaded for label in r.labels}
    assert len(task_samples(loaded, get_task("posture"))) == sum(len(r) for r in loaded)


def test_grayscale_and_odd_sized_images_are_converted_not_rejected(tmp_path):
    root = small_blog(tmp_path / "blog")
    cv2.imwrite(str(root / "hits" / "ann" / "gray.png"), np.full((30, 40), 200, np.uint8))
    cv2.imwrite(str(root / "hits" / "ann" / "big.jpg"), np.zeros((120, 160, 3), np.uint8))
    with pytest.warns(UserWarning, match=r"2 images are resized to 80x60"):
        _, loaded = load(root)
    ann = next(r for r in loaded if r.subject == "ann")
    gray = ann.frames[ann.meta["files"].index("hits/ann/gray.png")]
    assert gray.shape == (60, 80, 3) and np.all(gray == 200)


def test_huge_images_are_scaled_down_to_640_pixels(tmp_path):
    root = tmp_path / "big"
    for subject in ("a", "b"):
        for folder in ("hits", "others"):
            write_image(root / folder / subject / "1.jpg", np.zeros((1080, 1920, 3), np.uint8))
    with pytest.warns(UserWarning, match=r"4 images are resized to 640x360"):
        _, loaded = load(root)
    assert loaded[0].frames.shape[1:] == (360, 640, 3)


def test_corrupt_image_is_skipped_with_a_warning_naming_it(tmp_path):
    root = small_blog(tmp_path / "blog")
    (root / "kicks" / "bob" / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.warns(UserWarning, match=r"kicks/bob/broken.jpg: unreadable or corrupt image"):
        _, loaded = load(root)
    assert not any("broken" in f for r in loaded for f in r.meta["files"])


def test_only_corrupt_images_is_an_error(tmp_path):
    root = tmp_path / "blog"
    for folder in ("hits", "others"):
        (root / folder).mkdir(parents=True)
        (root / folder / "x.jpg").write_bytes(b"junk")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="no readable image left"):
            load(root)


def test_empty_class_folder_gets_one_warning_naming_it(tmp_path):
    root = small_blog(tmp_path / "blog")
    (root / "kicks_empty").mkdir()
    (root / "labels.csv").write_text("kicks_empty,kick\n")
    with pytest.warns(UserWarning, match=r"kicks_empty: empty class folder"):
        load(root)


def test_missing_root_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load(tmp_path / "nowhere")


def test_loading_never_changes_the_users_files(tmp_path):
    root = small_blog(tmp_path / "blog", subjects=False)
    (root / "hits" / "broken.jpg").write_bytes(b"junk")
    before = tree_state(root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load(root)
        load(root)
    assert tree_state(root) == before


def test_fingerprint_is_stable_and_changes_when_a_file_changes(tmp_path):
    root = small_blog(tmp_path / "blog")
    _, first = load(root)
    _, again = load(root)
    assert [r.fingerprint for r in first] == [r.fingerprint for r in again]
    image = root / "hits" / "ann" / sorted(p.name for p in (root / "hits" / "ann").iterdir())[0]
    write_image(image, np.zeros((60, 80, 3), np.uint8))
    _, changed = load(root)
    by_subject = {r.subject: r.fingerprint for r in changed}
    assert by_subject["ann"] != first[0].fingerprint
    assert by_subject["bob"] == first[1].fingerprint
    ann = next(r for r in changed if r.subject == "ann")
    assert not ann.frames[ann.meta["files"].index(f"hits/ann/{image.name}")].any()


def test_phone_photos_are_sized_as_shown_upright(tmp_path):
    from PIL import Image

    root = small_blog(tmp_path / "blog")
    photo = Image.fromarray(np.zeros((60, 80, 3), np.uint8))  # stored landscape
    exif = photo.getexif()
    exif[0x0112] = 6  # shown rotated a quarter turn: portrait 60x80
    photo.save(root / "hits" / "ann" / "phone.jpg", exif=exif)
    with pytest.warns(UserWarning, match=r"1 images are resized to 80x60 \(first: hits/ann/phone"):
        load(root)


def harness_run(*args, cache_dir: Path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "HARNESS_CACHE_DIR": str(cache_dir)}
    command = [sys.executable, "-m", "harness", "run", "--profile", "quick", "--quiet", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env)


@pytest.mark.slow
def test_blog_folders_get_a_held_out_report_in_one_command(tmp_path):
    root = write_folders(tmp_path / "blog", sample_recordings(), subjects=True, every=5)
    out = tmp_path / "run"
    done = harness_run(
        "--dataset", f"folders:{root}", "--methods", "chance,classic-tuned", "--out", str(out),
        "--tasks", "punch-kick-other", cache_dir=tmp_path / "cache",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = (out / "summary.md").read_text()
    assert "punch-kick-other on folders:" in summary
    assert "leaky" not in summary.lower()
    rows = held_out_rows(out, "classic-tuned")
    assert rows and all(r["status"] == "ok" for r in rows), [r["reason"] for r in rows]
    ours, chance = (
        pooled_macro_f1(out, m, "punch-kick-other") for m in ("classic-tuned", "chance")
    )
    # Measured 0.41 against the stratified guess's 0.37 (seed 0): blog-style stills have
    # no empty scene, so the silhouettes are rough; the method still ran and beat the guess.
    assert ours > chance, (ours, chance)


@pytest.mark.slow
def test_blog_folders_without_subjects_are_refused_unless_allowed_and_then_flagged(tmp_path):
    root = write_folders(tmp_path / "blog", sample_recordings(), subjects=False, every=5)
    args = ("--dataset", f"folders:{root}", "--methods", "chance", "--tasks", "punch-binary")
    refused = harness_run(*args, "--out", str(tmp_path / "a"), cache_dir=tmp_path / "cache")
    assert refused.returncode == 2
    assert "--allow-leaky-split" in refused.stderr
    allowed = harness_run(
        *args, "--out", str(tmp_path / "b"), "--allow-leaky-split", cache_dir=tmp_path / "cache"
    )
    assert allowed.returncode == 0, allowed.stderr
    assert "leaky" in (tmp_path / "b" / "summary.md").read_text().lower()


def test_subjects_whose_names_differ_only_in_punctuation_get_distinct_ids(tmp_path):
    root = tmp_path / "blog"
    for subject in ("ann lee", "ann-lee"):
        for folder in ("hits", "others"):
            write_image(root / folder / subject / "1.jpg", np.zeros((60, 80, 3), np.uint8))
    _, loaded = load(root)
    assert sorted(r.id for r in loaded) == ["ann-lee", "ann-lee-2"]
    assert sorted(r.subject for r in loaded) == ["ann lee", "ann-lee"]

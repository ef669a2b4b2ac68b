"""Weights are found where the user put them, never invented, and really load."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from harness import weights

SHARED = Path(__file__).resolve().parents[3] / "shared"
IMAGES = SHARED / "images"


def test_a_file_in_the_weights_dir_is_found_first(no_weights, tmp_path):
    (no_weights / "x.h5").write_bytes(b"1")
    (tmp_path / "keras" / "models").mkdir(parents=True)
    (tmp_path / "keras" / "models" / "x.h5").write_bytes(b"2")
    assert weights.find_weights("x.h5") == no_weights / "x.h5"
    assert weights.missing_reason("x.h5") == ""


def test_the_keras_cache_is_searched_after_the_weights_dir(no_weights, tmp_path):
    (tmp_path / "keras" / "models").mkdir(parents=True)
    (tmp_path / "keras" / "models" / "y.h5").write_bytes(b"2")
    assert weights.find_weights("y.h5") == tmp_path / "keras" / "models" / "y.h5"


def test_set_weights_dir_makes_a_folder_the_first_place_to_look(no_weights, tmp_path):
    other = tmp_path / "mine"
    other.mkdir()
    (other / "z.h5").write_bytes(b"3")
    weights.set_weights_dir(other)
    assert weights.find_weights("z.h5") == other / "z.h5"


def test_a_missing_file_offline_gives_one_line_naming_it_its_url_and_where_to_put_it(no_weights):
    name = "mobilenet_1_0_224_tf_no_top.h5"
    reason = weights.missing_reason(name)
    assert "\n" not in reason
    assert name in reason and "--weights-dir" in reason and weights.ENV_VAR in reason
    assert str(no_weights) in reason and weights.URLS[name] in reason and "offline" in reason


def test_a_file_with_a_known_url_is_available_online_and_fetched_on_first_use(
    no_weights, monkeypatch
):
    name = "mobilenet_2_5_224_tf_no_top.h5"
    with pytest.raises(FileNotFoundError, match=name):  # offline: never fetched
        weights.resolve_weights(name)
    monkeypatch.delenv(weights.OFFLINE_ENV_VAR)
    assert weights.missing_reason(name) == ""
    assert weights.missing_reason("unknown.h5")  # no URL: still missing


@pytest.fixture
def server(tmp_path):
    """A real HTTP server on localhost serving the files of a folder."""
    import functools
    import http.server
    import threading

    folder = tmp_path / "site"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def test_a_download_is_checked_against_the_published_checksum(no_weights, monkeypatch, server):
    import hashlib

    folder, url = server
    monkeypatch.delenv(weights.OFFLINE_ENV_VAR)
    (folder / "good.bin").write_bytes(b"the published weights")
    (folder / "bad.bin").write_bytes(b"a page of html instead")
    monkeypatch.setitem(weights.URLS, "good.bin", url + "good.bin")
    monkeypatch.setitem(weights.URLS, "bad.bin", url + "bad.bin")
    sha = hashlib.sha256(b"the published weights").hexdigest()
    monkeypatch.setitem(weights.SHA256, "good.bin", sha)
    monkeypatch.setitem(weights.SHA256, "bad.bin", sha)
    path = weights.resolve_weights("good.bin")
    assert path == weights.keras_models_dir() / "good.bin" and path.read_bytes().startswith(b"the")
    with pytest.raises(
        FileNotFoundError, match=r"could not download weights file bad.bin .*sha256"
    ):
        weights.resolve_weights("bad.bin")
    assert not (weights.keras_models_dir() / "bad.bin").exists()  # nothing half-kept
    assert not list(weights.keras_models_dir().glob(".*"))


def test_a_download_with_no_network_fails_in_seconds_with_one_line(no_weights, monkeypatch):
    import socket
    import time

    with socket.socket() as sock:  # a port nobody listens on: the connection is refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.delenv(weights.OFFLINE_ENV_VAR)
    monkeypatch.setitem(weights.URLS, "far.bin", f"http://127.0.0.1:{port}/far.bin")
    start = time.monotonic()
    with pytest.raises(FileNotFoundError) as error:
        weights.resolve_weights("far.bin")
    assert time.monotonic() - start < weights.NETWORK_TIMEOUT
    message = str(error.value)
    assert "\n" not in message and "far.bin" in message and "--weights-dir" in message


# -- the checks of shared/weights/README.md: the files are the published weights -----------


def _need(filename: str) -> Path:
    path = weights.find_weights(filename)
    if path is None:
        pytest.skip(weights.missing_reason(filename))
    return path


@pytest.mark.deep
def test_keras_mobilenet_025_loads_218544_trained_parameters():
    pytest.importorskip("tensorflow")
    _need("mobilenet_2_5_224_tf_no_top.h5")
    from harness.api import import_tensorflow, load_backbone

    import_tensorflow()
    import keras

    keras.utils.set_random_seed(0)
    random = keras.applications.MobileNet(
        input_shape=(56, 100, 3), alpha=0.25, include_top=False, pooling="avg", weights=None
    )
    loaded = load_backbone("mobilenet-0.25").model
    assert loaded.count_params() == 218_544
    first_conv = next(w for w in loaded.weights if "conv1" in w.path and "kernel" in w.path)
    random_conv = next(w for w in random.weights if w.path == first_conv.path)
    assert not np.allclose(first_conv.numpy(), random_conv.numpy())
    # Every tensor changed, not just one: nothing was silently left at its initial value.
    changed = [
        not np.allclose(a, b)
        for a, b in zip(loaded.get_weights(), random.get_weights(), strict=True)
    ]
    assert np.mean(changed) > 0.9


def _tflite(path: Path):
    interpreter_module = pytest.importorskip("ai_edge_litert.interpreter")
    interpreter = interpreter_module.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    return interpreter


def _run(interpreter, image: np.ndarray) -> np.ndarray:
    detail = interpreter.get_input_details()[0]
    height, width = detail["shape"][1:3]
    resized = cv2.resize(image, (int(width), int(height)))
    interpreter.set_tensor(detail["index"], resized[None].astype(detail["dtype"]))
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def _rgb(name: str) -> np.ndarray:
    image = cv2.imread(str(IMAGES / name))
    if image is None:
        pytest.skip(f"test image {IMAGES / name} not found")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


@pytest.mark.deep
def test_tflite_classifier_ranks_mortarboard_first_on_grace_hopper():
    interpreter = _tflite(_need("mobilenet_v1_0.5_160_quant.tflite"))
    labels = _need("imagenet_labels.txt").read_text().splitlines()
    scores = _run(interpreter, _rgb("grace_hopper.bmp")).reshape(-1)
    top = [labels[i] for i in np.argsort(scores)[::-1][:3]]
    assert top[0] == "mortarboard"
    assert "academic gown, academic robe, judge's robe" in top


@pytest.mark.deep
def test_movenet_lands_within_005_of_the_reference_on_squat():
    interpreter = _tflite(_need("movenet_single_pose_lightning_ptq.tflite"))
    reference = _need("movenet_single_pose_lightning_ptq_reference.csv")
    keypoints = _run(interpreter, _rgb("squat.bmp")).reshape(17, 3)  # (y, x, score)
    with open(reference) as handle:
        rows = [row for row in csv.DictReader(handle) if float(row["keypoint_score"]) > 0.3]
    assert len(rows) >= 10
    for row in rows:
        y, x, _ = keypoints[int(row["keypoint_id"])]
        assert abs(x - float(row["keypoint_x"])) < 0.05 and abs(y - float(row["keypoint_y"])) < 0.05

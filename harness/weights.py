"""Where pretrained weights come from: the user's directory, the Keras cache, the web.

Order: ``--weights-dir`` (which sets ``HARNESS_WEIGHTS_DIR``), then the Keras cache
(``$KERAS_HOME/models``, default ``~/.keras/models``), then the official download into the
Keras cache, as Keras does: with a progress bar, checked against the published sha256, and
quick to give up (seconds, not a hang) when the network is not there. ``--offline`` (or
``HARNESS_OFFLINE=1``) forbids downloads. Nothing ever falls back to random weights: when a
file is nowhere and cannot be fetched, the methods needing it are listed as unavailable
with one line naming the file, its URL and ``--weights-dir``.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

ENV_VAR = "HARNESS_WEIGHTS_DIR"
OFFLINE_ENV_VAR = "HARNESS_OFFLINE"
#: Seconds a download may wait for the server before it is given up.
NETWORK_TIMEOUT = 10

_KERAS_MOBILENET = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
_CORAL = "https://github.com/google-coral/test_data/raw/master/"
# MediaPipe's model storage, where the mediapipe 0.10.x package downloads its pose models
# from (``download_utils``: prefix + file name). Each URL pins the object generation that
# MediaPipe's own third_party/external_files.bzl lists with this sha256: the unpinned lite
# URL now serves a later build (sha256 1150dc68...), which would fail the check below.
_MEDIAPIPE = "https://storage.googleapis.com/mediapipe-assets/"
_MEDIAPIPE_GENERATIONS = {
    "pose_detection.tflite": "1678737489600422",
    "pose_landmark_lite.tflite": "1661875901231143",
    "pose_landmark_full.tflite": "1661875894245786",
}

#: Official download address of every file the harness knows, by file name.
URLS: dict[str, str] = {
    **{
        name: _KERAS_MOBILENET + name
        for name in (f"mobilenet_{a}_224_tf_no_top.h5" for a in ("2_5", "5_0", "7_5", "1_0"))
    },
    **{
        name: _CORAL + name
        for name in (
            "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite",
            "mobilenet_v1_0.5_160_quant.tflite",
            "movenet_single_pose_lightning_ptq.tflite",
            "imagenet_labels.txt",
        )
    },
    **{
        name: f"{_MEDIAPIPE}{name}?generation={generation}"
        for name, generation in _MEDIAPIPE_GENERATIONS.items()
    },
}

#: sha256 of the files whose published content is known; a download must match it.
SHA256: dict[str, str] = {
    "mobilenet_2_5_224_tf_no_top.h5": (
        "dbdb03ee2a22fd895301636cd328b234bb3a9952358f436d82f46b81e0d5b0bf"
    ),
    "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite": (
        "f409ef4f73fcbb9667841965623c5c8524aac33d41b9bf5f3667161fb4a76319"
    ),
    "mobilenet_v1_0.5_160_quant.tflite": (
        "3cc6d2ca460abd2e0f699a6d0d2550c6b61c6e3b0e27a3616e384ea74cb86f43"
    ),
    "movenet_single_pose_lightning_ptq.tflite": (
        "cd7cc22fa946e5d146a7b98d496853e1923e22828d3972d579973f27f91bb105"
    ),
    "imagenet_labels.txt": "b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1",
    "pose_detection.tflite": "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    "pose_landmark_lite.tflite": (
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"
    ),
    "pose_landmark_full.tflite": (
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
    ),
}


def set_weights_dir(path: str | os.PathLike | None) -> None:
    """Make ``path`` the first place to look (also for worker processes)."""
    if path is not None:
        os.environ[ENV_VAR] = str(Path(path).expanduser().resolve())


def keras_models_dir() -> Path:
    """The Keras cache folder (``$KERAS_HOME/models``), where Keras also downloads to."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser() / "models"


def search_dirs() -> list[Path]:
    """The local folders searched, in order."""
    dirs = []
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]).expanduser())
    dirs.append(keras_models_dir())
    return dirs


def offline() -> bool:
    """True when downloads are forbidden (``--offline`` or ``HARNESS_OFFLINE=1``)."""
    return os.environ.get(OFFLINE_ENV_VAR, "").strip().lower() in ("1", "true", "yes")


def find_weights(filename: str) -> Path | None:
    """The first local copy of ``filename``, or None."""
    for folder in search_dirs():
        candidate = folder / filename
        if candidate.is_file():
            return candidate
    return None


def damage_reason(path: Path) -> str:
    """'' if the file at ``path`` is the published one (or its content is not known), else
    one line: a truncated download or another file under the same name."""
    expected = SHA256.get(Path(path).name)
    if expected is None or sha256_of(path) == expected:
        return ""
    source = f" from {URLS[path.name]}" if path.name in URLS else ""
    return (
        f"weights file {path} is damaged or another file (sha256 {sha256_of(path)[:12]}..., "
        f"expected {expected[:12]}...); replace it with the published file{source}"
    )


def missing_reason(filename: str) -> str:
    """'' if ``filename`` is local and sound (or may be downloaded), else one line saying
    what to do."""
    found = find_weights(filename)
    if found is not None:
        return damage_reason(found)
    if filename in URLS and not offline():
        return ""  # fetched on first use (see fetch)
    looked = ", ".join(str(d) for d in search_dirs())
    source = f" (published at {URLS[filename]})" if filename in URLS else ""
    why = "offline, " if filename in URLS else ""
    return (
        f"weights file {filename} not found ({why}looked in {looked}){source}; put it in a "
        f"folder and pass --weights-dir DIR or set {ENV_VAR}"
    )


def sha256_of(path: Path) -> str:
    """sha256 of a file's content, read once per (path, size, modification time)."""
    stat = Path(path).stat()
    return _sha256(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@functools.cache
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_id(filename: str) -> str:
    """What a cache key should say about weights file ``filename``: its sha256 when it is
    on disk (the same name may hold other weights), else its name."""
    found = find_weights(filename)
    return sha256_of(found) if found is not None else f"missing:{filename}"


def resolve_weights(filename: str) -> Path:
    """The local path of ``filename``, downloading it into the Keras cache when it is nowhere.

    Raises
    ------
    FileNotFoundError
        One line: the file is damaged, or nowhere and cannot be downloaded (offline, no
        known URL, no network, a wrong checksum).
    """
    found = find_weights(filename)
    if found is not None:
        if damage_reason(found):
            raise FileNotFoundError(damage_reason(found))
        return found
    if filename not in URLS or offline():
        raise FileNotFoundError(missing_reason(filename))
    return fetch(filename)


def fetch(filename: str) -> Path:
    """Download ``filename`` from its published URL into the Keras cache, checked."""
    import urllib.error
    import urllib.request

    from tqdm.auto import tqdm

    from harness.files import replacing

    url, target = URLS[filename], keras_models_dir() / filename
    digest = hashlib.sha256()
    try:
        with (
            urllib.request.urlopen(url, timeout=NETWORK_TIMEOUT) as response,
            replacing(target) as temp,
            open(temp, "wb") as out,
        ):
            size = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(
                total=size,
                unit="B",
                unit_scale=True,
                desc=f"downloading {filename}",
                disable=None,
                leave=False,
            ) as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
            expected = SHA256.get(filename)
            if expected and digest.hexdigest() != expected:
                raise ValueError(
                    f"sha256 {digest.hexdigest()[:12]}..., expected {expected[:12]}..."
                )
    except (OSError, ValueError, urllib.error.URLError) as error:
        reason = getattr(error, "reason", None) or error
        raise FileNotFoundError(
            f"could not download weights file {filename} from {url} ({reason}); download it "
            f"by hand and pass --weights-dir DIR or set {ENV_VAR}"
        ) from None
    return target

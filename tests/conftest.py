"""Shared test settings: offline weights, a test plugin folder, small real data.

Tests live in folders that mirror the tree: ``engine/`` (the ``harness`` package),
``methods/`` and ``datasets/`` (the plugins), plus the contract suite over every plugin.
"""

from __future__ import annotations

import os

import pytest
from _plugins import REPO, plugin  # noqa: E402

TEST_PLUGINS = REPO / "tests" / "plugins"
# CI clones the repository beside a copy of shared/, so ../shared/weights is the offline copy
# of the published weights. A user's own HARNESS_WEIGHTS_DIR wins.
os.environ.setdefault("HARNESS_WEIGHTS_DIR", str(REPO.parent / "shared" / "weights"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")
# Tests never download: the weights they need are in HARNESS_WEIGHTS_DIR.
os.environ.setdefault("HARNESS_OFFLINE", "1")


@pytest.fixture
def no_weights(tmp_path, monkeypatch):
    """Nothing anywhere: an empty weights folder, an empty Keras cache, no download."""
    from harness import weights

    (tmp_path / "weights").mkdir()
    monkeypatch.setenv(weights.ENV_VAR, str(tmp_path / "weights"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv(weights.OFFLINE_ENV_VAR, "1")
    return tmp_path / "weights"


@pytest.fixture(scope="session")
def toy_dirs() -> dict[str, str]:
    """Extra plugin folders holding the toy dataset and deliberately bad methods."""
    return {
        "datasets": str(TEST_PLUGINS / "datasets"),
        "methods": str(TEST_PLUGINS / "methods"),
    }


@pytest.fixture(scope="session")
def toy_recordings():
    toy = plugin("datasets", "toy", TEST_PLUGINS / "datasets")
    return toy.cls(profile="quick", seed=0).load()

"""Shared test settings: offline weights, a test plugin folder, small real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_PLUGINS = REPO / "tests" / "plugins"
# CI clones the repository beside a copy of shared/, so ../shared/weights is the offline copy
# of the published weights. A user's own HARNESS_WEIGHTS_DIR wins.
os.environ.setdefault("HARNESS_WEIGHTS_DIR", str(REPO.parent / "shared" / "weights"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def toy_dirs() -> dict[str, str]:
    """Extra plugin folders holding the toy dataset and deliberately bad methods."""
    return {
        "datasets": str(TEST_PLUGINS / "datasets"),
        "methods": str(TEST_PLUGINS / "methods"),
    }


@pytest.fixture(scope="session")
def toy_recordings():
    from harness.discovery import load_class

    cls = load_class("datasets", TEST_PLUGINS / "datasets" / "toy.py", "toy")
    return cls(profile="quick", seed=0).load()

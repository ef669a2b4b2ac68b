"""Proving which path served a result: a cache whose feature entries are all zeros."""

from __future__ import annotations

import numpy as np

from harness import cache
from harness.files import atomic_save_npy


def zeroed_feature_cache(monkeypatch, folder, extractor, recordings) -> None:
    """Point the harness cache at ``folder`` and store all-zero features of ``extractor``
    for every recording there, under the keys a lookup uses: whatever reads the cache now
    reads zeros, whatever computes from pixels does not."""
    monkeypatch.setenv(cache.ENV_VAR, str(folder))
    for recording in recordings:
        path = cache.entry_path(f"features/{extractor.kind}", extractor.recording_key(recording))
        atomic_save_npy(path, np.zeros((len(recording), *extractor.shape), extractor.dtype))

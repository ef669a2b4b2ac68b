"""A frozen CNN backbone on the whole frame (the 2018 blog's features)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.extractors.backbones import BATCH, get_spec, load_backbone
from harness.extractors.base import Extractor


@dataclass(frozen=True)
class WholeFrame(Extractor):
    """Global-average-pooled features of the whole frame, resized to the backbone's input.

    ``backbone`` is a name of :data:`harness.extractors.backbones.BACKBONES`, Keras ones
    optionally at another input size (``mobilenet-0.25@240x320``).
    """

    kind = "frame"
    chunk = BATCH  # one forward pass per chunk, as the backbone batches anyway
    backbone: str = "mobilenet-0.25"

    @property
    def shape(self) -> tuple[int, ...]:
        return (get_spec(self.backbone).dim,)

    @property
    def augment_size(self) -> tuple[int, int] | None:
        """(height, width) augmented copies are made at: a Keras backbone's input (it would
        resize them to it anyway); None (the recipe's size) for fixed-size TFLite ones."""
        spec = get_spec(self.backbone)
        return spec.input_size if spec.kind == "keras" else None

    def requirements(self) -> tuple[str, ...]:
        return get_spec(self.backbone).requirements

    def weights(self) -> tuple[str, ...]:
        return (get_spec(self.backbone).weights,)

    def embed(self, frames: np.ndarray, background: np.ndarray | None) -> np.ndarray:
        return load_backbone(self.backbone).embed(frames)

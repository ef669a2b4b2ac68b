"""Feature extractors: raw frames -> per-frame features, cached, windowed, timed honestly.

See :mod:`harness.extractors.base` for the contract. The extractors:

- :class:`WholeFrame`: a frozen CNN backbone on the whole frame.
- :class:`PersonCrop`: the backbone on a crop around the performer and its mirror image.
- :class:`MoveNetKeypoints`: MoveNet Lightning's 17 body keypoints.
- :class:`Silhouette`: movement.js's silhouette histograms.
- :class:`BlazePoseLandmarks`: BlazePose's 33 landmarks and world landmarks (tracked).
- :class:`BlazePoseMask`: the same histograms as :class:`Silhouette`, of BlazePose's
  learned person mask (no empty scene needed).
"""

from harness.extractors.augmented import augmentation_refusal, augmented_features
from harness.extractors.base import Extractor, mirrored_view
from harness.extractors.blazepose_extractors import BlazePoseLandmarks, BlazePoseMask
from harness.extractors.frame import WholeFrame
from harness.extractors.movenet import MoveNetKeypoints
from harness.extractors.person_crop import PersonCrop
from harness.extractors.silhouette import Silhouette

__all__ = [
    "BlazePoseLandmarks",
    "BlazePoseMask",
    "Extractor",
    "MoveNetKeypoints",
    "PersonCrop",
    "Silhouette",
    "WholeFrame",
    "augmentation_refusal",
    "augmented_features",
    "mirrored_view",
]

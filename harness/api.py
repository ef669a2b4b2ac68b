"""The public contract for plugins: everything a file in ``methods/`` or ``datasets/`` may use.

Plugins import from here and nothing else of ``harness`` (``tests/test_contract.py``
checks it); their own ``_helpers`` they import relatively (``from . import _helper``).

- Contracts: :class:`Method`, :class:`FeatureMethod`, :class:`Preset`, :class:`Dataset`,
  :class:`Recording`, :class:`Samples`, tasks and labels.
- Feature extractors (:mod:`harness.extractors`): what methods build on, and the
  backbones for methods that fine-tune them.
- Augmentation: the blog's recipe, label-aware.
- Media and layouts: what dataset plugins read the user's files with, and the frame cache.
- The rendered default dataset (``mk-synth``).
"""

from harness.augment import RECIPES as AUGMENTATION_RECIPES
from harness.augment import augment
from harness.dataset import Dataset
from harness.extractors import (
    BlazePoseLandmarks,
    BlazePoseMask,
    Extractor,
    MoveNetKeypoints,
    PersonCrop,
    Silhouette,
    WholeFrame,
    augmentation_refusal,
    augmented_features,
    mirrored_view,
)
from harness.extractors.backbones import BACKBONES, get_spec, load_backbone, resize
from harness.extractors.blazepose.landmarks import LANDMARK_NAMES as BLAZEPOSE_LANDMARKS
from harness.extractors.movenet import COCO_KEYPOINTS
from harness.extractors.runtime import import_tensorflow
from harness.extractors.silhouette import HEIGHT as _SILHOUETTE_HEIGHT
from harness.extractors.silhouette import WIDTH as _SILHOUETTE_WIDTH
from harness.extractors.silhouette import split as split_histograms
from harness.labels import (
    ACTION_LABELS,
    COARSE_LABELS,
    FINE_LABELS,
    KEYPOINT_NAMES,
    action_label,
    fine_label,
    mirror,
    swap_side,
    swap_sides,
)
from harness.live.overlay import BLAZEPOSE_33_EDGES, COCO_17_EDGES, draw_skeleton
from harness.method import FeatureMethod, Method, Preset
from harness.recording import Recording, as_frame_batch
from harness.samples import DEFAULT_WINDOW, Samples
from harness.stream import FeatureStream, Stream, align_proba, one_hot
from harness.synth import SWEEPABLE as SYNTH_SWEEPABLE
from harness.synth import VARIANTS as SYNTH_VARIANTS
from harness.synth import levels as synth_levels
from harness.synth import load_recordings as load_synth
from harness.synth import parse_variant as parse_synth_variant
from harness.synth import profile_config as synth_config
from harness.synth import variant_name as synth_variant_name
from harness.tasks import FRAME_TASKS, TASKS, Task, get_task
from harness.tools.frame_store import cached_images, cached_video, source_key
from harness.tools.layout import Layout, leaky_split_message, safe_name, scan_clips, scan_folders
from harness.tools.media import (
    UnreadableFile,
    capped_size,
    image_size,
    is_video,
    median_frame,
    probe_video,
    read_image,
    read_image_size,
    video_damage,
)
from harness.tools.media import fit as fit_frame

#: (width, height) of movement.js's silhouette, which :class:`Silhouette` histograms.
SILHOUETTE_SIZE = (_SILHOUETTE_WIDTH, _SILHOUETTE_HEIGHT)

__all__ = [
    "ACTION_LABELS",
    "AUGMENTATION_RECIPES",
    "BACKBONES",
    "BLAZEPOSE_33_EDGES",
    "BLAZEPOSE_LANDMARKS",
    "COARSE_LABELS",
    "COCO_17_EDGES",
    "COCO_KEYPOINTS",
    "DEFAULT_WINDOW",
    "FINE_LABELS",
    "FRAME_TASKS",
    "KEYPOINT_NAMES",
    "SILHOUETTE_SIZE",
    "SYNTH_SWEEPABLE",
    "SYNTH_VARIANTS",
    "TASKS",
    "BlazePoseLandmarks",
    "BlazePoseMask",
    "Dataset",
    "Extractor",
    "FeatureMethod",
    "FeatureStream",
    "Layout",
    "Method",
    "MoveNetKeypoints",
    "PersonCrop",
    "Preset",
    "Recording",
    "Samples",
    "Silhouette",
    "Stream",
    "Task",
    "UnreadableFile",
    "WholeFrame",
    "action_label",
    "align_proba",
    "as_frame_batch",
    "augment",
    "augmentation_refusal",
    "augmented_features",
    "cached_images",
    "cached_video",
    "draw_skeleton",
    "capped_size",
    "fine_label",
    "fit_frame",
    "get_spec",
    "get_task",
    "image_size",
    "import_tensorflow",
    "is_video",
    "leaky_split_message",
    "load_backbone",
    "load_synth",
    "median_frame",
    "mirror",
    "mirrored_view",
    "one_hot",
    "parse_synth_variant",
    "probe_video",
    "read_image",
    "read_image_size",
    "resize",
    "safe_name",
    "scan_clips",
    "scan_folders",
    "source_key",
    "split_histograms",
    "swap_side",
    "swap_sides",
    "synth_config",
    "synth_levels",
    "synth_variant_name",
    "video_damage",
]

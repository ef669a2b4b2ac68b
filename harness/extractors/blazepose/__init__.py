"""MediaPipe BlazePose, run from its published TFLite files with LiteRT.

Two stages, as MediaPipe's pose graphs: a person detector (:mod:`.detector`, with its
SSD anchors in :mod:`.anchors`) gives an aligned crop (:mod:`.roi`); the landmark model
(:mod:`.landmarks`) finds 33 landmarks, world landmarks and a person mask in it; the
tracker (:mod:`.tracker`) keeps the crop from frame to frame and detects again only when
the pose is lost; :mod:`.one_euro` smooths landmarks for streaming.

Typical use::

    tracker = BlazePoseTracker("lite")
    results = tracker.process_take(frames)      # a whole take, uint8 RGB (T, H, W, 3)
    result = tracker.process(frame)             # or live, one frame at a time
    result.landmarks                            # (33, 5) x, y, z, visibility, presence
"""

from harness.extractors.blazepose.landmarks import LANDMARK_NAMES, PoseResult
from harness.extractors.blazepose.tracker import BlazePoseTracker

__all__ = ["LANDMARK_NAMES", "BlazePoseTracker", "PoseResult"]

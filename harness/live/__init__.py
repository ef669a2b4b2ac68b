"""Building blocks of ``python -m harness live``: run a saved model on a camera or a video.

Each module has one job and knows nothing of methods, so the ``live`` command is a short
loop that joins them::

    source -> method stream -> probabilities -> events -> keys
                      \\-> keypoints / panel -> overlay -> window and/or annotated video

- :mod:`harness.live.video`: :func:`~harness.live.video.open_source` yields
  :class:`~harness.live.video.Frame` (``index``, ``t`` in seconds, ``rgb`` uint8) from a
  camera index or a video file, with a one-line error when it cannot;
  :class:`~harness.live.video.VideoWriter` writes every annotated frame (MJPG in ``.avi``,
  mp4v in ``.mp4``); :class:`~harness.live.video.Window` shows frames, and never touches
  OpenCV's GUI when headless (``--no-window``, or no display:
  :func:`~harness.live.video.display_available`).
- The method's stream (:meth:`harness.method.Method.stream`) turns each frame into class
  probabilities (or a hard label) over the task's classes, plus what it can draw:
  keypoints for pose methods, a panel image (silhouette, histograms) for the classic one
  (:meth:`harness.method.Method.live_view`, through ``stream.view(frame)``).
- :mod:`harness.live.events`: :class:`~harness.live.events.MoveDebouncer` smooths the
  probabilities and emits debounced ``start``/``end`` events (defaults checked for 15 fps);
  :class:`~harness.live.events.EventWriter` writes them as JSON lines (``--events FILE``
  or stdout); :func:`~harness.live.events.active_per_frame` turns them back into
  per-frame moves that :func:`harness.streaming.stream_events` scores against a take's
  labels, so the live path and the streaming table share one definition.
- :mod:`harness.live.keys`: :func:`~harness.live.keys.load_key_map` reads ``--keys``
  (TOML or CSV, checked against the labels; the MK.js default is
  :func:`~harness.live.keys.default_key_map_path`); :class:`~harness.live.keys.KeyPresser`
  presses a move's key on its start and releases it on its end (pynput, extra ``keys``).
- :mod:`harness.live.overlay`: :func:`~harness.live.overlay.annotate` draws the move,
  probability bars, FPS and latency, a skeleton (``COCO_17_EDGES``,
  ``BLAZEPOSE_33_EDGES``, ``HARNESS_15_EDGES``) and the method's panel beside or below.

The loop that joins them is :mod:`harness.live.app` (``python -m harness live``), with
:mod:`harness.live.scene` (the empty scene read after a countdown, for methods that
subtract it) and :mod:`harness.live.score` (events scored against a take's labels).
"""

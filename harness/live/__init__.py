"""Building blocks of ``python -m harness live``: run a saved model on a camera or a video.

Each module has one job and knows nothing of methods, so the ``live`` command is a short
loop that joins them::

    source -> method stream -> probabilities -> events -> keys
                    \\-> overlay -> window and/or annotated video

- :mod:`harness.live.video`: :func:`~harness.live.video.open_source` yields
  :class:`~harness.live.video.Frame` (index, seconds, RGB uint8) from a camera index or a
  video file; :class:`~harness.live.video.VideoWriter` writes every annotated frame
  (MJPG in ``.avi``, mp4v in ``.mp4``); :class:`~harness.live.video.Window` shows frames,
  or never opens a window when headless (``--no-window``).
- The method's stream (the lead's ``stream()`` API) turns each frame into class
  probabilities (or a hard label) over the task's classes.
- :mod:`harness.live.events`: :class:`~harness.live.events.MoveDebouncer` smooths them
  and emits debounced ``start``/``end`` events; :class:`~harness.live.events.EventWriter`
  writes them as JSON lines (``--events FILE`` or stdout).
- :mod:`harness.live.keys`: :func:`~harness.live.keys.load_key_map` reads ``--keys``
  (TOML or CSV; the default MK.js map is ``mkjs_keys.toml``);
  :class:`~harness.live.keys.KeyPresser` presses and releases the keys.
- :mod:`harness.live.overlay`: :func:`~harness.live.overlay.annotate` draws the move,
  probability bars, FPS and latency, a skeleton for pose methods, and the method's own
  panel (the classic method's silhouette and histograms) beside or below the frame.

Sketch of the loop the lead assembles (names of the method API are the lead's)::

    debouncer = MoveDebouncer(model.classes, fps=source.fps)
    with open_source(camera=0) as source, EventWriter(events_path) as writer, \\
            KeyPresser(load_key_map(keys_path, model.classes)) as presser:
        for frame in source:
            started = time.perf_counter()
            out = stream.step(frame.rgb)                  # probabilities, keypoints, panel
            events = debouncer.update(out.probabilities, t=frame.t)
            writer.write(events)
            presser.handle(events)
            shown = annotate(frame.rgb, move=debouncer.active, ...)
            video.write(shown); window.show(shown)
        writer.write(debouncer.finish())
"""

"""Tools for bringing your own data: frame extraction, dataset check and a recorder.

- :func:`harness.tools.extract.extract_frames`: frames of a video into a folder.
- :func:`harness.tools.check.check_dataset`: what a class-folder or clips dataset holds and
  everything wrong with it, before a run.
- :func:`harness.tools.record.record`: a webcam (or video-file) recording session that
  writes labelled clips and a manifest the ``clips`` dataset reads.

:mod:`harness.tools.layout` reads both on-disk layouts (shared by the ``folders`` and
``clips`` dataset plugins and the check), :mod:`harness.tools.label_names` maps folder
names onto the label taxonomy, :mod:`harness.tools.media` reads images and videos.
"""

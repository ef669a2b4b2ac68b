"""mk-synth: performers doing the game's moves in front of a webcam, rendered from code.

Modules: :mod:`body` (subjects, forward kinematics), :mod:`moves` (move key poses, scripts,
labelling rule), :mod:`scene` (camera, rooms), :mod:`render` (drawing a take),
:mod:`nuisances` (named nuisance factors), :mod:`config` (profiles, variants, takes) and
:mod:`store` (on-disk cache, parallel rendering, Recordings).
"""

from harness.synth.config import NUISANCES, PROFILES, VARIANTS, SynthConfig, TakeSpec, plan_takes
from harness.synth.render import Take, render_take
from harness.synth.store import load_recordings, renderer_hash

__all__ = [
    "NUISANCES",
    "PROFILES",
    "VARIANTS",
    "SynthConfig",
    "Take",
    "TakeSpec",
    "load_recordings",
    "plan_takes",
    "render_take",
    "renderer_hash",
]

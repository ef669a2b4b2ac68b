"""mk-synth: performers doing the game's moves in front of a webcam, rendered from code.

Modules: :mod:`body` (subjects, forward kinematics), :mod:`moves` (move key poses, scripts,
labelling rule), :mod:`scene` (camera, rooms), :mod:`render` (drawing a take),
:mod:`nuisances` (nuisance factors at graded strengths), :mod:`config` (profiles, variants,
takes) and :mod:`store` (on-disk cache, parallel rendering, Recordings).
"""

from harness.synth.config import (
    DEFAULT_STRENGTH,
    LEVELS,
    NAMED,
    NUISANCES,
    PROFILES,
    SWEEPABLE,
    VARIANTS,
    SynthConfig,
    TakeSpec,
    levels,
    parse_variant,
    plan_takes,
    profile_config,
    variant_name,
)
from harness.synth.render import Take, render_take
from harness.synth.store import load_recordings, renderer_hash

__all__ = [
    "DEFAULT_STRENGTH",
    "LEVELS",
    "NAMED",
    "NUISANCES",
    "PROFILES",
    "SWEEPABLE",
    "VARIANTS",
    "SynthConfig",
    "Take",
    "TakeSpec",
    "levels",
    "load_recordings",
    "parse_variant",
    "plan_takes",
    "profile_config",
    "render_take",
    "renderer_hash",
    "variant_name",
]

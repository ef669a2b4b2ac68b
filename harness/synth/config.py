"""Configuration of the synthetic dataset: profiles, variants (nuisances) and takes.

Every value that changes the rendered data lives here, so a take's cache key and
fingerprint are a hash of its :class:`TakeSpec` plus the renderer's code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

#: Nuisance factors; each variant but ``clean`` and ``mirrored`` switches on one of them.
NUISANCES: tuple[str, ...] = (
    "lighting",
    "shake",
    "noise",
    "shadow",
    "camouflage",
    "moving-object",
    "mirrored",
)
VARIANTS: tuple[str, ...] = ("clean",) + NUISANCES

#: Smallest stored frame on which a body is still drawn with recognisable limbs.
MIN_SIZE = (96, 72)


@dataclass(frozen=True)
class SynthConfig:
    """What to render: who, where, how long, at what size, with which nuisances."""

    n_subjects: int = 10
    n_scenes: int = 5
    takes_per_subject: int = 5  # each subject visits this many scenes (all of them by default)
    take_seconds: tuple = (20.0, 40.0)
    empty_seconds: float = 1.0  # >= 10 frames of empty room at 15 fps
    fps: float = 15.0
    size: tuple = (320, 240)  # stored (width, height); rendered at twice this size
    nuisances: tuple = ()
    seed: int = 0

    def __post_init__(self) -> None:
        validate(self)


def validate(config: SynthConfig) -> None:
    """Raise ValueError with one line naming the bad setting and what is valid."""
    if config.n_subjects < 1:
        raise ValueError(f"mk-synth: n_subjects={config.n_subjects}; valid: 1 or more subjects")
    if config.n_scenes < 1:
        raise ValueError(f"mk-synth: n_scenes={config.n_scenes}; valid: 1 or more scenes")
    if not 1 <= config.takes_per_subject <= config.n_scenes:
        raise ValueError(
            f"mk-synth: takes_per_subject={config.takes_per_subject}; "
            f"valid: 1 to n_scenes ({config.n_scenes})"
        )
    unknown = [n for n in config.nuisances if n not in NUISANCES]
    if unknown:
        raise ValueError(f"mk-synth: unknown nuisance {unknown}; valid: {', '.join(NUISANCES)}")
    w, h = config.size
    if w < MIN_SIZE[0] or h < MIN_SIZE[1]:
        raise ValueError(
            f"mk-synth: size {w}x{h} is too small to draw a body; valid: at least "
            f"{MIN_SIZE[0]}x{MIN_SIZE[1]} pixels (width x height)"
        )
    lo, hi = config.take_seconds
    if not 0 < lo <= hi:
        raise ValueError(f"mk-synth: take_seconds={config.take_seconds}; valid: 0 < min <= max")
    if config.empty_seconds * config.fps < 10:
        raise ValueError(
            f"mk-synth: empty_seconds={config.empty_seconds} gives fewer than 10 empty frames "
            f"at {config.fps} fps; valid: empty_seconds >= {10 / config.fps:.2f}"
        )
    if config.fps <= 0:
        raise ValueError(f"mk-synth: fps={config.fps}; valid: a positive frame rate")


#: The two profiles. ``quick``: 4 subjects in 2 rooms, one short take each that still holds
#: every move once. ``full``: 10 subjects x 5 rooms, 20-40 s takes.
PROFILES: dict[str, dict] = {
    "quick": {"n_subjects": 4, "n_scenes": 2, "takes_per_subject": 1, "take_seconds": (17.0, 19.0)},
    "full": {},
}


def profile_config(profile: str, variant: str = "clean", seed: int = 0) -> SynthConfig:
    """The configuration of a named profile and variant."""
    if profile not in PROFILES:
        raise ValueError(f"mk-synth: unknown profile {profile!r}; valid: {', '.join(PROFILES)}")
    if variant not in VARIANTS:
        raise ValueError(f"mk-synth: unknown variant {variant!r}; valid: {', '.join(VARIANTS)}")
    nuisances = () if variant == "clean" else (variant,)
    return SynthConfig(**PROFILES[profile], nuisances=nuisances, seed=seed)


@dataclass(frozen=True)
class TakeSpec:
    """One take to render: a subject in a scene, with everything that shapes its pixels."""

    subject: int
    scene: int
    take: int  # index of the take within the dataset (its random stream)
    seconds: float
    config: SynthConfig = field(repr=False)

    @property
    def id(self) -> str:
        return f"s{self.subject + 1:02d}-room{self.scene + 1:02d}-t{self.take:02d}"

    def as_dict(self) -> dict:
        out = asdict(self)
        out["config"] = asdict(self.config)
        return out


def plan_takes(config: SynthConfig) -> list[TakeSpec]:
    """Which subject performs in which scene and for how long (deterministic in the seed).

    Subject i visits ``takes_per_subject`` scenes starting at scene i, so with fewer takes
    than scenes the rooms are still shared between subjects.
    """
    rng = np.random.default_rng([config.seed, 31337])
    specs = []
    for subject in range(config.n_subjects):
        for k in range(config.takes_per_subject):
            scene = (subject + k) % config.n_scenes
            seconds = float(rng.uniform(*config.take_seconds))
            specs.append(TakeSpec(subject, scene, len(specs), round(seconds, 3), config))
    return specs

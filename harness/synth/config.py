"""Configuration of the synthetic dataset: profiles, variants (nuisances) and takes.

Every value that changes the rendered data lives here, so a take's cache key and
fingerprint are a hash of its :class:`TakeSpec` plus the renderer's code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

#: The named variants' nuisances (``mk-synth:shadow``); ``mk-synth:*`` expands to these.
NAMED: tuple[str, ...] = (
    "lighting",
    "shake",
    "noise",
    "shadow",
    "camouflage",
    "moving-object",
    "mirrored",
)
VARIANTS: tuple[str, ...] = ("clean",) + NAMED

#: What a robustness sweep varies, one at a time (``lighting`` is gradual or sudden at random).
SWEEPABLE: tuple[str, ...] = (
    "lighting-gradual",
    "lighting-sudden",
    "shake",
    "noise",
    "shadow",
    "camouflage",
    "moving-object",
    "mirrored",
    "person-scale",
    "frame-rate",
)
#: Every nuisance factor; see harness.synth.nuisances for what each strength means.
NUISANCES: tuple[str, ...] = NAMED + tuple(n for n in SWEEPABLE if n not in NAMED)

#: The strength a nuisance gets when none is given: the named variants render at these, exactly
#: as they did before strengths existed. Camouflage and mirrored are at their severe end.
DEFAULT_STRENGTH: dict[str, float] = {name: 0.5 for name in NUISANCES}
DEFAULT_STRENGTH.update({"camouflage": 1.0, "mirrored": 1.0})

#: Strength levels of a sweep, from none (the clean render) to severe.
LEVELS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
_ON_OFF = frozenset({"mirrored"})  # nuisances that are either there or not
_LIGHTING = frozenset({"lighting", "lighting-gradual", "lighting-sudden"})


def levels(nuisance: str) -> tuple[float, ...]:
    """The strengths a sweep renders ``nuisance`` at (0 is the clean render)."""
    _check_name(nuisance)
    return (0.0, 1.0) if nuisance in _ON_OFF else LEVELS


def _check_name(name) -> None:
    if name not in NUISANCES:
        raise ValueError(f"mk-synth: unknown nuisance {name!r}; valid: {', '.join(NUISANCES)}")


def normalise_nuisances(nuisances) -> tuple[tuple[str, float], ...]:
    """``("shadow", ("noise", 0.6))`` -> ``(("noise", 0.6), ("shadow", 0.5))``.

    A bare name gets its default strength; strengths are rounded to 4 decimals; a nuisance
    at strength 0 is dropped, so it is the clean configuration (and shares its cache).
    """
    pairs = {}
    for item in nuisances:
        pair = (item, None) if isinstance(item, str) else tuple(item)
        if len(pair) != 2:
            raise ValueError(f"mk-synth: nuisance {item!r}; valid: a name or (name, strength)")
        name, strength = pair
        _check_name(name)
        strength = DEFAULT_STRENGTH[name] if strength is None else round(float(strength), 4)
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"mk-synth: {name} strength {strength}; valid: 0 (none) to 1 (severe)")
        if name in _ON_OFF and strength not in (0.0, 1.0):
            raise ValueError(f"mk-synth: {name} strength {strength}; valid: 0 (off) or 1 (on)")
        if name in pairs:
            raise ValueError(f"mk-synth: nuisance {name} given twice; valid: each at most once")
        pairs[name] = strength
    lights = sorted(_LIGHTING & {n for n, s in pairs.items() if s > 0})
    if len(lights) > 1:
        raise ValueError(f"mk-synth: {' and '.join(lights)} together; valid: one lighting change")
    return tuple(sorted((n, s) for n, s in pairs.items() if s > 0))


def parse_variant(variant: str) -> tuple[str, float]:
    """``"lighting-gradual@0.6"`` -> ``("lighting-gradual", 0.6)``; ``"shadow"`` -> its default.

    ``"clean"`` is ``("clean", 0.0)``. Raises ValueError with one line on a bad name or number.
    """
    name, at, number = variant.partition("@")
    if name == "clean" and not at:
        return "clean", 0.0
    if name not in NUISANCES:
        valid = ", ".join(VARIANTS + tuple(n for n in NUISANCES if n not in NAMED))
        raise ValueError(
            f"mk-synth: unknown variant {variant!r}; valid: {valid}, each optionally @STRENGTH"
        )
    if not at:
        return name, DEFAULT_STRENGTH[name]
    try:
        strength = float(number)
    except ValueError:
        raise ValueError(
            f"mk-synth: variant {variant!r} has no number after @; valid: {name}@0.5 (0 to 1)"
        ) from None
    normalise_nuisances([(name, strength)])  # range checks
    return name, round(strength, 4)


def variant_name(nuisance: str, strength: float) -> str:
    """The variant spelling of a nuisance at a strength: ``("noise", 0.25)`` -> ``noise@0.25``."""
    return f"{nuisance}@{round(float(strength), 4):g}"


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
    nuisances: tuple = ()  # names (default strength) or (name, strength) pairs, see NUISANCES
    seed: int = 0

    def __post_init__(self) -> None:
        # Stored normalised, so equal renders have equal configurations and cache keys.
        object.__setattr__(self, "nuisances", normalise_nuisances(self.nuisances))
        validate(self)

    @property
    def strengths(self) -> dict[str, float]:
        """Each active nuisance's strength, in (0, 1]."""
        return dict(self.nuisances)


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


def profile_config(
    profile: str, variant: str = "clean", seed: int = 0, strength: float | None = None
) -> SynthConfig:
    """The configuration of a named profile and variant.

    Parameters
    ----------
    profile : ``quick`` or ``full``.
    variant : ``clean``, a nuisance name (at its default strength) or ``NAME@STRENGTH``.
    seed : the dataset's seed; the same subjects, rooms and scripts at every variant.
    strength : overrides the variant's strength (0 gives the clean configuration).
    """
    if profile not in PROFILES:
        raise ValueError(f"mk-synth: unknown profile {profile!r}; valid: {', '.join(PROFILES)}")
    name, parsed = parse_variant(variant)
    if strength is not None and name == "clean":
        raise ValueError("mk-synth: a strength needs a nuisance; valid: profile_config(p, 'noise')")
    nuisances = () if name == "clean" else ((name, parsed if strength is None else strength),)
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

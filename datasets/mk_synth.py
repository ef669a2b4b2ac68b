"""mk-synth: the default dataset, rendered performers doing the game's moves at a webcam.

Ten subjects (1.50-1.95 m, own proportions, build, clothes, skin, hair, tempo and reach)
in five procedural rooms, filmed by a pinhole webcam at desk height (320x240 RGB, 15 fps,
with the motion blur of a half-interval exposure on fast limbs).
Each take starts with at least 10 frames of the empty room (the background frame), then
the performer walks in and performs a random script: upper punches, front and roundhouse
kicks on both sides, walks across the view and squats, with idle standing in between.

Labelling rule (see :mod:`harness.synth.moves`): a move's label spans its onset to its
return; frames where the move has reached at least half of its peak extension (wrist or
ankle displacement from the starting pose, pelvis drop for squats, speed for walks) are
plainly visible; frames between 20 % and 50 % keep the label but are flagged ambiguous;
below 20 % the frame is ``stand``. Frames where the performer is only partly in view are
ambiguous; frames with no performer pixel are ``empty``.

Variants: ``clean`` (no nuisance) and one per nuisance factor (lighting, shake, noise,
shadow, camouflage, moving-object, mirrored); ``mk-synth:*`` is these. Any nuisance at a
graded strength from 0 (clean) to 1 (severe): ``mk-synth:lighting-gradual@0.6``, also for
lighting-sudden, person-scale and frame-rate; the same subjects, rooms and scripts at
every strength. See :mod:`harness.synth.nuisances` for what each strength means.
Profiles: ``quick`` (4 subjects, 2 rooms, one ~18 s take each, every move in each take)
and ``full`` (10 subjects x 5 rooms, 20-40 s takes).
"""

from harness.api import (
    SYNTH_SWEEPABLE,
    SYNTH_VARIANTS,
    Dataset,
    load_synth,
    parse_synth_variant,
    synth_config,
    synth_levels,
    synth_variant_name,
)


class MkSynth(Dataset):
    name = "mk-synth"
    version = "mk-synth-5"
    variants = SYNTH_VARIANTS
    description = "rendered performers doing the game's moves in procedural rooms (default)"

    def __init__(self, arg: str | None = None, profile: str = "full", seed: int = 0):
        # Besides the named variants, any nuisance at a strength (NAME@STRENGTH), so the
        # base class's check against ``variants`` is replaced by mk-synth's own.
        super().__init__(None, profile, seed)
        if arg is not None and arg not in SYNTH_VARIANTS:
            name, strength = parse_synth_variant(arg)  # one-line ValueError on a bad spelling
            arg = "clean" if name == "clean" else synth_variant_name(name, strength)
        self.arg = arg or self.arg

    def config(self):
        """The SynthConfig of this profile, variant and seed."""
        return synth_config(self.profile, self.arg, self.seed)

    def load(self):
        return load_synth(self.config())

    def describe(self) -> dict:
        cfg = self.config()
        return {
            "name": self.name,
            "arg": self.arg,
            "version": self.version,
            "profile": self.profile,
            "subjects": cfg.n_subjects,
            "scenes": cfg.n_scenes,
            "source": "rendered by harness.synth (numpy + OpenCV)",
        }

    def sweep(self, nuisance: str) -> list:
        """The same takes under ``nuisance`` at every sweep level (0 = this variant)."""
        if nuisance not in SYNTH_SWEEPABLE:
            raise ValueError(
                f"mk-synth cannot sweep {nuisance!r}; valid: {', '.join(SYNTH_SWEEPABLE)}"
            )
        if self.arg not in (None, "clean"):
            raise ValueError(f"--sweep trains on clean renders; use --dataset {self.name}")
        return [
            (
                s,
                self
                if s == 0
                else MkSynth(synth_variant_name(nuisance, s), self.profile, self.seed),
            )
            for s in synth_levels(nuisance)
        ]

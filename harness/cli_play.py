"""Command line of the play loop: ``train``, ``live`` and ``export`` (added to ``harness``).

python -m harness train --method M --task T [--dataset D] [--profile P] --out DIR
python -m harness live --model DIR (--camera N | --source FILE) [--keys FILE]
                       [--no-window] [--out VIDEO] [--events FILE]
                       [--smoothing ALPHA] [--enter P] [--exit P] [--hold N]
python -m harness export --model DIR --format tflite [--out FILE]
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.errors import UsageError
from harness.live import events
from harness.samples import DEFAULT_WINDOW

DEFAULT_DATASET = "mk-synth"


def add_parsers(commands, add_common) -> None:
    """Add the three sub-commands to ``commands`` (an argparse subparsers object)."""
    train = commands.add_parser("train", help="fit a method on every subject and save it")
    train.add_argument("--method", required=True, help="a method name, as `list` shows it")
    train.add_argument("--task", required=True, help="the task the model answers")
    train.add_argument("--dataset", default=DEFAULT_DATASET, help="NAME or NAME:VARIANT|PATH")
    train.add_argument("--profile", choices=("quick", "full"), default="full")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--window", type=int, default=DEFAULT_WINDOW, help="frames per window")
    train.add_argument("--out", type=Path, required=True, help="a new folder for the model")
    train.add_argument(
        "--scores-from",
        type=Path,
        metavar="RUN_DIR",
        help="a run's folder: its held-out scores of this method and task go into the model",
    )
    add_common(train)

    live = commands.add_parser("live", help="run a saved model on a camera or a video")
    live.add_argument("--model", type=Path, required=True, help="a folder `train` wrote")
    source = live.add_mutually_exclusive_group(required=True)
    source.add_argument("--camera", type=int, metavar="N", help="camera index")
    source.add_argument("--source", type=Path, metavar="FILE", help="a video file")
    live.add_argument("--keys", type=Path, help="key map (.toml or .csv); see mkjs_keys.toml")
    live.add_argument("--no-window", action="store_true", help="do not open a window")
    live.add_argument("--out", type=Path, metavar="VIDEO", help="annotated video (.avi, .mp4)")
    live.add_argument("--events", metavar="FILE", help="JSON-lines events (default: stdout)")
    live.add_argument(
        "--countdown",
        type=float,
        help="seconds to step out of view before the empty scene is read "
        "(default 3 for a camera, 0 for a file)",
    )
    live.add_argument("--scene-frames", type=int, default=10, help="frames of the empty scene")
    debouncing = live.add_argument_group(
        "events", "when a move starts and ends (see harness/live/events.py for the trade-offs)"
    )
    for flag, kind, default, metavar, text in (
        (
            "--smoothing",
            float,
            events.DEFAULT_ALPHA,
            "ALPHA",
            "newest frame's weight in the average",
        ),
        ("--enter", float, events.DEFAULT_ENTER, "P", "a move starts above this average"),
        ("--exit", float, events.DEFAULT_EXIT, "P", "and ends below this one"),
        ("--hold", int, events.DEFAULT_HOLD_FRAMES, "N", "frames above --enter before it starts"),
    ):
        debouncing.add_argument(
            flag, type=kind, default=default, metavar=metavar, help=f"{text} (default {default})"
        )
    add_common(live)

    export = commands.add_parser("export", help="a saved deep model as one TFLite file")
    export.add_argument("--model", type=Path, required=True, help="a folder `train` wrote")
    export.add_argument("--format", choices=("tflite", "tfjs"), required=True)
    export.add_argument("--out", type=Path, help="output file (default MODEL/model.tflite)")
    add_common(export)


def command_train(args) -> int:
    from harness.train import train

    if args.window < 1:
        raise UsageError("--window must be at least 1")
    folder = train(
        args.method,
        args.task,
        args.dataset,
        args.out,
        profile=args.profile,
        seed=args.seed,
        window=args.window,
        scores_from=args.scores_from,
        method_dirs=tuple(args.methods_dir),
        dataset_dirs=tuple(args.datasets_dir),
    )
    print(folder)
    return 0


def _load(args):
    from harness.models import load_model

    model = load_model(args.model, tuple(args.methods_dir))
    for warning in model.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return model


def command_live(args) -> int:
    from harness.live.app import play

    settings = {
        "alpha": args.smoothing,
        "enter": args.enter,
        "exit": args.exit,
        "hold_frames": args.hold,
    }
    try:  # checked before the model loads: a bad setting is the user's input
        events.check_settings(**settings)
    except ValueError as error:
        raise UsageError(f"live: {error}") from None
    model = _load(args)
    summary = play(
        model,
        debouncing=settings,
        camera=args.camera,
        source=args.source,
        keys=args.keys,
        show=not args.no_window,
        out=args.out,
        events=args.events,
        countdown=args.countdown,
        scene_frames=args.scene_frames,
    )
    print(summary.line(), file=sys.stderr)
    return 0


def command_export(args) -> int:
    from harness.export import TFJS_MESSAGE, export_tflite

    if args.format == "tfjs":
        raise UsageError(TFJS_MESSAGE)
    model = _load(args)
    out = args.out or args.model / "model.tflite"
    result = export_tflite(model, out)
    if not result.ok:
        print(f"error: check failed: {result.line()}", file=sys.stderr)
        return 1
    print(result.line())
    return 0


COMMANDS = {"train": command_train, "live": command_live, "export": command_export}

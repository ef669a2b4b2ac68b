"""Command line: python -m harness run, list, report, compare, explain, dataset, record, and more.

``train``, ``live`` and ``export`` are defined in :mod:`harness.cli_play`.

Results go to files and stdout, errors to stderr. Bad usage or bad input exits with
status 2 and one line saying what is wrong and what to do.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import warnings
from pathlib import Path

from harness import cache, cli_play, weights
from harness.errors import UsageError
from harness.execute import DEFAULT_TIMEOUT
from harness.executors import BACKENDS
from harness.plan import PROTOCOLS
from harness.runner import DEFAULT_DATASET, RunConfig

EXIT_USAGE = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2), not the whole usage."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"error: {message} (see {self.prog} --help)\n")


def _csv(text: str) -> tuple[str, ...]:
    items = tuple(item.strip() for item in text.split(",") if item.strip())
    if not items:
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return items


def _sweeps(text: str) -> tuple[str, ...]:
    """Sweep names; ``lighting`` stands for both of its kinds, each swept on its own."""
    names = []
    for name in _csv(text):
        names += ["lighting-gradual", "lighting-sudden"] if name == "lighting" else [name]
    return tuple(dict.fromkeys(names))


def _dataset_specs(text: str) -> tuple[str, ...]:
    """Comma-separated specs; ``NAME:PATH`` whose path exists as written is one spec, commas
    and all (``--dataset 'folders:/data/a,b'``)."""
    name, _, arg = text.partition(":")
    if arg and Path(arg).expanduser().exists():
        return (text,)
    return _csv(text)


def _setting(text: str) -> tuple[str, str, list]:
    """``METHOD.PARAM=V1[,V2...]`` -> (method, param, values); values read as Python
    literals where they are one (``16``, ``0.5``, ``True``, ``(64, 32)``), else as text."""
    target, eq, values = text.partition("=")
    method, dot, param = target.rpartition(".")
    if not (eq and dot and method and param and values):
        raise argparse.ArgumentTypeError(f"write METHOD.PARAM=VALUE[,VALUE...], not {text!r}")
    parsed = []
    for value in _split_values(values):
        try:
            parsed.append(ast.literal_eval(value))
        except (ValueError, SyntaxError):
            parsed.append(value)
    return method, param, parsed


def _split_values(text: str) -> list[str]:
    """Split at commas outside brackets: ``16,32`` -> 2 values, ``(64, 32),(8,)`` -> 2."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "([{" and 1 or (char in ")]}" and -1 or 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [p for p in [*parts, current.strip()] if p]


def _settings(items) -> dict:
    settings: dict = {}
    for method, param, values in items or []:
        settings.setdefault(method, {})[param] = values
    return settings


def _bounded(low: int, high: int | None = None, kind=int):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text}")
        return value

    return parse


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        message = f"size must be WIDTHxHEIGHT, e.g. 100x56, not {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    return width, height


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--weights-dir", help=f"folder with pretrained weights files (also ${weights.ENV_VAR})"
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help=f"never download weights (also ${weights.OFFLINE_ENV_VAR}=1)",
    )
    parser.add_argument(
        "--methods-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="extra folder of method plugins (repeatable)",
    )
    parser.add_argument(
        "--datasets-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="extra folder of dataset plugins (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m harness", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    run = commands.add_parser("run", help="fit and score every method on held-out subjects")
    run.add_argument(
        "--dataset",
        type=_dataset_specs,
        action="append",
        help="comma-separated NAME or NAME:VARIANT or NAME:PATH (repeatable); NAME:* for "
        f"every variant (default {DEFAULT_DATASET})",
    )
    run.add_argument("--methods", type=_csv, help="comma-separated method names (default: all)")
    run.add_argument("--tasks", type=_csv, help="comma-separated tasks (default: all)")
    run.add_argument(
        "--profile",
        choices=("quick", "full"),
        default="full",
        help="dataset size: quick for a look in a minute, full for the real numbers",
    )
    run.add_argument(
        "--seed", type=_bounded(0, 2**32 - 1), default=0, help="the one seed everything uses"
    )
    run.add_argument("--folds", type=_bounded(2), default=5, help="leave-subjects-out folds")
    run.add_argument(
        "--jobs",
        type=_bounded(1),
        default=os.cpu_count() or 1,
        help="fits run in parallel, each in its own worker process (default: the CPU count)",
    )
    run.add_argument(
        "--backend",
        choices=BACKENDS,
        default="local",
        help="where fits run: this machine, or a Dask or Ray cluster (started here with "
        "--jobs workers unless --address names one)",
    )
    run.add_argument("--address", help="the Dask scheduler or Ray head to use")
    run.add_argument(
        "--window", type=_bounded(1), default=8, help="frames per window of the action task"
    )
    run.add_argument(
        "--latency-rounds", type=_bounded(50), default=50, help="timed calls per probe (>= 50)"
    )
    run.add_argument(
        "--timeout",
        type=_bounded(1, kind=float),
        default=DEFAULT_TIMEOUT,
        help=f"seconds one fit may take before it is stopped (default {DEFAULT_TIMEOUT})",
    )
    run.add_argument(
        "--set",
        type=_setting,
        action="append",
        metavar="METHOD.PARAM=VALUE[,VALUE]",
        help="a method's parameter (repeatable); several values: one row per combination",
    )
    run.add_argument(
        "--augment",
        type=_csv,
        metavar="RECIPE[,RECIPE]",
        help="augmentation recipes (blog, blog-noflip, blog-noswap, flip, none) for every "
        "method that augments; several: one row each (an ablation)",
    )
    run.add_argument(
        "--protocol",
        type=_csv,
        default=("subjects",),
        help="subjects (default: people never seen) and/or random-frames (the leak, marked "
        "red), comma-separated",
    )
    run.add_argument(
        "--sweep",
        type=_sweeps,
        metavar="NUISANCE[,NUISANCE]",
        help="train on clean takes, test held-out people under each nuisance at graded "
        "strengths (mk-synth; lighting = lighting-gradual,lighting-sudden)",
    )
    place = run.add_mutually_exclusive_group()
    place.add_argument("--out", type=Path, help="run folder (default reports/<run-id>)")
    place.add_argument(
        "--resume", type=Path, metavar="RUN_DIR", help="continue a run: keep what it finished"
    )
    run.add_argument(
        "--allow-leaky-split",
        action="store_true",
        help="report on data without subject ids (marked as leaky)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--save-models", action="store_true", help="keep each fold's model under OUT/models/"
    )
    add_common(run)

    listing = commands.add_parser("list", help="every method and dataset, available or not")
    add_common(listing)

    report = commands.add_parser("report", help="re-render a run's report from results.json")
    report.add_argument("run_dir", type=Path)

    compare = commands.add_parser("compare", help="macro-F1 and latency changes from run A to B")
    compare.add_argument("run_a", type=Path, help="the run before (a folder with results.json)")
    compare.add_argument("run_b", type=Path, help="the run after")
    compare.add_argument(
        "--fail-on-regression",
        type=float,
        metavar="D",
        help="exit 1 when a method's macro-F1 fell by more than D (interval excluding 0)",
    )
    compare.add_argument(
        "--allow-different", action="store_true", help="compare runs on other data or seeds"
    )
    compare.add_argument("--out", type=Path, help="output folder (default RUN_B/compare-<A>)")

    explain = commands.add_parser("explain", help="show how a method decides on one frame")
    explain.add_argument("method")
    explain.add_argument("--dataset", default=DEFAULT_DATASET)
    explain.add_argument("--profile", choices=("quick", "full"), default="quick")
    explain.add_argument("--take", help="recording id (default: the first)")
    explain.add_argument("--frame", type=int, help="frame index (default: the middle)")
    explain.add_argument("--task", help="a frame task (default: posture, else the first served)")
    explain.add_argument("--out", type=Path, default=Path("explain.png"))
    add_common(explain)

    dataset = commands.add_parser("dataset", help="dataset tools: preview, extract, check")
    tools = dataset.add_subparsers(dest="tool", required=True)
    preview = tools.add_parser("preview", help="contact sheet and animation of a dataset")
    preview.add_argument("name", help="NAME or NAME:VARIANT or NAME:PATH")
    preview.add_argument("--out", type=Path, required=True)
    preview.add_argument("--profile", choices=("quick", "full"), default="full")
    preview.add_argument("--seed", type=int, default=0)
    add_common(preview)
    extract = tools.add_parser("extract", help="frames of a video as images")
    extract.add_argument("video", type=Path)
    extract.add_argument("--out", type=Path, required=True)
    extract.add_argument("--every", type=int, default=1, help="keep every N-th frame")
    extract.add_argument("--size", type=_size, help="WIDTHxHEIGHT, e.g. 100x56")
    check = tools.add_parser("check", help="validate a class-folder or clip dataset")
    check.add_argument("root", type=Path)
    check.add_argument("--kind", choices=("folders", "clips"), help="default: detected")
    check.add_argument(
        "--subject-regex",
        help="clips: regular expression whose first group "
        "is the subject, matched against file names",
    )

    record = commands.add_parser("record", help="record labelled clips from a webcam or video")
    record.add_argument("--out", type=Path, required=True)
    record.add_argument("--subject", required=True)
    source = record.add_mutually_exclusive_group()
    source.add_argument("--camera", type=int, default=0)
    source.add_argument("--source", type=Path, help="read a video file instead of a camera")
    record.add_argument("--moves", type=_csv, help="comma-separated labels to prompt for")
    record.add_argument("--seconds", type=float, default=3.0, help="seconds per move")
    record.add_argument("--countdown", type=int, default=3, help="seconds of countdown")
    record.add_argument("--no-window", action="store_true", help="do not show a window")
    cli_play.add_parsers(commands, add_common)  # train, live, export
    return parser


def load_dataset(spec: str, profile: str, seed: int, dataset_dirs=()):
    from harness import discovery

    plugins = discovery.discover("datasets", dataset_dirs)
    return discovery.resolve_datasets((spec,), plugins, profile, seed)


def command_run(args) -> int:
    from harness import runner

    cache.cache_dir()  # a HARNESS_CACHE_DIR that is not a folder: one line, before any work
    unknown = [p for p in args.protocol if p not in PROTOCOLS]
    if unknown:
        raise UsageError(f"unknown protocol {unknown[0]!r}; valid: {', '.join(PROTOCOLS)}")

    config = RunConfig(
        datasets=tuple(spec for specs in (args.dataset or [(DEFAULT_DATASET,)]) for spec in specs),
        methods=args.methods,
        tasks=args.tasks,
        profile=args.profile,
        seed=args.seed,
        folds=args.folds,
        jobs=args.jobs,
        backend=args.backend,
        address=args.address,
        window=args.window,
        out=args.resume or args.out,
        resume=args.resume is not None,
        timeout=args.timeout,
        protocols=args.protocol,
        settings=_settings(args.set),
        augment=args.augment or (),
        sweep=args.sweep or (),
        method_dirs=tuple(args.methods_dir),
        dataset_dirs=tuple(args.datasets_dir),
        allow_leaky_split=args.allow_leaky_split,
        latency_rounds=args.latency_rounds,
        progress=not args.quiet,
        save_models=args.save_models,
    )
    run_dir = runner.run(config)
    print(f"results: {run_dir / 'results.csv'}")
    print(f"summary: {run_dir / 'summary.md'}")
    print(f"report:  {run_dir / 'report.html'}")
    return 0


def command_list(args) -> int:
    from harness import discovery

    for kind in ("methods", "datasets"):
        print(f"{kind}:")
        for plugin in discovery.discover(kind, getattr(args, f"{kind}_dir")):
            state = "available" if plugin.available else f"unavailable: {plugin.reason}"
            fetch = [f for f in discovery.weights_of(plugin) if not weights.find_weights(f)]
            if plugin.available and fetch:
                state += f" (downloads {', '.join(fetch)} on first use)"
            if plugin.preset and plugin.preset.optional:
                state += f"; not in the default run: {plugin.preset.optional}"
            tasks = ",".join(plugin.tasks) or "-"
            extra = ""
            if plugin.cls is not None and kind == "datasets" and plugin.cls.variants:
                extra = f"  variants: {','.join(plugin.cls.variants)}"
            print(f"  {plugin.name:<22} tasks: {tasks:<45} {state}{extra}")
            if plugin.cls is not None and plugin.description:
                print(f"  {'':<22} {plugin.description}")
    return 0


def command_report(args) -> int:
    from harness import report

    summary, html = report.render(args.run_dir)
    print(f"summary: {summary}\nreport:  {html}")
    return 0


def command_compare(args) -> int:
    from harness.compare import compare

    status, summary, html = compare(
        args.run_a, args.run_b, args.fail_on_regression, args.allow_different, args.out
    )
    print(f"summary: {summary}\nreport:  {html}")
    return status


def command_explain(args) -> int:
    from harness import explain

    path = explain.explain(
        args.method,
        args.dataset,
        args.profile,
        args.take,
        args.frame,
        args.task,
        args.out,
        tuple(args.methods_dir),
        tuple(args.datasets_dir),
    )
    print(path)
    return 0


def command_dataset(args) -> int:
    if args.tool == "preview":
        from harness import preview

        (dataset,) = load_dataset(args.name, args.profile, args.seed, tuple(args.datasets_dir))
        for path in preview.write_preview(dataset.load(), args.out, title=dataset.label):
            print(path)
    elif args.tool == "extract":
        from harness.tools.extract import extract_frames

        count = extract_frames(args.video, args.out, every=args.every, size=args.size)
        print(f"{count} frames written to {args.out}")
    elif args.tool == "check":
        from harness.tools.check import check_dataset

        result = check_dataset(args.root, kind=args.kind, subject_regex=args.subject_regex)
        print(result.format())
        return 0 if result.ok else 1
    return 0


def command_record(args) -> int:
    from harness.tools.record import record

    manifest = record(
        args.out,
        args.subject,
        camera=None if args.source else args.camera,
        source=args.source,
        moves=list(args.moves) if args.moves else None,
        seconds_per_move=args.seconds,
        countdown=args.countdown,
        show=not args.no_window,
    )
    print(manifest)
    return 0


COMMANDS = {
    "run": command_run,
    "list": command_list,
    "report": command_report,
    "compare": command_compare,
    "explain": command_explain,
    "dataset": command_dataset,
    "record": command_record,
    **cli_play.COMMANDS,
}


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as ``warning: <message>``: the user's file is in the message; the harness's
    own source line (what Python prints by default) says nothing to them."""
    text = " ".join(str(message).split())
    print(f"warning: {text}", file=file or sys.stderr)


def main(argv=None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.showwarning = _one_line_warning
    args = build_parser().parse_args(argv)
    weights.set_weights_dir(getattr(args, "weights_dir", None))
    if getattr(args, "offline", False):
        os.environ[weights.OFFLINE_ENV_VAR] = "1"  # worker processes inherit it
    try:
        return COMMANDS[args.command](args)
    except (UsageError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted: finished results were kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

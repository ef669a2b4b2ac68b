"""The report: summary.md and report.html, rendered from a run's results.json alone.

It never calls a method or a dataset, so ``python -m harness report RUN_DIR`` re-renders
any finished (or interrupted) run.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import matplotlib
import seaborn as sns
from jinja2 import Environment, PackageLoader, select_autoescape

from harness import figures
from harness.errors import last_line
from harness.files import atomic_write_text
from harness.tables import (
    breaking_points,
    display_name,
    fmt,
    interval,
    is_leaky,
    one_line,
    ranked,
    sweep_curves,
)


def load(run_dir: Path) -> dict:
    """A run's results.json; ValueError in one line if it is missing, torn or not a run's."""
    path = Path(run_dir) / "results.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: give the folder of a run (reports/<run-id>)")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"{path} is damaged (not complete JSON); re-run or --resume it") from None
    if not isinstance(results, dict) or not isinstance(results.get("rows"), list):
        raise ValueError(f"{path} is not a run's results (no rows); give a run's folder")
    return results


LEAK_NOTE = (
    "Rows marked LEAKY were scored with `--protocol random-frames`: frames of the same people "
    "on both sides of the split, as the 2018 blog's 92 % was. They show how much a leaky "
    "split flatters a method; quote the subject-disjoint rows."
)


def empty_scene_note(info: dict, results: dict) -> str:
    """How many of a dataset's recordings had a real empty-scene frame, and who uses one.

    ``info`` is one entry of ``results["datasets"]``; '' when the run did not count them.
    """
    if info.get("with_background") is None:
        return ""
    count, total = info["with_background"], info.get("recordings")
    note = f"{count} of {total} recordings had a real empty-scene frame"
    if count != total:
        note += "; for the others, a method that uses one estimates it from the take's first frames"
    users = results.get("uses_background")
    if users is not None:
        note += f" (methods that use it: {', '.join(users) or 'none'})"
    return note + "."


def summary_markdown(results: dict) -> str:
    lines = ["# Posture and action harness: results", ""]
    lines += _header_lines(results)
    unavailable = {u["method"] for u in results.get("unavailable", [])}
    for (dataset, task), entries in ranked(results).items():
        # Unavailable methods are listed once above, not in every table.
        entries = [e for e in entries if e["method"] not in unavailable]
        lines += [f"## {task} on {dataset}", ""] + _score_table(entries)
        streamed = [e for e in entries if e.get("detection_rate") is not None]
        if streamed:
            lines += ["", "Streaming over whole held-out takes (what a player feels):", ""]
            lines += _stream_table(streamed)
        lines.append("")
    lines += _sweep_lines(results)
    lines += _time_lines(results)
    for warning in results.get("warnings", []):
        lines.append(f"- warning: {one_line(warning)}")
    return "\n".join(lines) + "\n"


def _header_lines(results: dict) -> list[str]:
    config = results.get("config", {})
    lines = []
    for info in results.get("datasets", []):
        if info.get("leaky_split"):
            lines += [
                f"> **WARNING: {info['label']} has no subject information; these numbers "
                "come from leaky splits and overstate accuracy on new people.**",
                "",
            ]
    if any(is_leaky(e) for e in results.get("aggregates", [])):
        lines += [f"> **{LEAK_NOTE}**", ""]
    lines += [
        f"Seed {config.get('seed')}, profile `{config.get('profile')}`, "
        "leave-subjects-out folds. Every number is on subjects left out "
        "of training. Macro-F1 is pooled over all held-out predictions, with a 95 % bootstrap "
        "interval over test subjects; latency is the median cost of one live tick from raw "
        "camera frames (caches off): the new frame in, the label out, with the history a game "
        "keeps (a window's frames, a tracker); `cold_latency_ms` in results.csv is one call "
        "with no history. `[window]`: a window method answering a frame task from the window "
        "of the last frames.",
        "",
    ]
    for info in results.get("datasets", []):
        lines.append(
            f"- Dataset `{info['label']}` (version {info.get('version')}): "
            f"{info.get('recordings')} recordings, {info.get('frames')} frames, "
            f"{len(info.get('subjects', []))} subjects, {info.get('folds')} folds."
        )
        note = empty_scene_note(info, results)
        if note:
            lines.append(f"  {note}")
    lines.append("")
    if results.get("unavailable"):
        lines += ["Methods not run:", ""]
        lines += [
            f"- `{u['method']}` ({u['path']}): {one_line(u['reason'])}"
            for u in results["unavailable"]
        ]
        lines.append("")
    return lines


def _score_table(entries: list[dict]) -> list[str]:
    lines = [
        "| rank | method | macro-F1 | 95 % CI | fold mean ± sd | accuracy | "
        "latency median (ms) | p95 (ms) | throughput (fps) | fit (s) | status |",
        "|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    rank = 0
    for e in entries:
        scored = e.get("macro_f1") is not None
        rank += scored
        fold = f"{fmt(e.get('fold_macro_f1'))} ± {fmt(e.get('fold_macro_f1_std'))}"
        status = e["status"] if e["status"] == "ok" else f"{e['status']}: {e.get('reason')}"
        name = f"**{display_name(e)}**" if is_leaky(e) else display_name(e)
        lines.append(
            f"| {rank if scored else ''} | {one_line(name)} | {fmt(e.get('macro_f1'))} | "
            f"{interval(e)} | {fold if scored else '–'} | {fmt(e.get('accuracy'))} | "
            f"{fmt(e.get('latency_median_ms'), 2)} | {fmt(e.get('latency_p95_ms'), 2)} | "
            f"{fmt(e.get('throughput_fps'), 0)} | {fmt(e.get('fit_seconds'), 1)} | "
            f"{one_line(status)} |"
        )
    return lines


def _stream_table(entries: list[dict]) -> list[str]:
    lines = [
        "| method | moves detected | time-to-detect median (ms) | false triggers / idle minute |",
        "|---|---:|---:|---:|",
    ]
    for e in entries:
        lines.append(
            f"| {one_line(display_name(e))} | {fmt(e.get('detection_rate'), 2)} | "
            f"{fmt(e.get('ttd_median_ms'), 0)} | {fmt(e.get('false_triggers_per_min'), 1)} |"
        )
    return lines


def time_spent(results: dict) -> list[tuple[str, float, float]]:
    """(stage, seconds, share) by time spent, longest first (see :mod:`harness.stages`)."""
    spent = sorted(results.get("stages", {}).items(), key=lambda kv: -kv[1])
    total = sum(seconds for _, seconds in spent) or 1.0
    return [(name, seconds, seconds / total) for name, seconds in spent]


def _time_lines(results: dict) -> list[str]:
    spent = time_spent(results)
    if not spent:
        return []
    wall = results.get("wall_seconds")
    lines = [
        "## Where the time went",
        "",
        f"Wall time {fmt(wall, 0)} s. Stage seconds are summed over worker processes (with "
        "--jobs N they add up to about N times the wall time); a stage excludes the stages "
        "inside it (features computed during a fit count as features).",
        "",
        "| stage | seconds | share |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| {one_line(name)} | {seconds:.1f} | {100 * share:.1f} % |"
        for name, seconds, share in spent
    ]
    return lines + [""]


def _sweep_lines(results: dict) -> list[str]:
    """Per task: macro-F1 of each method at each nuisance level, and where it breaks."""
    points = sweep_curves(results)
    if not points:
        return []
    lines = ["## Where each method breaks (trained clean, tested under a nuisance)", ""]
    breaks = {(b["task"], b["method"], b["nuisance"]): b for b in breaking_points(points)}
    for task in dict.fromkeys(p["task"] for p in points):
        lines += [f"### {task}", ""]
        for nuisance in dict.fromkeys(p["nuisance"] for p in points if p["task"] == task):
            mine = [p for p in points if p["task"] == task and p["nuisance"] == nuisance]
            levels = sorted({p["strength"] for p in mine})
            lines += [
                f"{nuisance}: macro-F1 by strength (0 = clean)",
                "",
                "| method | " + " | ".join(f"{s:g}" for s in levels) + " | loses 0.1 at |",
                "|---|" + "---:|" * (len(levels) + 1),
            ]
            for method in dict.fromkeys(p["method"] for p in mine):
                score = {p["strength"]: p["macro_f1"] for p in mine if p["method"] == method}
                at = breaks[(task, method, nuisance)]["breaks_at"]
                cells = " | ".join(fmt(score.get(s)) for s in levels)
                lines.append(f"| {method} | {cells} | {'never' if at is None else fmt(at, 2)} |")
            lines.append("")
    return lines


def _figure(draw, results: dict):
    """A figure, or None (and one warning line) if it cannot be drawn: a figure is never
    worth losing the report."""
    try:
        return draw(results)
    except Exception as error:
        print(f"warning: figure {draw.__name__} skipped: {last_line(error)}", file=sys.stderr)
        return None


def render(run_dir: Path) -> tuple[Path, Path]:
    """Write summary.md and report.html for the run in ``run_dir``."""
    run_dir = Path(run_dir)
    results = load(run_dir)
    sns.set_theme(style="whitegrid", context="notebook")
    # Method and dataset names are text, never LaTeX: a "$" in one must not break a figure.
    matplotlib.rcParams["text.parse_math"] = False
    warnings.filterwarnings("ignore", message="Tight layout not applied")
    # seaborn 0.13 passes matplotlib's deprecated `vert` to boxplot; not ours to fix.
    warnings.filterwarnings("ignore", message="vert: bool was deprecated")
    summary = summary_markdown(results)
    atomic_write_text(run_dir / "summary.md", summary)
    explain = sorted(str(p.relative_to(run_dir)) for p in (run_dir / "explain").glob("*/*.png"))
    env = Environment(
        loader=PackageLoader("harness", "templates"), autoescape=select_autoescape(["html"])
    )
    html = env.get_template("report.html").render(
        results=results,
        tables=ranked(results),
        fmt=fmt,
        interval=interval,
        name=display_name,
        is_leaky=is_leaky,
        leak_note=LEAK_NOTE if any(is_leaky(e) for e in results.get("aggregates", [])) else "",
        empty_scene_note=empty_scene_note,
        leaky=[d["label"] for d in results.get("datasets", []) if d.get("leaky_split")],
        unavailable={u["method"] for u in results.get("unavailable", [])},
        macro_f1=_figure(figures.figure_macro_f1, results),
        latency=_figure(figures.figure_latency, results),
        tradeoff=_figure(figures.figure_tradeoff, results),
        streaming=_figure(figures.figure_streaming, results),
        confusions=_figure(figures.figure_confusions, results) or [],
        sweeps=_figure(figures.figure_sweeps, results),
        breaks=_figure(figures.figure_breaks, results),
        augmentation=results.get("figures", {}).get("augmentation"),
        time_spent=time_spent(results),
        explain=explain,
    )
    atomic_write_text(run_dir / "report.html", html)
    return run_dir / "summary.md", run_dir / "report.html"

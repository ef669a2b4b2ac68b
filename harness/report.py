"""The report: summary.md and report.html, rendered from a run's results.json alone.

It never calls a method or a dataset, so ``python -m harness report RUN_DIR`` re-renders
any finished (or interrupted) run.
"""

from __future__ import annotations

import base64
import io
import json
import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from jinja2 import Environment, PackageLoader, select_autoescape  # noqa: E402

from harness.files import atomic_write_text  # noqa: E402
from harness.tasks import TASKS  # noqa: E402


def load(run_dir: Path) -> dict:
    path = Path(run_dir) / "results.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: give the folder of a run (reports/<run-id>)")
    return json.loads(path.read_text())


def _fmt(value, digits: int = 3) -> str:
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return "–"
    return f"{value:.{digits}f}"


def _interval(entry: dict) -> str:
    low, high = entry.get("macro_f1_ci_low"), entry.get("macro_f1_ci_high")
    if low is None or high is None:
        return ""
    return f"[{_fmt(low, 2)}, {_fmt(high, 2)}]"


def ranked(results: dict) -> dict[tuple[str, str], list[dict]]:
    """Aggregates grouped by (dataset, task), best macro-F1 first, unscored ones last."""
    tables: dict[tuple[str, str], list[dict]] = {}
    for entry in results.get("aggregates", []):
        tables.setdefault((entry["dataset"], entry["task"]), []).append(entry)
    for entries in tables.values():
        entries.sort(key=lambda e: -(e.get("macro_f1") if e.get("macro_f1") is not None else -1))
    return dict(
        sorted(
            tables.items(),
            key=lambda kv: (kv[0][0], list(TASKS).index(kv[0][1]) if kv[0][1] in TASKS else 99),
        )
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
    config = results.get("config", {})
    lines = ["# Posture and action harness: results", ""]
    for info in results.get("datasets", []):
        if info.get("leaky_split"):
            lines += [
                f"> **WARNING: {info['label']} has no subject information; these numbers "
                "come from leaky splits and overstate accuracy on new people.**",
                "",
            ]
    lines += [
        f"Seed {config.get('seed')}, profile `{config.get('profile')}`, "
        "leave-subjects-out folds. Every number is on subjects left out "
        "of training. Macro-F1 is pooled over all held-out predictions, with a 95 % bootstrap "
        "interval over test subjects; latency is the median of single-input calls from a raw "
        "frame (caches off).",
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
        lines += [f"- `{u['method']}` ({u['path']}): {u['reason']}" for u in results["unavailable"]]
        lines.append("")
    unavailable = {u["method"] for u in results.get("unavailable", [])}
    for (dataset, task), entries in ranked(results).items():
        # Unavailable methods are listed once above, not in every table.
        entries = [e for e in entries if e["method"] not in unavailable]
        lines += [f"## {task} on {dataset}", ""]
        lines += [
            "| rank | method | macro-F1 | 95 % CI | fold mean ± sd | accuracy | "
            "latency median (ms) | p95 (ms) | throughput (fps) | fit (s) | status |",
            "|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        rank = 0
        for e in entries:
            scored = e.get("macro_f1") is not None
            rank += scored
            fold = (
                f"{_fmt(e.get('fold_macro_f1'))} ± {_fmt(e.get('fold_macro_f1_std'))}"
                if scored
                else "–"
            )
            status = e["status"] if e["status"] == "ok" else f"{e['status']}: {e.get('reason', '')}"
            lines.append(
                f"| {rank if scored else ''} | {e['method']} | {_fmt(e.get('macro_f1'))} | "
                f"{_interval(e)} | {fold} | {_fmt(e.get('accuracy'))} | "
                f"{_fmt(e.get('latency_median_ms'), 2)} | {_fmt(e.get('latency_p95_ms'), 2)} | "
                f"{_fmt(e.get('throughput_fps'), 0)} | {_fmt(e.get('fit_seconds'), 1)} | "
                f"{status.replace('|', '/')} |"
            )
        streamed = [e for e in entries if e.get("detection_rate") is not None]
        if streamed:
            lines += [
                "",
                "Streaming over whole held-out takes (what a player feels):",
                "",
                "| method | moves detected | time-to-detect median (ms) | "
                "false triggers / idle minute |",
                "|---|---:|---:|---:|",
            ]
            for e in streamed:
                lines.append(
                    f"| {e['method']} | {_fmt(e.get('detection_rate'), 2)} | "
                    f"{_fmt(e.get('ttd_median_ms'), 0)} | "
                    f"{_fmt(e.get('false_triggers_per_min'), 1)} |"
                )
        lines.append("")
    for warning in results.get("warnings", []):
        lines.append(f"- warning: {warning}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ figures


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _aggregates_frame(results: dict) -> pd.DataFrame:
    frame = pd.DataFrame(
        [e for e in results.get("aggregates", []) if e.get("macro_f1") is not None]
    )
    return frame


def figure_macro_f1(results: dict) -> str | None:
    frame = _aggregates_frame(results)
    if frame.empty:
        return None
    panels = list(frame.groupby(["dataset", "task"], sort=False))
    height = sum(1.0 + 0.4 * len(part) for _, part in panels)
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(8, height),
        squeeze=False,
        height_ratios=[1.0 + 0.4 * len(part) for _, part in panels],
    )
    for ax, ((dataset, task), part) in zip(axes[:, 0], panels, strict=True):
        part = part.sort_values("macro_f1", ascending=False)
        sns.barplot(
            data=part, y="method", x="macro_f1", hue="method", ax=ax, palette="crest", legend=False
        )
        low = (part["macro_f1"] - part["macro_f1_ci_low"]).clip(lower=0).fillna(0)
        high = (part["macro_f1_ci_high"] - part["macro_f1"]).clip(lower=0).fillna(0)
        ax.errorbar(
            part["macro_f1"],
            np.arange(len(part)),
            xerr=[low, high],
            fmt="none",
            ecolor="black",
            capsize=3,
        )
        ax.set(
            xlim=(0, 1),
            xlabel="macro-F1 (95 % CI over subjects)",
            ylabel="",
            title=f"{task} — {dataset}",
        )
    fig.tight_layout()
    return _png(fig)


def figure_latency(results: dict) -> str | None:
    records = []
    for row in results.get("rows", []):
        data = ((row.get("detail") or {}).get("latency") or {}).get("data")
        if row.get("status") == "ok" and data and row.get("scoring") != "vote":
            records += [{"method": row["method"], "ms": 1e3 * x} for x in data]
    if not records:
        return None
    frame = pd.DataFrame(records)
    order = frame.groupby("method")["ms"].median().sort_values().index
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * len(order)))
    sns.boxplot(data=frame, y="method", x="ms", order=order, ax=ax, color="#8fb9c9", fliersize=2)
    ax.set(xscale="log", xlabel="latency per input (ms, log scale)", ylabel="")
    for budget, name in ((16.7, "60 fps frame"), (100, "blog tick")):
        ax.axvline(budget, color="grey", linestyle="--", linewidth=1)
        ax.text(budget, -0.6, name, fontsize=8, color="grey")
    fig.tight_layout()
    return _png(fig)


def figure_tradeoff(results: dict) -> str | None:
    frame = _aggregates_frame(results)
    if frame.empty or "latency_median_ms" not in frame:
        return None
    frame = frame.dropna(subset=["latency_median_ms"])
    if frame.empty:
        return None
    fig, ax = plt.subplots(figsize=(8, 5))
    sns.scatterplot(
        data=frame, x="latency_median_ms", y="macro_f1", hue="task", style="task", s=80, ax=ax
    )
    for _, e in frame.iterrows():
        ax.annotate(
            e["method"],
            (e["latency_median_ms"], e["macro_f1"]),
            fontsize=7,
            xytext=(4, 2),
            textcoords="offset points",
        )
    ax.set(
        xscale="log",
        xlabel="median latency (ms, log scale)",
        ylabel="macro-F1 (held-out)",
        ylim=(0, 1.02),
    )
    fig.tight_layout()
    return _png(fig)


def figure_confusions(results: dict) -> list[tuple[str, str]]:
    figures = []
    for (dataset, task), entries in ranked(results).items():
        entries = [e for e in entries if (e.get("pooled") or {}).get("confusion")]
        if not entries:
            continue
        cols = min(3, len(entries))
        rows = math.ceil(len(entries) / cols)
        size = len(entries[0]["pooled"]["confusion"]["labels"])
        cell = 0.9 + 0.32 * size
        fig, axes = plt.subplots(
            rows, cols, figsize=(cell * cols + 1, cell * rows + 0.5), squeeze=False
        )
        for ax in axes.ravel()[len(entries) :]:
            ax.axis("off")
        for ax, e in zip(axes.ravel(), entries, strict=False):  # spare axes are off
            confusion = e["pooled"]["confusion"]
            matrix = np.asarray(confusion["matrix"], dtype=float)
            normalised = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
            sns.heatmap(
                normalised,
                ax=ax,
                vmin=0,
                vmax=1,
                cmap="rocket_r",
                cbar=False,
                xticklabels=confusion["labels"],
                yticklabels=confusion["labels"],
                annot=size <= 5,
                fmt=".2f",
            )
            ax.set(title=e["method"], xlabel="predicted", ylabel="true")
            ax.tick_params(labelsize=7)
        fig.suptitle(f"{task} — {dataset} (rows normalised)")
        fig.tight_layout()
        figures.append((f"{task} — {dataset}", _png(fig)))
    return figures


def figure_streaming(results: dict) -> str | None:
    frame = _aggregates_frame(results)
    if frame.empty or "ttd_median_ms" not in frame or frame["ttd_median_ms"].isna().all():
        return None
    frame = frame.dropna(subset=["ttd_median_ms"]).sort_values("ttd_median_ms")
    fig, axes = plt.subplots(1, 2, figsize=(10, 0.8 + 0.45 * len(frame)))
    sns.barplot(data=frame, y="method", x="ttd_median_ms", ax=axes[0], color="#c98f8f")
    axes[0].axvline(250, color="grey", linestyle="--", linewidth=1)
    axes[0].set(xlabel="median time-to-detect (ms)", ylabel="")
    sns.barplot(data=frame, y="method", x="detection_rate", ax=axes[1], color="#8fc9a0")
    axes[1].set(xlabel="moves detected (fraction)", ylabel="", xlim=(0, 1))
    fig.tight_layout()
    return _png(fig)


def render(run_dir: Path) -> tuple[Path, Path]:
    """Write summary.md and report.html for the run in ``run_dir``."""
    run_dir = Path(run_dir)
    results = load(run_dir)
    sns.set_theme(style="whitegrid", context="notebook")
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
        fmt=_fmt,
        interval=_interval,
        empty_scene_note=empty_scene_note,
        leaky=[d["label"] for d in results.get("datasets", []) if d.get("leaky_split")],
        unavailable={u["method"] for u in results.get("unavailable", [])},
        macro_f1=figure_macro_f1(results),
        latency=figure_latency(results),
        tradeoff=figure_tradeoff(results),
        streaming=figure_streaming(results),
        confusions=figure_confusions(results),
        augmentation=results.get("figures", {}).get("augmentation"),
        explain=explain,
    )
    atomic_write_text(run_dir / "report.html", html)
    return run_dir / "summary.md", run_dir / "report.html"

"""Figures of a run, from its results.json alone (seaborn, embedded as base64 PNG)."""

from __future__ import annotations

import base64
import io
import math

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay  # noqa: E402

from harness.tables import breaking_points, display_name, ranked, sweep_curves  # noqa: E402


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _aggregates_frame(results: dict) -> pd.DataFrame:
    """The scored aggregates of the main tables, the method column as tables name it."""
    entries = [e for table in ranked(results).values() for e in table]
    frame = pd.DataFrame([e | {"method": display_name(e)} for e in entries])
    return frame if frame.empty else frame[frame["macro_f1"].notna()]


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
            records += [{"method": row["method"], "ms": 1e3 * x} for x in data if x is not None]
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
            # scikit-learn's display, not seaborn's heatmap: that one draws the whole figure
            # at every call to rotate its tick labels, so a grid of n matrices cost O(n^2)
            # (59 of the 65 s of a quick run's report, cProfile of `harness report`).
            ConfusionMatrixDisplay(normalised, display_labels=confusion["labels"]).plot(
                ax=ax,
                cmap="rocket_r",
                colorbar=False,
                include_values=size <= 5,
                values_format=".2f",
                xticks_rotation="vertical",
                im_kw={"vmin": 0, "vmax": 1},
                text_kw={"fontsize": 7},
            )
            ax.grid(False)  # the theme's grid would cross the cells
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


def figure_sweeps(results: dict) -> str | None:
    """Macro-F1 against nuisance strength, one panel per (task, nuisance), a line per method
    with its 95 % interval over subjects."""
    points = pd.DataFrame(sweep_curves(results))
    if points.empty:
        return None
    panels = list(points.groupby(["task", "nuisance"], sort=False))
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    methods = sorted(points["method"].unique())
    colours = dict(zip(methods, sns.color_palette("tab10", len(methods)), strict=False))
    for ax, ((task, nuisance), part) in zip(axes.ravel(), panels, strict=False):
        for method, curve in part.groupby("method"):
            curve = curve.sort_values("strength")
            colour = colours[method]
            x, low, high = curve["strength"], curve["low"].astype(float), curve["high"]
            ax.plot(x, curve["macro_f1"], marker="o", label=method, color=colour)
            ax.fill_between(x, low, high.astype(float), color=colour, alpha=0.15)
        ax.set(title=f"{nuisance} — {task}", xlabel="strength (0 = clean)", ylabel="macro-F1")
        ax.set_ylim(0, 1.02)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return _png(fig)


def figure_breaks(results: dict) -> str | None:
    """Method x nuisance heatmap of the strength at which macro-F1 falls 0.1 below clean
    (darker = breaks earlier; 'never' = held up to the strongest level), clean beside."""
    points = sweep_curves(results)
    breaks = pd.DataFrame(breaking_points(points))
    if breaks.empty:
        return None
    panels = list(breaks.groupby("task", sort=False))
    width = 1.6 + 1.1 * breaks["nuisance"].nunique()
    height = 1.2 + 0.45 * breaks["method"].nunique() * len(panels)
    fig, axes = plt.subplots(len(panels), 1, squeeze=False, figsize=(width, height))
    for ax, (task, part) in zip(axes[:, 0], panels, strict=True):
        grid = part.pivot(index="method", columns="nuisance", values="breaks_at")
        clean = part.groupby("method")["clean"].first()
        grid.index = [f"{m} (clean {clean[m]:.2f})" for m in grid.index]
        labels = grid.map(lambda v: "never" if pd.isna(v) else f"{v:.2f}")
        values = grid.fillna(1.05).astype(float)  # "never" drawn as the lightest colour
        sns.heatmap(
            values, annot=labels, fmt="", vmin=0, vmax=1.05, cmap="rocket", cbar=False, ax=ax
        )
        ax.set(title=f"strength at which macro-F1 drops 0.1 — {task}", xlabel="", ylabel="")
    fig.tight_layout()
    return _png(fig)

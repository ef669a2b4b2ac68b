"""Compare two runs: did a method get better or worse, beyond what the test people explain?

Per (dataset, task, method) scored in both runs: macro-F1 of each, the change B - A with a
*paired* bootstrap 95 % interval (the same resampled test subjects for both runs, from
each subject's confusion matrix in ``results.json``), and the ratio of median latencies.
Methods that appear in only one run are listed. With ``fail_on_regression=D`` the exit
status is 1 when a method's macro-F1 fell by more than D and the interval of the change
excludes 0, or when a method scored in A failed in B: a CI gate for method authors.

Runs on different data (dataset, version, profile, recordings) or seeds are refused unless
``allow_different``: their difference would not be the methods'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape

from harness import metrics
from harness.files import atomic_write_text
from harness.report import load
from harness.results import KEY

EXIT_OK, EXIT_REGRESSION = 0, 1


@dataclass
class Change:
    """One (dataset, task, method, protocol) in both runs."""

    dataset: str
    task: str
    method: str
    protocol: str
    macro_f1_a: float | None  # pooled over the common test subjects; None if not scored
    macro_f1_b: float | None
    delta: float | None = None
    low: float = math.nan  # 95 % paired bootstrap interval of the delta
    high: float = math.nan
    subjects: int = 0  # common test subjects the numbers are over
    latency_ratio: float | None = None  # median latency B / A
    regression: bool = False
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.note:
            return self.note
        if self.regression:
            return "regression"
        if self.low > 0:
            return "better"
        if self.high < 0:
            return "worse"
        return "no clear change"


@dataclass
class Comparison:
    """Everything compare writes: the changes and what appeared or vanished."""

    run_a: str
    run_b: str
    changes: list[Change]
    appeared: dict[tuple[str, str], list[str]]  # (dataset, task) -> methods only in B
    vanished: dict[tuple[str, str], list[str]]  # (dataset, task) -> methods only in A
    threshold: float | None
    differences: list[str] = field(default_factory=list)  # allowed differences of data/seed
    seed: int = 0

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.regression]

    @property
    def exit_code(self) -> int:
        return EXIT_REGRESSION if self.regressions else EXIT_OK


def _data_identity(results: dict) -> list[tuple]:
    profile = results.get("config", {}).get("profile")
    return sorted(
        (
            d.get("label"),
            d.get("version"),
            profile,
            d.get("recordings"),
            d.get("frames"),
            tuple(d.get("subjects", [])),
        )
        for d in results.get("datasets", [])
    )


def _describe(identity: list[tuple]) -> str:
    return ", ".join(f"{d[0]} ({d[1]}, {d[2]} profile, {d[3]} recordings)" for d in identity)


def differences(a: dict, b: dict) -> list[str]:
    """What makes two runs' numbers incomparable: their data or their seed, in words."""
    found = []
    data_a, data_b = _data_identity(a), _data_identity(b)
    if data_a != data_b:
        said_a, said_b = _describe(data_a) or "none", _describe(data_b) or "none"
        if said_a == said_b:
            said_b += " with other subjects or frames"
        found.append(f"different data: {said_a} vs {said_b}")
    seed_a, seed_b = a.get("config", {}).get("seed"), b.get("config", {}).get("seed")
    if seed_a != seed_b:
        found.append(f"different seeds: {seed_a} vs {seed_b}")
    return found


def _aggregates(results: dict) -> dict[tuple, dict]:
    return {tuple(e[k] for k in KEY): e for e in results.get("aggregates", [])}


def subject_confusions(results: dict, key: tuple, source: str) -> dict[str, dict[str, np.ndarray]]:
    """Each test subject's confusion counts for one (dataset, task, method), by label pair.

    Returns ``{subject: {(true, predicted): count}}`` summed over the key's scored rows.
    Raises ValueError (one line) when the rows predate per-subject confusions.
    """
    out: dict[str, dict] = {}
    for row in results.get("rows", []):
        if tuple(row.get(k) for k in KEY) != key or row.get("status") != "ok":
            continue
        per_subject = (row.get("detail") or {}).get("per_subject")
        if per_subject is None:
            raise ValueError(
                f"{source}: rows have no per-subject confusion matrices (an older harness "
                "wrote it); re-run with this version to compare"
            )
        labels = per_subject["labels"]
        for subject, matrix in per_subject["subjects"].items():
            counts = out.setdefault(subject, {})
            for i, true in enumerate(labels):
                for j, predicted in enumerate(labels):
                    if matrix[i][j]:
                        pair = (true, predicted)
                        counts[pair] = counts.get(pair, 0) + matrix[i][j]
    return out


def _stack(confusions: dict[str, dict], subjects: list[str]) -> np.ndarray:
    """(S, K, K) counts over the labels these subjects' truth or predictions use."""
    seen = sorted({label for s in subjects for pair in confusions[s] for label in pair})
    index = {label: i for i, label in enumerate(seen)}
    stacked = np.zeros((len(subjects), len(seen), len(seen)), dtype=np.int64)
    for k, subject in enumerate(subjects):
        for (true, predicted), count in confusions[subject].items():
            stacked[k, index[true], index[predicted]] = count
    return stacked


def paired_bootstrap(
    a: np.ndarray, b: np.ndarray, seed: int, n_boot: int = metrics.N_BOOTSTRAP
) -> tuple[float, float, float, float]:
    """Macro-F1 of A and B and a 95 % interval of B - A when the subjects are resampled.

    Parameters
    ----------
    a, b : (S, K, K) per-subject confusion counts of the same S subjects (each run over
        its own labels, so each macro-F1 is what that run's report says on them).
    seed : seeds the resampling; both runs get the very same resampled subjects.

    Returns
    -------
    (macro_f1_a, macro_f1_b, low, high); the interval is nan with fewer than 2 subjects.
    """
    everyone = np.ones((1, len(a)))
    f1_a = float(metrics.macro_f1_of_sums(everyone, a)[0])
    f1_b = float(metrics.macro_f1_of_sums(everyone, b)[0])
    if len(a) < 2:
        return f1_a, f1_b, math.nan, math.nan
    weights = metrics.bootstrap_weights(len(a), seed, n_boot)
    deltas = metrics.macro_f1_of_sums(weights, b) - metrics.macro_f1_of_sums(weights, a)
    low, high = np.percentile(deltas, [2.5, 97.5])
    return f1_a, f1_b, float(low), float(high)


def _change(a: dict, b: dict, key: tuple, threshold: float | None, seed: int, names) -> Change:
    entry_a, entry_b = _aggregates(a)[key], _aggregates(b)[key]
    scored_a, scored_b = entry_a.get("macro_f1") is not None, entry_b.get("macro_f1") is not None
    change = Change(*key, macro_f1_a=entry_a.get("macro_f1"), macro_f1_b=entry_b.get("macro_f1"))
    latency_a, latency_b = entry_a.get("latency_median_ms"), entry_b.get("latency_median_ms")
    if latency_a and latency_b:
        change.latency_ratio = latency_b / latency_a
    if not (scored_a and scored_b):
        change.note = f"{entry_a.get('status')} in A, {entry_b.get('status')} in B"
        # A method that worked and now fails is the worst regression a gate can see.
        change.regression = threshold is not None and scored_a and not scored_b
        return change
    confusions_a = subject_confusions(a, key, names[0])
    confusions_b = subject_confusions(b, key, names[1])
    common = sorted(set(confusions_a) & set(confusions_b))
    change.subjects = len(common)
    if not common:
        change.note = "no common test subjects"
        return change
    f1_a, f1_b, change.low, change.high = paired_bootstrap(
        _stack(confusions_a, common), _stack(confusions_b, common), seed
    )
    change.macro_f1_a, change.macro_f1_b, change.delta = f1_a, f1_b, f1_b - f1_a
    change.regression = threshold is not None and change.delta < -threshold and change.high < 0
    return change


def compare_results(
    a: dict,
    b: dict,
    fail_on_regression: float | None = None,
    allow_different: bool = False,
    names: tuple[str, str] = ("A", "B"),
) -> Comparison:
    """Compare two loaded ``results.json`` payloads (see :func:`compare`)."""
    found = differences(a, b)
    if found and not allow_different:
        raise ValueError(
            f"{names[0]} and {names[1]}: {'; '.join(found)}; compare runs of the same data "
            "and seed, or pass --allow-different"
        )
    seed = int(a.get("config", {}).get("seed") or 0)
    keys_a, keys_b = _aggregates(a), _aggregates(b)
    changes = [
        _change(a, b, key, fail_on_regression, seed, names)
        for key in sorted(keys_a.keys() & keys_b.keys())
    ]
    appeared: dict[tuple[str, str], list[str]] = {}
    vanished: dict[tuple[str, str], list[str]] = {}
    for key in sorted(keys_b.keys() - keys_a.keys()):
        appeared.setdefault(key[:2], []).append(key[2])
    for key in sorted(keys_a.keys() - keys_b.keys()):
        vanished.setdefault(key[:2], []).append(key[2])
    return Comparison(
        names[0], names[1], changes, appeared, vanished, fail_on_regression, found, seed
    )


def _number(value) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.3f}"


def _signed(value) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:+.3f}"


def _interval(change: Change) -> str:
    if not (math.isfinite(change.low) and math.isfinite(change.high)):
        return "–"
    return f"[{change.low:+.3f}, {change.high:+.3f}]"


def _ratio(value) -> str:
    return "–" if value is None else f"{value:.2f}x"


def markdown(comparison: Comparison) -> str:
    """The comparison as a markdown page (compare.md)."""
    c = comparison
    lines = ["# Run comparison", "", f"- A: `{c.run_a}`", f"- B: `{c.run_b}`", ""]
    lines += [
        "Macro-F1 of each run over the test subjects both runs scored, the change B - A with "
        "a paired 95 % bootstrap interval over those subjects (the same resampled people for "
        f"both runs, seed {c.seed}), and the ratio of median single-input latencies B / A.",
        "",
    ]
    for difference in c.differences:
        lines += [f"> **WARNING: {difference}; the changes are not the methods' alone.**", ""]
    if c.threshold is not None:
        gate = f"a macro-F1 drop of more than {c.threshold:g} with its interval excluding 0"
        verdict = (
            "FAILED: " + ", ".join(f"{r.method} on {r.task} ({r.dataset})" for r in c.regressions)
            if c.regressions
            else "passed"
        )
        lines += [f"Gate, failing on {gate}: **{verdict}**.", ""]
    tables: dict[tuple[str, str], list[Change]] = {}
    for change in c.changes:
        tables.setdefault((change.dataset, change.task), []).append(change)
    for dataset, task in sorted(tables.keys() | c.appeared.keys() | c.vanished.keys()):
        lines += [f"## {task} on {dataset}", ""]
        rows = tables.get((dataset, task), [])
        if rows:
            lines += [
                "| method | macro-F1 A | macro-F1 B | change | 95 % CI | latency B/A | "
                "subjects | verdict |",
                "|---|---:|---:|---:|---|---:|---:|---|",
            ]
            for r in sorted(rows, key=lambda r: r.delta if r.delta is not None else math.inf):
                lines.append(
                    f"| {r.method} | {_number(r.macro_f1_a)} | {_number(r.macro_f1_b)} | "
                    f"{_signed(r.delta)} | {_interval(r)} | {_ratio(r.latency_ratio)} | "
                    f"{r.subjects} | {r.verdict} |"
                )
            lines.append("")
        for label, methods in (("only in B", c.appeared), ("only in A", c.vanished)):
            if methods.get((dataset, task)):
                names = ", ".join(f"`{m}`" for m in methods[(dataset, task)])
                lines += [f"- {label}: {names}", ""]
    return "\n".join(lines) + "\n"


def html(comparison: Comparison) -> str:
    """The comparison as a simple HTML page (compare.html)."""
    env = Environment(
        loader=PackageLoader("harness", "templates"), autoescape=select_autoescape(["html"])
    )
    tables: dict[tuple[str, str], list[Change]] = {}
    for change in comparison.changes:
        tables.setdefault((change.dataset, change.task), []).append(change)
    keys = sorted(tables.keys() | comparison.appeared.keys() | comparison.vanished.keys())
    return env.get_template("compare.html").render(
        c=comparison,
        keys=keys,
        tables={
            k: sorted(v, key=lambda r: r.delta if r.delta is not None else math.inf)
            for k, v in tables.items()
        },  # fmt: skip
        number=_number,
        signed=_signed,
        interval=_interval,
        ratio=_ratio,
    )


def compare(
    run_a: Path,
    run_b: Path,
    fail_on_regression: float | None = None,
    allow_different: bool = False,
    out: Path | None = None,
) -> tuple[int, Path, Path]:
    """Compare the runs in folders ``run_a`` (before) and ``run_b`` (after).

    Parameters
    ----------
    run_a, run_b : run folders holding ``results.json``.
    fail_on_regression : the macro-F1 drop D that fails the gate (None: never fail).
    allow_different : compare even runs on different data or seeds (marked in the output).
    out : folder for compare.md and compare.html (default ``run_b/compare-<name of run_a>``).

    Returns
    -------
    (exit status: 1 on a regression, else 0; markdown path; HTML path)
    """
    if fail_on_regression is not None and not fail_on_regression >= 0:
        raise ValueError(f"--fail-on-regression {fail_on_regression}; valid: a drop D >= 0")
    run_a, run_b = Path(run_a), Path(run_b)
    comparison = compare_results(
        load(run_a), load(run_b), fail_on_regression, allow_different, (str(run_a), str(run_b))
    )
    out = Path(out) if out is not None else run_b / f"compare-{run_a.resolve().name}"
    atomic_write_text(out / "compare.md", markdown(comparison))
    atomic_write_text(out / "compare.html", html(comparison))
    return comparison.exit_code, out / "compare.md", out / "compare.html"

"""``harness compare`` on real toy runs: same code and seed, a method made worse, refusals."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from harness import metrics
from harness.cli import main
from harness.compare import compare, compare_results, paired_bootstrap

# Four whole runs behind every check (about 15 s): CI's slow step runs them.
pytestmark = pytest.mark.slow

# A method whose author can make it worse with one default: nearest class mean of a grey
# thumbnail of ``SIDE`` x ``SIDE`` pixels. At 1 x 1 it sees only the mean brightness, which
# on the toy dataset says more about who is performing than about the move.
PROBE = """
import cv2
import numpy as np

from harness.api import Method


class Probe(Method):
    name = "probe"
    tasks = ("punch-binary",)
    input = "frame"

    def __init__(self, side: int = SIDE):
        self.side = side

    def _features(self, samples):
        grey = [cv2.cvtColor(samples.frame(i), cv2.COLOR_RGB2GRAY) for i in range(len(samples))]
        size = (self.side, self.side)
        return np.stack([cv2.resize(g, size, interpolation=cv2.INTER_AREA).ravel() for g in grey])

    def fit(self, train):
        x, y = self._features(train).astype(float), np.asarray(train.y)
        self.classes_ = np.unique(y)
        self.means_ = np.stack([x[y == c].mean(axis=0) for c in self.classes_])
        return self

    def predict(self, samples):
        x = self._features(samples).astype(float)
        distances = ((x[:, None, :] - self.means_[None]) ** 2).sum(axis=-1)
        return self.classes_[distances.argmin(axis=1)]
"""


def toy_run(toy_dirs, out: Path, methods_dir: Path, seed: int = 0) -> Path:
    status = main(
        ["run", "--dataset", "toy", "--datasets-dir", toy_dirs["datasets"],
         "--methods-dir", str(methods_dir), "--methods", "chance,classic-tuned,probe",
         "--tasks", "punch-binary", "--profile", "quick", "--folds", "2", "--seed", str(seed),
         "--out", str(out), "--quiet"]
    )  # fmt: skip
    assert status == 0
    return out


@pytest.fixture(scope="module")
def runs(toy_dirs, tmp_path_factory):
    """Four real runs: twice the same, the probe made worse, and another seed."""
    root = tmp_path_factory.mktemp("compare")
    folders = {}
    for name, side in (("good", 8), ("worse", 1)):
        folders[name] = root / f"methods-{name}"
        folders[name].mkdir()
        (folders[name] / "probe.py").write_text(PROBE.replace("SIDE", str(side)))
    return {
        "a": toy_run(toy_dirs, root / "a", folders["good"]),
        "again": toy_run(toy_dirs, root / "again", folders["good"]),
        "worse": toy_run(toy_dirs, root / "worse", folders["worse"]),
        "seed1": toy_run(toy_dirs, root / "seed1", folders["good"], seed=1),
    }


def load(run_dir: Path) -> dict:
    return json.loads((run_dir / "results.json").read_text())


def test_rows_keep_each_test_subjects_confusion_matrix(runs):
    results = load(runs["a"])
    for row in results["rows"]:
        per_subject = row["detail"]["per_subject"]
        assert set(per_subject["subjects"]) == set(row["test_subjects"].split())
        total = np.sum([np.asarray(m) for m in per_subject["subjects"].values()], axis=0)
        assert total.tolist() == row["detail"]["confusion"]["matrix"]


def test_the_same_code_and_seed_twice_changes_nothing(runs, tmp_path):
    status, md, html = compare(runs["a"], runs["again"], fail_on_regression=0.0, out=tmp_path)
    assert status == 0 and md.is_file() and html.is_file()
    comparison = compare_results(load(runs["a"]), load(runs["again"]))
    assert {c.method for c in comparison.changes} >= {"chance", "classic-tuned", "probe"}
    aggregates = {e["method"]: e for e in load(runs["a"])["aggregates"]}
    for change in comparison.changes:
        assert change.delta == 0 and change.low == 0 and change.high == 0, change
        assert change.subjects == 4 and change.latency_ratio > 0
        # Over all subjects the per-subject sums give the report's pooled macro-F1.
        assert math.isclose(change.macro_f1_a, aggregates[change.method]["macro_f1"])
    assert not comparison.appeared and not comparison.vanished
    assert "| probe |" in md.read_text() and "probe" in html.read_text()


def test_a_method_made_worse_fails_the_gate(runs, tmp_path):
    comparison = compare_results(load(runs["a"]), load(runs["worse"]), fail_on_regression=0.05)
    probe = next(c for c in comparison.changes if c.method == "probe")
    assert probe.delta < -0.05 and probe.high < 0 and probe.regression
    assert [c.method for c in comparison.regressions] == ["probe"]
    others = [c for c in comparison.changes if c.method != "probe"]
    assert all(c.delta == 0 and not c.regression for c in others)
    assert main(["compare", str(runs["a"]), str(runs["worse"]), "--fail-on-regression", "0.05",
                 "--out", str(tmp_path)]) == 1  # fmt: skip
    assert "FAILED: probe on punch-binary" in (tmp_path / "compare.md").read_text()
    # Without a gate, or with one wider than the drop, it is reported but passes.
    assert main(["compare", str(runs["a"]), str(runs["worse"]), "--out", str(tmp_path)]) == 0
    assert compare(runs["a"], runs["worse"], -probe.delta + 0.01, out=tmp_path)[0] == 0


def test_runs_with_other_seeds_are_refused_in_one_line_unless_allowed(runs, tmp_path, capsys):
    with pytest.raises(ValueError, match="different seeds: 0 vs 1") as info:
        compare(runs["a"], runs["seed1"], out=tmp_path)
    assert "--allow-different" in str(info.value) and "\n" not in str(info.value)
    assert main(["compare", str(runs["a"]), str(runs["seed1"]), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    status, md, _ = compare(runs["a"], runs["seed1"], allow_different=True, out=tmp_path)
    assert status == 0 and "WARNING: different seeds: 0 vs 1" in md.read_text()


def test_runs_on_other_data_are_refused(runs):
    other = load(runs["again"])
    other["datasets"][0]["version"] = "toy-2"
    with pytest.raises(ValueError, match="different data: toy:clean .toy-1"):
        compare_results(load(runs["a"]), other)


def test_results_without_per_subject_confusions_are_refused(runs, tmp_path):
    old = load(runs["again"])
    for row in old["rows"]:
        row["detail"].pop("per_subject")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "results.json").write_text(json.dumps(old))
    with pytest.raises(ValueError, match="re-run with this version") as info:
        compare(runs["a"], tmp_path / "old", out=tmp_path)
    assert "old" in str(info.value) and "\n" not in str(info.value)


def test_methods_that_appear_or_vanish_are_listed(runs):
    a, b = load(runs["a"]), load(runs["again"])
    b["aggregates"] = [e for e in b["aggregates"] if e["method"] != "chance"]
    b["rows"] = [r for r in b["rows"] if r["method"] != "chance"]
    comparison = compare_results(a, b)
    assert comparison.vanished == {("toy:clean", "punch-binary"): ["chance"]}
    swapped = compare_results(b, a)
    assert swapped.appeared == {("toy:clean", "punch-binary"): ["chance"]}


def test_the_paired_interval_is_narrower_than_unpaired_noise():
    # Subjects differ a lot, B is A plus a small constant gain on every subject: the paired
    # interval finds the gain although each run's own interval is wide.
    rng = np.random.default_rng(0)
    a = []
    for _ in range(8):
        hit = rng.integers(20, 60)
        a.append([[60, 0], [60 - hit, hit]])
    a = np.asarray(a)
    b = a.copy()
    b[:, 1, 1] += 5
    b[:, 1, 0] -= 5
    f1_a, f1_b, low, high = paired_bootstrap(a, b, seed=0)
    assert f1_b > f1_a and 0 < low <= high
    weights = metrics.bootstrap_weights(len(a), 0)
    alone = np.percentile(metrics.macro_f1_of_sums(weights, a), [2.5, 97.5])
    assert high - low < (alone[1] - alone[0]) / 2

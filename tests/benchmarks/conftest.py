"""Prints every benchmark's median beside its target (see ``_targets.py``)."""

from _targets import MEASURED, NOISE_MARGIN


def pytest_terminal_summary(terminalreporter):
    if not MEASURED:
        return
    terminalreporter.section("speed targets (median vs target)")
    for name, median, target in MEASURED:
        if target is None:
            terminalreporter.write_line(f"{name:<70} {median * 1e3:9.2f} ms  (a part: no target)")
            continue
        verdict = (
            "ok"
            if median <= target
            else ("over target" if median <= NOISE_MARGIN * target else "FAILED")
        )
        terminalreporter.write_line(
            f"{name:<70} {median * 1e3:9.2f} ms  target {target * 1e3:8.2f} ms  {verdict}"
        )

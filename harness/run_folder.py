"""A run's folder: a unique name, one run at a time, results never lost or torn.

- New runs get ``reports/<timestamp>-seed<N>-<random>``: two runs started in the same second
  never share a folder.
- A lock (:mod:`filelock`, released by the operating system when the process dies) keeps a
  second run out of a folder in use: it stops with one line.
- A folder that already holds results is never emptied: without ``--resume`` the run is
  refused; with it, finished rows whose job key still matches are kept and only the rest run.
- ``results.json`` and ``results.csv`` are written together (both or neither), atomically,
  after every job. A failed write (a full disk) is one line naming the folder and its free
  space; the rows stay in memory and are written at the next chance.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
import sys
from pathlib import Path

from filelock import FileLock, Timeout

from harness.errors import UsageError
from harness.files import replacing
from harness.results import aggregate, results_payload, to_csv

LOCK = ".run.lock"


def new_run_name(seed: int) -> str:
    """``<timestamp>-seed<N>-<random>``: sortable by time, unique without coordination."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-seed{seed}-{secrets.token_hex(3)}"


class RunFolder:
    """The folder of one run, held (locked) from :meth:`open` to :meth:`close`."""

    def __init__(self, path: Path, resume: bool = False):
        self.path = Path(path)
        self.resume = resume
        self.previous: list[dict] = []
        self._lock: FileLock | None = None
        self._unwritten = False

    def open(self) -> RunFolder:
        """Create or take the folder: refuse one in use, or one holding results unless resuming."""
        if self.path.exists() and not self.path.is_dir():
            raise UsageError(f"--out {self.path} is a file; give a folder for the run")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock = FileLock(self.path / LOCK)
            self._lock.acquire(timeout=0)
        except Timeout:
            raise UsageError(
                f"run folder {self.path} is in use by another run; wait for it to finish or "
                "choose another --out"
            ) from None
        except OSError as error:
            raise UsageError(
                f"cannot write to the run folder {self.path} ({error.strerror}); choose "
                "another --out"
            ) from None
        existing = self.path / "results.json"
        if existing.is_file() and not self.resume:
            self.close()
            raise UsageError(
                f"{self.path} already holds a run's results; continue it with --resume "
                f"{self.path}, or choose another --out"
            )
        if self.resume:
            self.previous = self._read_previous(existing)
        return self

    def _read_previous(self, path: Path) -> list[dict]:
        if not path.is_file():
            raise UsageError(f"--resume {self.path}: no results.json there to resume from")
        try:
            rows = json.loads(path.read_text())["rows"]
        except (ValueError, KeyError, TypeError):
            raise UsageError(
                f"--resume {self.path}: results.json is damaged or not a run's results; "
                "start a new run with another --out"
            ) from None
        return [r for r in rows if isinstance(r, dict)]

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            (self.path / LOCK).unlink(missing_ok=True)
            self._lock = None

    def __enter__(self) -> RunFolder:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def kept_rows(self, key: str) -> list[dict]:
        """Rows of the resumed run for the job ``key`` if it finished there (failed jobs rerun)."""
        rows = [r for r in self.previous if r.get("job_key") == key]
        return rows if rows and all(r.get("status") == "ok" for r in rows) else []

    def write(self, header: dict, rows: list[dict]) -> bool:
        """Write results.json and results.csv together; False (and one line) if it failed."""
        payload = results_payload(header, rows, aggregate(rows))
        try:
            with (
                replacing(self.path / "results.json") as json_temp,
                replacing(self.path / "results.csv") as csv_temp,
            ):
                json_temp.write_text(payload, encoding="utf-8")
                csv_temp.write_text(to_csv(rows), encoding="utf-8", errors="backslashreplace")
        except OSError as error:
            free = shutil.disk_usage(self.path).free / 2**20
            print(
                f"error: could not write results to {self.path} ({error.strerror}; "
                f"{free:.0f} MB free); they are kept and written again after the next job",
                file=sys.stderr,
            )
            self._unwritten = True
            return False
        self._unwritten = False
        return True

    @property
    def unwritten(self) -> bool:
        """True when the last write failed (the finished rows exist only in memory)."""
        return self._unwritten

"""The command line from outside. Ctrl-C (SIGINT) or SIGTERM (``kill``, a service manager)
ends a run with one line on stderr and exit 130 or 143, never a traceback, and a demo stopped
partway leaves nothing on disk, so the same command runs again; the demo's suggested commands
run as printed.

Before the fix SIGTERM ended the process on the spot: the half-written ledger (which verified
as a ledger of its own), its side files and the outputs folder stayed, and the next run on the
path was refused as "already exists"; Ctrl-C printed a 40-line traceback."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import pointsledger
from pointsledger.demo import county
from pointsledger.demo.village import build_demo

SOURCE = str(Path(pointsledger.__file__).parents[1])


def start(folder: Path, *args: str) -> subprocess.Popen[str]:
    """``pointsledger ARGS`` in ``folder``, in its own process group as a terminal runs it."""
    return subprocess.Popen([sys.executable, "-m", "pointsledger", *args], cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(folder),
                                 "PYTHONPATH": SOURCE})


def wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    """Wait until ``path`` exists (the run is partway) while the process still runs."""
    for _ in range(60_000):
        if path.exists() or process.poll() is not None:
            break
        time.sleep(0.005)
    assert process.poll() is None, "the run ended before it could be stopped"
    assert path.exists()


@pytest.mark.parametrize(("signum", "code", "line"), [
    (signal.SIGINT, 130, "pointsledger demo: interrupted"),
    (signal.SIGTERM, 143, "pointsledger demo: terminated (SIGTERM)"),
])
def test_a_demo_stopped_mid_year_leaves_nothing(tmp_path: Path, signum: int, code: int,
                                                line: str) -> None:
    demo = start(tmp_path, "demo", "town.db", "--households", "40")
    wait_for(tmp_path / "town-outputs" / "notice-2025-02.html", demo)  # February is posted
    os.killpg(demo.pid, signum)  # the whole group, as Ctrl-C or a service manager does
    _, err = demo.communicate(timeout=120)
    assert (demo.returncode, err.strip()) == (code, line)
    assert list(tmp_path.iterdir()) == []
    again = start(tmp_path, "demo", "town.db", "--households", "40")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert "town-outputs" in out and (tmp_path / "town.db").exists()


@pytest.mark.parametrize(("signum", "code", "line"), [
    (signal.SIGINT, 130, "pointsledger demo: interrupted"),
    (signal.SIGTERM, 143, "pointsledger demo: terminated (SIGTERM)"),
])
def test_a_county_demo_stopped_leaves_no_folder(tmp_path: Path, signum: int, code: int,
                                                line: str) -> None:
    """Ctrl-C or SIGTERM to the county's group (its worker processes too) ends it with one
    line and removes the whole folder (before the fix, a worker waiting for work printed a
    traceback of the parent's SIGTERM handler it had inherited, and a broken pool could leave
    the parent waiting for ever)."""
    county = start(tmp_path, "demo", "county", "--county", "--households", "440",
                   "--workers", "2")
    wait_for(tmp_path / "county" / "WL-T1-V01.db", county)
    os.killpg(county.pid, signum)
    _, err = county.communicate(timeout=300)
    assert (county.returncode, err.strip()) == (code, line)
    assert list(tmp_path.iterdir()) == []


def logged_unit_year(job: Any) -> Any:
    """`county.unit_year`, noting each unit it starts in the file ``$PL_UNITS_STARTED``."""
    with open(os.environ["PL_UNITS_STARTED"], "a", encoding="utf-8") as log:
        log.write("unit\n")
    return real_unit_year(job)


real_unit_year = county.unit_year


def test_a_failed_county_run_starts_no_further_unit(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A county run that fails or is interrupted after its first unit starts no other one
    (before the fix, leaving the pool's block waited for all 44 units to be simulated, so an
    interrupted county ran on for a minute before it removed its folder)."""
    started = tmp_path / "started.txt"
    monkeypatch.setenv("PL_UNITS_STARTED", str(started))
    monkeypatch.setattr(county, "unit_year", logged_unit_year)  # the forked workers see it

    def fail(_done: int, _total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_demo(tmp_path / "county", county=True, households=440, charts=False, workers=1,
                   progress=fail)
    assert not (tmp_path / "county").exists()
    # the first unit and the few the pool had already handed to its worker, not all 44
    assert 1 <= len(started.read_text(encoding="utf-8").splitlines()) < 10


def test_the_demo_suggests_commands_that_run_as_printed(tmp_path: Path) -> None:
    """The summary's "Try next" lines quote the ledger's path, so a path with a space (a
    Chinese file name with one) copies into a shell as one word (before: ``pointsledger
    verify 村 庄.db``, which the shell split in two)."""
    demo = start(tmp_path, "demo", "村 庄.db", "--households", "40")
    out, err = demo.communicate(timeout=300)
    assert demo.returncode == 0, err
    verify = next(line.strip() for line in out.splitlines()
                  if line.strip().startswith("pointsledger verify"))
    words = shlex.split(verify)
    assert words == ["pointsledger", "verify", "村 庄.db"]
    check = start(tmp_path, *words[1:])
    out, err = check.communicate(timeout=300)
    assert check.returncode == 0 and out.startswith("ok: "), err

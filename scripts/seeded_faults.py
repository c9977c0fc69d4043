"""Seeded faults (issue 16): break one named rule at a time and check that the tests notice.

For each fault below, the script copies the repository (without ``.git`` and caches) to a
temporary directory, applies the fault to the copy's ``src`` as exact text substitutions (each
text to replace must occur exactly once, or the script stops with an error: a fault can never
silently stop applying when the source changes), runs the tests against the faulty copy
(``PYTHONPATH`` pointing at it, checked before the run) and reports ``killed`` with the first
failing test, or ``SURVIVED``. It exits 1 when any fault survived, 2 when a fault no longer
applies.

The default selection is the whole suite (the modules that pin these rules first) except the
slow or unrelated ``tests/test_webapp.py`` (real server), ``tests/test_postgres.py`` (needs a
server), ``tests/test_docs.py`` (executes the documentation's code blocks) and
``tests/test_processes.py`` (many processes); the first failure stops a run (``-x``).
Examples::

    python scripts/seeded_faults.py                      # every fault, default selection
    python scripts/seeded_faults.py --check              # only check that every fault applies
    python scripts/seeded_faults.py --fault reserved-stock --fault cap-check
    python scripts/seeded_faults.py --tests "tests/test_machine.py"   # another selection
    python scripts/seeded_faults.py --list

Run it with the project's interpreter (the one with pytest and hypothesis); tests run with
``HYPOTHESIS_PROFILE=ci`` unless the environment sets another profile.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository the faults are seeded into (a copy of it)."""

FIRST_TESTS = (
    "tests/test_commands.py",
    "tests/test_store.py",
    "tests/test_expiry.py",
    "tests/test_workflows.py",
    "tests/test_transitions.py",
    "tests/test_ledger.py",
)
"""The modules that pin these rules: they run first, so that a failure (-x) comes early."""

EXCLUDED_TESTS = (
    "tests/test_webapp.py",
    "tests/test_postgres.py",
    "tests/test_docs.py",
    "tests/test_processes.py",
)
"""Slow or unrelated modules the default selection leaves out."""


def default_tests(root: Path = ROOT) -> list[str]:
    """The default selection: :data:`FIRST_TESTS`, then every other test module in name order,
    but for :data:`EXCLUDED_TESTS`."""
    rest = sorted(p.relative_to(root).as_posix() for p in (root / "tests").glob("test_*.py"))
    return [*FIRST_TESTS, *(t for t in rest if t not in FIRST_TESTS + EXCLUDED_TESTS)]


_SKIP_COPY = shutil.ignore_patterns(
    ".git", ".venv", "mutants", ".hypothesis", "__pycache__", ".pytest_cache", ".mypy_cache",
    ".ruff_cache", "site", "dist", "build", "*.db", "*.db-wal", "*.db-shm",
)


@dataclass(frozen=True)
class Fault:
    """One seeded fault: ``edits`` are ``(old, new)`` texts replaced in ``path`` (under
    ``src/``); each ``old`` must occur there exactly once."""

    name: str
    what: str
    path: str
    edits: tuple[tuple[str, str], ...]


FAULTS: tuple[Fault, ...] = (
    Fault(
        "cap-check",
        "the cap check forgets the award's own points (it refuses only a cap already used up)",
        "pointsledger/core/postings.py",
        (
            ("if used_by.get(key, 0) + points > maximum:", "if used_by.get(key, 0) >= maximum:"),
            ("if used + points > cap.max_points:", "if used >= cap.max_points:"),
        ),
    ),
    Fault(
        "reserved-stock",
        "the stock check ignores the units reserved for pickup",
        "pointsledger/store/commands.py",
        (
            ("free = state.stock.get(reward_code, 0) - state.reserved.get(reward_code, 0)",
             "free = state.stock.get(reward_code, 0)"),
        ),
    ),
    Fault(
        "price-age-boundary",
        "a price band includes its upper age (<= max_age instead of < max_age)",
        "pointsledger/rules/catalogue.py",
        (("(self.max_age is None or age < self.max_age)",
          "(self.max_age is None or age <= self.max_age)"),),
    ),
    Fault(
        "soonest-expiry-first",
        "points are drawn from the latest-expiring lots first",
        "pointsledger/core/lots.py",
        (("for expires, lot, remaining, _carry in entries:",
          "for expires, lot, remaining, _carry in reversed(entries):"),),
    ),
    Fault(
        "wish-one-live-claim",
        "a claimed wish may be claimed again (a second live claim)",
        "pointsledger/rules/flows.py",
        (('("listed", "claim", "claimed"),',
          '("listed", "claim", "claimed"),\n        ("claimed", "claim", "claimed"),'),),
    ),
    Fault(
        "order-decline-redispatch",
        "a declined order is cancelled instead of going back to dispatch",
        "pointsledger/rules/flows.py",
        (('("dispatched", "decline", "placed"),', '("dispatched", "decline", "cancelled"),'),),
    ),
    Fault(
        "timebank-two-reviewers",
        "a time-bank deposit is deposited after one reviewer's approval",
        "pointsledger/rules/flows.py",
        (('("submitted", "approve", "approved_once"),', '("submitted", "approve", "deposited"),'),),
    ),
    Fault(
        "future-time-boundary",
        "the future-time check allows a second of grace after the ledger clock",
        "pointsledger/core/command.py",
        (("if occurred_us > ctx.now_us:", "if occurred_us > ctx.now_us + 1_000_000:"),),
    ),
)
"""The eight faults issue 16 names, each as small and realistic as a slip in review."""


class FaultRotted(Exception):
    """A fault's text to replace is missing (or not unique) in the source."""


def seeded(source: str, fault: Fault) -> str:
    """``source`` with ``fault``'s edits applied.

    Raises:
        FaultRotted: a text to replace does not occur exactly once.
    """
    for old, new in fault.edits:
        count = source.count(old)
        if count != 1:
            raise FaultRotted(
                f"fault {fault.name!r}: {old!r} occurs {count} times in src/{fault.path} "
                "(exactly once expected): update the fault to the current source"
            )
        source = source.replace(old, new)
    return source


def check_all(root: Path = ROOT) -> None:
    """Check that every fault applies to the source under ``root``.

    Raises:
        FaultRotted: one does not.
    """
    for fault in FAULTS:
        seeded((root / "src" / fault.path).read_text(encoding="utf-8"), fault)


_FIRST_FAILURE = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


def run_fault(fault: Fault, tests: list[str], verbose: bool) -> tuple[bool, str, float]:
    """Run ``tests`` against a copy of the repository with ``fault`` seeded.

    Returns:
        ``(killed, first failing test or a note, seconds)``.
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"fault-{fault.name}-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(ROOT, copy, ignore=_SKIP_COPY)
        target = copy / "src" / fault.path
        target.write_text(seeded(target.read_text(encoding="utf-8"), fault), encoding="utf-8")
        env = dict(os.environ)
        env["PYTHONPATH"] = str(copy / "src")
        env.setdefault("HYPOTHESIS_PROFILE", "ci")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        where = subprocess.run(
            [sys.executable, "-c", "import pointsledger; print(pointsledger.__file__)"],
            env=env, cwd=copy, capture_output=True, text=True, check=True,
        ).stdout.strip()
        if not Path(where).resolve().is_relative_to(copy.resolve()):
            raise SystemExit(f"the tests would import pointsledger from {where}, not the copy")
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-rfE", "-p", "no:cacheprovider",
                   *tests]
        done = subprocess.run(command, env=env, cwd=copy, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if verbose:
        print(done.stdout[-4000:], done.stderr[-2000:], sep="\n")
    if done.returncode == 0:
        return False, "", seconds
    if done.returncode == 5:
        raise SystemExit(f"no tests were collected by {shlex.join(tests)}")
    found = _FIRST_FAILURE.search(done.stdout)
    if found:
        return True, found.group(1), seconds
    tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
    return True, f"pytest exit {done.returncode}: {' | '.join(tail)}", seconds


def main(argv: list[str] | None = None) -> int:
    """Run the seeded faults; 0 when the tests kill every one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tests", help="the pytest arguments that select the tests, as one "
                        "shell-quoted string (default: the suite without "
                        f"{', '.join(EXCLUDED_TESTS)}; {', '.join(FIRST_TESTS)} first)")
    parser.add_argument("--fault", action="append", choices=[f.name for f in FAULTS],
                        help="run only this fault (repeatable)")
    parser.add_argument("--check", action="store_true",
                        help="only check that every fault still applies to the source")
    parser.add_argument("--list", action="store_true", help="list the faults")
    parser.add_argument("-v", "--verbose", action="store_true", help="show pytest's output")
    args = parser.parse_args(argv)
    try:
        check_all()
    except FaultRotted as rotted:
        print(f"error: {rotted}", file=sys.stderr)
        return 2
    if args.list or args.check:
        for fault in FAULTS:
            print(f"{fault.name:26} src/{fault.path}: {fault.what}")
        if args.check:
            print(f"all {len(FAULTS)} faults apply")
        return 0
    tests = shlex.split(args.tests) if args.tests else default_tests()
    chosen = [f for f in FAULTS if not args.fault or f.name in args.fault]
    print(f"tests: {shlex.join(tests)}")
    survived = []
    for fault in chosen:
        killed, first, seconds = run_fault(fault, tests, args.verbose)
        verdict = f"killed by {first}" if killed else "SURVIVED"
        print(f"{fault.name:26} {verdict}  ({seconds:.0f} s)  [{fault.what}]", flush=True)
        if not killed:
            survived.append(fault.name)
    print(f"{len(chosen) - len(survived)} of {len(chosen)} faults killed"
          + (f"; survived: {', '.join(survived)}" if survived else ""))
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())

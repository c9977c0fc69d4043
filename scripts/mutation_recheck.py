"""Recheck mutants against some test files, the way mutmut runs them (README, "Mutation
testing"): after one warm-up import, fork once per mutant with ``MUTANT_UNDER_TEST`` set, run
the tests with ``-x``, and print ``KILLED(<exit code>) <mutant>`` or ``SURVIVED <mutant>``.

Run it inside ``mutants/`` after a ``mutmut run`` (copy new test files into ``mutants/tests``
first), with the mutant names one a line in a file::

    cd mutants && HYPOTHESIS_NO_PLUGINS=1 HYPOTHESIS_PROFILE=mutation \\
        ../.venv/bin/python ../scripts/mutation_recheck.py survivors.txt tests/test_kill_state.py

Meant for checking that new tests kill the survivors they were written for, without a rerun of
every mutant (a change to mutmut's test selection resets all its cached results).
"""

from __future__ import annotations

import os
import sys

import pytest


def main(names_file: str, tests: list[str]) -> None:
    """Print whether ``tests`` kill each mutant named in ``names_file``."""
    sys.path.insert(0, os.path.abspath("src"))
    with open(names_file, encoding="utf-8") as f:
        names = [line.strip() for line in f if line.strip()]
    pytest.main(["--collect-only", "-qqq", "-p", "no:cacheprovider", *tests])
    for name in names:
        pid = os.fork()
        if pid == 0:
            os.environ["MUTANT_UNDER_TEST"] = name
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os._exit(int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests])))
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        print("SURVIVED" if code == 0 else f"KILLED({code})", name, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])

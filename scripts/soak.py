"""Randomised state-machine steps beyond the derandomised suite (issue 16's soak run).

Runs a machine with fresh random seeds until at least ``--steps`` steps have been checked and
prints the base seed first, so a failure is reproduced with ``--seed``::

    python scripts/soak.py --steps 100000                  # CI
    python scripts/soak.py --steps 2000 --seed 12345       # reproduce a failing batch

Each batch of ``--examples`` runs uses the seed ``base + batch number``; a failure prints the
batch's seed and hypothesis's falsifying steps, and the script exits non-zero. Failures are not
shrunk unless ``--shrink`` is given (shrinking a long machine run can take many minutes; the
steps printed are the run as found). The rate is printed per wall-clock second and per second
of this process's CPU time (what the run costs on an idle machine).
"""

from __future__ import annotations

import argparse
import importlib
import random
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.stateful import get_state_machine_test


def load(name: str) -> Any:
    """``module:Class`` (the module imported with ``tests`` importable from the repo root)."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000, help="steps to check at least")
    parser.add_argument("--seed", type=int, default=None, help="base seed (default: random)")
    parser.add_argument("--examples", type=int, default=100, help="runs per batch")
    parser.add_argument("--step-count", type=int, default=50, help="most steps per run")
    parser.add_argument("--shrink", action="store_true", help="shrink a failure (slow)")
    parser.add_argument("--machine", action="append", default=None,
                        help="module:Class to run (repeatable; batches alternate)")
    args = parser.parse_args(argv)
    machines = [load(m) for m in (args.machine or ["tests.test_model_machine:SoakMachine"])]
    base = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    print(f"soak: base seed {base}; reproduce with --seed {base}", flush=True)
    config = settings(max_examples=args.examples, stateful_step_count=args.step_count,
                      deadline=None, derandomize=False, database=None,
                      suppress_health_check=list(HealthCheck), print_blob=True,
                      phases=[Phase.explicit, Phase.generate, *(
                          [Phase.shrink] if args.shrink else [])])
    steps, batch, started, cpu = 0, 0, time.perf_counter(), time.process_time()
    while steps < args.steps:
        machine = machines[batch % len(machines)]
        machine.coverage = type(machine.coverage)()
        test = seed(base + batch)(get_state_machine_test(machine, settings=config))
        try:
            test()
        except BaseException:
            print(f"soak: {machine.__name__} failed in batch {batch} (seed {base + batch}) "
                  f"after {steps} steps", flush=True)
            raise
        steps += machine.coverage.steps
        batch += 1
        rate = steps / (time.perf_counter() - started)
        cpu_rate = steps / max(time.process_time() - cpu, 1e-9)
        print(f"soak: batch {batch} {machine.__name__}: {steps} steps, {rate:.0f} steps/s "
              f"({cpu_rate:.0f} per CPU second)", flush=True)
    print(f"soak: {steps} randomised steps in {batch} batches passed "
          f"({time.perf_counter() - started:.0f} s, {time.process_time() - cpu:.0f} s CPU, "
          f"base seed {base})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark harness for the 清单制 reports (issue 19) over a village's year.

One village ledger (500 households) adopts the county checklist and the example lists
(:func:`pointsledger.rules.example_lists.village_lists`), then lives a year: each day some
matters are opened (one in twenty on the negative list), each live matter's next step is
recorded with probability one half, the overdue job runs, and ``--awards`` awards a day are
posted in a batch around them. It then times each matter report, and the 四议两公开 record of
the first decision of the year (whose scan of the log runs from January) and of the last.

    python benchmarks/bench_matters.py                     # 3 matters and 300 awards a day
    python benchmarks/bench_matters.py --matters 10 --awards 2000 --sqlite
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import workload

from pointsledger import Actor, CapExceeded, Ledger, ManualClock, Rulebook, reports
from pointsledger.reports.matters import follows_four_and_two
from pointsledger.rules.example_lists import village_lists

ACTORS = {role: Actor(f"{role}-1", roles={role}) for role in (
    "party_branch", "committee", "party_members_meeting", "villager_representatives",
    "supervision_committee", "grid_worker")}


def build(ledger: Ledger, clock: ManualClock, *, matters: int, awards: int,
          seed: int) -> None:
    rng = random.Random(seed)
    lists = village_lists()
    rules = Rulebook("2026", workload.rulebook().items, matters=lists)
    clock.set(workload.START.subtract(days=1))
    committee = ACTORS["committee"]
    ledger.adopt(rules, effective_from=workload.START.date(), by=committee,
                 resolution="benchmark")
    with ledger.batch() as b:
        b.add_region("V", "东沙沟村", kind="village", by=committee)
        b.add_region("G", "第一网格", kind="grid", parent="V", by=committee)
        for h in range(500):
            b.register_household(f"H{h:03d}", grid="G", head=f"户主{h}", by=committee)
    working = [m for m in lists if not m.is_negative]
    negative = [m for m in lists if m.is_negative]
    items = [i.code for i in rules.items if i.points > 0]
    n = 0
    clock.set(workload.START.add(hours=7))
    # the worst case of a decision record: a decision open all year, stepped on its last day
    long = ledger.open_matter("XW-01", request="全年未决的工程项目", by=ACTORS["party_branch"],
                              key="long")
    for day in range(365):
        start = workload.START.add(days=day, hours=8)
        clock.set(start)
        for _ in range(matters):
            n += 1
            matter = rng.choice(negative if rng.random() < 0.05 else working)
            ledger.open_matter(matter.code, request=f"申请{n}", by=ACTORS["grid_worker"],
                               key=f"m{n}")
        for case in ledger.cases("matter", state="open"):
            if case.seq == long.seq and day < 364:
                continue
            if rng.random() < 0.5 or case.seq == long.seq:
                matter = rules.matter(case.subject)
                step = matter.step(case.detail("next"))
                assert step is not None
                clock.advance(seconds=1)
                ledger.step(case.id, "record", code=step.code, evidence=["记录"],
                            by=ACTORS[step.role], key=f"{case.id}/{step.code}")
        for case in ledger.cases("matter", state="ready"):
            clock.advance(seconds=1)
            ledger.step(case.id, "close", by=ACTORS[rules.matter(case.subject).role],
                        key=f"{case.id}/close")
        clock.set(start.add(hours=1))
        ledger.overdue_due()
        with ledger.batch() as b:
            for a in range(awards):
                with contextlib.suppress(CapExceeded):
                    b.award(f"H{rng.randrange(500):03d}", rng.choice(items),
                            by=ACTORS["grid_worker"], key=f"a{day}/{a}")


def timed(label: str, report: Callable[[], reports.Table]) -> None:
    t0 = time.perf_counter()
    table = report()
    print(f"{label:34s} {time.perf_counter() - t0:7.3f} s  {len(table.rows):,} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=3, help="matters opened a day")
    parser.add_argument("--awards", type=int, default=300, help="awards a day")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not memory")
    args = parser.parse_args()
    clock = ManualClock(workload.START.subtract(days=1))
    with tempfile.TemporaryDirectory() as folder:
        ledger = (Ledger.open(Path(folder) / "village.db", clock=clock) if args.sqlite
                  else Ledger.in_memory(clock=clock))
        t0 = time.perf_counter()
        build(ledger, clock, matters=args.matters, awards=args.awards, seed=args.seed)
        cases = ledger.cases("matter")
        print(f"built {ledger.head:,} events, {len(cases):,} matters in "
              f"{time.perf_counter() - t0:.1f} s ({'SQLite' if args.sqlite else 'memory'})")
        decisions = [c for c in cases if c.state != "refused" and follows_four_and_two(
            ledger.adoption("2026").rulebook.matter(c.subject))]
        timed("matter_board", lambda: reports.matter_board(ledger))
        timed("matter_breakdown by list", lambda: reports.matter_breakdown(ledger))
        timed("matter_breakdown by role", lambda: reports.matter_breakdown(ledger, by="role"))
        timed("matter_step_days", lambda: reports.matter_step_days(ledger))
        timed("matter_step_days 2026-06",
              lambda: reports.matter_step_days(ledger, period="2026-06"))
        timed("matter_disclosure 2026-06",
              lambda: reports.matter_disclosure(ledger, "2026-06"))
        timed("matter_list", lambda: reports.matter_list(ledger))
        # the year-long decision (its scan reads the whole year) and the last one opened
        first, last = decisions[0], decisions[-1]
        span = sum(1 for e in ledger.events(after=first.seq - 1)
                   if e.recorded_us <= first.changed_us)
        print(f"year-long decision: {len(first.history)} steps recorded, {span:,} events "
              "from its opening to its last step")
        timed("decision_record (year-long)", lambda: reports.decision_record(ledger, first.id))
        timed("decision_record (last opened)", lambda: reports.decision_record(ledger, last.id))
        ledger.close()


if __name__ == "__main__":
    main()

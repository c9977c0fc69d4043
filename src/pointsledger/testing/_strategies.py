"""Hypothesis strategies for pointsledger's core types, in hypothesis's own style: plural nouns,
keyword-only arguments, strategies passed as arguments, bad arguments raising InvalidArgument
when the strategy is drawn from."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import pendulum
from hypothesis import currently_in_test_context, event, target
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from pointsledger.base.actors import COMMITTEE, GRID_WORKER, RESIDENT, ROLES, Actor
from pointsledger.base.clock import ManualClock
from pointsledger.base.periods import PERIODS
from pointsledger.core.events import Event, ItemPosting
from pointsledger.errors import PointsLedgerError
from pointsledger.ledger.ledger import Ledger
from pointsledger.rules.checklist import Cap, ChecklistItem
from pointsledger.rules.rulebook import Rulebook

CATEGORIES = ("环境卫生", "志愿服务", "移风易俗", "邻里和睦", "遵纪守法", "民主参与", "村规民约")
TITLES = ("庭院环境整洁", "参加志愿服务", "参加治安巡逻", "婚事新办", "调解邻里纠纷",
          "参加村民会议", "焚烧秸秆", "乱倒垃圾", "违反公共道德", "门前三包")
SURNAMES = "张王李赵刘陈杨黄周吴欧阳"


def _strategy(value: object, name: str) -> SearchStrategy[Any] | None:
    if value is not None and not isinstance(value, SearchStrategy):
        raise InvalidArgument(f"{name} must be a strategy or None, got {value!r}")
    return value


def _size(value: object, name: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidArgument(f"{name} must be an integer of at least {low}, got {value!r}")
    return value


def caps(*, max_points: SearchStrategy[int] | None = None,
         pers: Sequence[str] = PERIODS) -> SearchStrategy[Cap]:
    """Caps: ``max_points`` from the given strategy (default 1-200), ``per`` from ``pers``."""

    @st.composite
    def draw_cap(draw: st.DrawFn) -> Cap:
        _strategy(max_points, "max_points")
        unknown = [p for p in pers if p not in PERIODS]
        if not pers or unknown:
            raise InvalidArgument(f"pers must be period kinds from {PERIODS}, got {pers!r}")
        points = st.integers(1, 200) if max_points is None else max_points
        return Cap(draw(points), per=draw(st.sampled_from(pers)))

    return draw_cap()


def checklist_items(
    *,
    codes: SearchStrategy[str] | None = None,
    categories: SearchStrategy[str] | None = None,
    points: SearchStrategy[int] | None = None,
    capped: bool = True,
) -> SearchStrategy[ChecklistItem]:
    """Checklist items that are sound on their own: non-zero points, awards' caps at least one
    award, deductions uncapped.

    Args:
        codes: strategy for item codes (default like ``ENV-07``).
        categories: strategy for categories (default: common Chinese categories).
        points: strategy for signed points (default -50..50); zero is skipped.
        capped: whether awards may carry caps.
    """

    @st.composite
    def draw_item(draw: st.DrawFn) -> ChecklistItem:
        _strategy(codes, "codes")
        _strategy(categories, "categories")
        _strategy(points, "points")
        if not isinstance(capped, bool):
            raise InvalidArgument(f"capped must be a bool, got {capped!r}")
        value = draw((st.integers(-50, 50) if points is None else points).filter(bool))
        item_caps: list[Cap] = []
        if capped and value > 0:
            item_caps = draw(st.lists(caps(max_points=st.integers(value, value * 10)),
                                      max_size=2, unique_by=lambda c: c.per))
        return ChecklistItem(
            draw(st.from_regex(r"[A-Z]{3}-[0-9]{2}", fullmatch=True) if codes is None
                 else codes),
            draw(st.sampled_from(TITLES)),
            category=draw(st.sampled_from(CATEGORIES) if categories is None
                          else categories),
            points=value,
            unit=draw(st.sampled_from(["", "每次", "每人次"])),
            cap=item_caps,
            evidence_required=draw(st.booleans()),
            serious=value < 0 and draw(st.booleans()),
        )

    return draw_item()


def rulebooks(
    *,
    base: Rulebook | None = None,
    items: SearchStrategy[ChecklistItem] | None = None,
    versions: SearchStrategy[str] | None = None,
    min_items: int = 1,
    max_items: int = 8,
) -> SearchStrategy[Rulebook]:
    """Rulebooks without errors (see ``Rulebook.check``); warnings may occur.

    Args:
        base: build around this rulebook: its items, caps and policy, plus up to two new
            items, under a new version name.
        items: strategy for the items (default :func:`checklist_items`).
        versions: strategy for version names.
        min_items: the fewest items (when there is no ``base``).
        max_items: the most items (when there is no ``base``).
    """

    @st.composite
    def draw_rulebook(draw: st.DrawFn) -> Rulebook:
        if base is not None and not isinstance(base, Rulebook):
            raise InvalidArgument(f"base must be a Rulebook or None, got {base!r}")
        _strategy(items, "items")
        _strategy(versions, "versions")
        low, high = _size(min_items, "min_items"), _size(max_items, "max_items")
        if low > high:
            raise InvalidArgument(f"min_items={low} is more than max_items={high}")
        names = versions
        if names is None:
            names = st.from_regex(r"20[2-3][0-9]-v[0-9]{1,3}", fullmatch=True)
        version = draw(names.filter(lambda v: base is None or v != base.version))
        item_strategy = checklist_items() if items is None else items
        if base is not None:
            taken = {i.code for i in base.items}
            extra = draw(st.lists(item_strategy.filter(lambda i: i.code not in taken),
                                  max_size=2, unique_by=lambda i: i.code))
            return Rulebook(version, [*base.items, *extra],
                            category_caps=dict(base.category_caps), policy=base.policy)
        drawn = draw(st.lists(item_strategy, min_size=low, max_size=high,
                              unique_by=lambda i: i.code))
        awards: dict[str, int] = {}
        for item in drawn:
            if item.points > 0:
                awards[item.category] = max(awards.get(item.category, 0), item.points)
        category_caps = {}
        for category, biggest in awards.items():
            if draw(st.booleans()):
                category_caps[category] = draw(caps(max_points=st.integers(biggest,
                                                                           biggest * 10)))
        return Rulebook(version, drawn, category_caps=category_caps)

    return draw_rulebook()


def actors(*, ids: SearchStrategy[str] | None = None,
           roles: SearchStrategy[frozenset[str]] | None = None) -> SearchStrategy[Actor]:
    """Actors with ids from ``ids`` and role sets from ``roles`` (default: any known roles)."""

    @st.composite
    def draw_actor(draw: st.DrawFn) -> Actor:
        _strategy(ids, "ids")
        _strategy(roles, "roles")
        return Actor(
            draw(st.from_regex(r"[a-z]{1,6}-[0-9]{1,3}", fullmatch=True) if ids is None else ids),
            roles=draw(st.frozensets(st.sampled_from(sorted(ROLES)), max_size=3)
                       if roles is None else roles),
        )

    return draw_actor()


@attrs.frozen
class Village:
    """A plan of a village (or of a whole region tree) to build a ledger from: a rulebook,
    grids, households, members and the day the clock starts. The rulebook takes effect 100
    days before ``start``. ``regions`` (``(code, name, kind, parent)``, parents first) gives
    the tree above the grids; when empty, the grids sit under one village ``V``."""

    rulebook: Rulebook
    grids: tuple[str, ...]
    households: tuple[tuple[str, str, str], ...]
    """``(id, grid, head of household)``."""
    members: tuple[tuple[str, str, str, frozenset[str]], ...]
    """``(id, household, name, roles)``."""
    start: pendulum.DateTime
    tz: str = "Asia/Shanghai"
    regions: tuple[tuple[str, str, str, str | None], ...] = ()

    committee: Actor = attrs.field(factory=lambda: Actor("test-committee", roles={COMMITTEE}))
    """Adopts, registers, reverses and closes periods."""
    grid_worker: Actor = attrs.field(
        factory=lambda: Actor("test-grid-worker", roles={GRID_WORKER})
    )
    """Awards and deducts (a member of no household)."""

    @property
    def accounts(self) -> tuple[str, ...]:
        """Every household and member id."""
        return tuple(h[0] for h in self.households) + tuple(m[0] for m in self.members)

    def household_of(self, account: str) -> str:
        """The household an account belongs to."""
        for member, household, _name, _roles in self.members:
            if member == account:
                return household
        return account

    def build(self, path: str | None = None,
              clock: ManualClock | None = None) -> tuple[Ledger, ManualClock]:
        """A ledger (in memory, or in the SQLite file ``path``) holding this village."""
        clock = clock or ManualClock(self.start)
        ledger = (Ledger.in_memory(clock=clock, tz=self.tz) if path is None
                  else Ledger.open(path, clock=clock, tz=self.tz))
        by = self.committee
        ledger.adopt(self.rulebook, effective_from=self.start.subtract(days=100).date(), by=by,
                     resolution="村民代表会议表决通过 (test)")
        regions = self.regions or (
            ("V", "测试村", "village", None),
            *((grid, f"网格{grid}", "grid", "V") for grid in self.grids),
        )
        with ledger.batch() as b:
            for code, name, kind, parent in regions:
                b.add_region(code, name, kind=kind, parent=parent, by=by)
            for household, grid, head in self.households:
                b.register_household(household, grid=grid, head=head, by=by)
            for member, household, name, roles in self.members:
                b.register_member(member, household=household, name=name, roles=roles, by=by)
        return ledger, clock


def villages(
    *,
    rulebook: Rulebook | SearchStrategy[Rulebook] | None = None,
    min_households: int = 1,
    max_households: int = 6,
) -> SearchStrategy[Village]:
    """Village plans: a village with 1-3 grids, or a county tree (towns, villages and
    communities, grids, sometimes a micro-grid); households, a member or two for some of them
    (some grid workers); a start day in 2026; around the given rulebook (default:
    :func:`rulebooks`)."""

    @st.composite
    def draw_village(draw: st.DrawFn) -> Village:
        if rulebook is not None and not isinstance(rulebook, Rulebook | SearchStrategy):
            raise InvalidArgument(f"rulebook must be a Rulebook, a strategy or None, "
                                  f"got {rulebook!r}")
        low, high = _size(min_households, "min_households", 1), _size(max_households,
                                                                      "max_households", 1)
        if low > high:
            raise InvalidArgument(f"min_households={low} is more than max_households={high}")
        rules = (rulebook if isinstance(rulebook, Rulebook)
                 else draw(rulebook if rulebook is not None else rulebooks()))
        regions: list[tuple[str, str, str, str | None]] = []
        if draw(st.booleans()):  # a county tree: county > towns > villages, communities > grids
            regions.append(("C", "测试县", "county", None))
            towns = draw(st.integers(1, 2))
            for t in range(1, towns + 1):
                regions.append((f"T{t}", f"第{t}镇", "town", "C"))
            places = draw(st.integers(1, 3))
            for v in range(1, places + 1):
                kind = draw(st.sampled_from(["village", "community"]))
                regions.append((f"V{v}", f"第{v}村", kind, f"T{(v - 1) % towns + 1}"))
            grid_count = draw(st.integers(places, places + 2))
            grids = tuple(f"G{n}" for n in range(1, grid_count + 1))
            regions += [(g, f"网格{g}", "grid", f"V{(n % places) + 1}")
                        for n, g in enumerate(grids)]
            if draw(st.booleans()):  # a micro-grid under the first grid
                regions.append(("G1-1", "微网格", "grid", "G1"))
                grids = (*grids, "G1-1")
        else:
            grids = tuple(f"G{n}" for n in range(1, draw(st.integers(1, 3)) + 1))
        count = draw(st.integers(low, high))
        households = tuple(
            (f"H{n:03d}", grids[n % len(grids)], draw(st.sampled_from(SURNAMES)) + "某")
            for n in range(1, count + 1)
        )
        members = []
        for household, _grid, head in households:
            for k in range(draw(st.integers(0, 2))):
                roles = {RESIDENT} | ({GRID_WORKER} if draw(st.booleans()) else set())
                members.append((f"{household}-M{k}", household, head + str(k), frozenset(roles)))
        start = pendulum.datetime(2026, 1, 1, 9, tz="Asia/Shanghai").add(
            days=draw(st.integers(0, 364)))
        return Village(rules, grids, households, tuple(members), start,
                       regions=tuple(regions))

    return draw_village()


@attrs.frozen
class Command:
    """One generated step: a ledger command (or a clock move) and, for a deliberately invalid
    one, the error it must raise."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    expect: type[PointsLedgerError] | None = None

    def run(self, ledger: Ledger, clock: ManualClock,
            history: Sequence[Event]) -> Event | PointsLedgerError | None:
        """Run on ``ledger``; return the event written, the error raised, or None (a clock
        move). ``history`` is the events earlier steps wrote (for reversals)."""
        kwargs = dict(self.kwargs)
        if self.name == "advance":
            clock.advance(**kwargs)
            return None
        if "occurred_before" in kwargs:
            kwargs["occurred_at"] = clock().subtract(**kwargs.pop("occurred_before"))
        if "through_days_back" in kwargs:
            kwargs["through"] = clock().in_timezone(ledger.tz).date().subtract(
                days=kwargs.pop("through_days_back"))
        args = list(self.args)
        if self.name == "reverse":
            postings = [e for e in history if isinstance(e, ItemPosting)]
            if not postings:
                return None
            args = [postings[args[0] % len(postings)].id]
        method: Callable[..., Event] = getattr(ledger, self.name)
        try:
            return method(*args, **kwargs)
        except PointsLedgerError as exc:
            return exc


def _invalid_chooser(invalid: object) -> SearchStrategy[bool]:
    """``invalid`` as a strategy of bools: a bool always, a strategy drawn from, None one
    step in five."""
    if invalid is None:
        return st.integers(0, 4).map(lambda n: n == 0)
    if isinstance(invalid, bool):
        return st.just(invalid)
    if isinstance(invalid, SearchStrategy):
        return invalid
    raise InvalidArgument(f"invalid must be a bool, a strategy of bools or None, got "
                          f"{invalid!r}")


def commands(village: Village, *,
             invalid: bool | SearchStrategy[bool] | None = None) -> SearchStrategy[Command]:
    """Commands on a village built from ``village``: awards, deductions, reversals, period
    closings and clock moves, or commands that must be refused (naive or future times,
    unknown accounts or items, wrong signs, empty keys, unauthorised actors).

    Args:
        invalid: whether the command is a deliberately invalid one: ``True`` or ``False``
            always, a strategy of bools drawn from, or ``None`` (the default) one in five.
    """

    @st.composite
    def draw_command(draw: st.DrawFn) -> Command:
        if not isinstance(village, Village):
            raise InvalidArgument(f"village must be a Village, got {village!r}")
        wrong = draw(_invalid_chooser(invalid))
        if not isinstance(wrong, bool):
            raise InvalidArgument(f"invalid drew {wrong!r}, not a bool")
        key = ("key", f"k-{draw(st.uuids())}")
        rules = village.rulebook
        awards = [i.code for i in rules.items if i.points > 0]
        deductions = [i.code for i in rules.items if i.points < 0]
        account = draw(st.sampled_from(village.accounts))
        by = ("by", village.grid_worker)
        evidence = ("evidence", ("photo-1",))
        before = ("occurred_before", {"hours": draw(st.integers(0, 24 * 30))})
        if wrong:
            return draw(_invalid(village, account, awards, deductions, key, by))
        choices: list[Command] = [
            Command("advance", kwargs=(("hours", draw(st.integers(1, 24 * 10))),)),
            Command("close_period", kwargs=(("through_days_back", draw(st.integers(1, 40))),
                                            ("by", village.committee), key)),
            Command("reverse", args=(draw(st.integers(0, 100)),),
                    kwargs=(("reason", "误录"), ("by", village.committee), key)),
        ]
        if awards:
            choices.append(Command("award", (account, draw(st.sampled_from(awards))),
                                   (by, key, before, evidence,
                                    ("quantity", draw(st.integers(1, 3))))))
        if deductions:
            choices.append(Command("deduct", (account, draw(st.sampled_from(deductions))),
                                   (by, key, before, evidence)))
        return draw(st.sampled_from(choices))

    return draw_command()


def _invalid(village: Village, account: str, awards: list[str], deductions: list[str],
             key: tuple[str, str], by: tuple[str, Actor]) -> SearchStrategy[Command]:
    from pointsledger.errors import (
        OccurredInFuture,
        PermissionDenied,
        UnknownAccount,
        UnknownItem,
        ValidationError,
    )

    item = (awards or deductions)[0]
    method = "award" if awards else "deduct"
    now = ("occurred_before", {"hours": 0})
    naive = ("occurred_at", _dt.datetime(2026, 1, 1, 12, 0))
    resident = ("by", Actor("test-resident", roles={RESIDENT}))
    options = [
        Command(method, (account, item), (by, key, naive), ValidationError),
        Command(method, (account, item), (by, key, ("occurred_before", {"hours": -1})),
                OccurredInFuture),
        Command(method, ("NO-SUCH-ACCOUNT", item), (by, key, now), UnknownAccount),
        Command(method, (account, "NO-SUCH-ITEM"), (by, key, now), UnknownItem),
        Command(method, (account, item), (by, ("key", ""), now), ValidationError),
        Command(method, (account, item), (resident, key, now), PermissionDenied),
    ]
    if awards and deductions:
        options.append(Command("award", (account, deductions[0]), (by, key, now),
                               ValidationError))
    for member, household, _name, roles in village.members:
        if GRID_WORKER in roles:
            own = ("by", Actor(member, roles={GRID_WORKER}))
            options.append(Command(method, (household, item), (own, key, now),
                                   PermissionDenied))
    return st.sampled_from(options)


def command_sequences(village: Village, *, min_size: int = 1, max_size: int = 20,
                      invalid: bool | SearchStrategy[bool] | None = None
                      ) -> SearchStrategy[list[Command]]:
    """Lists of :func:`commands` with the clock advancing between them; ``invalid`` means what
    it means for :func:`commands`, decided afresh for every step (a bool: every step or none;
    a strategy: drawn per step; ``None``, the default: one step in five)."""

    @st.composite
    def draw_sequence(draw: st.DrawFn) -> list[Command]:
        low, high = _size(min_size, "min_size"), _size(max_size, "max_size")
        if low > high:
            raise InvalidArgument(f"min_size={low} is more than max_size={high}")
        _invalid_chooser(invalid)  # a bad argument raises before anything is drawn
        return [draw(commands(village, invalid=invalid))
                for _ in range(draw(st.integers(low, high)))]

    return draw_sequence()


def run_commands(ledger: Ledger, clock: ManualClock,
                 steps: Sequence[Command]) -> list[Event | PointsLedgerError | None]:
    """Run generated steps in order; return each step's event, error or None.

    Raises:
        AssertionError: a deliberately invalid command was not refused with its error.
    """
    history: list[Event] = []
    results: list[Event | PointsLedgerError | None] = []
    succeeded: dict[str, int] = {}
    for step in steps:
        outcome = step.run(ledger, clock, history)
        if step.expect is not None and not isinstance(outcome, step.expect):
            raise AssertionError(f"{step} should have raised {step.expect.__name__}, "
                                 f"got {outcome!r}")
        if isinstance(outcome, Event):
            history.append(outcome)
            succeeded[step.name] = succeeded.get(step.name, 0) + 1
        elif isinstance(outcome, PointsLedgerError):
            _note(f"command refused: {step.name} ({type(outcome).__name__}"
                  f"{', as expected' if step.expect else ''})")
        results.append(outcome)
    for name in ("award", "deduct", "reverse", "close_period"):
        _note(f"run: {name} succeeded" if succeeded.get(name) else f"run: no {name}")
    if currently_in_test_context():
        target(float(sum(succeeded.values())), label="commands that succeeded")
    return results


def _note(value: str) -> None:
    """``hypothesis.event`` inside a test; nothing outside one (run_commands is public)."""
    if currently_in_test_context():
        event(value)

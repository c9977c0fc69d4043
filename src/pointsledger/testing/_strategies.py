"""Hypothesis strategies for who acts and where: actors, and village plans (a region tree,
households, members with roles and birth dates) to build a ledger from. The rule strategies are
in `._rule_strategies`, the command strategies in `._commands`."""

from __future__ import annotations

import datetime as _dt

import attrs
import pendulum
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from pointsledger.base.actors import (
    COMMITTEE,
    GRID_WORKER,
    PARTY_MEMBER,
    RESIDENT,
    ROLES,
    STORE_KEEPER,
    UNIT_REP,
    VOLUNTEER,
    Actor,
)
from pointsledger.base.clock import ManualClock
from pointsledger.ledger.ledger import Ledger
from pointsledger.rules.rulebook import Rulebook
from pointsledger.testing._rule_strategies import _size, _strategy, rulebooks

SURNAMES = "张王李赵刘陈杨黄周吴欧阳"


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
    birth_dates: tuple[tuple[str, _dt.date], ...] = ()
    """``(member id, birth date)`` for the members whose birth date is registered."""
    store_keeper: Actor = attrs.field(
        factory=lambda: Actor("test-store-keeper", roles={STORE_KEEPER}))
    """Runs the points store."""
    checker: Actor = attrs.field(factory=lambda: Actor("test-checker", roles={GRID_WORKER}))
    """A second grid worker: checks claims, screens wishes, dispatches orders."""
    reviewer: Actor = attrs.field(factory=lambda: Actor("test-reviewer", roles={COMMITTEE}))
    """A second committee member: decides objections and appeals."""

    @property
    def accounts(self) -> tuple[str, ...]:
        """Every household and member id."""
        return tuple(h[0] for h in self.households) + tuple(m[0] for m in self.members)

    def roles_of(self, member: str) -> frozenset[str]:
        """The registered roles of a member (empty for anyone else)."""
        return next((roles for m, _h, _n, roles in self.members if m == member), frozenset())

    def member_actor(self, member: str, roles: frozenset[str] | None = None) -> Actor:
        """A member acting with their registered roles (or ``roles``)."""
        return Actor(member, roles=self.roles_of(member) if roles is None else roles)

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
            born = dict(self.birth_dates)
            for member, household, name, roles in self.members:
                b.register_member(member, household=household, name=name, roles=roles, by=by,
                                  birth_date=born.get(member))
        return ledger, clock


_ROLES = (GRID_WORKER, VOLUNTEER, VOLUNTEER, PARTY_MEMBER, STORE_KEEPER, UNIT_REP)
"""Roles a registered member may have beside resident (volunteers most often)."""


def villages(
    *,
    rulebook: Rulebook | SearchStrategy[Rulebook] | None = None,
    min_households: int = 1,
    max_households: int = 6,
) -> SearchStrategy[Village]:
    """Village plans: a village with 1-3 grids, or a county tree (towns, villages and
    communities, grids, sometimes a micro-grid); households, up to three members each
    (residents, some also grid workers, volunteers, party members, store keepers or units'
    representatives; half of them with a birth date, ages 0-95); a start day in 2026; around
    the given rulebook (default: `rulebooks()`)."""

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
                regions.append(("G1-1", "微网格", "micro_grid", "G1"))
                grids = (*grids, "G1-1")
        else:
            grids = tuple(f"G{n}" for n in range(1, draw(st.integers(1, 3)) + 1))
        count = draw(st.integers(low, high))
        households = tuple(
            (f"H{n:03d}", grids[n % len(grids)], draw(st.sampled_from(SURNAMES)) + "某")
            for n in range(1, count + 1)
        )
        start = pendulum.datetime(2026, 1, 1, 9, tz="Asia/Shanghai").add(
            days=draw(st.integers(0, 364)))
        members = []
        born = []
        for household, _grid, head in households:
            for k in range(draw(st.integers(0, 3))):
                roles = {RESIDENT} | draw(st.sets(st.sampled_from(_ROLES), max_size=2))
                member = f"{household}-M{k}"
                members.append((member, household, head + str(k), frozenset(roles)))
                if draw(st.booleans()):  # ages 0-95: children, adults and elders (price rules)
                    born.append((member, start.date().subtract(
                        years=draw(st.integers(0, 95)), days=draw(st.integers(0, 364)))))
        return Village(rules, grids, households, tuple(members), start,
                       regions=tuple(regions), birth_dates=tuple(born))

    return draw_village()



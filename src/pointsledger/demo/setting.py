"""The demo's setting: a county modelled on 乌兰县 (DOMAIN.md), its people and its officials.

The region tree is county → towns → villages and communities → grids → micro-grids, and every
household lives in a micro-grid. `plan_setting()` draws it from a seed: the default is one
town with two villages and a community; ``county=True`` is the seed's full scale, 38 villages
and 6 communities in five towns with 446 micro-grids in all and realistic household counts
(about 180 to 420 households a village, 600 to 1,100 a community; the default town's are
smaller so that it runs in seconds). Members have birth dates
(the canteen prices meals by age), roles (volunteers, party members) and every grid its own
participation rate, so the simulated year has honest spreads. The same seed gives the same
setting.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterator
from typing import Final

import attrs
import pendulum

from pointsledger.base.actors import Actor
from pointsledger.demo.rulebook import GOODS, MEALS, YEAR, demo_rulebook
from pointsledger.ledger import Batch, Ledger

COUNTY: Final = ("WL", "乌兰县")
"""The demo county's region code and name."""

_TOWNS: Final = (("T1", "希里沟镇", 11, 3), ("T2", "茶卡镇", 9, 1), ("T3", "柯柯镇", 8, 1),
                 ("T4", "铜普镇", 6, 1), ("T5", "赛什克镇", 4, 0))
"""(code, name, villages, communities) of the full county: 38 villages, 6 communities."""
MICRO_GRIDS: Final = 446
"""Micro-grids of the full county (the seed article's figure)."""
COUNTY_UNITS: Final = sum(v + c for _code, _name, v, c in _TOWNS)
"""Villages and communities of the full county (44)."""

_VILLAGE_NAMES: Final = (
    "东庄", "河东", "西沟", "巴音", "察汗", "莫河", "沙柳河", "哈里哈图", "上尕巴", "下尕巴",
    "新源", "北山", "南滩", "泉湾", "红光", "团结", "幸福", "和平", "光明", "友谊", "东沙沟",
    "西庄", "塔拉", "都兰河", "茶卡", "巴里河", "卜浪沟", "察汗诺", "宗务隆", "赛纳", "希望",
    "新村", "金泉", "柳林", "草原", "夏日哈", "那仁", "河西")
_COMMUNITY_NAMES: Final = ("都兰河", "金子海", "希望", "茶盐", "柯柯", "铜普")
_SURNAMES: Final = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓"
                    "曹彭曾肖田董潘袁蔡蒋余于杜叶程祁鲁")
_GIVEN: Final = "建国秀英桂兰明华志强海燕春梅永红丽娟伟军玉兰国庆德福金凤小红立新文杰雪梅晓东淑珍"


def person_name(rng: random.Random) -> str:
    """A plausible Chinese name (surname and one or two given characters)."""
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    return rng.choice(_SURNAMES) + given


@attrs.frozen
class Officials:
    """The officials of one village or community (actors, not registered members).

    村两委 (three committee members: reviews and objections need different people; the first
    is also the party branch secretary), the store keeper, the 村务监督委员会, the clerks of
    the party members' and villagers' representatives' meetings, one grid worker per grid.
    """

    committee: tuple[Actor, ...]
    keeper: Actor
    supervisor: Actor
    branch: Actor
    members_meeting: Actor
    representatives: Actor
    grid_workers: tuple[tuple[str, Actor], ...]

    def grid_worker(self, grid: str) -> Actor:
        """The grid worker (网格员) of ``grid``."""
        return dict(self.grid_workers)[grid]


class Person:
    """A member as the simulation knows them (id, name, birth date, roles, open or left)."""

    __slots__ = ("born", "household", "id", "left", "name", "roles")

    def __init__(self, member: str, household: str, name: str, born: pendulum.Date,
                 roles: frozenset[str]) -> None:
        self.id, self.household, self.name, self.born = member, household, name, born
        self.roles, self.left = roles, False

    def actor(self) -> Actor:
        """This member acting (as a resident, volunteer or party member)."""
        return Actor(self.id, roles=self.roles)

    def age(self, day: _dt.date) -> int:
        """Whole years of age on ``day``."""
        return day.year - self.born.year - ((day.month, day.day) < (self.born.month,
                                                                       self.born.day))


class Home:
    """A household as the simulation knows it: where it lives, its members, how engaged.

    ``engagement`` (0 to 1) is how often the household earns points when there is a chance;
    a household that does not ``participate`` earns none all year (grids differ in how many
    do), though it may still be deducted for violations.
    """

    __slots__ = ("engagement", "grid", "id", "members", "micro_grid", "participates", "unit")

    def __init__(self, household: str, unit: Unit, grid: str, micro_grid: str,
                 participates: bool, engagement: float) -> None:
        self.id, self.unit, self.grid, self.micro_grid = household, unit, grid, micro_grid
        self.participates, self.engagement = participates, engagement
        self.members: list[Person] = []

    def present(self) -> list[Person]:
        """The members who have not left."""
        return [p for p in self.members if not p.left]


class Unit:
    """A village or community: its region code, name, grids, officials and households."""

    __slots__ = ("code", "grids", "homes", "kind", "name", "officials", "town")

    def __init__(self, code: str, name: str, kind: str, town: str,
                 grids: list[tuple[str, list[str]]]) -> None:
        self.code, self.name, self.kind, self.town = code, name, kind, town
        self.grids = grids  # (grid code, its micro-grid codes)
        self.homes: list[Home] = []
        c = code
        self.officials = Officials(
            committee=(Actor(f"{c}-c1", roles={"committee", "party_branch"}),
                       Actor(f"{c}-c2", roles={"committee"}),
                       Actor(f"{c}-c3", roles={"committee"})),
            keeper=Actor(f"{c}-s1", roles={"store_keeper"}),
            supervisor=Actor(f"{c}-sv", roles={"supervision_committee"}),
            branch=Actor(f"{c}-pb", roles={"party_branch"}),
            members_meeting=Actor(f"{c}-pm", roles={"party_members_meeting"}),
            representatives=Actor(f"{c}-vr", roles={"villager_representatives"}),
            grid_workers=tuple((g, Actor(f"{g}-w", roles={"grid_worker"}))
                               for g, _micro in grids))

    def people(self) -> Iterator[Person]:
        """Every member of the unit's households who has not left."""
        for home in self.homes:
            yield from home.present()


@attrs.define
class Setting:
    """The whole setting: the towns, the units, every household by id, and the seed's rng."""

    towns: list[tuple[str, str]]
    units: list[Unit]
    homes: dict[str, Home] = attrs.field(factory=dict)
    people: dict[str, Person] = attrs.field(factory=dict)

    def only(self, unit: Unit) -> Setting:
        """The setting of ``unit`` alone, under its town and the county (for its own
        ledger)."""
        town = next(t for t in self.towns if t[0] == unit.town)
        return Setting([town], [unit], {h.id: h for h in unit.homes},
                       {p.id: p for h in unit.homes for p in h.members})

    @property
    def chair(self) -> Actor:
        """The county's registrar (a committee actor who sets the registry up)."""
        return Actor("WL-admin", roles={"committee"})


def _spread(total: int, weights: list[float], minimum: int) -> list[int]:
    """``total`` split by ``weights`` (largest remainder), each share at least ``minimum``."""
    free = total - minimum * len(weights)
    raw = [free * w / sum(weights) for w in weights]
    shares = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: shares[i] - raw[i])[:free - sum(shares)]:
        shares[i] += 1
    return [s + minimum for s in shares]


def plan_setting(rng: random.Random, *, county: bool = False,
                 households: int | None = None) -> Setting:
    """Draw the setting: the default town or the full county, and its households.

    Args:
        rng: the seeded random source.
        county: the full county (38 villages, 6 communities, 446 micro-grids) instead of one
            town with two villages and a community.
        households: the number of households in all (default: drawn per village and
            community; in the county about 180 to 420 a village and 600 to 1,100 a community;
            the default town is smaller, about 120 to 180 a village and 160 to 240 in its
            community, so it runs in seconds).
    """
    if county:
        towns = [(f"{COUNTY[0]}-{code}", name, v, s) for code, name, v, s in _TOWNS]
    else:
        towns = [(f"{COUNTY[0]}-T1", "希里沟镇", 2, 1)]
    specs: list[tuple[str, str, str, str, float]] = []  # code, name, kind, town, size
    v_names, s_names = iter(_VILLAGE_NAMES), iter(_COMMUNITY_NAMES)
    for town, _name, villages, communities in towns:
        for n in range(1, villages + 1):
            specs.append((f"{town}-V{n:02d}", next(v_names) + "村", "village", town,
                          rng.randint(180, 420) if county else rng.randint(120, 180)))
        for n in range(1, communities + 1):
            specs.append((f"{town}-S{n:02d}", next(s_names) + "社区", "community", town,
                          rng.randint(600, 1100) if county else rng.randint(160, 240)))
    sizes = [int(s[4]) for s in specs]
    if households is not None:
        sizes = _spread(households, [float(s) for s in sizes], 10)
    micro_total = MICRO_GRIDS if county else max(len(specs) * 3, sum(sizes) // 30)
    micro = _spread(micro_total, [float(s) for s in sizes], 3)
    units = []
    for (code, name, kind, town, _size), count in zip(specs, micro, strict=True):
        n_grids = max(2, min(8, round(count / 4)))
        per_grid = _spread(count, [1.0] * n_grids, 1)
        grids = [(f"{code}-G{g + 1}", [f"{code}-G{g + 1}-M{m + 1:02d}" for m in range(k)])
                 for g, k in enumerate(per_grid)]
        units.append(Unit(code, name, kind, town, grids))
    setting = Setting([(t[0], t[1]) for t in towns], units)
    number = 0
    for unit, size in zip(units, sizes, strict=True):
        rates = {g: rng.uniform(0.6, 0.96) for g, _m in unit.grids}
        slots = [(g, m) for g, micro_grids in unit.grids for m in micro_grids]
        for n in range(size):
            number += 1
            grid, micro_grid = slots[n * len(slots) // size]
            home = Home(f"H{number:04d}", unit, grid, micro_grid,
                        participates=rng.random() < rates[grid],
                        engagement=rng.betavariate(2.2, 2.0))
            _people(rng, home)
            unit.homes.append(home)
            setting.homes[home.id] = home
            for person in home.members:
                setting.people[person.id] = person
    return setting


def _people(rng: random.Random, home: Home) -> None:
    """The household's members: a head, maybe a spouse, children, an elderly parent."""
    year = 2025
    head_age = min(88, max(24, int(rng.triangular(24, 88, 58))))
    ages = [head_age]
    size = rng.choices((1, 2, 3, 4, 5), (12, 30, 24, 20, 14))[0]
    if size >= 2:
        ages.append(max(20, head_age + rng.randint(-6, 4)))
    for _ in range(size - len(ages)):
        if head_age < 52 and rng.random() < 0.3:
            ages.append(min(95, head_age + rng.randint(24, 32)))  # an elderly parent
        else:
            ages.append(max(0, head_age - rng.randint(22, 34)))  # a child
    for m, age in enumerate(ages):
        born = pendulum.date(year - age - 1, rng.randint(1, 12), rng.randint(1, 28))
        roles = {"resident"}
        adult = 18 <= age <= 72
        if adult and rng.random() < 0.14:
            roles.add("volunteer")
        if adult and rng.random() < 0.07:
            roles.add("party_member")
        home.members.append(Person(f"{home.id}-{m + 1}", home.id,
                                   person_name(rng), born, frozenset(roles)))


def register(setting: Setting, batch: Batch) -> None:
    """Record the setting on the ledger: the region tree, every household in its micro-grid
    and every member with their roles and birth date, in one batch."""
    by = setting.chair
    batch.add_region(COUNTY[0], COUNTY[1], kind="county", by=by)
    for town, name in setting.towns:
        batch.add_region(town, name, kind="town", parent=COUNTY[0], by=by)
    for unit in setting.units:
        batch.add_region(unit.code, unit.name, kind=unit.kind, parent=unit.town, by=by)
        for n, (grid, micro_grids) in enumerate(unit.grids, 1):
            batch.add_region(grid, f"第{n}网格", kind="grid", parent=unit.code, by=by)
            for m, micro in enumerate(micro_grids, 1):
                batch.add_region(micro, f"第{n}网格第{m}微网格", kind="micro_grid", parent=grid,
                                 by=by)
        for home in unit.homes:
            head = home.members[0]
            batch.register_household(home.id, grid=home.micro_grid, head=head.name, by=by)
            for person in home.members:
                batch.register_member(person.id, household=home.id, name=person.name,
                                      roles=person.roles, birth_date=person.born, by=by)


def set_up(ledger: Ledger, setting: Setting) -> None:
    """Adopt the rulebook, register the setting, price donated goods, stock the store."""
    chair = setting.chair
    ledger.adopt(demo_rulebook(), effective_from=_dt.date(YEAR, 1, 1), by=chair,
                 resolution=f"{YEAR}年1月各村（社区）村民代表会议表决通过，县乡村振兴局备案")
    keeper = setting.units[0].officials.keeper
    homes = len(setting.homes)
    with ledger.batch() as batch:
        register(setting, batch)
        batch.price_donated_goods("CLOTHES", "二手衣物（爱心捐赠）", cost=10, by=chair,
                                  resolution="超市管理委员会验收定价：每件10分")
        batch.price_donated_goods("SHOES", "捐赠鞋子", cost=12, by=chair,
                                  resolution="超市管理委员会验收定价：每双12分")
        for code, *_rest in (*GOODS, *MEALS):
            batch.receive_stock(code, homes if code.startswith("MEAL") else homes // 2,
                                by=keeper, key=f"demo/stock/{code}/opening")

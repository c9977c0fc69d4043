"""Valid commands of every family: well-formed calls by an actor the default policy allows, on
the plan's accounts, rewards, services and cases. A valid command may still be refused (too
few points, a full cap, a case in another state): that depends on what ran before it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import strategies as st

from pointsledger.base.actors import RESIDENT, Actor
from pointsledger.core.accounts import COMMUNITY, POOL
from pointsledger.rules.benefits import ShareRule
from pointsledger.rules.flows import FLOWS
from pointsledger.testing._command import (
    Ago,
    Command,
    DaysAgo,
    MonthAgo,
    NextStep,
    Palette,
    Ref,
    step_call,
)
from pointsledger.testing._strategies import Village

Draw = Callable[[st.DrawFn, Village], Command]

DUE_JOBS = ("post_due", "lapse_due", "time_out_due", "expire_due", "run_due")


def _key(draw: st.DrawFn) -> tuple[str, str]:
    return ("key", f"k-{draw(st.uuids()).hex[:16]}")


def _account(draw: st.DrawFn, v: Village) -> str:
    return draw(st.sampled_from(v.accounts))


def _member(draw: st.DrawFn, v: Village) -> str | None:
    members = [m for m, _h, _n, _r in v.members]
    return draw(st.sampled_from(members)) if members else None


def _resident(v: Village, account: str) -> Actor | None:
    """A resident of the account's household acting for it (None when it has no members)."""
    household = v.household_of(account)
    found = [m for m, h, _n, _r in v.members if h == household]
    return Actor(found[0], roles={RESIDENT}) if found else None


def _by_official_or_resident(draw: st.DrawFn, v: Village, account: str,
                             official: Actor) -> tuple[str, Actor]:
    resident = _resident(v, account)
    return ("by", resident if resident is not None and draw(st.booleans()) else official)


def _reward(draw: st.DrawFn, v: Village) -> str:
    codes = [r.code for r in v.rulebook.rewards]
    return draw(st.sampled_from(codes)) if codes else "SOAP"


def _items(v: Village, sign: int) -> list[str]:
    return [i.code for i in v.rulebook.items if i.points * sign > 0]


def _latest(draw: st.DrawFn) -> int:
    """An index into earlier results: mostly the latest ones (-1, -2), sometimes any."""
    return draw(st.sampled_from([-1, -2]) | st.integers(0, 9))


def _hex(draw: st.DrawFn) -> str:
    return draw(st.uuids()).hex[:8].upper()


def _advance(draw: st.DrawFn, v: Village) -> Command:
    hours = draw(st.integers(1, 24 * 10) | st.integers(1, 6))
    return Command("advance", kwargs=(("hours", hours),))


def _adopt(draw: st.DrawFn, v: Village) -> Command:
    rules = attrs.evolve(v.rulebook, version=f"{v.rulebook.version}-{_hex(draw)}")
    return Command("adopt", (rules,), (("effective_from", DaysAgo(-draw(st.integers(1, 3)))),
                                       ("by", v.committee), ("resolution", "增补表决通过"),
                                       _key(draw)))


def _close_period(draw: st.DrawFn, v: Village) -> Command:
    return Command("close_period", (DaysAgo(draw(st.integers(1, 40))),),
                   (("by", v.committee), _key(draw)))


_REGION_UNDER = {"village": "grid", "community": "grid", "grid": "micro_grid"}
"""The kind a new region takes under a region of each kind (grids and micro-grids)."""


def _distribute(draw: st.DrawFn, v: Village) -> Command:
    rule = ShareRule(draw(st.sampled_from(["points", "stars"])),
                     exclude_vetoed=draw(st.booleans()))
    return Command("distribute", (MonthAgo(draw(st.integers(1, 3))),),
                   (("rule", rule), ("amount_fen", draw(st.integers(1, 10**6))),
                    ("minutes", "村民代表会议决议：集体收入分红"), ("by", v.committee),
                    _key(draw)))


def _add_region(draw: st.DrawFn, v: Village) -> Command:
    regions = v.regions or (("V", "", "village", None),
                            *((g, "", "grid", "V") for g in v.grids))
    parents = [(c, kind) for c, _n, kind, _p in regions if kind in _REGION_UNDER]
    parent, kind = draw(st.sampled_from(parents))
    return Command("add_region", (f"R{_hex(draw)}", "新网格" if kind == "grid" else "新微网格"),
                   (("kind", _REGION_UNDER[kind]), ("parent", parent), ("by", v.committee),
                    _key(draw)))


def _register_household(draw: st.DrawFn, v: Village) -> Command:
    return Command("register_household", (f"H{_hex(draw)}",),
                   (("grid", draw(st.sampled_from(v.grids))), ("head", "新户主"),
                    ("by", v.committee), _key(draw)))


def _register_member(draw: st.DrawFn, v: Village) -> Command:
    household = draw(st.sampled_from([h for h, _g, _n in v.households]))
    roles = draw(st.sets(st.sampled_from(["resident", "volunteer", "party_member"]),
                         min_size=1))
    born = draw(st.none() | st.dates(v.start.date().subtract(years=95), v.start.date()))
    return Command("register_member", (f"M{_hex(draw)}",),
                   (("household", household), ("name", "新成员"), ("roles", frozenset(roles)),
                    ("birth_date", born), ("by", v.committee), _key(draw)))


def _move_household(draw: st.DrawFn, v: Village) -> Command:
    household = draw(st.sampled_from([h for h, _g, _n in v.households]))
    return Command("move_household", (household,),
                   (("grid", draw(st.sampled_from(v.grids))), ("by", v.committee), _key(draw)))


def _household_change(name: str) -> Draw:
    """Registry changes on accounts registered during the run (the plan's accounts keep their
    places, so the invalid commands that name them fail as they must)."""
    def draw_change(draw: st.DrawFn, v: Village) -> Command:
        member = Ref("member", _latest(draw), "member")
        household = draw(st.sampled_from([h for h, _g, _n in v.households]))
        common = (("by", v.committee), _key(draw))
        if name == "move_member":
            return Command(name, (member,), (("household", household), ("reason", "婚嫁"),
                                             *common))
        if name == "split_household":
            index = _latest(draw)
            return Command(name, (Ref("member", index, "household"),), (
                ("new_household", f"H{_hex(draw)}"), ("head", "新户主"),
                ("members", (Ref("member", index, "member"),)), ("reason", "分户"),
                ("share", draw(st.sampled_from(["1/2", "0", "1"]))), *common))
        if name == "merge_households":
            return Command(name, (Ref("household", _latest(draw), "household"),),
                           (("into", household), ("reason", "合户"), *common))
        if name == "member_leaves":
            return Command(name, (member,), (
                ("reason", draw(st.sampled_from(["迁出", "去世", "婚嫁"]))), *common))
        return Command(name, (member,), (("household", household), ("reason", "返乡"),
                                         *common))

    return draw_change


def _close_account(draw: st.DrawFn, v: Village) -> Command:
    # only accounts registered during the run close: the plan's accounts stay open, so the
    # invalid commands that name them fail as they must
    kind = draw(st.sampled_from(["member", "household"]))
    return Command("close_account", (Ref(kind, _latest(draw), kind),),
                   (("balance_to", POOL), ("by", v.committee), _key(draw)))


def _posting(name: str, sign: int) -> Draw:
    def draw_posting(draw: st.DrawFn, v: Village) -> Command:
        items = _items(v, sign) or [i.code for i in v.rulebook.items]
        kwargs: tuple[tuple[str, Any], ...] = (
            ("by", v.grid_worker), _key(draw), ("occurred_at", Ago(draw(st.integers(0, 720)))),
            ("evidence", ("photo-1",)))
        if sign > 0:
            kwargs += (("quantity", draw(st.integers(1, 3))),)
        return Command(name, (_account(draw, v), draw(st.sampled_from(items))), kwargs)

    return draw_posting


def _reverse(draw: st.DrawFn, v: Village) -> Command:
    return Command("reverse", (Ref("entry", _latest(draw)),),
                   (("reason", "误录"), ("by", v.committee), _key(draw)))


_DONATED = ("SHOES", "CLOTHES")
"""Codes of donated goods the strategies price (``price_donated_goods``) and receive."""


def _receive_stock(draw: st.DrawFn, v: Village) -> Command:
    """Bought stock, or a donation: from a household or member (awarded per unit, or per
    value with an assessed value), or from an outside donor named only; of catalogued goods
    or of goods the committee priced (or is yet to price: then refused)."""
    kwargs: tuple[tuple[str, Any], ...] = (("by", v.store_keeper), _key(draw))
    awards = _items(v, 1)
    by_value = [i.code for i in v.rulebook.items if i.points > 0 and i.per_value is not None]
    reward = draw(st.sampled_from([_reward(draw, v)] * 3 + list(_DONATED)))
    how = draw(st.sampled_from(["bought", "bought", "registered", "by value", "outside"]))
    if how == "registered" and awards:
        kwargs += (("donor", _account(draw, v)), ("donation_item", draw(st.sampled_from(awards))))
    elif how == "by value" and by_value:
        kwargs += (("donor", _account(draw, v)), ("donation_item", draw(st.sampled_from(by_value))),
                   ("value", draw(st.integers(1, 2000))))
    elif how == "outside":
        kwargs += (("donor_name", draw(st.sampled_from(["爱心企业某公司", "县供销社", "王某"]))),
                   ("value", draw(st.none() | st.integers(1, 5000))))
    return Command("receive_stock", (reward, draw(st.integers(1, 20))), kwargs)


def _price_donated_goods(draw: st.DrawFn, v: Village) -> Command:
    goods = draw(st.sampled_from(_DONATED))
    return Command("price_donated_goods", (goods, "捐赠" + goods),
                   (("cost", draw(st.integers(1, 50))), ("resolution", "超市管理委员会验收定价"),
                    ("by", v.committee), _key(draw)))


def _adjust_stock(draw: st.DrawFn, v: Village) -> Command:
    return Command("adjust_stock", (_reward(draw, v),),
                   (("counted", draw(st.integers(0, 20))), ("reason", "盘点"),
                    ("by", v.store_keeper), _key(draw)))


def _take(name: str) -> Draw:
    def draw_take(draw: st.DrawFn, v: Village) -> Command:
        account = _account(draw, v)
        kwargs: tuple[tuple[str, Any], ...] = (("quantity", draw(st.integers(1, 2))), _key(draw))
        household = v.household_of(account)
        family = [m for m, h, _n, _r in v.members if h == household]
        reward = _reward(draw, v)
        priced = any(r.code == reward and r.price_rules for r in v.rulebook.rewards)
        if priced:  # an age-priced reward needs a member with a known birth date
            born = dict(v.birth_dates)
            family = [m for m in family if m in born] or family
        if family and (priced or (account == household and draw(st.booleans()))):
            kwargs += (("member", draw(st.sampled_from(family))),)  # price rules by age
        if name == "reserve":
            kwargs += (_by_official_or_resident(draw, v, account, v.store_keeper),)
        else:
            kwargs += (("by", v.store_keeper),)
        return Command(name, (account, reward), kwargs)

    return draw_take


def _hand_over(draw: st.DrawFn, v: Village) -> Command:
    index = _latest(draw)
    kwargs: tuple[tuple[str, Any], ...] = (("by", v.store_keeper), _key(draw))
    if draw(st.booleans()):
        kwargs += (("pickup_code", Ref("reservation", index, "pickup_code")),)
    return Command("hand_over", (Ref("reservation", index),), kwargs)


def _cancel_reservation(draw: st.DrawFn, v: Village) -> Command:
    return Command("cancel_reservation", (Ref("reservation", _latest(draw)),),
                   (("reason", "不要了"), ("by", v.store_keeper), _key(draw)))


def _transfer(draw: st.DrawFn, v: Village) -> Command:
    households = [h for h, _g, _n in v.households]
    member = _member(draw, v)
    kinds = ["community", "household"] + (["member"] if member else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "member" and member is not None:
        source, destination = member, v.household_of(member)
    else:
        source = draw(st.sampled_from(households))
        others = [h for h in households if h != source]
        destination = (draw(st.sampled_from(others)) if kind == "household" and others
                       else COMMUNITY)
    return Command("transfer", (source, destination, draw(st.integers(1, 20))),
                   (_by_official_or_resident(draw, v, source, v.committee), _key(draw)))


def _submit_claim(draw: st.DrawFn, v: Village) -> Command:
    account = _account(draw, v)
    items = _items(v, 1) + (_items(v, -1) if v.rulebook.claims.deductions else [])
    item = draw(st.sampled_from(items or [i.code for i in v.rulebook.items]))
    return Command("submit_claim", (account, item),
                   (_by_official_or_resident(draw, v, account, v.grid_worker), _key(draw),
                    ("occurred_at", Ago(draw(st.integers(0, 72)))), ("evidence", ("photo-1",))))


def _submit_wish(draw: st.DrawFn, v: Village) -> Command:
    wisher = _member(draw, v) or v.households[0][0]
    kwargs: tuple[tuple[str, Any], ...] = (
        _by_official_or_resident(draw, v, wisher, v.grid_worker), _key(draw),
        ("value", draw(st.none() | st.integers(0, 300))))
    return Command("submit_wish", (wisher, draw(st.sampled_from(["想要一台收音机", "修理屋顶",
                                                                "辅导作业"]))), kwargs)


def _place_order(draw: st.DrawFn, v: Village) -> Command:
    account = _account(draw, v)
    codes = [s.code for s in v.rulebook.services.services] or ["CARE"]
    return Command("place_order", (account, draw(st.sampled_from(codes))),
                   (_by_official_or_resident(draw, v, account, v.grid_worker), _key(draw)))


def _submit_time(draw: st.DrawFn, v: Village) -> Command:
    member = _member(draw, v) or v.households[0][0]
    by = v.member_actor(member) if draw(st.booleans()) else v.grid_worker
    return Command("submit_time", (member, draw(st.integers(10, 600))),
                   (("service", "助老陪护"), ("occurred_at", Ago(draw(st.integers(0, 48)))),
                    ("by", by), _key(draw)))


def _step(draw: st.DrawFn, v: Village) -> Command:
    flow = draw(st.sampled_from(sorted(FLOWS)))
    case = Ref(flow, _latest(draw))
    palette = Palette(reason=draw(st.sampled_from(["经核实", "不属实", "重复申报"])),
                      rating=draw(st.integers(1, 5)), minutes=draw(st.integers(1, 300)),
                      pick=draw(st.integers(0, 9)))
    if draw(st.integers(0, 3)):  # mostly some case's next step: flows get far
        choice = NextStep(draw(st.integers(0, 3)), palette)
        return Command("step", (Ref("case", _latest(draw)), choice), (_key(draw),), village=v)
    steps = [s for s in FLOWS[flow].steps if s not in FLOWS[flow].system]
    step = draw(st.sampled_from(steps))
    by, args = step_call(v, flow, step, palette)
    return Command("step", (case, step), (("by", by), _key(draw), *sorted(args.items())))


def _minutes_of(name: str) -> Draw:
    def draw_minutes(draw: st.DrawFn, v: Village) -> Command:
        member = _member(draw, v) or v.households[0][0]
        if name == "donate_time":  # mostly from a member with family
            families = [m for m, h, _n, _r in v.members
                        if sum(h == o for _m, o, _n2, _r2 in v.members) > 1]
            member = draw(st.sampled_from(families)) if families else member
        by: tuple[str, Any] = ("by", v.committee)
        holder: object = member
        if name != "donate_time" and draw(st.booleans()):
            holder = Ref("minutes", _latest(draw), "destination")  # who holds minutes
        elif draw(st.booleans()):
            by = ("by", Actor(member, roles={RESIDENT}))
        if name == "spend_time":
            return Command(name, (holder, draw(st.integers(1, 60) | st.integers(1, 300))),
                           (("service", "理发"), by, _key(draw)))
        if name == "convert_time":
            unit = v.rulebook.timebank.unit_minutes
            return Command(name, (holder, unit * draw(st.integers(1, 3))), (by, _key(draw)))
        family = [m for m, h, _n, _r in v.members
                  if h == v.household_of(member) and m != member]
        to = draw(st.sampled_from(family)) if family else member
        return Command(name, (member, to, draw(st.integers(1, 60))), (by, _key(draw)))

    return draw_minutes


def _due(name: str) -> Draw:
    def draw_due(draw: st.DrawFn, v: Village) -> Command:
        return Command(name)

    return draw_due


VALID: dict[str, Draw] = {
    "advance": _advance,
    "adopt": _adopt,
    "close_period": _close_period,
    "distribute": _distribute,
    "add_region": _add_region,
    "register_household": _register_household,
    "register_member": _register_member,
    "move_household": _move_household,
    "close_account": _close_account,
    **{name: _household_change(name) for name in (
        "move_member", "split_household", "merge_households", "member_leaves",
        "member_returns")},
    "award": _posting("award", 1),
    "deduct": _posting("deduct", -1),
    "reverse": _reverse,
    "receive_stock": _receive_stock,
    "price_donated_goods": _price_donated_goods,
    "adjust_stock": _adjust_stock,
    "redeem": _take("redeem"),
    "reserve": _take("reserve"),
    "hand_over": _hand_over,
    "cancel_reservation": _cancel_reservation,
    "transfer": _transfer,
    "submit_claim": _submit_claim,
    "submit_wish": _submit_wish,
    "place_order": _place_order,
    "submit_time": _submit_time,
    "step": _step,
    "spend_time": _minutes_of("spend_time"),
    "donate_time": _minutes_of("donate_time"),
    "convert_time": _minutes_of("convert_time"),
    **{name: _due(name) for name in DUE_JOBS},
}
"""How each family's valid commands are drawn, by command name (and ``advance``)."""

WEIGHTS: dict[str, int] = {"step": 6, "award": 3, "advance": 3, "receive_stock": 2,
                           "redeem": 2, "reserve": 2, "submit_claim": 2, "submit_wish": 2,
                           "place_order": 2, "submit_time": 2}
"""How much more often than once a family is drawn (workflows need several steps in a row)."""

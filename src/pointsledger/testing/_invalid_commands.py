"""Deliberately invalid commands of every family, each with the exact error it must raise.

Each is chosen so that the error is certain whatever ran before: it breaks a rule the command
checks before anything that depends on the ledger's state (argument checks, unknown ids, the
actor's roles), or one no earlier command can lift (the plan's accounts stay open and
registered, its top region is never a grid, a household id is never a member's). Every key is
new, so no earlier request is replayed.
"""

from __future__ import annotations

import attrs
import pendulum

from pointsledger.base.actors import AUDITOR, GRID_WORKER, RESIDENT, STORE_KEEPER, Actor
from pointsledger.errors import (
    AlreadyExists,
    NotEligible,
    NotFound,
    NotReversible,
    OccurredInFuture,
    PermissionDenied,
    PointsLedgerError,
    UnknownAccount,
    UnknownEntry,
    UnknownItem,
    UnknownRegion,
    UnknownReward,
    ValidationError,
)
from pointsledger.rules.benefits import ShareRule
from pointsledger.rules.flows import FLOWS
from pointsledger.testing._command import Ago, Command, DaysAgo, MonthAgo, Ref, naive
from pointsledger.testing._strategies import Village
from pointsledger.testing._valid_commands import DUE_JOBS

NO_ENTRY = "e999999999-abcdef"
"""An event id no test ledger reaches."""
GENESIS = Ref("ledger", 1)
"""The genesis event: neither a posting, a reservation nor a case."""


def invalid_commands(v: Village, key: str) -> dict[str, list[Command]]:
    """Every invalid variant the plan allows, by family (command or due job name)."""
    households = [h for h, _g, _n in v.households]
    home = households[0]
    members = [(m, h) for m, h, _n, _r in v.members]
    top = (v.regions[0][0] if v.regions else "V")
    item = next((i.code for i in v.rulebook.items if i.points > 0), v.rulebook.items[0].code
                if v.rulebook.items else "ENV-01")
    deduction = next((i.code for i in v.rulebook.items if i.points < 0), None)
    reward = v.rulebook.rewards[0].code if v.rulebook.rewards else "SOAP"
    k = ("key", key)
    staff = ("by", v.grid_worker)
    auditor = ("by", Actor("test-auditor", roles={AUDITOR}))
    outsider = ("by", Actor("test-resident", roles={RESIDENT}))
    committee = ("by", v.committee)
    keeper = ("by", v.store_keeper)
    now = ("occurred_at", Ago(0))
    out: dict[str, list[Command]] = {}

    def add(name: str, args: tuple[object, ...], kwargs: tuple[tuple[str, object], ...],
            expect: type[PointsLedgerError]) -> None:
        out.setdefault(name, []).append(Command(name, args, kwargs, expect))

    # rules, periods and the registry
    rules = v.rulebook
    new_rules = attrs.evolve(rules, version=f"{rules.version}-bad")
    add("adopt", (new_rules,), (("effective_from", DaysAgo(-1)), committee,
                                ("resolution", ""), k), ValidationError)
    add("adopt", (new_rules,), (("effective_from", DaysAgo(-1)), auditor,
                                ("resolution", "表决"), k), PermissionDenied)
    add("close_period", (DaysAgo(0),), (committee, k), ValidationError)
    add("close_period", (DaysAgo(-1),), (committee, k), ValidationError)
    add("close_period", (DaysAgo(5),), (auditor, k), PermissionDenied)
    share = ("rule", ShareRule("stars"))
    fen = ("amount_fen", 100)
    add("distribute", (MonthAgo(0),), (share, fen, ("minutes", "决议"), committee, k),
        ValidationError)  # the month has not ended
    add("distribute", (MonthAgo(1),), (share, fen, ("minutes", ""), committee, k),
        ValidationError)
    add("distribute", (MonthAgo(1),), (share, fen, ("minutes", "决议"), auditor, k),
        PermissionDenied)
    add("add_region", ("R-BAD", "星球"), (("kind", "planet"), committee, k), ValidationError)
    add("add_region", ("R-BAD", "网格"), (("kind", "grid"), ("parent", "NO-SUCH-REGION"),
                                        committee, k), UnknownRegion)
    add("add_region", (top, "重复"), (("kind", v.regions[0][2] if v.regions else "village"),
                                     committee, k), AlreadyExists)
    add("add_region", ("R-BAD", "网格"), (("kind", "grid"), ("parent", top), auditor, k),
        PermissionDenied)
    add("add_region", ("R-BAD", "微网格"), (("kind", "micro_grid"), ("parent", top), committee,
                                          k), ValidationError)  # micro-grids sit under grids
    add("add_region", ("R-BAD", "网格"), (("kind", "grid"), ("parent", v.grids[0]), committee,
                                        k), ValidationError)  # a grid never under a grid
    add("register_household", ("H-BAD",), (("grid", "NO-SUCH-GRID"), ("head", "某"),
                                           committee, k), UnknownRegion)
    add("register_household", ("H-BAD",), (("grid", top), ("head", "某"), committee, k),
        ValidationError)
    add("register_household", (home,), (("grid", v.grids[0]), ("head", "某"), committee, k),
        AlreadyExists)
    add("register_household", ("@H-BAD",), (("grid", v.grids[0]), ("head", "某"),
                                            committee, k), ValidationError)
    add("register_member", ("M-BAD",), (("household", "NO-SUCH"), ("name", "某"), committee, k),
        UnknownAccount)
    add("register_member", ("M-BAD",), (("household", home), ("name", "某"),
                                        ("birth_date", pendulum.date(2099, 1, 1)), committee, k),
        ValidationError)
    add("register_member", (home,), (("household", home), ("name", "某"), committee, k),
        AlreadyExists)
    add("move_household", ("NO-SUCH",), (("grid", v.grids[0]), committee, k), UnknownAccount)
    add("move_household", (home,), (("grid", "NO-SUCH-GRID"), committee, k), UnknownRegion)
    add("move_household", (home,), (("grid", v.grids[0]), auditor, k), PermissionDenied)
    add("close_account", ("NO-SUCH",), (committee, k), UnknownAccount)
    add("close_account", (home,), (("balance_to", ""), committee, k), ValidationError)
    add("close_account", (home,), (auditor, k), PermissionDenied)
    for _member, household in members[:1]:
        add("close_account", (household,), (committee, k), ValidationError)  # open members
    # households and members as they change
    why = ("reason", "婚嫁")
    add("move_member", ("NO-SUCH",), (("household", home), why, committee, k), UnknownAccount)
    add("move_member", ("NO-SUCH",), (("household", home), ("reason", ""), committee, k),
        ValidationError)
    add("split_household", ("NO-SUCH",), (("new_household", "H-BAD"), ("head", "某"),
                                          ("members", ("M-BAD",)), ("reason", "分户"),
                                          committee, k), UnknownAccount)
    add("split_household", (home,), (("new_household", "H-BAD"), ("head", "某"),
                                      ("members", ()), ("reason", "分户"), committee, k),
        ValidationError)
    add("merge_households", ("NO-SUCH",), (("into", home), ("reason", "合户"), committee, k),
        UnknownAccount)
    add("merge_households", (home,), (("into", home), ("reason", "合户"), committee, k),
        ValidationError)
    add("merge_households", (home,), (("into", home), ("reason", "合户"), auditor, k),
        PermissionDenied)
    add("member_leaves", ("NO-SUCH",), (("reason", "迁出"), committee, k), UnknownAccount)
    add("member_leaves", ("NO-SUCH",), (("reason", "出国"), committee, k), ValidationError)
    add("member_returns", ("NO-SUCH",), (("household", home), ("reason", "返乡"), committee, k),
        UnknownAccount)
    for member, household in members[:1]:
        add("move_member", (member,), (("household", household), why, committee, k),
            ValidationError)  # the household it is in
        add("move_member", (member,), (("household", home), why, auditor, k), PermissionDenied)
        add("member_leaves", (member,), (("reason", "迁出"), auditor, k), PermissionDenied)
        add("member_returns", (member,), (("household", home), ("reason", "返乡"), committee,
                                          k), ValidationError)  # not closed
    # postings
    for name, code in (("award", item), ("deduct", deduction)):
        if code is None:
            continue
        add(name, (home, code), (staff, k, ("occurred_at", naive())), ValidationError)
        add(name, (home, code), (staff, k, ("occurred_at", Ago(-1))), OccurredInFuture)
        add(name, ("NO-SUCH-ACCOUNT", code), (staff, k, now), UnknownAccount)
        add(name, (home, "NO-SUCH-ITEM"), (staff, k, now), UnknownItem)
        add(name, (home, code), (staff, ("key", ""), now), ValidationError)
        add(name, (home, code), (staff, ("key", f"@{key}"), now), ValidationError)  # the ledger's
        add(name, (home, code), (outsider, k, now), PermissionDenied)
        add(name, (home, code), (staff, k, now, ("quantity", 0)), ValidationError)
        for member, household in members[:1]:
            add(name, (household, code), (("by", Actor(member, roles={GRID_WORKER})), k, now),
                PermissionDenied)
    if deduction is not None and any(i.points > 0 for i in rules.items):
        add("award", (home, deduction), (staff, k, now), ValidationError)
    add("reverse", (GENESIS,), (("reason", "误录"), committee, k), NotReversible)
    add("reverse", (NO_ENTRY,), (("reason", "误录"), committee, k), UnknownEntry)
    add("reverse", ("not-an-entry",), (("reason", "误录"), committee, k), UnknownEntry)
    add("reverse", (GENESIS,), (("reason", ""), committee, k), ValidationError)
    # the points store
    add("receive_stock", ("NO-SUCH-REWARD", 1), (keeper, k), UnknownReward)
    add("receive_stock", (reward, 0), (keeper, k), ValidationError)
    add("receive_stock", (reward, 1), (("donation_item", item), keeper, k), ValidationError)
    add("receive_stock", (reward, 1), (auditor, k), PermissionDenied)
    add("receive_stock", (reward, 1), (("donor_name", "爱心企业"), ("donation_item", item), keeper,
                                      k), ValidationError)  # outside donors earn nothing
    add("receive_stock", (reward, 1), (("value", 100), keeper, k), ValidationError)  # no donor
    add("receive_stock", (reward, 1), (("donor_name", "爱心企业"), ("value", 0), keeper, k),
        ValidationError)
    add("receive_stock", ("NEVER-PRICED", 1), (("donor_name", "王某"), keeper, k), UnknownReward)
    for by_value in [i.code for i in rules.items if i.points > 0 and i.per_value][:1]:
        add("receive_stock", (reward, 1), (("donor", home), ("donation_item", by_value),
                                          keeper, k), ValidationError)  # no assessed value
    add("price_donated_goods", ("SHOES", "捐赠鞋子"), (("cost", 0), ("resolution", "定价"),
                                                   committee, k), ValidationError)
    add("price_donated_goods", ("SHOES", "捐赠鞋子"), (("cost", 5), ("resolution", ""),
                                                   committee, k), ValidationError)
    add("price_donated_goods", ("SHOES", "捐赠鞋子"), (("cost", 5), ("resolution", "定价"),
                                                   keeper, k), PermissionDenied)
    add("adjust_stock", (reward,), (("counted", -1), ("reason", "盘点"), keeper, k),
        ValidationError)
    add("adjust_stock", (reward,), (("counted", 1), ("reason", ""), keeper, k), ValidationError)
    add("adjust_stock", ("NO-SUCH-REWARD",), (("counted", 1), ("reason", "盘点"), keeper, k),
        UnknownReward)
    for name in ("redeem", "reserve"):
        add(name, (home, reward), (("quantity", 0), keeper, k), ValidationError)
        add(name, ("NO-SUCH", reward), (keeper, k), UnknownAccount)
        add(name, (home, "NO-SUCH-REWARD"), (keeper, k), UnknownReward)
        add(name, (home, reward), (auditor, k), PermissionDenied)
    add("redeem", (home, reward), (outsider, k), PermissionDenied)
    for priced in [r.code for r in rules.rewards if r.price_rules][:1]:
        for name in ("redeem", "reserve"):  # age-priced: no member named
            add(name, (home, priced), (keeper, k), NotEligible)
    for member, household in members[:1]:
        add("redeem", (household, reward), (("by", Actor(member, roles={STORE_KEEPER})), k),
            PermissionDenied)
        for other in households:
            if other != household:
                add("reserve", (other, reward), (("by", Actor(member, roles={RESIDENT})), k),
                    PermissionDenied)
                add("transfer", (member, other, 1), (committee, k), ValidationError)
                break
    for name in ("hand_over", "cancel_reservation"):
        reason = (("reason", "不要了"),) if name == "cancel_reservation" else ()
        add(name, (NO_ENTRY,), (*reason, keeper, k), UnknownEntry)
        add(name, (GENESIS,), (*reason, keeper, k), UnknownEntry)
    add("cancel_reservation", (GENESIS,), (("reason", ""), keeper, k), ValidationError)
    add("transfer", (home, "@community", 0), (committee, k), ValidationError)
    add("transfer", (home, home, 1), (committee, k), ValidationError)
    add("transfer", (home, "@community", 1), (auditor, k), PermissionDenied)
    # workflows
    add("submit_claim", (home, "NO-SUCH-ITEM"), (staff, k, now), UnknownItem)
    add("submit_claim", (home, item), (staff, k, ("occurred_at", Ago(-1))), OccurredInFuture)
    add("submit_claim", (home, item), (staff, k, ("occurred_at", naive())), ValidationError)
    add("submit_claim", (home, item), (outsider, k, now), PermissionDenied)
    for member, household in members[:1]:
        add("submit_claim", (household, item), (("by", Actor(member, roles={GRID_WORKER})), k,
                                                now), PermissionDenied)
    add("submit_wish", (home, "收音机"), (staff, k), UnknownAccount)
    add("submit_wish", (members[0][0] if members else home, ""), (staff, k), ValidationError)
    add("submit_wish", (members[0][0] if members else home, "收音机"),
        (("value", -1), staff, k), ValidationError)
    add("place_order", (home, "NO-SUCH-SERVICE"), (staff, k), NotFound)
    add("place_order", (home, "CARE"), (auditor, k), PermissionDenied)
    add("submit_time", (home, 60), (("service", "陪护"), staff, k), UnknownAccount)
    add("submit_time", (home, 0), (("service", "陪护"), staff, k), ValidationError)
    add("submit_time", (home, 60), (("service", ""), staff, k), ValidationError)
    add("step", (NO_ENTRY, "check"), (committee, k), UnknownEntry)
    add("step", (GENESIS, "check"), (committee, k), UnknownEntry)
    for flow in sorted(FLOWS):
        case = Ref(flow, -1)
        add("step", (case, "no_such_step"), (committee, k), ValidationError)
        for system in sorted(FLOWS[flow].system):
            add("step", (case, system), (committee, k), ValidationError)
        add("step", (case, "reject"), (committee, k), ValidationError)  # no reason given
    matter = v.rulebook.matters[0].code if v.rulebook.matters else "XW-01"
    add("open_matter", ("NO-SUCH-MATTER",), (("request", "修路"), committee, k), NotFound)
    add("open_matter", (matter,), (("request", ""), committee, k), ValidationError)
    add("open_matter", (matter,), (("request", "修路"), auditor, k), PermissionDenied)
    add("open_matter", (matter,), (("request", "修路"), ("account", "NO-SUCH"), committee, k),
        UnknownAccount)
    member = members[0][0] if members else home
    add("spend_time", (member, 0), (("service", "理发"), committee, k), ValidationError)
    add("spend_time", (member, 30), (("service", ""), committee, k), ValidationError)
    add("donate_time", (member, member, 0), (committee, k), ValidationError)
    add("donate_time", (member, "@timebank", 30), (committee, k), ValidationError)
    add("convert_time", (member, 0), (committee, k), ValidationError)
    add("convert_time", ("NO-SUCH", 60), (committee, k), UnknownAccount)
    # every command refuses a `by` that is not an Actor, or the ledger's own actor
    for name in [*out]:
        args, kwargs = out[name][0].args, dict(out[name][0].kwargs)
        for by in ("test-grid-worker", Actor("@system")):
            kwargs["by"] = by
            add(name, args, tuple(kwargs.items()), ValidationError)
    # the due jobs refuse an as_of after the clock, or a naive one
    for name in DUE_JOBS:
        add(name, (), (("as_of", Ago(-1)),), ValidationError)
        add(name, (), (("as_of", naive()),), ValidationError)
    return out


"""The independent model of households and members as they change (分户, 合户, 婚嫁,
迁出/去世, 返乡), and the machine's rules that run them.

Written from docs/ledger.md ("Households and members change") and the commands' docstrings,
never from the library's code: a move keeps the member's points on their own account; a split
takes a stated number of points or a stated share (rounded down) of the old household's own
available points, from its soonest-expiring lots; a merge closes the household and moves its
open members and its whole own balance and lots to the other; a member who leaves (迁出, 去世,
婚嫁) leaves balance and lots to the household and is closed; a member who returns is re-opened
in an open household. Nothing moves while an account it touches has a live case or holds
points for a reservation. The committee does them, never for its own household on either side.

A household's score (the store's qualifying score) and bans count each award and deduction for
the household its account belonged to when it was recorded: the model keeps every member's
moves for that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.stateful import rule

from pointsledger.base.actors import Actor
from pointsledger.errors import (
    AccountClosed,
    AlreadyExists,
    InsufficientPoints,
    PointsLedgerError,
    UnknownAccount,
    UnknownRegion,
    ValidationError,
)
from pointsledger.testing._model_base import Prediction

if TYPE_CHECKING:
    from pointsledger.ledger.ledger import Ledger
    from pointsledger.testing._model import CoreModel, Model
    from pointsledger.testing._strategies import Village

    _Base = CoreModel
else:
    _Base = object

Errors = set[type[PointsLedgerError]]

REGISTRY_COMMANDS = ("move_member", "split_household", "merge_households", "member_leaves",
                     "member_returns")
"""The commands the registry rules call."""
DEPARTURES = ("迁出", "去世", "婚嫁")


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


class RegistryModel(_Base):
    """The model of the registry's changes (a mixin of ``Model``)."""

    _moves: dict[str, list[tuple[int, str, str]]]

    # -- the registry as it stood --------------------------------------------------------

    @property
    def moves(self) -> dict[str, list[tuple[int, str, str]]]:
        """Each member's moves between households: ``(seq, from, to)``, oldest first."""
        if not hasattr(self, "_moves"):
            self._moves = {}
        return self._moves

    def household_then(self, account: str, seq: int) -> str | None:
        """The household ``account`` belonged to when event ``seq`` was recorded."""
        household = self.household_of(account)
        for at, left, _joined in reversed(self.moves.get(account, [])):
            if at > seq:
                household = left
        return household

    def score(self, household: str) -> int:
        """Base points plus the net points of this year's awards and deductions (reversed
        ones excluded) recorded for the household or for its members while they were in it."""
        year = self.now().year
        net = sum(p.points for p in self.postings.values()
                  if not p.reversed and self.household_then(p.account, p.seq) == household
                  and self.local(p.occurred_us).year == year)
        return int(self.rulebook.store.base_points) + net

    def banned(self, household: str) -> bool:
        """A serious deduction recorded for the household (or a member while in it) bans
        redemption for the rest of its year plus ``ban_years``."""
        years = self.rulebook.store.ban_years
        if years is None:
            return False
        year = self.now().year
        return any(p.serious and not p.reversed
                   and self.household_then(p.account, p.seq) == household
                   and self.local(p.occurred_us).year + years >= year
                   for p in self.postings.values())

    # -- shared checks -------------------------------------------------------------------

    def busy(self) -> set[str]:
        """Accounts with a live case (theirs or assigned) or holding points for a
        reservation: nothing moves them."""
        found = set(self.open_case_accounts())
        found |= {account for account, held in self.held.items() if held}
        found |= {s.account for s in self.spends.values()
                  if s.kind == "reserved" and s.state == "open"}
        return found

    def member_errors(self, member: str) -> Errors:
        """An open member: not a household id, known, not closed."""
        if member in self.households:
            return {ValidationError}
        if member not in self.members:
            return {UnknownAccount}
        return {AccountClosed} if self.members[member]["closed"] else set()

    def household_errors(self, household: str) -> Errors:
        if household not in self.households:
            return {UnknownAccount}
        return {AccountClosed} if self.households[household]["closed"] else set()

    def move_to(self, member: str, household: str, seq: int) -> None:
        record = self.members[member]
        if record["household"] != household:
            self.moves.setdefault(member, []).append((seq, record["household"], household))
            record["household"] = household

    def hand_all(self, source: str, destination: str) -> None:
        """``source``'s whole balance (a deficit too) and its lots go to ``destination``; a
        deficit takes from the destination's lots, soonest-expiring first, what they hold
        beyond what it can still spend (docs store.md "Expiry": lots never hold more)."""
        balance = self.posted(source)
        if balance:
            draws = self.draw(source, balance) if balance > 0 else []
            self.move(source, destination, balance)
            self.receive_lots(destination, draws)
            if balance < 0:
                held = sum(lot.points for lot in self.lots.get(destination, []))
                self.draw(destination, held - max(0, self.available(destination)))
        self.lots.pop(source, None)

    # -- commands ------------------------------------------------------------------------

    def move_member(self, member: str, *, household: str, reason: str, by: Actor, key: str,
                    memo: str = "") -> Prediction:
        errors = self.member_errors(member) | self.household_errors(household)
        if not _text(reason):
            errors.add(ValidationError)
        errors |= self.actor_errors("move_member", by, None)
        if not self.member_errors(member):
            errors |= self.actor_errors("move_member", by, member)
            if self.members[member]["household"] == household:
                errors.add(ValidationError)
            if member in self.busy():
                errors.add(ValidationError)
        if not self.household_errors(household):
            errors |= self.actor_errors("move_member", by, household)
        balance = self.posted(member)

        def check(result: Any) -> list[str]:
            got = (result.from_household, result.to_household, result.balance)
            expected = (self.household_of(member), household, balance)
            return [] if got == expected else [f"move_member: {got}, model {expected}"]

        def apply(result: Any) -> None:
            self.move_to(member, household, result.seq)
            self.wrote()
        return self.accept(key, "move_member", (member, household, reason, by, memo), errors,
                           apply, check)

    def split_household(self, household: str, *, new_household: str, head: str,
                        members: Sequence[str], reason: str, by: Actor,
                        key: str | None = None, grid: str | None = None,
                        points: int | None = None, share: Fraction | str | None = None,
                        memo: str = "") -> Prediction:
        key = key or f"split/{new_household}"
        errors: Errors = set()
        chosen = tuple(members)
        if not chosen or len(set(chosen)) != len(chosen) or not _text(head) or not _text(
                reason):
            errors.add(ValidationError)
        fraction: Fraction | None = None
        if points is not None and share is not None:
            errors.add(ValidationError)
        elif share is not None:
            try:
                fraction = Fraction(share)
            except (ValueError, ZeroDivisionError, TypeError):
                errors.add(ValidationError)
            else:
                if not 0 <= fraction <= 1:
                    errors.add(ValidationError)
        elif points is not None and (not isinstance(points, int) or isinstance(points, bool)
                                     or points < 0):
            errors.add(ValidationError)
        errors |= self.household_errors(household)
        errors |= self.actor_errors("split_household", by, None)
        if household in self.households:
            errors |= self.actor_errors("split_household", by, household)
            grid = self.households[household]["grid"] if grid is None else grid
        if new_household in self.households or new_household in self.members:
            errors.add(AlreadyExists)
        if grid not in self.regions:
            errors.add(UnknownRegion)
        elif self.regions[grid] != "grid":
            errors.add(ValidationError)
        busy = self.busy()
        for member in chosen:
            found = self.member_errors(member)
            errors |= found
            if not found and (self.members[member]["household"] != household
                              or member in busy):
                errors.add(ValidationError)
        available = self.available(household)
        if points is not None:
            count = points
            if isinstance(points, int) and points > available:
                errors.add(InsufficientPoints)
        else:
            count = math.floor(max(0, available) * fraction) if fraction is not None else 0
        rule_of = ("points", points) if points is not None else ("share", fraction)
        payload = (household, new_household, grid, head, chosen, reason, rule_of, by, memo)
        balances = tuple(self.posted(m) for m in chosen)

        def check(result: Any) -> list[str]:
            got = (result.points, result.members, result.balances, result.grid)
            expected = (count, chosen, balances, grid)
            return [] if got == expected else [f"split_household: {got}, model {expected}"]

        def apply(result: Any) -> None:
            self.households[new_household] = {"grid": grid, "closed": False,
                                              "since": result.recorded_us}
            for member in chosen:
                self.move_to(member, new_household, result.seq)
            if count:
                draws = self.draw(household, count)
                self.move(household, new_household, count)
                self.receive_lots(new_household, draws)
            self.wrote()
        return self.accept(key, "split_household", payload, errors, apply, check,
                           label=f"split by {rule_of[0]}")

    def merge_households(self, household: str, *, into: str, reason: str, by: Actor,
                         key: str | None = None, memo: str = "") -> Prediction:
        key = key or f"merge/{household}"
        errors = self.household_errors(household) | self.household_errors(into)
        if not _text(reason) or household == into:
            errors.add(ValidationError)
        errors |= self.actor_errors("merge_households", by, None)
        for side in (household, into):
            if side in self.households:
                errors |= self.actor_errors("merge_households", by, side)
        members = [m for m, record in self.members.items()
                   if record["household"] == household and not record["closed"]]
        if {household, *members} & self.busy():
            errors.add(ValidationError)
        balance = self.posted(household)
        balances = tuple(self.posted(m) for m in members)

        def check(result: Any) -> list[str]:
            got = (result.balance, result.members, result.balances)
            expected = (balance, tuple(members), balances)
            return [] if got == expected else [f"merge_households: {got}, model {expected}"]

        def apply(result: Any) -> None:
            for member in members:
                self.move_to(member, into, result.seq)
            self.hand_all(household, into)
            self.households[household].update(closed=True, closed_us=result.recorded_us)
            self.wrote()
        return self.accept(key, "merge_households", (household, into, reason, by, memo),
                           errors, apply, check)

    def member_leaves(self, member: str, *, reason: str, by: Actor, key: str,
                      memo: str = "") -> Prediction:
        errors = self.member_errors(member)
        if reason not in DEPARTURES:
            errors.add(ValidationError)
        errors |= self.actor_errors("member_leaves", by, None)
        if member in self.members:
            errors |= self.actor_errors("member_leaves", by, member)
        if member in self.busy():
            errors.add(ValidationError)
        balance = self.posted(member)

        def check(result: Any) -> list[str]:
            got = (result.household, result.balance)
            expected = (self.household_of(member), balance)
            return [] if got == expected else [f"member_leaves: {got}, model {expected}"]

        def apply(result: Any) -> None:
            self.hand_all(member, str(self.household_of(member)))
            self.members[member]["closed"] = True
            self.wrote()
        return self.accept(key, "member_leaves", (member, reason, by, memo), errors, apply,
                           check)

    def member_returns(self, member: str, *, household: str, reason: str, by: Actor,
                       key: str, memo: str = "") -> Prediction:
        errors = self.household_errors(household)
        if member not in self.members:
            errors.add(UnknownAccount)
        elif not self.members[member]["closed"]:
            errors.add(ValidationError)
        if not _text(reason):
            errors.add(ValidationError)
        errors |= self.actor_errors("member_returns", by, None)
        if household in self.households:
            errors |= self.actor_errors("member_returns", by, household)

        def apply(result: Any) -> None:
            self.move_to(member, household, result.seq)
            self.members[member]["closed"] = False
            self.wrote()
        return self.accept(key, "member_returns", (member, household, reason, by, memo),
                           errors, apply)


class RegistryRules:
    """Hypothesis rules for the registry's changes (a mixin of the model machines)."""

    if TYPE_CHECKING:  # what the machine provides
        model: Model
        ledger: Ledger
        plan: Village
        committee: Actor
        grid_worker: Actor
        member_grid_worker: Actor

        def keyed(self, name: str, /, *args: Any, **kwargs: Any) -> Any: ...

        def fresh_key(self) -> str: ...

    def planned(self) -> set[str]:
        """The accounts of the machine's village plan (and its elders)."""
        plan = self.plan
        return ({h for h, _g, _n in plan.households} | {m for m, *_r in plan.members}
                | {"M13", "M23", "M33", "M43"})

    def _member(self, data: st.DataObject, *, closed: bool = False) -> str:
        members = sorted(m for m, r in self.model.members.items() if r["closed"] == closed)
        return data.draw(st.sampled_from([*members] * 4 + ["M99", "H1"]), label="member")

    def _household(self, data: st.DataObject) -> str:
        households = sorted(h for h, r in self.model.households.items() if not r["closed"])
        return data.draw(st.sampled_from([*households] * 4 + ["H9"]), label="household")

    def _by(self, data: st.DataObject) -> Actor:
        return data.draw(st.sampled_from([self.committee] * 6 + [
            self.grid_worker, Actor("M31", roles={"committee"})]), label="by")

    @rule(data=st.data(), change=st.sampled_from(
        ["move", "move", "split", "split", "leave", "return", "merge", "merge"]))
    def registry_change(self, data: st.DataObject, change: str) -> None:
        """One of the registry's changes (one rule for all five, so the other commands keep
        their share of the steps): a move (婚嫁, 迁入), a split (分户), a merge (合户), a
        departure (迁出, 去世, 婚嫁) or a return (返乡), mostly valid, sometimes refused."""
        by, key = self._by(data), self.fresh_key()
        if change == "move":
            reason = data.draw(st.sampled_from(["婚嫁", "迁入", "婚嫁", ""]), label="reason")
            self.keyed("move_member", self._member(data), household=self._household(data),
                       reason=reason, by=by, key=key)
        elif change == "split":
            self.split(data, by, key)
        elif change == "merge":
            # only households registered in the run close: the plan's stay for the other rules
            households = [h for h, r in self.model.households.items()
                          if not r["closed"] and h not in self.planned()]
            if not households:  # a household to merge: split one off first
                new = self.split_off(data)
                households = [new] if new is not None else []
                key = self.fresh_key()
            source = data.draw(st.sampled_from([*households * 4, "H9", "H1"]), label="merged")
            self.keyed("merge_households", source, into=self._household(data), reason="合户",
                       by=by, key=key)
        elif change == "leave":
            self.leave(data, by, key)
        else:
            if not any(r["closed"] for r in self.model.members.values()):
                self.leave_validly(data)  # someone has to have left to come back
            closed = data.draw(st.sampled_from([True, True, True, False]), label="closed")
            self.keyed("member_returns", self._member(data, closed=closed),
                       household=self._household(data), reason="返乡", by=by, key=key)

    def leave(self, data: st.DataObject, by: Actor, key: str) -> None:
        """A member moves away, dies or marries out (迁出, 去世, 婚嫁); only members registered
        in the run leave, as only their households merge."""
        reason = data.draw(st.sampled_from([*DEPARTURES, *DEPARTURES, "出国"]), label="reason")
        members = [m for m, r in self.model.members.items()
                   if not r["closed"] and m not in self.planned()]
        member = data.draw(st.sampled_from([*members, *members, "M99", "M11"]), label="leaving")
        self.keyed("member_leaves", member, reason=reason, by=by, key=key)

    def leave_validly(self, data: st.DataObject) -> None:
        """A departure the model accepts: a member registered in the run (one is registered
        in H1 first when none is free to go) moves away, by the committee."""
        busy = self.model.busy()
        members = sorted(m for m, r in self.model.members.items()
                         if not r["closed"] and m not in busy and m not in self.planned())
        if not members:
            member = f"M{len(self.model.households) + len(self.model.members) + 1}"
            if self.keyed("register_member", member, household="H1", name="新成员",
                          roles=frozenset({"resident"}), by=self.committee,
                          key=self.fresh_key()) is None:
                return
            members = [member]
        member = data.draw(st.sampled_from(members), label="leaving")
        self.keyed("member_leaves", member, reason=DEPARTURES[0], by=self.committee,
                   key=self.fresh_key())

    def split_off(self, data: st.DataObject) -> str | None:
        """A split the model accepts: a member free to move (no live case, no reservation)
        leaves an open household with half its points for a new one, by the committee; the
        new household's code (None when no member is free or the ledger refused)."""
        busy = self.model.busy()
        free = sorted(m for m, r in self.model.members.items()
                      if not r["closed"] and m not in busy
                      and not self.model.households[r["household"]]["closed"])
        if not free:
            return None
        member = data.draw(st.sampled_from(free), label="splitting")
        new = f"S{len(self.model.households) + 1}"
        done = self.keyed("split_household", self.model.household_of(member), new_household=new,
                          head="新户主", members=[member], reason="分户", by=self.committee,
                          key=self.fresh_key(), share="1/2")
        return None if done is None else new

    def split(self, data: st.DataObject, by: Actor, key: str) -> None:
        """A household splits off one or two of its members and some points (分户)."""
        household = self._household(data)
        own = sorted(m for m, r in self.model.members.items()
                     if r["household"] == household and not r["closed"])
        chosen = data.draw(st.lists(st.sampled_from(own), min_size=1, max_size=2, unique=True)
                           if own else st.just(["M99"]), label="members")
        how = data.draw(st.sampled_from(["share", "share", "points", "none", "both"]),
                        label="rule")
        rule_args: dict[str, Any] = {}
        if how in ("share", "both"):
            rule_args["share"] = data.draw(st.sampled_from(["1/2", "1/3", "1", "0", "3/2"]),
                                           label="share")
        if how in ("points", "both"):
            rule_args["points"] = data.draw(st.integers(0, 30), label="points")
        new = data.draw(st.sampled_from([f"S{len(self.model.households) + 1}"] * 3 + ["H2"]),
                        label="new household")
        grid = data.draw(st.sampled_from([None, None, "G2", "V"]), label="grid")
        self.keyed("split_household", household, new_household=new, head="新户主",
                   members=chosen, reason="分户", by=by, grid=grid, key=key, **rule_args)

"""The events of households and members as they really change: a member moves to another
household (婚嫁, 迁入, ...), a household splits (分户) or merges into another (合户), a member
leaves (迁出, 去世, 婚嫁) and returns.

Like every event (`pointsledger.core.events`) they are immutable. Those that move points
between accounts expose double-entry ``postings()``; those that move a member, with the points
on the member's own account, from one household to another expose ``moves()``: the member's
account keeps its points (no posting), but *a household's points* (its own account and its
members') change by that balance on both sides, so reports that group accounts by household
(statements, boards, ratings) show it as a movement out of one household and into the other.
"""

from __future__ import annotations

import attrs

from pointsledger.core.events import Event, Lot, Move, Posting


@attrs.frozen
class MemberMoved(Event):
    """A member moved to another household (``reason`` e.g. 婚嫁, 迁入, 投靠); ``balance`` is
    the member's posted points, which stay on the member's account and so move with them."""

    KIND = "member_moved"
    BODY = ("member", "from_household", "to_household", "reason", "balance")
    REQUEST = ("member", "to_household", "reason")
    member: str
    from_household: str
    to_household: str
    reason: str
    balance: int

    def moves(self) -> tuple[Move, ...]:
        return ((self.member, self.from_household, self.to_household, self.balance),)


@attrs.frozen
class HouseholdSplit(Event):
    """A household split (分户): ``new_household`` is registered in ``grid`` with ``head``, the
    ``members`` move to it with their own points (``balances``, in the same order), and
    ``points`` of the old household's own account go with them by the stated ``rule``
    (``"points <n>"``, ``"share <fraction>"`` or ``"none"``), drawn from ``lots``."""

    KIND = "household_split"
    BODY = ("household", "new_household", "grid", "head", "members", "reason", "rule", "points",
            "lots", "balances")
    REQUEST = ("household", "new_household", "grid", "head", "members", "reason", "rule")
    TUPLES = frozenset({"members", "lots", "balances"})
    household: str
    new_household: str
    grid: str
    head: str
    members: tuple[str, ...]
    reason: str
    rule: str
    points: int
    lots: tuple[Lot, ...]
    balances: tuple[int, ...]

    def postings(self) -> tuple[Posting, ...]:
        return ((self.household, self.new_household, self.points),) if self.points else ()

    def moves(self) -> tuple[Move, ...]:
        return tuple((member, self.household, self.new_household, balance)
                     for member, balance in zip(self.members, self.balances, strict=True))


@attrs.frozen
class HouseholdsMerged(Event):
    """Households merged (合户): ``household`` closes; its open ``members`` move to ``into``
    with their own points (``balances``), and its own account's ``balance`` (a deficit too)
    and lots go to ``into``'s account."""

    KIND = "households_merged"
    BODY = ("household", "into", "reason", "balance", "members", "balances")
    REQUEST = ("household", "into", "reason")
    TUPLES = frozenset({"members", "balances"})
    household: str
    into: str
    reason: str
    balance: int
    members: tuple[str, ...]
    balances: tuple[int, ...]

    def postings(self) -> tuple[Posting, ...]:
        return ((self.household, self.into, self.balance),) if self.balance else ()

    def moves(self) -> tuple[Move, ...]:
        return tuple((member, self.household, self.into, balance)
                     for member, balance in zip(self.members, self.balances, strict=True))


@attrs.frozen
class MemberLeft(Event):
    """A member left the village's registry (``reason``: 迁出, 去世 or 婚嫁): the member's
    ``balance`` (a deficit too) and lots go to the household's own account, and the member's
    account closes. The member stays on record and may return (`MemberReturned`)."""

    KIND = "member_left"
    BODY = ("member", "household", "reason", "balance")
    REQUEST = ("member", "reason")
    member: str
    household: str
    reason: str
    balance: int

    def postings(self) -> tuple[Posting, ...]:
        return ((self.member, self.household, self.balance),) if self.balance else ()


@attrs.frozen
class MemberReturned(Event):
    """A member whose account was closed came back (返乡, 迁回): the same account re-opened in
    ``household`` (which may differ from ``from_household``, the one they left), not a new
    registration; ``balance`` is what the closed account still held (normally 0)."""

    KIND = "member_returned"
    BODY = ("member", "from_household", "household", "reason", "balance")
    REQUEST = ("member", "household", "reason")
    member: str
    from_household: str
    household: str
    reason: str
    balance: int

    def moves(self) -> tuple[Move, ...]:
        if self.household == self.from_household or not self.balance:
            return ()
        return ((self.member, self.from_household, self.household, self.balance),)

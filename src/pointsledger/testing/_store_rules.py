"""The points store's rules of :class:`~pointsledger.testing.LedgerMachine`: stock received,
redemptions and reservations at the stock's edges (the last free units, one past them), their
hand-over, cancellation and time-out, reversed redemptions and expiry, each checked against the
machine's model of stock, held points and balances."""

from __future__ import annotations

from typing import Any

from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import (
    precondition,
    rule,
)

from pointsledger.base.actors import Actor
from pointsledger.base.clock import to_us
from pointsledger.core.store_events import Expired
from pointsledger.errors import (
    PointsLedgerError,
    ReservationExpired,
)
from pointsledger.ledger.ledger import Ledger
from pointsledger.testing._strategies import Village


def ledger_snapshot(ledger: Ledger) -> tuple[Any, ...]:
    """What a refused command must leave as it was (the derived tables queries do not show,
    such as caps used, are compared with a fresh fold by :func:`check_invariants`)."""
    return (ledger.store.head(), ledger.head, dict(ledger.balances()),
            dict(ledger.reversals()), dict(ledger.stock_levels()),
            dict(ledger.time_balances()))


class StoreRules:
    """A mixin of :class:`~pointsledger.testing.LedgerMachine`: its store rules, over the
    machine's ledger, clock and model."""

    ledger: Ledger
    clock: Any
    plan: Village
    keeper: Actor
    rewards: list[str]
    stock: dict[str, int]
    held: dict[str, int]
    balances: dict[str, int]
    open: dict[int, Any]
    redemptions: list[Any]
    events: int

    def fresh_key(self) -> str:
        raise NotImplementedError

    def succeeded(self, kind: str, count: int = 1) -> None:
        raise NotImplementedError

    def refused(self, error: type[Exception], call: Any) -> None:
        raise NotImplementedError

    # -- the points store -------------------------------------------------------------------
    @precondition(lambda self: bool(self.rewards))
    @rule(data=st.data(), quantity=st.integers(1, 20))
    def receive_stock(self, data: st.DataObject, quantity: int) -> None:
        reward = data.draw(st.sampled_from(self.rewards))
        self.ledger.receive_stock(reward, quantity, by=self.keeper, key=self.fresh_key())
        self.events += 1
        self.succeeded("stock receipt")
        self.stock[reward] += quantity

    def _free(self, reward: str) -> int:
        """The model's units of ``reward`` on hand and not reserved."""
        return self.stock[reward] - self._reserved(reward)

    def _reserved(self, reward: str) -> int:
        return sum(r.quantity for r in self.open.values() if r.reward == reward)

    def _customer(self, data: st.DataObject, reward: str) -> str:
        """Any account, or (half the time) the one with the most points available among those
        whose household holds no reservation of ``reward``, so that the stock checks are
        reached before the points or the household's limits run out."""
        holders = {self.plan.household_of(r.account) for r in self.open.values()
                   if r.reward == reward}
        others = [a for a in self.plan.accounts
                  if self.plan.household_of(a) not in holders] or list(self.plan.accounts)
        richest = max(others, key=lambda a: (self.balances[a] - self.held[a], a))
        return data.draw(st.one_of(st.just(richest), st.sampled_from(self.plan.accounts)),
                         label="account")

    def _spend(self, data: st.DataObject, reserve: bool, reward: str | None = None,
               quantity: int | None = None) -> None:
        if reward is None:
            reward = data.draw(st.sampled_from(self.rewards), label="reward")
        account = self._customer(data, reward)
        free = self._free(reward)
        if quantity is None:  # few units, or exactly the free stock, one past it, all on hand
            edges = sorted({q for q in (free, free + 1, self.stock[reward]) if q >= 1})
            quantity = data.draw(st.one_of(st.integers(1, 3), st.sampled_from(edges or [1])),
                                 label="quantity")
        command = self.ledger.reserve if reserve else self.ledger.redeem
        what = "reservation" if reserve else "redemption"
        before = ledger_snapshot(self.ledger)
        try:
            event: Any = command(account, reward, quantity=quantity, by=self.keeper,
                                 key=self.fresh_key())
        except PointsLedgerError as exc:
            note_event(f"store refused: {type(exc).__name__}")
            assert ledger_snapshot(self.ledger) == before, "a refused command wrote something"
            return
        available = self.balances[account] - self.held[account]
        assert event.points <= available, (
            f"a {what} of {quantity} {reward!r} for {event.points} points overspent "
            f"{account!r}, which had {available} available")
        assert quantity <= free, (
            f"a {what} took {quantity} {reward!r} with only {free} free: {self.stock[reward]} "
            f"on hand, {self._reserved(reward)} reserved for pickup")
        note_event(f"store: {what} succeeded" + (" (the last free units)"
                                                 if quantity == free else ""))
        self.succeeded(what)
        self.events += 1
        if reserve:
            self.held[account] += event.points
            self.open[event.seq] = event
        else:
            self.balances[account] -= event.points
            self.stock[reward] -= quantity
            self.redemptions.append(event)

    @precondition(lambda self: bool(self.rewards))
    @rule(data=st.data())
    def redeem(self, data: st.DataObject) -> None:
        self._spend(data, reserve=False)

    @precondition(lambda self: bool(self.rewards))
    @rule(data=st.data())
    def reserve(self, data: st.DataObject) -> None:
        self._spend(data, reserve=True)

    @precondition(lambda self: bool(self.rewards))
    @rule(data=st.data(), reserve=st.booleans())
    def ask_past_the_free_stock(self, data: st.DataObject, reserve: bool) -> None:
        """Ask for one unit more than is free, of a reward with units reserved when there is
        one (the last unit on the shelf while it is held for pickup): must be refused."""
        held = [r for r in self.rewards if self._reserved(r)]
        reward = data.draw(st.sampled_from(held or self.rewards), label="reward")
        if 1 <= self._free(reward) <= 3 and data.draw(st.booleans(), label="hold the rest"):
            self._spend(data, True, reward, self._free(reward))  # hold the last free units
        if self._reserved(reward):
            note_event("store: asked past the free stock while units are reserved")
        self._spend(data, reserve, reward, self._free(reward) + 1)

    @precondition(lambda self: bool(self.open))
    @rule(data=st.data(), hand_over=st.booleans())
    def resolve_reservation(self, data: st.DataObject, hand_over: bool) -> None:
        seq = data.draw(st.sampled_from(sorted(self.open)))
        reservation = self.open[seq]
        key = self.fresh_key()
        if hand_over and self._now_us() >= reservation.expires_us:
            self.refused(ReservationExpired, lambda: self._resolve(reservation, True, key))
            return
        self._resolve(reservation, hand_over, key)
        note_event("store: handed over" if hand_over else "store: cancelled")
        self.succeeded("hand-over" if hand_over else "cancellation")
        if hand_over:
            self.held[reservation.account] -= reservation.points
            self.balances[reservation.account] -= reservation.points
            self.stock[reservation.reward] -= reservation.quantity
            del self.open[seq]
            self.events += 1
        else:
            self._release(reservation)

    def _now_us(self) -> int:
        """The instant the ledger will record the next command at."""
        return max(to_us(self.clock()), self.ledger.event(self.ledger.head).recorded_us + 1)

    def _resolve(self, reservation: Any, hand_over: bool, key: str) -> Any:
        if hand_over:
            return self.ledger.hand_over(reservation.id, pickup_code=reservation.pickup_code,
                                         by=self.keeper, key=key)
        return self.ledger.cancel_reservation(reservation.id, reason="不要了", by=self.keeper,
                                              key=key)

    def _release(self, reservation: Any) -> None:
        self.held[reservation.account] -= reservation.points
        del self.open[reservation.seq]
        self.events += 1

    @precondition(lambda self: bool(self.open))
    @rule()
    def expire_reservations(self) -> None:
        now = self._now_us()
        timed_out = self.ledger.time_out_due()
        due = sorted(seq for seq, r in self.open.items() if r.expires_us <= now)
        assert [e.reservation for e in timed_out] == due  # type: ignore[attr-defined]
        for seq in due:
            note_event("store: timed out")
            self.succeeded("time-out")
            self._release(self.open[seq])
        assert self.ledger.time_out_due() == ()

    @precondition(lambda self: bool(self.redemptions))
    @rule(data=st.data())
    def reverse_a_redemption(self, data: st.DataObject) -> None:
        event = data.draw(st.sampled_from(self.redemptions))
        self.redemptions.remove(event)
        self.ledger.reverse(event.id, reason="退货", by=self.plan.committee, key=self.fresh_key())
        self.events += 1
        self.succeeded("redemption reversal")
        self.balances[event.account] += event.points
        self.stock[event.reward] += event.quantity

    @rule()
    def expire_due(self) -> None:
        for expired in self.ledger.expire_due():
            assert isinstance(expired, Expired)
            note_event("points expired")
            self.succeeded("expiry")
            self.events += 1
            self.balances[expired.account] -= expired.points
        assert self.ledger.expire_due() == ()

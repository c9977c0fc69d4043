"""The independent model of the points store (积分超市): stock, prices, limits and bans,
redemptions and reservations with their pickup, cancellation and time-out (docs/store.md).

``StoreModel`` is a mixin of the core model (``CoreModel``), written from the docs alone like
the rest of the model (`_model_base`): each command returns a `Prediction` and changes nothing
until its ``commit``.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import TYPE_CHECKING, Any

from pointsledger.base.actors import Actor
from pointsledger.errors import (
    AlreadyResolved,
    EvidenceRequired,
    InsufficientPoints,
    LimitReached,
    NotEligible,
    OutOfStock,
    ReservationExpired,
    UnknownAccount,
    UnknownEntry,
    UnknownItem,
    UnknownReward,
    ValidationError,
)
from pointsledger.rules.catalogue import Reward
from pointsledger.testing._model_base import Prediction
from pointsledger.testing._model_records import DAY_US, STORE, Errors, Spend, to_us

if TYPE_CHECKING:
    from pointsledger.testing._model import LedgerModel

    _Base = LedgerModel
else:
    _Base = object


class StoreModel(_Base):
    """The points store's part of the core model (a mixin of ``CoreModel``)."""

    # -- the points store ----------------------------------------------------------------

    def reward(self, code: str) -> Reward | None:
        return next((r for r in self.rulebook.rewards if r.code == code), None)

    def receive_stock(self, reward: str, quantity: int, *, by: Actor, key: str,
                      donor: str | None = None, donation_item: str | None = None,
                      donor_name: str = "", value: int | None = None,
                      memo: str = "") -> Prediction:
        """docs/store.md: a donation names a registered donor or an outside donor by name;
        only a registered donor is awarded, per unit (the quantity) or per value
        (``value // per_value`` units, at least one)."""
        errors = self.actor_errors("receive_stock", by, donor)
        if self.reward(reward) is None:
            errors.add(UnknownReward)
        if not isinstance(quantity, int) or quantity < 1:
            errors.add(ValidationError)
        if donor is not None:
            errors |= self.account_errors(donor)
        if donation_item is not None and donor is None:
            errors.add(ValidationError)
        if value is not None and (not isinstance(value, int) or value < 1
                                  or (donor is None and not donor_name)):
            errors.add(ValidationError)
        points = 0
        if donation_item is not None and donor is not None and not errors:
            entry = next((i for i in self.rulebook.items if i.code == donation_item), None)
            units = 0 if entry is None else (
                quantity if entry.per_value is None else (value or 0) // entry.per_value)
            if entry is None:
                errors.add(UnknownItem)
            elif entry.points < 0:
                errors |= {ValidationError, UnknownItem}
            elif units < 1:
                errors.add(ValidationError)
            elif entry.evidence_required:
                errors.add(EvidenceRequired)
            else:
                points = entry.points * units
                # the award occurs when the donation is received (the command's time)
                errors |= self.cap_errors(donor, donation_item, points, self.next_recorded_us())
        donated = donor is not None or bool(donor_name)
        payload = (reward, quantity, donor, donation_item, donor_name, value, by, memo)

        def check(result: Any) -> list[str]:
            kind = "donation_received" if donated else "stock_received"
            return [] if result.kind == kind else [
                f"receive_stock: a {result.kind} event, model {kind}"]

        def apply(result: Any) -> None:
            at = self.next_recorded_us()
            self.on_hand[reward] = self.on_hand.get(reward, 0) + quantity
            self.wrote()
            if donation_item is not None and donor is not None:
                # the award is the next event, seq result.seq + 1, occurring with the receipt
                self.post_entry("award", result.seq + 1, donor, donation_item, points, at)
                self.wrote()
        label = ("donation by value" if value and donation_item else "donation" if donation_item
                 else "outside donor" if donated else "")
        return self.accept(key, "receive_stock", payload, errors, apply, check, label=label)

    def adjust_stock(self, reward: str, *, counted: int, reason: str, by: Actor, key: str,
                     memo: str = "") -> Prediction:
        errors = self.actor_errors("adjust_stock", by, None)
        if self.reward(reward) is None and reward not in self.on_hand:
            errors.add(UnknownReward)
        if not isinstance(counted, int) or counted < 0 or not reason:
            errors.add(ValidationError)
        elif counted < self.reserved.get(reward, 0):
            errors.add(OutOfStock)

        def check(result: Any) -> list[str]:
            change = counted - self.on_hand.get(reward, 0)
            return [] if result.change == change else [
                f"adjust_stock: change {result.change}, model {change}"]

        def apply(result: Any) -> None:
            self.on_hand[reward] = counted
            self.wrote()
        return self.accept(key, "adjust_stock", (reward, counted, reason, by, memo), errors,
                           apply, check)

    def age(self, member: str | None, day: _dt.date) -> int | None:
        """A member's age in whole years on ``day`` (None: no member or no birth date)."""
        if member is None or member not in self.members:
            return None
        born = self.members[member]["birth_date"]
        if born is None:
            return None
        return int(day.year - born.year - ((day.month, day.day) < (born.month, born.day)))

    def unit_price(self, reward: Reward, member: str | None) -> int:
        """The cost, or the first price rule whose age band holds the member's age today,
        ``percent`` of the cost rounded up."""
        age = self.age(member, self.ledger_now().date())
        if age is not None:
            for rule in reward.price_rules:
                if rule.min_age <= age and (rule.max_age is None or age < rule.max_age):
                    return math.ceil(reward.cost * rule.percent / 100)
        return int(reward.cost)

    def score(self, household: str) -> int:
        """Base points plus the net points the household and its members earned this year
        (awards minus deductions, reversed entries excluded)."""
        year = self.ledger_now().year
        net = sum(p.points for p in self.postings.values()
                  if not p.reversed and self.household_of(p.account) == household
                  and self.local(p.occurred_us).year == year)
        return int(self.rulebook.store.base_points) + net

    def banned(self, household: str) -> bool:
        """A serious deduction bans redemption for the rest of its year plus ``ban_years``."""
        years = self.rulebook.store.ban_years
        if years is None:
            return False
        year = self.ledger_now().year
        return any(p.serious and not p.reversed and self.household_of(p.account) == household
                   and self.local(p.occurred_us).year + years >= year
                   for p in self.postings.values())

    def counted(self, reward: str, household: str, member: str | None, per: str,
                scope: str) -> int:
        """Units of ``reward`` given out or held in the current ``per`` period, by ``member``,
        by ``household`` (with its members) or by every household (``scope`` ``"all"``)."""
        now = self.next_recorded_us()
        period = self.period(now, per)
        total = 0
        for spend in self.spends.values():
            if spend.reward != reward or spend.reversed or spend.state in (
                    "cancelled", "timed_out"):
                continue
            if scope == "member" and spend.member != member:
                continue
            if scope == "household" and spend.household != household:
                continue  # "all" (the reward's total limit) counts every household's
            if per == "ever" or self.period(spend.at_us, per) == period:
                total += spend.quantity
        return total

    def store_errors(self, name: str, account: str, reward_code: str, by: Actor,
                     quantity: int, member: str | None) -> tuple[Errors, int, str | None]:
        """What refuses a redemption or reservation; the points it costs; the member."""
        errors = self.actor_errors(name, by, account) | self.account_errors(account)
        reward = self.reward(reward_code)
        if reward is None:
            errors.add(UnknownReward)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            errors.add(ValidationError)
        if member is None and account in self.members:
            member = account
        household = self.household_of(account)
        if member is not None and (member not in self.members
                                   or self.members[member]["household"] != household
                                   or self.members[member]["closed"]):
            errors |= {ValidationError, UnknownAccount}
            member = None
        if reward is None or household is None or self.account_errors(account):
            return errors, 0, member
        today = self.ledger_now().date()
        reason = reward.open_on(today)
        if reason is not None:
            errors.add(NotEligible)
        if reward.price_rules and self.age(member, today) is None:
            errors.add(NotEligible)  # age-priced: a member with a known birth date is needed
        store = self.rulebook.store
        score = self.score(household)
        if self.banned(household):
            errors.add(NotEligible)
        if store.min_score is not None and score < store.min_score:
            errors.add(NotEligible)
        if reward.min_score is not None and score < reward.min_score:
            errors.add(NotEligible)
        for limit in reward.limits:
            if limit.scope == "member" and member is None:
                continue
            used = self.counted(reward_code, household, member, limit.per, limit.scope)
            if used + quantity > limit.max_quantity:
                errors.add(LimitReached)
        if reward.total_limit is not None:
            given = self.counted(reward_code, household, member, "ever", "all")
            if given + quantity > reward.total_limit:
                errors.add(LimitReached)
        if self.on_hand.get(reward_code, 0) - self.reserved.get(reward_code, 0) < quantity:
            errors.add(OutOfStock)
        points = self.unit_price(reward, member) * quantity
        if self.available(account) < points:
            errors.add(InsufficientPoints)
        return errors, points, member

    def redeem(self, account: str, reward: str, *, by: Actor, key: str, quantity: int = 1,
               member: str | None = None, memo: str = "") -> Prediction:
        return self._spend("redeem", account, reward, by, key, quantity, member, memo)

    def reserve(self, account: str, reward: str, *, by: Actor, key: str, quantity: int = 1,
                member: str | None = None, memo: str = "") -> Prediction:
        return self._spend("reserve", account, reward, by, key, quantity, member, memo)

    def _spend(self, name: str, account: str, reward: str, by: Actor, key: str,
               quantity: int, member: str | None, memo: str) -> Prediction:
        errors, points, for_member = self.store_errors(name, account, reward, by, quantity,
                                                       member)
        payload = (account, reward, quantity, member, by, memo)

        def check(result: Any) -> list[str]:
            problems = []
            if (result.points, result.quantity) != (points, quantity):
                problems.append(f"{name} {reward} x{quantity} for {for_member}: points "
                                f"{result.points}, model {points}")
            return problems

        def apply(result: Any) -> None:
            at = self.next_recorded_us()
            household = self.household_of(account)
            assert household is not None
            if name == "redeem":
                draws = self.debit(account, points, to=STORE)
                self.on_hand[reward] -= quantity
            else:
                draws = self.draw(account, points)
                self.held[account] = self.held.get(account, 0) + points
                self.reserved[reward] = self.reserved.get(reward, 0) + quantity
            spend = Spend(result.seq, "redeemed" if name == "redeem" else "reserved", account,
                          household, for_member, reward, quantity, points, at, draws)
            if name == "reserve":
                spend.expires_us = at + self.rulebook.store.reservation_days * DAY_US
                spend.pickup_code = result.pickup_code
            self.spends[result.seq] = spend
            self.wrote()
        known = self.reward(reward)
        price = "" if errors or known is None else (
            "full price" if points == quantity * known.cost else "price rule")
        return self.accept(key, name, payload, errors, apply, check, label=price)

    def reservation(self, reservation: Any) -> Spend | None:
        seq = self.entry_seq(reservation)
        spend = self.spends.get(seq) if seq is not None else None
        return spend if spend is not None and spend.kind == "reserved" else None

    def hand_over(self, reservation: str | Any, *, by: Actor, key: str,
                  pickup_code: str | None = None, memo: str = "") -> Prediction:
        spend = self.reservation(reservation)
        errors = self.actor_errors("hand_over", by, spend.account if spend else None)
        if spend is None:
            errors.add(UnknownEntry)
        elif spend.state == "open" and self.next_recorded_us() >= spend.expires_us:
            errors.add(ReservationExpired)
        elif spend.state != "open":
            errors |= {AlreadyResolved} | (
                {ReservationExpired} if spend.state == "timed_out" else set())
        elif pickup_code is not None and pickup_code != spend.pickup_code:
            errors.add(ValidationError)
        seq = spend.seq if spend else None

        def apply(result: Any) -> None:
            assert spend is not None
            spend.state = "redeemed"
            self.handovers[result.seq] = spend
            self.held[spend.account] -= spend.points
            self.move(spend.account, STORE, spend.points)
            self.on_hand[spend.reward] -= spend.quantity
            self.reserved[spend.reward] -= spend.quantity
            self.wrote()
        return self.accept(key, "hand_over", (seq, pickup_code, by, memo), errors, apply)

    def cancel_reservation(self, reservation: str | Any, *, reason: str, by: Actor, key: str,
                           memo: str = "") -> Prediction:
        spend = self.reservation(reservation)
        errors = self.actor_errors("cancel_reservation", by, spend.account if spend else None)
        if spend is None:
            errors.add(UnknownEntry)
        elif spend.state != "open":
            errors.add(AlreadyResolved)
        if not reason:
            errors.add(ValidationError)
        seq = spend.seq if spend else None

        def apply(result: Any) -> None:
            assert spend is not None
            self.release(spend, "cancelled")
            self.wrote()
        return self.accept(key, "cancel_reservation", (seq, reason, by, memo), errors, apply)

    def release(self, spend: Spend, state: str) -> None:
        """A reservation ends without pickup: its points and stock are free again, and its
        lots what the account can spend of them (none while it is in deficit)."""
        spend.state = state
        self.held[spend.account] -= spend.points
        self.reserved[spend.reward] -= spend.quantity
        self.give_back(spend.draws)
        self.trim_lots(spend.account)

    def undo_spend(self, spend: Spend) -> None:
        """Reversing a redemption returns the points, the lots and the stock."""
        spend.reversed = True
        self.move(STORE, spend.account, spend.points)
        self.give_back(spend.draws)
        self.trim_lots(spend.account)
        self.on_hand[spend.reward] += spend.quantity

    def reservation_time_outs(self, limit: int) -> list[int]:
        """The open reservations whose time is up by ``limit`` (seqs, oldest first)."""
        return [s.seq for s in sorted(self.spends.values(), key=lambda s: s.seq)
                if s.kind == "reserved" and s.state == "open" and s.expires_us <= limit]

    def time_out_reservations(self, limit: int) -> int:
        """Apply the reservation time-outs due by ``limit``; how many events they wrote."""
        due = self.reservation_time_outs(limit)
        for seq in due:
            self.release(self.spends[seq], "timed_out")
        return len(due)

    def time_out_due(self, as_of: _dt.datetime | None = None) -> Prediction:
        """Reservations not picked up in time release their points and stock."""
        if as_of is not None and self.bad_as_of(as_of):
            return Prediction.refused(ValidationError)
        limit = self.now_us() if as_of is None else to_us(as_of)
        due = self.reservation_time_outs(limit)

        def check(result: Any) -> list[str]:
            got = [getattr(e, "reservation", None) for e in result]
            return [] if got == due else [f"time_out_due: ledger {got}, model {due}"]

        def commit(result: Any) -> None:
            self.time_out_reservations(limit)
            self.wrote(len(result))
        return Prediction(check=check, commit=commit)

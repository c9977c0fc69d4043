"""The model machine's rules of the points store (积分超市): stock received and counted,
redemptions and reservations, pickup, cancellation and time-out, at the edges of stock,
limits, prices and bans (docs/store.md). ``StoreRules`` is a mixin of the core rules
(``CoreRules``); each rule runs its command on the ledger and the model (``both``/``keyed``).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from pointsledger.base.actors import Actor
from pointsledger.testing._model_village import ELDERS

if TYPE_CHECKING:
    from pointsledger.testing._ledger_rules import LedgerRules

    _Rules = LedgerRules
else:
    _Rules = object


class StoreRules(_Rules):
    """The points store's rules (a mixin of ``CoreRules``)."""

    @rule(data=st.data(), quantity=st.sampled_from([1, 2, 3, 10, 0]),
          donation=st.sampled_from([None, None, None, "H2", "M31", "H9", "H1"]))
    def receive_stock(self, data: st.DataObject, quantity: int, donation: str | None) -> None:
        reward = data.draw(st.sampled_from([self.cheapest, *self.rewards, "NOPE"]),
                           label="reward")
        by = self.keeper if donation != "H1" else self.member_keeper
        item = "DON-01" if "DON-01" in self.award_items else self.richest_item
        self.keyed("receive_stock", reward, quantity, by=by, key=self.fresh_key(),
                   donor=donation, donation_item=item if donation else None)

    @rule(data=st.data(), delta=st.sampled_from([-1, 0, 1, -100]),
          who=st.sampled_from(["keeper", "keeper", "grid"]))
    def adjust_stock(self, data: st.DataObject, delta: int, who: str) -> None:
        """A stock-take: exactly the reserved units, one fewer, or more."""
        reward = data.draw(st.sampled_from([*self.rewards, "NOPE"]), label="reward")
        counted = self.model.reserved.get(reward, 0) + delta
        by = self.keeper if who == "keeper" else self.grid_worker
        self.keyed("adjust_stock", reward, counted=max(counted, -1), reason="盘点", by=by,
                   key=self.fresh_key())

    @rule(data=st.data(), name=st.sampled_from(["redeem", "redeem", "reserve"]),
          quantity=st.sampled_from([1, 1, 1, 2, "free", "free+1", 0]))
    def spend(self, data: st.DataObject, name: str, quantity: int | str) -> None:
        richest = max(self.model.households, key=self.model.available)
        account = data.draw(st.sampled_from([richest] * 4 + self.accounts + ["H9"]),
                            label="account")
        stocked = [r for r in self.rewards if self.model.on_hand.get(r, 0)]
        reward = data.draw(st.sampled_from(stocked * 3 + self.rewards + ["NOPE"]),
                           label="reward")
        household = self.model.household_of(account)
        members = [m for m, r in self.model.members.items() if r["household"] == household]
        member = data.draw(st.sampled_from([None, None, *members, *members, "M41"]),
                           label="member")
        free = self.model.on_hand.get(reward, 0) - self.model.reserved.get(reward, 0)
        units = {"free": max(free, 1), "free+1": free + 1}.get(str(quantity), quantity)
        who = data.draw(st.sampled_from(["keeper", "keeper", "keeper", "keeper",
                                         "member keeper", "resident", "stranger"]), label="by")
        by = {"keeper": self.keeper, "member keeper": self.member_keeper,
              "stranger": self.stranger,
              "resident": Actor(members[0] if members else "M11", roles={"resident"})}[who]
        if name == "redeem" and who == "resident":
            by = self.keeper
        result = self.keyed(name, account, reward, by=by, key=self.fresh_key(),
                            quantity=units, member=member)
        if result is not None and name == "reserve":
            self.reservations.append(result)
        elif result is not None:
            self.entries.append(result.id)

    @precondition(lambda self: bool(self.rewards))
    @rule(data=st.data(), name=st.sampled_from(["redeem", "reserve"]),
          quantity=st.sampled_from([1, 1, 2, "free", "free+1"]))
    def shop(self, data: st.DataObject, name: str, quantity: int | str) -> None:
        """The richest household buys a stocked reward (for a member of it, at times an
        elder at a price band's edge): mostly valid, up to the free stock and one more."""
        stocked = [r for r in self.rewards if self.model.on_hand.get(r, 0)]
        if not stocked:
            self.keyed("receive_stock", data.draw(st.sampled_from(self.rewards)), 5,
                       by=self.keeper, key=self.fresh_key())
            return
        account = max(self.model.households, key=self.model.available)
        reward = data.draw(st.sampled_from(stocked), label="reward")
        members = [m for m, r in self.model.members.items()
                   if r["household"] == account and not r["closed"]]
        member = data.draw(st.sampled_from([None, *members]), label="member")
        free = self.model.on_hand.get(reward, 0) - self.model.reserved.get(reward, 0)
        units = {"free": max(free, 1), "free+1": free + 1}.get(str(quantity), quantity)
        self.able_to_pay(account, reward, max(units, 1))
        by = self.keeper if name == "redeem" else Actor(members[0] if members else "M11",
                                                        roles={"resident"})
        result = self.keyed(name, account, reward, by=by, key=self.fresh_key(),
                            quantity=units, member=member)
        if result is not None and name == "reserve":
            self.reservations.append(result)
        elif result is not None:
            self.entries.append(result.id)

    @precondition(lambda self: bool(self.priced))
    @rule(data=st.data(), elder=st.sampled_from([e[0] for e in ELDERS] + ["new"] * 4),
          age=st.sampled_from([60, 75]), short=st.booleans(),
          name=st.sampled_from(["redeem", "reserve"]))
    def elder_meal(self, data: st.DataObject, elder: str, age: int, short: bool,
                   name: str) -> None:
        """A canteen meal (a reward priced by age) for an elder at a price band's age
        boundary: turning the band's age today, or a day short of it (a new member born so,
        or one of ``ELDERS``)."""
        meal = data.draw(st.sampled_from(self.priced), label="reward")
        ages = sorted({rule.min_age for r in self.plan.rulebook.rewards if r.code == meal
                       for rule in r.price_rules})
        age = ages[age % len(ages)] if age not in ages else age
        if elder == "new":
            today = self.model.now().date()
            if (today.month, today.day) == (2, 29):
                return
            born = today.replace(year=today.year - age) + _dt.timedelta(days=int(short))
            elder = f"E{len(self.model.members) + 1}"
            self.both("register_member", elder, household="H1", name="老人",
                      roles=frozenset({"resident"}), birth_date=born, by=self.committee)
        if elder not in self.model.members:
            return
        if not self.model.on_hand.get(meal, 0) - self.model.reserved.get(meal, 0):
            self.keyed("receive_stock", meal, 3, by=self.keeper, key=self.fresh_key())
        household = self.model.household_of(elder)
        self.able_to_pay(household, meal)
        result = self.keyed(name, household, meal, member=elder, by=self.keeper,
                            key=self.fresh_key())
        if result is not None and name == "reserve":
            self.reservations.append(result)
        elif result is not None:
            self.entries.append(result.id)

    def able_to_pay(self, account: str, reward: str, quantity: int = 1) -> None:
        """Awards of `richest_item` to ``account`` (up to three) until it has the
        points for ``quantity`` units of ``reward`` at full price: so that the store's rules
        mostly test buying, not `InsufficientPoints`."""
        found = self.model.reward(reward)
        if found is None or not self.award_items:
            return
        for _ in range(3):
            if self.model.available(account) >= found.cost * quantity:
                return
            if self.keyed("award", account, self.richest_item, by=self.grid_worker,
                          key=self.fresh_key()) is None:
                return

    def free_units(self, reward: str) -> int:
        """The model's units of ``reward`` on hand and not reserved."""
        return int(self.model.on_hand.get(reward, 0) - self.model.reserved.get(reward, 0))

    @precondition(lambda self: bool(self.rewards))
    @rule(then=st.sampled_from(["redeem", "reserve", "adjust_stock"]))
    def hold_the_last_unit(self, then: str) -> None:
        """One unit of the cheapest reward free (a stock-take makes it so), reserved by the
        richest household; then another household asks for it, or a count below the reserved
        units; then the holder picks it up, cancels, or lets it time out."""
        reward = self.cheapest
        if not self.free_units(reward):
            self.keyed("receive_stock", reward, 1, by=self.keeper, key=self.fresh_key())
        self.keyed("adjust_stock", reward, counted=self.model.reserved.get(reward, 0) + 1,
                   reason="盘点", by=self.keeper, key=self.fresh_key())
        first, second = sorted(self.model.households, key=self.model.available)[-2:][::-1]
        self.able_to_pay(first, reward)
        held = self.keyed("reserve", first, reward, by=self.keeper, key=self.fresh_key())
        if held is None:
            return
        self.reservations.append(held)
        if then == "adjust_stock":
            self.keyed("adjust_stock", reward, counted=self.model.reserved[reward] - 1,
                       reason="盘点短少", by=self.keeper, key=self.fresh_key())
        else:
            self.able_to_pay(second, reward)
            self.keyed(then, second, reward, by=self.keeper, key=self.fresh_key())
        # the holder then picks the unit up, lets it go, or lets the reservation time out
        if then == "redeem":
            self.keyed("hand_over", held.id, by=self.keeper, key=self.fresh_key(),
                       pickup_code=held.pickup_code)
        elif then == "adjust_stock":
            moment = self.model.local(held.expires_us)
            if moment > self.model.now():
                self.clock.set(moment)
            self.both("time_out_due", None)
        else:
            self.keyed("cancel_reservation", held.id, reason="不要了", by=self.keeper,
                       key=self.fresh_key())

    @precondition(lambda self: bool(self.rewards))
    @rule(data=st.data(), how=st.sampled_from(["hand over", "hand over", "wrong code",
                                               "no code", "cancel", "cancel",
                                               "cancel by resident", "time out",
                                               "time out"]))
    def end_a_reservation(self, data: st.DataObject, how: str) -> None:
        """Hand over (with the code, a wrong one or none), cancel a reservation, or let it
        time out (the clock to its end, or 1 µs before, and ``time_out_due``); when none is
        open, first reserve the cheapest reward for the richest household."""
        if not any(self.model.spends[r.seq].state == "open" for r in self.reservations):
            account = max(self.model.households, key=self.model.available)
            if not self.free_units(self.cheapest):
                self.keyed("receive_stock", self.cheapest, 2, by=self.keeper,
                           key=self.fresh_key())
            self.able_to_pay(account, self.cheapest)
            result = self.keyed("reserve", account, self.cheapest, by=self.keeper,
                                key=self.fresh_key())
            if result is None:
                return
            self.reservations.append(result)
        still_open = [r for r in self.reservations if self.model.spends[r.seq].state == "open"]
        reservation = data.draw(st.sampled_from(still_open * 3 + self.reservations[-3:]),
                                label="reservation")
        if how == "time out":
            spend = self.model.spends[reservation.seq]
            edge = data.draw(st.sampled_from([0, 0, 1]), label="µs before the end")
            moment = self.model.local(spend.expires_us - edge)
            if spend.state == "open" and moment > self.model.now():
                self.clock.set(moment)
            self.both("time_out_due", None)
            return
        if how.startswith("cancel"):
            household = self.model.household_of(reservation.account)
            by = (Actor(f"M{household[1:]}1", roles={"resident"}) if how.endswith("resident")
                  and household else self.keeper)
            self.keyed("cancel_reservation", reservation.id, reason="不要了", by=by,
                       key=self.fresh_key())
            return
        code = {"hand over": reservation.pickup_code, "no code": None,
                "wrong code": "000000" if reservation.pickup_code != "000000" else "111111"}
        self.keyed("hand_over", reservation.id, by=self.keeper, key=self.fresh_key(),
                   pickup_code=code[how])

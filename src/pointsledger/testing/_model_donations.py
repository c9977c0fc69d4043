"""The model of donated goods priced by the store committee, and the machine's donation rules.

Written from docs/store.md alone ("Donations (爱心捐赠)"): ``price_donated_goods`` makes a code
the rulebook in force lacks a store-catalogue entry (title, cost per unit, category; no limits
or price rules), refused for a code the rulebook in force has; it is then received, redeemed
and reserved like a reward. ``DonationModel`` is a mixin of the whole model (``Model``);
``DonationRules`` a mixin of the model machine, whose rules donate (registered and outside
donors, per unit and per value), price uncatalogued goods and redeem them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from pointsledger.base.actors import Actor
from pointsledger.errors import AlreadyExists, PointsLedgerError, ValidationError
from pointsledger.rules.catalogue import Reward
from pointsledger.testing._model_base import Prediction

if TYPE_CHECKING:
    from pointsledger.testing._model import CoreModel
    from pointsledger.testing._model_machine import CoreRules

    _Base = CoreModel
    _Rules = CoreRules
else:
    _Base = object
    _Rules = object

DONATION_COMMANDS = ("price_donated_goods",)
"""The commands the donation rules add to the machine's (``receive_stock`` is the core's)."""

_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


class DonationModel(_Base):
    """Donated goods the store committee priced: ``priced`` by code, ``(title, cost,
    category)``, the latest price winning; a rulebook reward of the same code wins over it."""

    _priced: dict[str, tuple[str, int, str]]

    @property
    def priced(self) -> dict[str, tuple[str, int, str]]:
        if not hasattr(self, "_priced"):
            self._priced = {}
        return self._priced

    def reward(self, code: str) -> Reward | None:
        found = super().reward(code)
        if found is not None or code not in self.priced:
            return found
        title, cost, category = self.priced[code]
        return Reward(code, title, cost=cost, category=category)

    def price_donated_goods(self, reward: str, title: str, *, cost: int, resolution: str,
                            by: Actor, key: str | None = None, category: str = "爱心捐赠",
                            memo: str = "") -> Prediction:
        key = key or f"priced/{reward}/{cost}"
        errors: set[type[PointsLedgerError]] = set(
            self.actor_errors("price_donated_goods", by, None))
        if (not isinstance(reward, str) or not reward or not set(reward) <= _CODE_CHARS
                or not isinstance(title, str) or not title.strip()
                or not isinstance(cost, int) or isinstance(cost, bool) or cost < 1
                or not isinstance(resolution, str) or not resolution.strip()):
            errors.add(ValidationError)
        elif any(r.code == reward for r in self.rulebook.rewards):
            errors.add(AlreadyExists)
        payload = (reward, title, cost, category, resolution, by, memo)

        def check(result: Any) -> list[str]:
            got = (result.reward, result.cost)
            return [] if got == (reward, cost) else [
                f"price_donated_goods: {got}, model {(reward, cost)}"]

        def apply(result: Any) -> None:
            self.priced[reward] = (title, cost, category)
            self.wrote()
        return self.accept(key, "price_donated_goods", payload, errors, apply, check,
                           label="re-priced" if reward in self.priced else "")


class DonationRules(_Rules):
    """Rules of the model machine for donations (爱心捐赠物品积分兑换): one rule, so that the
    machine's other rules keep their share of the steps."""

    @precondition(lambda self: self.keys % 3 == 0)  # now and then: a fair share of the steps
    @rule(data=st.data(), what=st.sampled_from(["donate", "donate", "price", "take"]))
    def donations(self, data: st.DataObject, what: str) -> None:
        """Donate, price uncatalogued goods, or take priced goods."""
        if what == "price":
            self.price_goods(data)
        elif what == "donate":
            self.donate(data)
        else:
            self.take_donated_goods(data)

    def price_goods(self, data: st.DataObject) -> None:
        """The committee prices donated goods the catalogue lacks (or tries a rulebook code,
        no cost, no resolution, or a keeper without the right)."""
        goods = data.draw(st.sampled_from(["CLOTHES", "SHOES", "SHOES", "SOAP", "bad code!"]),
                          label="goods")
        cost = data.draw(st.sampled_from([3, 8, 0]), label="cost")
        by = data.draw(st.sampled_from([self.committee] * 3 + [self.keeper]), label="by")
        resolution = data.draw(st.sampled_from(["超市管理委员会验收定价"] * 2 + [""]),
                               label="resolution")
        self.keyed("price_donated_goods", goods, "捐赠" + goods, cost=cost,
                   resolution=resolution, by=by, key=self.fresh_key())

    def donate(self, data: st.DataObject) -> None:
        """Donated goods received: from a household or member (awarded per unit or per value)
        or an outside donor named only (爱心企业); catalogued, priced or unknown goods."""
        goods = data.draw(st.sampled_from([*self.rewards, *sorted(self.model.priced),
                                           *sorted(self.model.priced), "SHOES"]),
                          label="goods")
        quantity = data.draw(st.sampled_from([1, 2, 3, 10]), label="quantity")
        donor = data.draw(st.sampled_from([None, None, "H2", "M31", "H3", "H9"]), label="donor")
        item = data.draw(st.sampled_from([None, "DON-01", "DON-02", "DON-02"]), label="item")
        value = data.draw(st.sampled_from([None, 5, 10, 100, 250]), label="value")
        name = (data.draw(st.sampled_from(["", "李四"]), label="name") if donor
                else data.draw(st.sampled_from(["爱心企业某公司", "县供销社", ""]), label="name"))
        self.keyed("receive_stock", goods, quantity, by=self.keeper, key=self.fresh_key(),
                   donor=donor, donation_item=item if donor or not name else None,
                   donor_name=name, value=value)

    def take_donated_goods(self, data: st.DataObject) -> None:
        """Second-hand shoes from start to end: priced by the committee when they are not
        yet, received from an outside donor when none are free, then redeemed by the richest
        household, or reserved and picked up with the pickup code."""
        if "SHOES" not in self.model.priced:
            self.keyed("price_donated_goods", "SHOES", "捐赠鞋子", cost=3,
                       resolution="超市管理委员会验收定价", by=self.committee,
                       key=self.fresh_key())
        if self.model.on_hand.get("SHOES", 0) - self.model.reserved.get("SHOES", 0) < 1:
            self.keyed("receive_stock", "SHOES", 2, by=self.keeper, key=self.fresh_key(),
                       donor_name="爱心企业某公司")
        account = max(self.model.households, key=self.model.available)
        self.able_to_pay(account, "SHOES")
        name = data.draw(st.sampled_from(["redeem", "reserve"]), label="take")
        result = self.keyed(name, account, "SHOES", by=self.keeper, key=self.fresh_key())
        if result is not None and name == "reserve":
            self.reservations.append(result)
            self.keyed("hand_over", result.id, by=self.keeper, key=self.fresh_key(),
                       pickup_code=result.pickup_code)
        elif result is not None:
            self.entries.append(result.id)

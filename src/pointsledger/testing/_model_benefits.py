"""The independent model of campaigns (专项活动) and distributions (积分分红), and the machine's
rules that call ``distribute``.

Written from docs/benefits.md and the docstrings of ``Campaign``, ``ShareRule``, ``split_fen``
and ``distribute``, never from the library's code: campaign points, period tallies, vetoes, star
tiers and largest-remainder shares are computed here afresh, from the model's own postings.
"""

from __future__ import annotations

import datetime as _dt
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import pendulum
from hypothesis import strategies as st
from hypothesis.stateful import rule

from pointsledger.base.actors import Actor
from pointsledger.errors import ValidationError
from pointsledger.rules.benefits import ShareRule
from pointsledger.rules.rulebook import Rulebook
from pointsledger.testing._model_base import Prediction

if TYPE_CHECKING:
    from pointsledger.testing._model import CoreModel
    from pointsledger.testing._model_records import Posting

    _Base = CoreModel
else:
    _Base = object

BENEFIT_COMMANDS = ("distribute",)
"""The commands the benefit rules call."""


def campaign_points(rulebook: Rulebook, item: str, quantity: int, day: _dt.date) -> int:
    """The points of ``quantity`` units of ``item`` on local ``day`` under ``rulebook``: in a
    campaign that lists the item or its category, an award earns ``points x multiplier +
    bonus`` per unit (the first such campaign; deductions never change)."""
    entry = next(i for i in rulebook.items if i.code == item)
    per_unit = entry.points
    if per_unit > 0:
        for campaign in rulebook.campaigns:
            if campaign.start <= day <= campaign.end and (
                    item in campaign.items or entry.category in campaign.categories):
                per_unit = per_unit * campaign.multiplier + campaign.bonus
                break
    return per_unit * quantity


def _period_range(period: object, tz: str) -> tuple[int, int] | None:
    """``[start, end)`` in microseconds of a year, quarter or month label; None otherwise."""
    if not isinstance(period, str):
        return None
    parts = period.split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            first, months = pendulum.datetime(year, 1, 1, tz=tz), 12
        elif parts[1].startswith("Q") and len(parts) == 2 and parts[1][1:] in "1234":
            first = pendulum.datetime(year, 3 * int(parts[1][1:]) - 2, 1, tz=tz)
            months = 3
        elif len(parts) == 2 and len(parts[1]) == 2:
            first, months = pendulum.datetime(year, int(parts[1]), 1, tz=tz), 1
        else:
            return None
    except ValueError:
        return None
    end = first.add(months=months)
    return int(first.timestamp()) * 1_000_000, int(end.timestamp()) * 1_000_000


def largest_remainders(total: int, weights: dict[str, int]) -> dict[str, int]:
    """``total`` split in proportion to ``weights`` (all positive): floors, then one more to
    the largest remainders, ties to the lower household id."""
    whole = sum(weights.values())
    exact = {h: Fraction(total * w, whole) for h, w in weights.items()}
    shares = {h: int(v) for h, v in exact.items()}
    order = sorted(weights, key=lambda h: (-(exact[h] - shares[h]), h))
    for household in order[:total - sum(shares.values())]:
        shares[household] += 1
    return shares


class BenefitModel(_Base):
    """The model of ``distribute`` (a mixin of ``Model``): it reads the core model's postings,
    registry and rulebook versions."""

    def _vetoes(self, posting: Posting) -> bool:
        book = next(r for _s, _e, r in self.versions if r.version == posting.version)
        entry = next(i for i in book.items if i.code == posting.item)
        return entry.serious or entry.code in book.vetoes.items \
            or entry.category in book.vetoes.categories

    def weights(self, rule: ShareRule, start: int, end: int) -> dict[str, int]:
        """Each open household's positive weight for conduct in ``[start, end)``."""
        earned: dict[str, int] = {}
        vetoed: set[str] = set()
        for posting in self.postings.values():
            if posting.reversed or not start <= posting.occurred_us < end:
                continue
            household = posting.household  # docs: the household at the posting's recording
            earned[household] = earned.get(household, 0) + posting.points
            if posting.points < 0 and self._vetoes(posting):
                vetoed.add(household)
        book = self.version_at(end - 1) or self.versions[-1][2]
        out = {}
        # the households registered and not closed by the period's end (the registry then)
        stood = sorted(h for h, d in self.households.items()
                       if d.get("since", 0) < end and not (d["closed"] and d["closed_us"] < end))
        for household in stood:
            points = earned.get(household, 0)
            score = book.store.base_points + points
            stars = 0 if household in vetoed else max(
                (s for s, needed in book.ratings.tiers if score >= needed), default=0)
            if household in vetoed and rule.exclude_vetoed:
                weight = 0
            elif rule.basis == "points":
                weight = max(points, 0)
            else:
                weight = dict(rule.tier_weights).get(stars, stars) if stars else 0
            if weight:
                out[household] = weight
        return out

    def distribute(self, period: str, *, rule: ShareRule, amount_fen: int, minutes: str,
                   by: Actor, key: str, memo: str = "") -> Prediction:
        errors = self.actor_errors("distribute", by, None)
        bounds = _period_range(period, self.tz)
        if bounds is None or not isinstance(rule, ShareRule) or not isinstance(
                amount_fen, int) or amount_fen < 1 or not minutes.strip():
            errors.add(ValidationError)
        shares: tuple[tuple[str, int, int], ...] = ()
        if not errors and bounds is not None:
            start, end = bounds
            weights = self.weights(rule, start, end)
            if end > self.ledger_now_us() or not weights:
                errors.add(ValidationError)
            else:
                fen = largest_remainders(amount_fen, weights)
                shares = tuple((h, weights[h], fen[h]) for h in sorted(weights))

        def check(result: Any) -> list[str]:
            if (result.period, result.amount_fen, result.shares) == (period, amount_fen,
                                                                     shares):
                return []
            return [f"distribute {period}: shares {result.shares}, model {shares}"]

        def apply(result: Any) -> None:
            self.wrote()  # it moves no points
        return self.accept(key, "distribute", (period, rule, amount_fen, minutes, by, memo),
                           errors, apply, check, label=rule.basis)


class BenefitRules:
    """The machine's rule for ``distribute`` (a mixin of ``ModelMachine``)."""

    if TYPE_CHECKING:  # what the machine provides
        model: Any
        committee: Actor
        grid_worker: Actor

        def fresh_key(self) -> str: ...
        def keyed(self, name: str, /, *args: Any, **kwargs: Any) -> Any: ...

    @rule(when=st.sampled_from(["last month", "last year", "last quarter"]),
          basis=st.sampled_from(["stars", "stars", "points"]), exclude=st.booleans(),
          amount=st.sampled_from([1, 100, 99_999]))
    def distribute(self, when: str, basis: str, exclude: bool, amount: int) -> None:
        """A distribution for a past period (refused only when nobody weighs anything)."""
        self._distribute(when, basis, exclude, amount, None)

    @rule(wrong=st.sampled_from(["this month", "bad period", "amount", "grid", "minutes"]))
    def distribute_wrongly(self, wrong: str) -> None:
        """A distribution the ledger must refuse."""
        self._distribute("last month", "stars", True, 100, wrong)

    def _distribute(self, when: str, basis: str, exclude: bool, amount: int,
                    wrong: str | None) -> None:
        now = self.model.now()
        last = now.start_of("month").subtract(days=1)
        period = {"last month": f"{last.year}-{last.month:02d}",
                  "this month": f"{now.year}-{now.month:02d}",
                  "last year": str(now.year - 1),
                  "last quarter": f"{now.year - (now.month <= 3)}-Q"
                                  f"{(now.month - 1) // 3 or 4}",
                  "bad period": f"{now.year}-13"}[wrong if wrong in ("this month", "bad period")
                                                 else when]
        rule_ = ShareRule(basis, {5: 3} if basis == "stars" else (), exclude_vetoed=exclude)
        self.keyed("distribute", period, rule=rule_, amount_fen=0 if wrong == "amount" else amount,
                   minutes=" " if wrong == "minutes" else "村民代表会议决议：集体收入按积分分红",
                   by=self.grid_worker if wrong == "grid" else self.committee,
                   key=self.fresh_key())

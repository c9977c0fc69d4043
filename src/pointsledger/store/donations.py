"""Receiving stock and donations in the points store (积分超市, 爱心捐赠物品积分兑换).

Stock is bought or donated. A donation is one atomic act: the goods go into stock (a
``donation_received`` event naming the donor, a registered household or member or an outside
donor by name, and the goods' assessed value) and, for a registered donor, the donation's
checklist item is awarded in the same command (per unit, or per value: ``value // per_value``
units). Donated goods the catalogue lacks are first priced by the store committee
(``price_donated_goods``): a store-catalogue entry recorded by its event, never a change to an
adopted rulebook.
"""

from __future__ import annotations

from typing import Any

from pointsledger.base.actors import Actor
from pointsledger.base.checks import (
    MAX_POINTS,
    MAX_STOCK,
    check_code,
    check_id,
    check_int,
    check_key,
    check_text,
)
from pointsledger.core.command import (
    Context,
    Draft,
    Outcome,
    command,
    open_account,
    replay,
)
from pointsledger.core.events import Awarded, request_of
from pointsledger.core.postings import item_draft, rulebook_at
from pointsledger.core.store_events import DonatedGoodsPriced, DonationReceived, StockReceived
from pointsledger.errors import AlreadyExists, ValidationError
from pointsledger.store.commands import rulebook_now, store_reward


@command(StockReceived, self_service=True)
def receive_stock(
    ctx: Context,
    reward: str,
    quantity: int,
    *,
    by: Actor,
    key: str,
    donor: str | None = None,
    donation_item: str | None = None,
    donor_name: str = "",
    value: int | None = None,
    memo: str = "",
) -> Outcome:
    """Put ``quantity`` units of a reward into stock: bought, or donated (爱心捐赠).

    A donation names its donor: ``donor``, a registered household or member, or for an outside
    donor (a unit, an enterprise, anyone without an account) ``donor_name`` alone. It is
    recorded as a ``donation_received`` event (a purchase as ``stock_received``); with
    ``donation_item`` the donor household or member is awarded that checklist item in the same
    atomic command (the award is the next event, under the same key, checked like any award:
    caps apply). The award's units are the quantity for an item per unit, and ``value //
    per_value`` for an item per value (e.g. 1 point per 10 yuan). Outside donors earn no
    points (they have no account) but are named on the event and the receipt
    (``reports.donation_receipt``).

    Args:
        reward: a reward of the rulebook in force, or donated goods the store committee priced
            (``price_donated_goods``).
        quantity: units received, 1 to 10,000,000.
        by: the store keeper (or committee).
        key: idempotency key.
        donor: the donating household or member.
        donation_item: a checklist item with positive points to award the donor.
        donor_name: the donor's name: required for an outside donor (no ``donor``); for a
            registered donor, optional (the receipt then shows the registered name).
        value: the goods' assessed value in whole yuan (needed for an item per value).
        memo: free text.

    Returns:
        The ``stock_received`` event, or for a donation the ``donation_received`` event.

    Raises:
        UnknownReward: no such reward and no such priced donated goods.
        UnknownAccount: no such household or member.
        PermissionDenied: the actor's roles or household do not allow it.
        ValidationError: ``donation_item`` without a registered donor, a donation without a
            donor, a ``donor_name`` without a visible character (blank or only zero-width
            characters), an item per value without a ``value`` that earns at least one step.
        CapExceeded: the donor's award would pass a cap (and the other errors of ``award``).
    """
    reward = check_id(reward, "reward")
    quantity = check_int(quantity, "quantity", minimum=1, maximum=MAX_STOCK)
    donor = None if donor is None else check_id(donor, "donor")
    donation_item = None if donation_item is None else check_id(donation_item, "donation_item")
    # a name given must be visible: an outside donor is known by it alone, and the receipt
    # shows it instead of a registered donor's name
    donor_name = check_text(donor_name, "donor_name", required=donor_name != "")
    # assessed values beyond a wish's worth occur (an enterprise's lorry of goods)
    value = None if value is None else check_int(value, "value", minimum=1, maximum=MAX_POINTS)
    if donation_item is not None and donor is None:
        raise ValidationError(
            "donation_item needs a registered donor (household or member) to award; outside "
            "donors named by donor_name earn no points",
            donation_item=donation_item)
    if value is not None and donor is None and not donor_name:
        raise ValidationError("an assessed value is for a donation: name the donor (donor or "
                              "donor_name)", value=value)
    donated = donor is not None or bool(donor_name)
    cls: type[StockReceived] = DonationReceived if donated else StockReceived
    body: tuple[Any, ...] = (reward, quantity, donor, donation_item)
    if donated:
        body += (donor_name, value)
    key = ctx.key = check_key(key)
    if key in ctx.state.keys:
        replayed = replay(ctx, key, request_of(cls, ctx.by.id, ctx.memo,
                                               **dict(zip(cls.REQUEST, body, strict=True))))
        if replayed:
            return replayed
    household = None if donor is None else open_account(ctx.state, donor)
    version = ctx.authorise(household)
    store_reward(ctx, reward)
    drafts = [Draft(cls, ctx.now_us, ctx.by.id, key, version, ctx.memo, body)]
    if donor is not None and donation_item is not None:
        item = rulebook_at(ctx, ctx.now_us).rulebook.item(donation_item)
        units = item.units_for(quantity, value)
        if units < 1:
            raise ValidationError(
                f"{donation_item!r} earns {item.points} points per {item.per_value} yuan of "
                f"assessed value; a value of {value} yuan earns none: give the value "
                f"(value=...) of at least {item.per_value} yuan, or receive it without "
                "donation_item",
                donation_item=donation_item, value=value, per_value=item.per_value,
            )
        assessed = f" valued {value} yuan" if value is not None else ""
        evidence = (f"donation of {quantity} x {reward}{assessed}",)
        drafts.append(item_draft(ctx, Awarded, donor, donation_item, ctx.by, key,
                                 ctx.now_us, units, evidence, ctx.memo))
    return drafts


@command(DonatedGoodsPriced)
def price_donated_goods(
    ctx: Context,
    reward: str,
    title: str,
    *,
    cost: int,
    resolution: str,
    by: Actor,
    key: str | None = None,
    category: str = "爱心捐赠",
    memo: str = "",
) -> Outcome:
    """Price donated goods the catalogue lacks (二手衣物, 鞋): the store committee's act, which
    makes ``reward`` a store-catalogue entry costing ``cost`` points per unit.

    The entry is recorded by its event, not in the rulebook (an adopted rulebook never
    changes): it can then be received (``receive_stock``), redeemed, reserved and counted like
    a reward of the rulebook in force, with no limits or price rules. Pricing the same goods
    again sets a new cost for later redemptions. A code the rulebook in force has is refused
    (change the rulebook through adoption instead); if a later rulebook version adopts the
    code, its reward wins.

    Args:
        reward: the new code, e.g. ``"SHOES"``.
        title: what people read, e.g. ``"捐赠鞋子"``.
        cost: points per unit, 1 to 100,000,000.
        resolution: the committee's act (会议记录, 定价依据).
        by: the acting actor (role ``committee`` by default; a village may grant
            ``price_donated_goods`` to its store keepers in the policy table).
        key: idempotency key (default ``priced/<reward>/<cost>``).
        category: its category (default 爱心捐赠).
        memo: free text.

    Returns:
        The ``donated_goods_priced`` event.

    Raises:
        AlreadyExists: the rulebook in force has a reward with that code.
        NoRulebookInForce: no rulebook is in force.
        PermissionDenied: the actor's roles do not allow it.
        ValidationError: a bad argument, named in the message.
    """
    reward = check_code(reward, "reward code")
    title = check_text(title, "title", required=True)
    cost = check_int(cost, "cost", minimum=1, maximum=MAX_POINTS)
    category = check_text(category, "category")
    resolution = check_text(resolution, "resolution", required=True, multiline=True)
    if key is None:
        key = f"priced/{reward}/{cost}"
    replayed = ctx.replayed(key, reward=reward, title=title, cost=cost, category=category,
                            resolution=resolution)
    if replayed:
        return replayed
    version = ctx.authorise()
    rulebook = rulebook_now(ctx)
    if reward in {r.code for r in rulebook.rewards}:
        raise AlreadyExists(
            f"rulebook {rulebook.version!r} has a reward {reward!r}: its cost changes only "
            "through a new rulebook version",
            reward=reward, version=rulebook.version,
        )
    return [ctx.draft((reward, title, cost, category, resolution), version)]

"""The command table: every command of every capability, as `Ledger` and
`Batch` offer it. Adding a command is one declaration in its
own module (see `pointsledger.core.command`), one line here, and its handler in
`apply()`.
"""

from __future__ import annotations

from typing import Any

from pointsledger.core import distributions, household_commands, postings, registry_commands
from pointsledger.core.command import Command
from pointsledger.core.events import Event
from pointsledger.store import commands as store_commands
from pointsledger.store import donations
from pointsledger.workflows import claims, matters, orders, steps, timebank, wishes


class Commands:
    """The commands of every capability, shared by `Ledger` and `Batch`: each
    line names a command declared once in its own module, where its signature and docstring
    live (see `pointsledger.core.command`).

    Every command takes the acting `Actor` (``by``), an
    idempotency ``key`` and an optional ``memo``, and returns the event it wrote (or, for a
    repeated key and payload, the event it wrote the first time), typed as its own event
    class. A refused command raises a `PointsLedgerError` and
    writes nothing.
    """

    __slots__ = ("__dict__",)

    def _command(self, command: Command[..., Event], /, *args: Any, **kwargs: Any) -> Event:
        raise NotImplementedError

    # rules, periods and the registry
    adopt = registry_commands.adopt
    close_period = registry_commands.close_period
    add_region = registry_commands.add_region
    register_household = registry_commands.register_household
    register_member = registry_commands.register_member
    move_household = registry_commands.move_household
    close_account = registry_commands.close_account
    move_member = household_commands.move_member
    split_household = household_commands.split_household
    merge_households = household_commands.merge_households
    member_leaves = household_commands.member_leaves
    member_returns = household_commands.member_returns
    # postings
    award = postings.award
    deduct = postings.deduct
    reverse = postings.reverse
    # benefits (积分分红)
    distribute = distributions.distribute
    # the points store
    receive_stock = donations.receive_stock
    price_donated_goods = donations.price_donated_goods
    adjust_stock = store_commands.adjust_stock
    redeem = store_commands.redeem
    reserve = store_commands.reserve
    hand_over = store_commands.hand_over
    cancel_reservation = store_commands.cancel_reservation
    transfer = store_commands.transfer
    # workflows
    submit_claim = claims.submit_claim
    submit_wish = wishes.submit_wish
    place_order = orders.place_order
    submit_time = timebank.submit_time
    step = steps.step
    spend_time = timebank.spend_time
    donate_time = timebank.donate_time
    convert_time = timebank.convert_time
    # 清单制 matters (their later steps are ``step``)
    open_matter = matters.open_matter

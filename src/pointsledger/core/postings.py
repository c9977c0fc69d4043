"""Postings: awards and deductions of checklist items, their caps, and reversals (冲正).

Each command is declared once with `command()`; the signature
and docstring here are the ledger method's. Awards and deductions are the hot path of a scoring
day: their common, valid case skips the generic checks.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

from pointsledger.base.actors import Actor
from pointsledger.base.checks import (
    MAX_KEY,
    MAX_QUANTITY,
    SYSTEM_KEY,
    check_id,
    check_int,
    check_key,
    check_text,
)
from pointsledger.base.clock import to_us
from pointsledger.base.periods import period_label
from pointsledger.core.command import (
    Context,
    Draft,
    Outcome,
    check_occurred,
    command,
    iso,
    occurred,
    open_account,
    replay,
    strings,
)
from pointsledger.core.events import Awarded, Deducted, Event, ItemPosting, Reversed
from pointsledger.core.records import Adoption
from pointsledger.core.state import LedgerState
from pointsledger.core.store_events import Redemption
from pointsledger.errors import (
    AlreadyReversed,
    BackdatedTooFar,
    CapExceeded,
    EvidenceRequired,
    NoRulebookInForce,
    NotReversible,
    UnknownEntry,
    ValidationError,
)
from pointsledger.rules.checklist import ChecklistItem
from pointsledger.rules.rulebook import Rulebook

# -- postings -----------------------------------------------------------------------------


_DEDUCT_DOC = """Deduct a listed violation's points (村规民约). Always recorded, even when the
    balance goes negative: the conduct happened.

    Takes the same arguments as ``award``; ``item`` must have negative points.

    Returns:
        The ``deducted`` event.

    Raises:
        The errors of ``award`` (caps aside: deductions have none).
    """


@command(Awarded)
def award(
    ctx: Context,
    account: str,
    item: str,
    *,
    by: Actor,
    key: str,
    occurred_at: _dt.datetime | None = None,
    quantity: int = 1,
    evidence: Sequence[str] = (),
    memo: str = "",
) -> Outcome:
    """Award a checklist item's points (item points x ``quantity``) to a household or member.

    Args:
        account: household or member id.
        item: code of an item with positive points in the rulebook in force at
            ``occurred_at``.
        by: the scoring actor (``grid_worker`` or ``committee`` by default); never a member
            of the account's household.
        key: idempotency key.
        occurred_at: when the conduct happened (aware datetime); not in the future, not in a
            closed period, not beyond the backdating window. Omitted, it is the time the
            command is first recorded: a retry with the same key and no ``occurred_at`` is the
            same request and returns the first event.
        quantity: units (e.g. person-times), 1 to 10,000.
        evidence: references to evidence (photo ids, text); required by some items.
        memo: free text.

    Returns:
        The ``awarded`` event; ``event.id`` identifies it for ``reverse``.

    Raises:
        CapExceeded: an item or category cap for the period would be passed.
        UnknownItem: the item is not in the rulebook in force.
        UnknownAccount: no such household or member.
        AccountClosed: the account is closed.
        NoRulebookInForce: no rulebook covers the time.
        TimingError: occurred_at is in the future, too far back or in a closed period.
        BackdatedTooFar: (a TimingError) an award whose points would already have expired
            under the rulebook's expiry policy; the message names when (``expires_at``).
        EvidenceRequired: the item needs evidence.
        PermissionDenied: the actor's roles or household do not allow it.
        ValidationError: a bad argument, named in the message.
        IdempotencyConflict: the key was used for a different request.
    """
    state = ctx.state
    cls: Any = ctx.command.emits  # Awarded, or Deducted when run as deduct (below)
    # the hot path: a registered account id is a valid id; a rulebook lookup checks an item code
    if type(account) is not str or (
        account not in state.households and account not in state.members
    ):
        account = check_id(account, "account")
    if type(item) is not str or not item.isascii() or not item.isprintable():
        item = check_id(item, "item")
    if (type(key) is not str or not 0 < len(key) <= MAX_KEY or key.isspace()
            or not key.isascii() or not key.isprintable() or key[0] == SYSTEM_KEY):
        key = check_key(key)
    ctx.key = key
    occurred_us = (to_us(occurred_at, "occurred_at") if occurred_at is not None
                   else occurred(ctx, None, key))
    if quantity != 1 or type(quantity) is not int:
        quantity = check_int(quantity, "quantity", minimum=1, maximum=MAX_QUANTITY)
    checked = () if evidence == () else strings(evidence, "evidence")
    memo = ctx.memo
    if key in state.keys:
        # the order of Awarded.REQUEST / Deducted.REQUEST, spelled out on this hot path
        request = (cls.KIND, by.id, memo, account, item, quantity, occurred_us, checked)
        replayed = replay(ctx, key, request)
        if replayed:
            return replayed
    return [item_draft(ctx, cls, account, item, by, key, occurred_us, quantity, checked, memo)]


deduct = command(Deducted, name="deduct", doc=_DEDUCT_DOC)(award.handler)
"""Deduct a listed violation's points: `award()`'s handler, declared to emit ``deducted``
(the command being run, ``ctx.command``, tells the two apart)."""


def item_draft(
    ctx: Context,
    cls: type[Awarded] | type[Deducted],
    account: str,
    item: str,
    by: Actor,
    key: str,
    occurred_us: int,
    quantity: int,
    evidence: tuple[str, ...],
    memo: str,
    *,
    policy: str | None = None,
) -> Draft:
    """The draft of an award or deduction whose arguments are already checked, validated
    against the state and rules; authorised by the running command's policy entry, or by
    ``policy`` (a workflow step that posts)."""
    household = open_account(ctx.state, account)
    ctx.authorise(household, policy=policy)
    check_occurred(ctx, occurred_us)
    draft = posting_draft(ctx, cls, account, item, by.id, key, occurred_us, quantity, evidence,
                          memo)
    if cls is Awarded:
        check_not_expired(ctx, occurred_us)
    return draft


def posting_draft(
    ctx: Context,
    cls: type[Awarded] | type[Deducted],
    account: str,
    item: str,
    actor: str,
    key: str,
    occurred_us: int,
    quantity: int,
    evidence: tuple[str, ...],
    memo: str,
    *,
    caps: bool = True,
) -> Draft:
    """The draft of an award or deduction checked against the rulebook in force at
    ``occurred_us`` (its sign, evidence and, when ``caps``, its caps); authority, the account
    and the time were checked by the caller."""
    state = ctx.state
    adoption = rulebook_at(ctx, occurred_us)
    checklist_item = adoption.rulebook.item(item)
    points = checklist_item.points * quantity
    if adoption.rulebook.campaigns and points > 0:  # a campaign (专项活动) may multiply it
        points = adoption.rulebook.points_for(item, quantity, state.local_day(occurred_us))
    if cls is Awarded and checklist_item.points <= 0:
        raise ValidationError(
            f"award takes an item with positive points; {item!r} has {checklist_item.points}: "
            "use deduct",
            item=item,
            points=checklist_item.points,
        )
    if cls is Deducted and checklist_item.points >= 0:
        raise ValidationError(
            f"deduct takes an item with negative points; {item!r} has {checklist_item.points}: "
            "use award",
            item=item,
            points=checklist_item.points,
        )
    if checklist_item.evidence_required and not evidence:
        raise EvidenceRequired(
            f"item {item!r} requires evidence (photo ids or text)", item=item
        )
    if cls is Awarded and caps:
        check_caps(state, account, adoption.rulebook, checklist_item, occurred_us, points)
    lots = state.draw_lots(account, -points) if points < 0 and account in state.lots else ()
    body = (account, item, quantity, points, evidence, lots)
    return Draft(cls, occurred_us, actor, key, adoption.version, memo, body)


def check_not_expired(ctx: Context, occurred_us: int) -> None:
    """Points for conduct at ``occurred_us`` must not already have expired under the expiry
    policy of the rulebook in force then (an award backdated past its points' lifetime would
    only be cleared by the next ``expire_due``).

    Raises:
        BackdatedTooFar: they expired at or before now (``expires_at`` names when).
        NoRulebookInForce: no rulebook covers ``occurred_us``.
    """
    state = ctx.state
    expires = rulebook_at(ctx, occurred_us).rulebook.expiry.expires_us(
        occurred_us, state.tz, state.tzinfo)
    if expires is not None and expires <= ctx.now_us:
        raise BackdatedTooFar(
            f"occurred_at {iso(occurred_us, state)}: points for it expired at "
            f"{iso(expires, state)} under the rulebook's expiry policy, so it can no longer "
            f"be awarded or claimed",
            occurred_at=iso(occurred_us, state), expires_at=iso(expires, state))


def rulebook_at(ctx: Context, occurred_us: int) -> Adoption:
    """The adoption in force at ``occurred_us``.

    Raises:
        NoRulebookInForce: none is.
    """
    adoption = ctx.state.adoption_at(occurred_us)
    if adoption is None:
        raise NoRulebookInForce(
            f"no adopted rulebook is in force at {iso(occurred_us, ctx.state)}",
            occurred_at=iso(occurred_us, ctx.state),
        )
    return adoption


def check_caps(state: LedgerState, account: str, rulebook: Rulebook, item: ChecklistItem,
               occurred_us: int, points: int) -> None:
    """Refuse an award of ``points`` that would pass a cap (claims in notice hold their room).

    Raises:
        CapExceeded: stating the cap, the period and what is left.
    """
    used_by = state.cap_used
    for key, maximum in state.cap_keys(account, rulebook.version, item.code, occurred_us):
        if used_by.get(key, 0) + points > maximum:
            break
    else:
        return
    for window in state.cap_windows(account, rulebook, item, occurred_us):
        used = used_by.get(window.key, 0)
        cap = window.cap
        if used + points > cap.max_points:
            period = period_label(cap.per, window.period)
            raise CapExceeded(
                f"{window.scope} {window.name!r} caps {account!r} at {cap.max_points} points "
                f"per {cap.per}; {used} used in {period}, {cap.max_points - used} left, "
                f"{points} asked",
                scope=window.scope,
                name=window.name,
                cap=cap.max_points,
                per=cap.per,
                period=period,
                used=used,
                remaining=cap.max_points - used,
                requested=points,
            )


def parse_entry_id(entry: object) -> tuple[int, str]:
    """Split an event id ``e<seq>-<hex>`` (or an Event) into ``(seq, hex)``.

    Raises:
        UnknownEntry: ``entry`` is not an event id.
    """
    if isinstance(entry, Event):
        entry = entry.id
    if isinstance(entry, str) and entry.startswith("e") and "-" in entry:
        seq_text, _, digest = entry[1:].partition("-")
        if seq_text.isdigit() and digest:
            return int(seq_text), digest
    raise UnknownEntry(
        f"{entry!r} is not an event id (ids look like 'e42-1a2b3c4d5e6f')", entry=entry
    )


@command(Reversed)
def reverse(
    ctx: Context, entry: str | Event, *, reason: str, by: Actor, key: str, memo: str = ""
) -> Outcome:
    """Reverse (冲正) an award, a deduction or a redemption: a new entry posting the exact
    opposite.

    It restores the balances, the cap usage, the lots and the stock of the original; an entry
    is reversed at most once. The reversal is dated now.

    Returns:
        The ``reversed`` event.

    Raises:
        AlreadyReversed: the entry was reversed before.
        NotReversible: the entry is not an award, a deduction or a redemption.
        UnknownEntry: no such entry.
        PermissionDenied: the actor's roles or household do not allow it.
        AccountClosed: the account is closed.
    """
    seq, digest = parse_entry_id(entry)
    reason = check_text(reason, "reason", required=True, multiline=True)
    state = ctx.state
    if not 1 <= seq <= state.seq:
        raise UnknownEntry(f"no event {entry!r} in this ledger", entry=entry)
    original = ctx.event_at(seq)
    if not original.hash.hex().startswith(digest):
        raise UnknownEntry(
            f"event {seq} of this ledger is {original.id}, not {entry!r}", entry=entry
        )
    replayed = ctx.replayed(key, original=seq, reason=reason)
    if replayed:
        return replayed
    if not isinstance(original, ItemPosting | Redemption):
        raise NotReversible(
            f"{original.id} is a {original.KIND} event; only awards, deductions and "
            "redemptions are reversed",
            entry=original.id,
            kind=original.KIND,
        )
    done = state.reversals.get(seq)
    if done is not None:
        raise AlreadyReversed(
            f"{original.id} was already reversed by event {done}",
            entry=original.id,
            reversal=done,
        )
    household = open_account(state, original.account)
    version = ctx.authorise(household)
    return [reversal_draft(ctx, original, reason, ctx.by.id, ctx.key, version, ctx.memo)]


def reversal_draft(ctx: Context, original: ItemPosting | Redemption, reason: str, actor: str,
                   key: str, version: str, memo: str) -> Draft:
    """The draft of the reversal of ``original`` (checked by the caller to be reversible and
    not yet reversed): the exact opposite flows, and the lots, caps and limits to give back."""
    state = ctx.state
    seq = original.seq
    flows = tuple((d, s, a) for s, d, a in original.postings())
    occurred_us, version_then = original.occurred_us, original.version
    if isinstance(original, Redemption):
        what, member, lots = original.reward, original.member, original.lots
        if original.reservation:  # limits were counted when it was reserved
            reservation = state.reservations[original.reservation]
            occurred_us, version_then = reservation.occurred_us, reservation.version
    elif isinstance(original, Awarded):
        what, member = original.item, ""
        left = sum(e[2] for e in state.lots.get(original.account, ()) if e[1] == seq)
        spent = original.points - left if state.lots.get(original.account) else 0
        lots = state.draw_lots(original.account, spent, skip=seq) if spent > 0 else ()
    else:
        what, member, lots = original.item, "", original.lots
    body = (
        seq,
        original.KIND,
        reason,
        original.account,
        what,
        original.quantity,
        member,
        original.points,
        occurred_us,
        version_then,
        flows,
        lots,
    )
    return Draft(Reversed, ctx.now_us, actor, key, version, memo, body)

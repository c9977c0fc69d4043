"""Events: the immutable records the ledger is made of.

Every event has a header (``seq``, ``recorded_us``, ``occurred_us``, ``actor``, ``key``,
``version``, ``memo``) and a body of its own kind; ``canonical()`` is its canonical encoding,
which its ``hash`` covers (`pointsledger.core.encoding`, whose ``EVENT_TYPES`` names
every kind by its ``KIND`` string, which never changes once written). The points store's kinds
are in `pointsledger.core.store_events`.

Instants are integers: microseconds since the Unix epoch, UTC. Events that move points expose
their double-entry ``postings()``: ``(source, destination, amount)`` triples, each moving
``amount`` from one account to another (`pointsledger.core.accounts`), so every posting
sums to zero by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import attrs
import pendulum

from pointsledger.base.clock import from_us
from pointsledger.base.jsonforms import fields_to_dict, instant_to_json, zone
from pointsledger.base.periods import DEFAULT_TZ
from pointsledger.core._json import encode, quote
from pointsledger.core.accounts import PENALTY, POOL
from pointsledger.rules.benefits import ShareRule, share_rule_from_data, share_rule_to_data
from pointsledger.rules.rulebook import Rulebook, rulebook_from_data, rulebook_to_data

Posting = tuple[str, str, int]
"""``(source, destination, amount)``: ``amount`` points move from source to destination."""

_ITEM_POSTING = '["%s",%d,%d,%d,%s,%s,%s,%s,%s,%s,%d,%d,[],[]]'
"""An award or deduction without evidence or lots (its kind is plain ASCII)."""


Lot = tuple[int, int, int]
"""``(lot, amount, expires_us)``: ``amount`` points of the lot created by event ``lot``, which
expire at ``expires_us``."""

Move = tuple[str, str, str, int]
"""``(member, from household, to household, points)``: a member moved between households with
the ``points`` on their own account (no posting: *a household's points* change on both
sides)."""


def _freeze(value: Any) -> Any:
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def _flows(value: Any) -> tuple[Posting, ...]:
    return tuple((str(s), str(d), int(a)) for s, d, a in value)


@attrs.frozen
class Event:
    """Base of every event: the header fields and the canonical encoding.

    Attributes:
        seq: position in the log, from 1, gap-free.
        recorded_us: when the ledger recorded it (ledger clock), strictly increasing.
        occurred_us: when the conduct happened; never after ``recorded_us``.
        actor: the acting actor's id.
        key: the idempotency key of the command that wrote it.
        version: the rulebook version the event was validated under ("" before any).
        memo: free text from the caller.
        hash: SHA-256 over the previous hash and this event's canonical encoding.
    """

    KIND: ClassVar[str] = ""
    BODY: ClassVar[tuple[str, ...]] = ()
    REQUEST: ClassVar[tuple[str, ...]] = ()
    TUPLES: ClassVar[frozenset[str]] = frozenset()
    """Body fields held as tuples (JSON gives lists back)."""

    seq: int
    recorded_us: int
    occurred_us: int
    actor: str
    key: str
    version: str
    memo: str
    hash: bytes = attrs.field(kw_only=True, default=b"", repr=False)

    @property
    def kind(self) -> str:
        """The event kind, e.g. ``"awarded"``."""
        return self.KIND

    @property
    def id(self) -> str:
        """A stable id: ``e<seq>-<first 12 hex digits of the hash>``.

        It names the position and pins the content, so an id never silently resolves to a
        different event.
        """
        return f"e{self.seq}-{self.hash[:6].hex()}"

    @property
    def recorded_at(self) -> pendulum.DateTime:
        """``recorded_us`` as a UTC datetime."""
        return from_us(self.recorded_us)

    @property
    def occurred_at(self) -> pendulum.DateTime:
        """``occurred_us`` as a UTC datetime."""
        return from_us(self.occurred_us)

    def postings(self) -> tuple[Posting, ...]:
        """The double-entry postings this event makes (none for non-monetary events)."""
        return ()

    def moves(self) -> tuple[Move, ...]:
        """The members this event moves between households with the points on their own
        accounts (`pointsledger.core.registry_events`; none for other events)."""
        return ()

    def body_json(self) -> list[Any]:
        """The body values in canonical (JSON-ready) form."""
        return [getattr(self, name) for name in self.BODY]

    def canonical(self) -> bytes:
        """The canonical encoding that the hash covers."""
        return encode(
            [
                self.KIND,
                self.seq,
                self.recorded_us,
                self.occurred_us,
                self.actor,
                self.key,
                self.version,
                self.memo,
                *self.body_json(),
            ]
        ).encode()

    def to_dict(self, tz: str = DEFAULT_TZ) -> dict[str, Any]:
        """The event as a dict of JSON-safe values (docs/json.md).

        The header first: ``seq``, ``kind``, ``id``, ``recorded_at`` and ``occurred_at``
        (ISO 8601 with offset in ``tz``), ``actor``, ``key``, ``version``, ``memo``, ``hash``
        (hex); then the body fields in declared order, as in the canonical encoding (tuples
        become lists, a rulebook its data form), with a body field ``<name>_us`` given as
        ``<name>_at`` in ISO 8601.

        Args:
            tz: the zone the instants are shown in (default Asia/Shanghai; pass ``ledger.tz``
                for a ledger in another zone).

        Raises:
            ValidationError: ``tz`` is not a known zone.
        """
        zone(tz)
        out: dict[str, Any] = {
            "seq": self.seq,
            "kind": self.KIND,
            "id": self.id,
            "recorded_at": instant_to_json(self.recorded_us, tz),
            "occurred_at": instant_to_json(self.occurred_us, tz),
            "actor": self.actor,
            "key": self.key,
            "version": self.version,
            "memo": self.memo,
            "hash": self.hash.hex(),
        }
        out.update(fields_to_dict(zip(self.BODY, self.body_json(), strict=True), tz))
        return out

    def request(self) -> tuple[Any, ...]:
        """What the caller asked for: compared when an idempotency key is reused."""
        fields = {name: getattr(self, name) for name in self.REQUEST}
        return request_of(type(self), self.actor, self.memo, **fields)

    @classmethod
    def from_json(cls, header: Sequence[Any], body: Sequence[Any], hash: bytes) -> Event:
        """Rebuild an event from its decoded canonical form."""
        if cls.TUPLES:
            body = [
                _freeze(value) if name in cls.TUPLES else value
                for name, value in zip(cls.BODY, body, strict=True)
            ]
        return cls(*header, *body, hash=hash)


def request_of(cls: type[Event], actor: str, memo: str, **fields: Any) -> tuple[Any, ...]:
    """The idempotency request tuple of a command that would write a ``cls`` event."""
    return (cls.KIND, actor, memo, *(fields[name] for name in cls.REQUEST))


@attrs.frozen
class LedgerCreated(Event):
    """Genesis: the ledger's id, time zone and encoding format."""

    KIND = "ledger_created"
    BODY = ("ledger_id", "tz", "format")
    REQUEST = ("ledger_id", "tz", "format")
    ledger_id: str
    tz: str
    format: int


@attrs.frozen
class RulebookAdopted(Event):
    """A rulebook version adopted, in force from ``effective_from`` (ISO date, ledger zone)."""

    KIND = "rulebook_adopted"
    BODY = ("rulebook", "effective_from", "effective_until", "resolution", "warnings")
    REQUEST = ("rulebook", "effective_from", "effective_until", "resolution")
    rulebook: Rulebook
    effective_from: str
    effective_until: str | None
    resolution: str
    warnings: tuple[str, ...]
    """The warnings of ``Rulebook.check()`` the adopters were shown."""

    def body_json(self) -> list[Any]:
        return [
            rulebook_to_data(self.rulebook),
            self.effective_from,
            self.effective_until,
            self.resolution,
            self.warnings,
        ]

    @classmethod
    def from_json(cls, header: Sequence[Any], body: Sequence[Any], hash: bytes) -> Event:
        data, *rest, warnings = body
        values: list[Any] = [*header, rulebook_from_data(data), *rest, tuple(warnings)]
        return cls(*values, hash=hash)


@attrs.frozen
class RegionAdded(Event):
    """A region added to the tree (``parent`` None for a top region)."""

    KIND = "region_added"
    BODY = ("code", "name", "region_kind", "parent")
    REQUEST = BODY
    code: str
    name: str
    region_kind: str
    parent: str | None


@attrs.frozen
class HouseholdRegistered(Event):
    """A household registered in a grid."""

    KIND = "household_registered"
    BODY = ("household", "grid", "head")
    REQUEST = BODY
    household: str
    grid: str
    head: str


@attrs.frozen
class MemberRegistered(Event):
    """A member registered in a household (``birth_date`` an ISO date or None)."""

    KIND = "member_registered"
    BODY = ("member", "household", "name", "roles", "birth_date")
    REQUEST = BODY
    member: str
    household: str
    name: str
    TUPLES = frozenset({"roles"})
    roles: tuple[str, ...]
    birth_date: str | None


@attrs.frozen
class HouseholdMoved(Event):
    """A household moved from one grid to another."""

    KIND = "household_moved"
    BODY = ("household", "from_grid", "to_grid")
    REQUEST = ("household", "to_grid")
    household: str
    from_grid: str
    to_grid: str


@attrs.frozen
class AccountClosure(Event):
    """A household or member account closed; a non-zero balance moves to ``balance_to``."""

    KIND = "account_closed"
    BODY = ("account", "balance", "balance_to")
    REQUEST = ("account", "balance_to")
    account: str
    balance: int
    balance_to: str | None

    def postings(self) -> tuple[Posting, ...]:
        if self.balance and self.balance_to is not None:
            return ((self.account, self.balance_to, self.balance),)
        return ()


@attrs.frozen
class ItemPosting(Event):
    """Base of the events that post a checklist item's points: ``points`` is the item's signed
    points times ``quantity``, as the rulebook named by ``version`` set them."""

    BODY = ("account", "item", "quantity", "points", "evidence", "lots")
    REQUEST = ("account", "item", "quantity", "occurred_us", "evidence")
    TUPLES = frozenset({"evidence", "lots"})
    account: str
    item: str
    quantity: int
    points: int
    evidence: tuple[str, ...]
    lots: tuple[Lot, ...]
    """For a deduction, the lots it drew from (soonest-expiring first); empty for an award,
    which creates a lot of its own when its points can expire."""

    def body_json(self) -> list[Any]:
        return [self.account, self.item, self.quantity, self.points, self.evidence, self.lots]

    def canonical(self) -> bytes:
        if self.evidence or self.lots:
            return super().canonical()
        # the most common event by far, formatted directly: the same bytes as the generic
        # encoding (tests/test_events.py checks), in two thirds of the time
        return (_ITEM_POSTING % (
            self.KIND, self.seq, self.recorded_us, self.occurred_us, quote(self.actor),
            quote(self.key), quote(self.version), quote(self.memo), quote(self.account),
            quote(self.item), self.quantity, self.points,
        )).encode()

    @classmethod
    def from_json(cls, header: Sequence[Any], body: Sequence[Any], hash: bytes) -> Event:
        # the most common event by far: decoded without the generic field loop
        account, item, quantity, points, evidence, lots = body
        values: list[Any] = [*header, account, item, quantity, points, tuple(evidence),
                             tuple(map(tuple, lots)) if lots else ()]
        return cls(*values, hash=hash)


@attrs.frozen
class Awarded(ItemPosting):
    """Points awarded for a checklist item: the pool pays the account ``points``."""

    KIND = "awarded"

    def postings(self) -> tuple[Posting, ...]:
        return ((POOL, self.account, self.points),)


@attrs.frozen
class Deducted(ItemPosting):
    """Points deducted for a listed violation: the account pays ``-points`` to the penalty
    account (``points`` is negative, as on the checklist)."""

    KIND = "deducted"

    def postings(self) -> tuple[Posting, ...]:
        return ((self.account, PENALTY, -self.points),)


@attrs.frozen
class Reversed(Event):
    """The reversal (冲正) of an earlier entry: it restates what it reverses and posts the
    exact opposite flows."""

    KIND = "reversed"
    BODY = (
        "original",
        "original_kind",
        "reason",
        "account",
        "item",
        "quantity",
        "member",
        "points",
        "original_occurred_us",
        "original_version",
        "flows",
        "lots",
    )
    REQUEST = ("original", "reason")
    original: int
    original_kind: str
    reason: str
    account: str
    item: str
    """The checklist item, or the reward of a redemption."""
    quantity: int
    member: str
    """The member a redemption was priced and limited for ("" if none)."""
    points: int
    original_occurred_us: int
    """When the original occurred (for a hand-over: when it was reserved, as its limits were
    counted then)."""
    original_version: str
    flows: tuple[Posting, ...]
    lots: tuple[Lot, ...]
    """Reversing an award: the lots drawn to take back what was already spent of it (its own
    lot is removed); reversing a deduction or a redemption: the lots given back."""

    def postings(self) -> tuple[Posting, ...]:
        return self.flows

    @classmethod
    def from_json(cls, header: Sequence[Any], body: Sequence[Any], hash: bytes) -> Event:
        values: list[Any] = [*header, *body[:-2], _flows(body[-2]), _freeze(body[-1])]
        return cls(*values, hash=hash)


Details = tuple[tuple[str, Any], ...]
"""``(name, value)`` pairs, sorted by name; values are JSON scalars or tuples of them."""


@attrs.frozen
class Stepped(Event):
    """A workflow step (`pointsledger.rules.flows`): ``case`` (the seq of the opening event, 0
    when this step opens the case) moves to ``state``. ``args`` are what the caller gave,
    ``facts`` what the ledger derived (deadlines, points, the rulebook's value cap). A step
    that moves points or minutes is followed, in the same command, by the events that move
    them."""

    KIND = "stepped"
    BODY = ("flow", "case", "step", "state", "args", "facts")
    REQUEST = ("flow", "case", "step", "args")
    TUPLES = frozenset({"args", "facts"})
    flow: str
    case: int
    step: str
    state: str
    args: Details
    facts: Details


@attrs.frozen
class TimeMoved(Event):
    """Minutes moved in the time bank (``purpose``: deposit, spend, donate or convert), for the
    workflow case ``case`` (0 none); ``note`` names the service."""

    KIND = "time_moved"
    BODY = ("source", "destination", "minutes", "purpose", "case", "note")
    REQUEST = BODY
    source: str
    destination: str
    minutes: int
    purpose: str
    case: int
    note: str


@attrs.frozen
class PeriodClosure(Event):
    """Books closed (结账) through the end of ``through`` (ISO date, ledger zone)."""

    KIND = "period_closed"
    BODY = ("through",)
    REQUEST = BODY
    through: str


Share = tuple[str, int, int]
"""``(household, weight, fen)``."""


@attrs.frozen
class Distributed(Event):
    """A sum divided among households for a period by a resolution (积分分红); moves no points.

    Attributes:
        period: the period's label (``2026``, ``2026-Q1``, ``2026-03``).
        rule: how households were weighed.
        amount_fen: the sum, in fen (分).
        minutes: the resolution's minutes.
        shares: ``(household, weight, fen)`` of every household with a positive weight, by
            household id; the fen sum to ``amount_fen``.
    """

    KIND = "distributed"
    BODY = ("period", "rule", "amount_fen", "minutes", "shares")
    REQUEST = ("period", "rule", "amount_fen", "minutes")
    TUPLES = frozenset({"shares"})
    period: str
    rule: ShareRule
    amount_fen: int
    minutes: str
    shares: tuple[Share, ...]

    def body_json(self) -> list[Any]:
        return [self.period, share_rule_to_data(self.rule), self.amount_fen, self.minutes,
                self.shares]

    @classmethod
    def from_json(cls, header: Sequence[Any], body: Sequence[Any], hash: bytes) -> Event:
        period, rule, amount, minutes, shares = body
        values: list[Any] = [*header, period, share_rule_from_data(rule), amount, minutes,
                             tuple((str(h), int(w), int(f)) for h, w, f in shares)]
        return cls(*values, hash=hash)

"""Commands declared once: what a command is, what it may look at, and what every one shares.

A command is a handler function declared with `command()`: its signature is the public call
signature (the subject positional, everything else keyword-only, ``by``, ``key`` and ``memo``
always), its docstring the public docstring, and the declaration names the event it emits, the
policy entry that authorises it and whether a resident may do it for their own household. The
`Command` it becomes is a descriptor: on a `Ledger` or a batch it is
the bound method, typed to return the declared event.

A handler is a pure function of a `Context` and its arguments. It returns the drafts of
the events to append, or, when its idempotency key was already used for the same request, the
events that request wrote (`Replayed`). It never changes state and raises a
`PointsLedgerError` for anything it refuses, before anything is
written.

Order of checks: ``by`` and ``memo`` (here, for every command), the handler's own arguments,
then the idempotency key (`Context.replayed()`: a repeated request gets its first answer even
if it would now be refused), then authority (`Context.authorise()`), then state and rules.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, ParamSpec, Protocol, TypeVar, overload

import attrs

from pointsledger.base.actors import RESIDENT, Actor
from pointsledger.base.checks import check_key, check_text, refused
from pointsledger.base.clock import iso_us, to_us
from pointsledger.core.events import request_of
from pointsledger.errors import (
    AccountClosed,
    BackdatedTooFar,
    IdempotencyConflict,
    OccurredInFuture,
    PeriodClosed,
    PermissionDenied,
    UnknownAccount,
)
from pointsledger.rules.policy import DEFAULT_POLICY, Policy

if TYPE_CHECKING:
    from pointsledger.core.events import Event
    from pointsledger.core.state import LedgerState

P = ParamSpec("P")
E = TypeVar("E", bound="Event", covariant=True)


class Draft(NamedTuple):
    """An event to be written: everything but ``seq``, ``recorded_us`` and ``hash``."""

    cls: type[Event]
    occurred_us: int
    actor: str
    key: str
    version: str
    memo: str
    body: tuple[Any, ...]


@attrs.frozen
class Replayed:
    """The events an earlier identical request wrote under the same idempotency key."""

    events: tuple[Event, ...]


Outcome = list[Draft] | Replayed


class Declared(Protocol):
    """What a running command's declaration tells its context (see `Command`)."""

    @property
    def emits(self) -> type[Event]: ...

    @property
    def policy(self) -> str: ...

    @property
    def self_service(self) -> bool: ...

    @property
    def key(self) -> str | None: ...


class Context:
    """What a handler may look at: the state, the clock reading, earlier events, and the
    command being run with its checked actor and memo."""

    __slots__ = ("backdate_us", "by", "command", "event_at", "key", "memo", "now_us", "state")

    command: Declared
    by: Actor
    memo: str
    key: str

    def __init__(
        self, state: LedgerState, now_us: int, backdate_us: int, event_at: Callable[[int], Event]
    ) -> None:
        self.state = state
        self.now_us = now_us
        self.backdate_us = backdate_us
        self.event_at = event_at
        # command, by, memo: set by Command.begin; key: by replayed() or the handler

    def replayed(self, key: object, **fields: Any) -> Replayed | None:
        """Check the key (the declaration's default key, filled from ``fields``, when None) and
        return the earlier identical request's events, or None for a new key.

        Raises:
            ValidationError: a bad key.
            IdempotencyConflict: the key was used for a different request.
        """
        command = self.command
        if key is None and command.key is not None:
            key = command.key.format(**fields)
        key = self.key = check_key(key)
        if key not in self.state.keys:
            return None
        return replay(self, key, request_of(command.emits, self.by.id, self.memo, **fields))

    def authorise(self, household: str | None = None, *, policy: str | None = None) -> str:
        """Authorise the command (or the ``policy`` entry, for a workflow step) for ``by``,
        acting on ``household`` when given: the actor needs a role the policy allows; staff
        roles act for other households only; for a self-service command a ``resident`` (when
        the policy lets residents do it) acts for their own household only.

        Returns:
            The rulebook version in force ("" before any).

        Raises:
            PermissionDenied: naming the roles allowed, or the household rule broken.
        """
        command = self.command
        by = self.by
        name = policy or command.policy
        rules, version = policy_now(self)
        allowed = rules.roles_for(name)
        roles = by.roles & allowed
        if not roles:
            raise PermissionDenied(
                f"actor {by.id!r} with roles {sorted(by.roles)} may not {name}; "
                f"roles allowed: {sorted(allowed)}",
                actor=by.id, command=name, allowed=sorted(allowed),
            )
        if household is None:
            return version
        own = self.state.household_of(by.id) == household
        if own and not (command.self_service and RESIDENT in roles):
            raise PermissionDenied(
                f"actor {by.id!r} belongs to household {household!r} and may not {name} for it",
                actor=by.id, command=name, household=household,
            )
        if not own and command.self_service and not roles - {RESIDENT}:
            raise PermissionDenied(
                f"a resident may {name} only for their own household, not for {household!r}",
                actor=by.id, command=name, household=household,
            )
        return version

    def draft(self, body: tuple[Any, ...], version: str) -> Draft:
        """A draft of the command's event, occurring now, under its key, actor and memo."""
        return Draft(self.command.emits, self.now_us, self.by.id, self.key, version, self.memo,
                     body)


class Runner(Protocol):
    """What runs commands: a ledger or a batch."""

    def _command(self, command: Command[..., Event], /, *args: Any, **kwargs: Any) -> Event: ...


class Command(Generic[P, E]):
    """A command declared once (see `command()`): on a ledger or batch, the bound method.

    Attributes:
        name: the method name.
        emits: the event class it returns.
        policy: the policy entry that authorises it.
        self_service: a ``resident`` may do it for their own household when the policy lets
            residents do it at all; otherwise nobody does it for their own household.
        key: the default idempotency key, a template over the request fields (None: a key is
            required).
        handler: the function that validates and drafts.
    """

    def __init__(self, handler: Callable[..., Outcome], emits: type[E], policy: str | None,
                 self_service: bool, key: str | None, *, name: str | None = None,
                 doc: str | None = None) -> None:
        functools.update_wrapper(self, handler)
        self.handler = handler
        self.name = self.__name__ = name or handler.__name__
        self.__doc__ = doc or handler.__doc__
        self.emits = emits
        self.policy = policy or self.name
        self.self_service = self_service
        self.key = key

    def __set_name__(self, owner: type, name: str) -> None:
        self.attribute = name

    @overload
    def __get__(self, runner: None, owner: type) -> Command[P, E]: ...

    @overload
    def __get__(self, runner: Runner, owner: type) -> Callable[P, E]: ...

    def __get__(self, runner: Runner | None, owner: type) -> Command[P, E] | Callable[P, E]:
        if runner is None:
            return self
        # a plain partial (a subclass of it would be called more slowly), with the docstring
        bound = functools.partial(runner._command, self)
        bound.__doc__ = self.__doc__
        # cached on the instance: later look-ups find it there, at no cost
        runner.__dict__[self.attribute] = bound
        return bound  # type: ignore[return-value]  # partial drops the signature P

    def begin(self, ctx: Context, kwargs: dict[str, Any]) -> Callable[..., Outcome]:
        """Check ``by`` and ``memo`` (in ``kwargs``, in place), set up ``ctx`` for this command,
        and return the handler to call with ``ctx`` and the arguments."""
        by = kwargs.get("by")
        if type(by) is not Actor or by.id[0] == "@":
            by = kwargs["by"] = check_actor(by)
        memo = kwargs.get("memo", "")
        if memo != "":
            memo = kwargs["memo"] = check_text(memo, "memo", multiline=True)
        ctx.command, ctx.by, ctx.memo = self, by, memo
        return self.handler

    def __call__(self, ctx: Context, *args: Any, **kwargs: Any) -> Outcome:
        """Run the handler on a context (``by`` and ``memo`` checked first)."""
        return self.begin(ctx, kwargs)(ctx, *args, **kwargs)


def command(
    emits: type[E], *, policy: str | None = None, self_service: bool = False,
    key: str | None = None, name: str | None = None, doc: str | None = None,
) -> Callable[[Callable[..., Outcome]], Command[Any, E]]:
    """Declare a command: the handler's signature (after its `Context`) and docstring are
    the public ones.

    Args:
        emits: the event class the command returns (its first event).
        policy: the policy entry that authorises it (default: the handler's name).
        self_service: a resident may do it for their own household (see `Command`).
        key: the default idempotency key, a ``str.format`` template over the request fields,
            e.g. ``"household/{household}"`` (None: a key is required).
        name: the command's name when it is not the handler's (one handler serving two
            commands, told apart by ``ctx.command``).
        doc: its docstring when it is not the handler's.
    """

    def declare(handler: Callable[..., Outcome]) -> Command[Any, E]:
        return Command(handler, emits, policy, self_service, key, name=name, doc=doc)

    return declare


# -- shared checks ------------------------------------------------------------------------


def check_actor(by: object) -> Actor:
    """``by`` as an Actor that may act: ids starting with ``@`` (``@system``, ``@genesis``)
    are the ledger's own, which callers may not use (the ledger's due jobs write as
    `SYSTEM` without passing here).

    Raises:
        ValidationError: not an `Actor`, or a reserved id.
    """
    if not isinstance(by, Actor):
        raise refused("by", "must be an Actor", by)
    if by.id.startswith("@"):
        raise refused("by", "may not be a reserved '@' actor (the ledger's own)", by.id)
    return by


def replay(ctx: Context, key: str, request: tuple[Any, ...]) -> Replayed | None:
    """The events written under ``key`` when they answer the same ``request``; None for a new
    key.

    Raises:
        IdempotencyConflict: the key was used for a different request.
    """
    seq = ctx.state.keys.get(key)
    if seq is None:
        return None
    first = ctx.event_at(seq)
    if first.request() != request:
        raise IdempotencyConflict(
            f"key {key!r} was used by event {first.id} for a different request; "
            "use a new key for a new command",
            key=key,
            event=first.id,
        )
    events = [first]
    following = seq + 1
    while following <= ctx.state.seq:
        event = ctx.event_at(following)
        if event.key != key:
            break
        events.append(event)
        following += 1
    return Replayed(tuple(events))


def policy_now(ctx: Context) -> tuple[Policy, str]:
    """The policy table and rulebook version in force at the clock reading.

    Before any rulebook is in force, `DEFAULT_POLICY` applies.
    """
    adoption = ctx.state.adoption_at(ctx.now_us)
    if adoption is None:
        return DEFAULT_POLICY, ""
    return adoption.rulebook.policy, adoption.version


def open_account(state: LedgerState, account: str) -> str:
    """The household of an open account (an already checked id).

    Raises:
        UnknownAccount: no such household or member.
        AccountClosed: the account or its household is closed.
    """
    household = state.households.get(account)
    if household is not None:
        if household.closed:
            raise AccountClosed(f"household {account!r} is closed", account=account)
        return household.id
    member = state.members.get(account)
    if member is None:
        raise UnknownAccount(
            f"no household or member {account!r} is registered", account=account
        )
    if member.closed:
        raise AccountClosed(f"member {account!r} is closed", account=account)
    if state.households[member.household].closed:
        raise AccountClosed(
            f"member {account!r} belongs to closed household {member.household!r}",
            account=account,
        )
    return member.household


def check_occurred(ctx: Context, occurred_us: int) -> None:
    """Refuse an ``occurred_us`` in the future, in a closed period or beyond the backdating
    window.

    Raises:
        OccurredInFuture: after the clock.
        PeriodClosed: in a closed period.
        BackdatedTooFar: beyond the backdating window.
    """
    state = ctx.state
    if occurred_us > ctx.now_us:
        raise OccurredInFuture(
            f"occurred_at {iso(occurred_us, state)} is after the ledger clock "
            f"{iso(ctx.now_us, state)}",
            occurred_at=iso(occurred_us, state),
            now=iso(ctx.now_us, state),
        )
    if occurred_us < state.closed_before_us:
        raise PeriodClosed(
            f"occurred_at {iso(occurred_us, state)} falls in a closed period; "
            f"the books are closed before {iso(state.closed_before_us, state)}",
            occurred_at=iso(occurred_us, state),
            closed_before=iso(state.closed_before_us, state),
        )
    if occurred_us < ctx.now_us - ctx.backdate_us:
        days = ctx.backdate_us // 86_400_000_000
        raise BackdatedTooFar(
            f"occurred_at {iso(occurred_us, state)} is more than {days} days before the "
            f"ledger clock {iso(ctx.now_us, state)}",
            occurred_at=iso(occurred_us, state),
            window_days=days,
        )


def occurred(ctx: Context, occurred_at: object, key: str) -> int:
    """When the conduct happened, in microseconds: ``occurred_at``, or when it is None the
    time of the first recording under ``key`` (an already checked key): the clock reading for a
    new key, the first event's occurred time for a key already used, so that a retry without
    ``occurred_at`` is the same request and gets the first answer.

    Raises:
        ValidationError: not an aware datetime.
    """
    if occurred_at is None:
        seq = ctx.state.keys.get(key)
        return ctx.now_us if seq is None else ctx.event_at(seq).occurred_us
    return to_us(occurred_at, "occurred_at")


def iso(us: int, state: LedgerState) -> str:
    """An instant as ISO 8601 in the ledger's zone (for messages; never raises, even for the
    year 9999 in a zone east of UTC)."""
    return iso_us(us, state.tzinfo)


_MAX_STRINGS = 100


def strings(value: object, what: str) -> tuple[str, ...]:
    """A tuple of non-empty texts.

    Raises:
        ValidationError: not a sequence of strings.
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise refused(what, "must be a sequence of strings", value)
    out = tuple(value)
    if len(out) > _MAX_STRINGS:
        raise refused(what, f"may have at most {_MAX_STRINGS} entries", out)
    return tuple(check_text(v, what, required=True) for v in out)


"""The workflows as explicit transition tables, and the case record they move.

A workflow case (a claim, a wish, a service order, a time-bank deposit) is opened by one step
and then moves only along its flow's table: ``(state, step) -> next state``. Every step is a
ledger event (``stepped``); a step the table does not allow raises
`StateError` naming the current state and the allowed steps, and
writes nothing. Steps marked *system* are taken only by the ``*_due`` jobs.

The tables below are the whole truth; docs/workflows.md draws them as flow diagrams.
"""

from __future__ import annotations

from typing import Any, Final

import attrs

from pointsledger.base.jsonforms import JsonForm
from pointsledger.base.periods import DEFAULT_TZ
from pointsledger.errors import StateError

Transitions = tuple[tuple[str, str, str], ...]
"""``(state, step, next state)`` rows."""


@attrs.frozen
class Flow:
    """One workflow's transition table.

    Attributes:
        name: the flow's name (``claim``, ``wish``, ``order``, ``deposit``).
        opening: the step that opens a case.
        initial: the state a case opens in.
        rows: the table, ``(state, step, next state)``.
        system: steps only the ``*_due`` jobs take.
        pending: states in which a claim's points are pending (公示中).
        live: states in which a case still needs someone to act (not finished).
        outcomes: states the opening step may lead to instead of ``initial`` (a matter on the
            negative list is opened straight into ``refused``).
        governed: steps authorised by the rulebook's matter lists (each procedure step's
            role) rather than by the policy table.
    """

    name: str
    opening: str
    initial: str
    rows: Transitions
    system: frozenset[str] = frozenset()
    pending: frozenset[str] = frozenset()
    outcomes: frozenset[str] = frozenset()
    governed: frozenset[str] = frozenset()
    _table: dict[tuple[str, str], str] = attrs.field(init=False, eq=False, repr=False)
    _live: frozenset[str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_table", {(s, step): t for s, step, t in self.rows})
        object.__setattr__(self, "_live", frozenset(state for state, _step, _t in self.rows))

    @property
    def states(self) -> tuple[str, ...]:
        """Every state, in first-seen order."""
        seen = dict.fromkeys([self.initial, *sorted(self.outcomes)])
        for state, _step, target in self.rows:
            seen.update(dict.fromkeys((state, target)))
        return tuple(seen)

    @property
    def steps(self) -> tuple[str, ...]:
        """Every step after the opening one, in first-seen order."""
        return tuple(dict.fromkeys(step for _s, step, _t in self.rows))

    @property
    def live(self) -> frozenset[str]:
        """States with a way out (a case in any other state is finished)."""
        return self._live

    def allowed(self, state: str, excluded: frozenset[tuple[str, str]] = frozenset()
                ) -> tuple[str, ...]:
        """The steps allowed from ``state`` (minus ``excluded`` ``(state, step)`` pairs that the
        rulebook in force switches off)."""
        return tuple(step for s, step, _t in self.rows
                     if s == state and (s, step) not in excluded)

    def takeable(self, state: str, excluded: frozenset[tuple[str, str]] = frozenset()
                 ) -> tuple[str, ...]:
        """The steps a person may take from ``state``: the `allowed()` ones but the
        ``system`` steps, which only the due jobs take."""
        return tuple(s for s in self.allowed(state, excluded) if s not in self.system)

    def target(self, case: str, state: str, step: str,
               excluded: frozenset[tuple[str, str]] = frozenset()) -> str:
        """The state ``step`` leads to from ``state``.

        Raises:
            StateError: the table does not allow ``step`` from ``state`` (naming the steps a
                person may take, `takeable()`).
        """
        found = self._table.get((state, step))
        if found is None or (state, step) in excluded:
            allowed = self.takeable(state, excluded)
            raise StateError(
                f"{self.name} {case} is {state!r}: {step!r} is not allowed; allowed steps: "
                f"{', '.join(allowed) if allowed else 'none (the case is finished)'}",
                case=case, flow=self.name, state=state, step=step, allowed=list(allowed))
        return found


DEADLINE_BOUND: Final = frozenset({"object", "appeal"})
"""Steps refused from the instant their state's deadline passes (``DeadlinePassed``)."""

CLAIM: Final = Flow(
    "claim", "submit", "submitted",
    (
        ("submitted", "check", "checked"),
        ("submitted", "approve", "in_notice"),
        ("checked", "approve", "in_notice"),
        ("submitted", "reject", "rejected"),
        ("checked", "reject", "rejected"),
        ("submitted", "withdraw", "withdrawn"),
        ("checked", "withdraw", "withdrawn"),
        ("in_notice", "object", "objected"),
        ("objected", "object", "objected"),
        # dismissing an objection while others are still open leaves the claim objected
        ("objected", "dismiss", "in_notice"),
        ("objected", "uphold", "rejected"),
        ("in_notice", "post", "posted"),
        ("posted", "appeal", "appealed"),
        ("appealed", "dismiss_appeal", "posted"),
        ("appealed", "uphold_appeal", "reversed"),
    ),
    system=frozenset({"post"}),
    pending=frozenset({"in_notice", "objected"}),
)
"""Claims (申报 → 审核 → 公示 → 入账)."""

WISH: Final = Flow(
    "wish", "submit", "submitted",
    (
        ("submitted", "list", "listed"),
        ("submitted", "reject", "rejected"),
        ("submitted", "withdraw", "withdrawn"),
        ("listed", "withdraw", "withdrawn"),
        ("submitted", "take_down", "taken_down"),
        ("listed", "take_down", "taken_down"),
        ("taken_down", "restore", "listed"),
        ("listed", "claim", "claimed"),
        ("claimed", "release", "listed"),
        ("claimed", "revoke", "listed"),
        ("claimed", "lapse", "listed"),
        # nobody claimed it within the policy's list_days: off the wall (已过期)
        ("listed", "lapse", "lapsed"),
        ("claimed", "fulfil", "fulfilled"),
        ("fulfilled", "confirm", "confirmed"),
        ("confirmed", "close", "closed"),
    ),
    system=frozenset({"lapse"}),
)
"""Micro-wishes (微心愿: 征集 → 审核 → 上墙 → 认领 → 点亮 → 反馈)."""

ORDER: Final = Flow(
    "order", "place", "placed",
    (
        ("placed", "reject", "rejected"),
        ("placed", "dispatch", "dispatched"),
        ("open", "dispatch", "dispatched"),
        ("placed", "open", "open"),
        ("dispatched", "accept", "accepted"),
        ("open", "accept", "accepted"),
        ("dispatched", "decline", "placed"),
        ("dispatched", "time_out", "placed"),
        ("open", "time_out", "placed"),
        ("placed", "cancel", "cancelled"),
        ("dispatched", "cancel", "cancelled"),
        ("open", "cancel", "cancelled"),
        ("accepted", "start", "in_service"),
        ("in_service", "finish", "done"),
        ("done", "rate", "rated"),
        ("rated", "close", "closed"),
    ),
    system=frozenset({"time_out"}),
)
"""Service orders (点单 → 派单 → 接单 → 评单)."""

DEPOSIT: Final = Flow(
    "deposit", "submit", "submitted",
    (
        ("submitted", "approve", "approved_once"),
        ("approved_once", "approve", "deposited"),
        ("submitted", "reject", "rejected"),
        ("approved_once", "reject", "rejected"),
    ),
)
"""Time-bank deposits (时间银行存入), approved by two different reviewers."""

MATTER: Final = Flow(
    "matter", "open", "open",
    (
        # the handler leads the last procedure step to "ready" instead
        ("open", "record", "open"),
        ("open", "overdue", "open"),
        ("open", "query", "open"),
        ("ready", "query", "ready"),
        ("open", "answer", "open"),
        ("ready", "answer", "ready"),
        ("ready", "close", "closed"),
        ("open", "withdraw", "withdrawn"),
    ),
    system=frozenset({"overdue"}),
    outcomes=frozenset({"refused"}),
    governed=frozenset({"record", "answer", "close", "withdraw"}),
)
"""Matters of the 清单制 lists (docs/matters.md): opened (or, on the negative list, refused and
recorded), each procedure step recorded in order by its role, overdue steps marked by the due
job, supervision queries answered, closed by the responsible role."""

FLOWS: Final[dict[str, Flow]] = {f.name: f for f in (CLAIM, WISH, ORDER, DEPOSIT, MATTER)}
"""Every flow by name."""


@attrs.frozen
class Case(JsonForm):
    """A workflow case as it stands (derived from its ``stepped`` events).

    Attributes:
        flow: ``claim``, ``wish``, ``order``, ``deposit`` or ``matter``.
        seq: the seq of the event that opened it (its number on this ledger).
        id: the id of that event; commands name a case by it.
        state: the current state.
        account: whose case it is: the account a claim credits, the wisher, the resident who
            ordered, the depositing volunteer, the household or member a matter is for ("" for
            a matter of the whole village).
        household: that account's household.
        subject: the checklist item claimed, the wish's title, the service ordered, the
            service deposited, or the matter's code.
        opened_by: the actor who opened it.
        opened_us: when it was opened; ``occurred_us``: when the conduct or service happened.
        changed_us: when it entered its current state.
        due_us: the deadline of the current state (end of the notice, of the appeal window, of
            a wish's time on the wall or its claim, of an order's acceptance time), 0 when
            none (docs/workflows.md lists every waiting state and its deadline).
        assignee: the claimer of a wish, the volunteer of an order ("" when none).
        history: ``(step, actor id, recorded_us)`` of every step taken, in order (for
            separation of duties and the boards' timings).
        objections: the seqs of the open objections of a claim, or of the open supervision
            queries (质询) of a matter.
        posting: the seq of the event that posted its points (0 none yet).
        details: everything else the steps recorded, as ``(name, value)`` pairs (later steps
            overwrite earlier values of the same name).
    """

    flow: str
    seq: int
    id: str
    state: str
    account: str
    household: str
    subject: str
    opened_by: str
    opened_us: int
    occurred_us: int
    changed_us: int
    due_us: int = 0
    assignee: str = ""
    history: tuple[tuple[str, str, int], ...] = ()
    objections: tuple[int, ...] = ()
    posting: int = 0
    details: tuple[tuple[str, Any], ...] = ()

    JSON_EXTRA = ("points", "is_live")

    def to_dict(self, tz: str = DEFAULT_TZ) -> dict[str, Any]:
        """The case as a dict of JSON-safe values (docs/json.md); ``due_at`` is None when the
        current state has no deadline."""
        out = super().to_dict(tz)
        if not self.due_us:
            out["due_at"] = None
        return out

    def detail(self, name: str, default: Any = None) -> Any:
        """The latest recorded value of ``name``."""
        return dict(self.details).get(name, default)

    @property
    def points(self) -> int:
        """A claim's signed points (0 for other flows until they post)."""
        return int(self.detail("points", 0))

    @property
    def is_live(self) -> bool:
        """Whether the case is in a state with steps left (see `is_open_at()`)."""
        return self.state in FLOWS[self.flow].live

    def is_open_at(self, now_us: int) -> bool:
        """Whether someone can still act on the case at ``now_us``: it is live, and its
        deadline has not passed or a step its deadline does not bind (a due job's, an
        official's decision) is left. A posted claim whose appeal window has closed is live in
        the table but over; an objected claim past its notice still waits for the committee."""
        if not self.is_live:
            return False
        if 0 < self.due_us <= now_us:
            flow = FLOWS[self.flow]
            return any(step not in DEADLINE_BOUND for step in flow.allowed(self.state))
        return True

"""The workflows' model's plain parts: the flows' tables (who reviews, what is live, which
steps are the system's), the deadlines' units and `FlowCase`, a case as the model knows it
(docs/workflows.md). Written from the docs alone, like the rest of the model (`_model_base`).
"""

from __future__ import annotations

from typing import Any

from pointsledger.errors import (
    PointsLedgerError,
)

Errors = set[type[PointsLedgerError]]
Rule = tuple[Errors, dict[str, Any]]
"""A step rule's errors and effect."""

TIMEBANK = "@timebank"
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
MOST_MINUTES = 1_000_000
MOST_VALUE = 1_000_000

TABLES: dict[str, dict[tuple[str, str], str]] = {
    "claim": {
        ("submitted", "check"): "checked",
        ("submitted", "approve"): "in_notice", ("checked", "approve"): "in_notice",
        ("submitted", "reject"): "rejected", ("checked", "reject"): "rejected",
        ("submitted", "withdraw"): "withdrawn", ("checked", "withdraw"): "withdrawn",
        ("in_notice", "object"): "objected", ("objected", "object"): "objected",
        ("objected", "dismiss"): "in_notice", ("objected", "uphold"): "rejected",
        ("in_notice", "post"): "posted",
        ("posted", "appeal"): "appealed",
        ("appealed", "dismiss_appeal"): "posted", ("appealed", "uphold_appeal"): "reversed",
    },
    "wish": {
        ("submitted", "list"): "listed", ("submitted", "reject"): "rejected",
        ("submitted", "withdraw"): "withdrawn", ("listed", "withdraw"): "withdrawn",
        ("submitted", "take_down"): "taken_down", ("listed", "take_down"): "taken_down",
        ("taken_down", "restore"): "listed",
        ("listed", "claim"): "claimed",
        ("claimed", "release"): "listed", ("claimed", "revoke"): "listed",
        ("claimed", "lapse"): "listed", ("listed", "lapse"): "lapsed",
        ("claimed", "fulfil"): "fulfilled", ("fulfilled", "confirm"): "confirmed",
        ("confirmed", "close"): "closed",
    },
    "order": {
        ("placed", "reject"): "rejected",
        ("placed", "dispatch"): "dispatched", ("open", "dispatch"): "dispatched",
        ("placed", "open"): "open",
        ("dispatched", "accept"): "accepted", ("open", "accept"): "accepted",
        ("dispatched", "decline"): "placed", ("dispatched", "time_out"): "placed",
        ("open", "time_out"): "placed",
        ("placed", "cancel"): "cancelled", ("dispatched", "cancel"): "cancelled",
        ("open", "cancel"): "cancelled",
        ("accepted", "start"): "in_service", ("in_service", "finish"): "done",
        ("done", "rate"): "rated", ("rated", "close"): "closed",
    },
    "deposit": {
        ("submitted", "approve"): "approved_once", ("approved_once", "approve"): "deposited",
        ("submitted", "reject"): "rejected", ("approved_once", "reject"): "rejected",
    },
}
"""Each flow's transition table, ``(state, step) -> next state`` (docs/workflows.md)."""

SYSTEM_STEPS = {"claim": {"post"}, "wish": {"lapse"}, "order": {"time_out"},
                "deposit": set()}
"""Steps only the due jobs take."""

ARGUMENTS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "claim": {
        "check": ((), ()), "approve": ((), ()), "reject": (("reason",), ()),
        "withdraw": ((), ()), "object": (("reason",), ()),
        "dismiss": (("objection", "reason"), ()), "uphold": (("objection", "reason"), ()),
        "appeal": (("reason",), ()), "dismiss_appeal": (("reason",), ()),
        "uphold_appeal": (("reason",), ()),
    },
    "wish": {
        "list": (("category",), ()), "reject": (("reason",), ()),
        "withdraw": ((), ("reason",)), "take_down": (("reason",), ()), "restore": ((), ()),
        "claim": ((), ()), "release": ((), ("reason",)), "revoke": (("reason",), ()),
        "fulfil": (("evidence",), ()), "confirm": (("rating",), ("comment",)),
        "close": ((), ("feedback",)),
    },
    "order": {
        "reject": (("reason",), ()), "dispatch": ((), ("volunteer", "team")),
        "open": ((), ()), "accept": ((), ()), "decline": ((), ("reason",)),
        "cancel": ((), ("reason",)), "start": ((), ()), "finish": (("minutes",), ()),
        "rate": (("rating",), ("comment",)), "close": ((), ()),
    },
    "deposit": {"approve": ((), ()), "reject": (("reason",), ())},
}
"""Each step's required and optional arguments (the reference table of docs/workflows.md)."""

CLAIM_REVIEW = {"check", "approve", "reject", "dismiss", "uphold", "dismiss_appeal",
                "uphold_appeal"}
"""Claim steps that review or decide: never by one who submitted, checked, approved,
objected to or appealed the claim."""

CLAIM_ACTED = {"submit", "check", "approve", "object", "appeal"}
"""Claim steps whose actor may then no longer review or decide the claim."""

REVIEWING = {"claim": CLAIM_REVIEW, "wish": {"list", "reject"},
             "order": set(), "deposit": {"approve", "reject"}}

DEADLINE_BOUND = {"object", "appeal"}
"""Steps refused from the instant their state's deadline passes (DeadlinePassed)."""
IN_REVIEW = {"submitted", "checked", "in_notice", "objected"}
"""Claim states that keep a period open (close_period waits for them)."""

LIVE = {
    "matter": {"open", "ready"},
    "claim": {"submitted", "checked", "in_notice", "objected", "posted", "appealed"},
    "wish": {"submitted", "listed", "claimed", "fulfilled", "confirmed", "taken_down"},
    "order": {"placed", "open", "dispatched", "accepted", "in_service", "done", "rated"},
    "deposit": {"submitted", "approved_once"},
}
"""States with a step out (a posted claim counts while its appeal window is open, see
``open_case_accounts``)."""


class FlowCase:
    """A workflow case as the model knows it (plain fields; ``id`` learnt from the ledger)."""

    def __init__(self, flow: str, seq: int, id: str, account: str, household: str,
                 subject: str, opened_by: str, occurred_us: int) -> None:
        self.flow, self.seq, self.id = flow, seq, id
        self.account, self.household, self.subject = account, household, subject
        self.opened_by, self.occurred_us = opened_by, occurred_us
        self.state = "submitted" if flow != "order" else "placed"
        self.due_us = 0
        self.acted: set[str] = {opened_by}
        """Who may no longer review or decide it (separation of duties)."""
        self.assignee = ""
        self.team: tuple[str, ...] = ()
        self.points = 0
        """A claim's signed points."""
        self.objections: list[str] = []
        """A claim's open objections (event ids)."""
        self.appeal_end_us = 0
        self.posting = 0
        """The seq of the event that posted the claim's points (0: none)."""
        self.value: int | None = None
        """A wish's worth in yuan."""
        self.minutes = 0
        """A deposit's minutes, an order's minutes of service."""
        self.started_us = 0
        """When an order's service started."""

    def __repr__(self) -> str:
        return (f"FlowCase({self.flow} {self.id} {self.state} account={self.account} "
                f"assignee={self.assignee!r} due_us={self.due_us})")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> bool:
    """A non-empty string."""
    return isinstance(value, str) and bool(value.strip())


def _event_id(value: Any) -> Any:
    """An event or its id, as the id (payloads and lookups)."""
    return getattr(value, "id", value)


def _frozen(value: Any) -> Any:
    """A hashable, comparable form of an argument (for idempotency payloads)."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return _event_id(value)

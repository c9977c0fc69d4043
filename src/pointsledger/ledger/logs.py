"""Logs for operators: what a ledger did, through the standard `logging` module.

Everything is logged under the ``pointsledger`` logger (this module's records under
``pointsledger.ledger``), which has a `logging.NullHandler` and so prints nothing until an app
(or the command line's ``-v``) configures logging. Records, by level:

- INFO ``appended``: each event a command or a batch appended (kind, seq, id, key, actor);
- INFO ``refused``: a refused command (its name, the error code, the actor and key, and the
  error's fields that are ids, codes, numbers or times); ERROR when the refusal is a broken
  log (HTTP status 500 and up);
- INFO ``due``: each due-job run (the job, how many cases were due, the events written);
- INFO ``verified`` (events and head), ERROR ``verify failed`` (code and fields);
- INFO ``snapshot`` and ``report index`` writes (the seq they were taken at);
- WARNING ``slow``: a command on a store other processes may write (SQLite, PostgreSQL: where
  waits for the write lock and the disk happen), a batch, a due job, a verify or a snapshot
  that took longer than `SLOW_SECONDS`.

Invariant: no record holds personal data beyond ids. Names, free text (memos, reasons, titles)
and the raw values an error quotes (its ``value``, its message) are never logged; of an
error's fields only those in `SAFE_FIELDS` are, and the names of the others are listed as
``omitted``. Each function checks that its level is enabled before it builds anything, and
passes ``%``-style arguments, so logging costs a command one level check when nobody listens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any, Final

from pointsledger.base.checks import shown
from pointsledger.core.events import Event
from pointsledger.errors import PointsLedgerError

log: Final = logging.getLogger("pointsledger.ledger")
"""The logger of the ledger's records (a child of ``pointsledger``)."""

SLOW_SECONDS: float = 1.0
"""An operation taking longer than this many seconds is logged as ``slow`` (WARNING). An app
may change it: ``pointsledger.ledger.logs.SLOW_SECONDS = 0.2``."""

SAFE_FIELDS: Final = frozenset({
    "account", "accepted", "actor", "allowed", "amount_fen", "as_of", "at", "available",
    "balance", "balance_to", "basis", "benefit", "campaign", "cap", "case", "cases",
    "closed_before", "code", "command", "day", "delta", "derived", "destination",
    "donation_item", "effective_from", "entry", "event", "expected", "actual", "expired",
    "expires_at", "field", "flow", "grid", "held", "household", "households", "in_household",
    "item", "key", "kind", "limit", "maximum", "member", "members", "merge_into", "method",
    "minutes", "most", "needed", "not_in_household", "not_member", "now", "occurred_at",
    "on_hand", "open", "open_member", "parent", "parent_kind", "per", "per_value", "period",
    "points", "rating_period", "region", "region_kind", "remaining", "requested", "reservation",
    "reservations", "reserved", "reversal", "reward", "score", "scope", "seq", "service",
    "share", "source", "started", "state", "status", "step", "target", "threshold", "through",
    "top", "unit", "until", "used", "version", "volunteer", "when", "window_days",
})
"""The error fields a refusal's record may show: ids, codes, numbers, periods and times. Any
other field (``value``, ``reason``, ``name``, ``problems``, ...) may quote what a person typed,
so only its name is logged."""


def appended(events: Iterable[Event]) -> None:
    """Log each appended event: kind, seq, id, idempotency key, actor id."""
    if log.isEnabledFor(logging.INFO):
        for event in events:
            log.info("appended %s seq=%d id=%s key=%s actor=%s", event.kind, event.seq,
                     event.id, event.key, event.actor)


def refused(command: str, error: PointsLedgerError, kwargs: dict[str, Any] | None = None
            ) -> None:
    """Log a refused command: its name, the error code, the actor and key it was called with,
    and the error's safe fields (`SAFE_FIELDS`); a broken log (status 500 and up) as ERROR."""
    level = logging.ERROR if error.http_status >= 500 else logging.INFO
    if not log.isEnabledFor(level):
        return
    kwargs = kwargs or {}
    actor = getattr(kwargs.get("by"), "id", "")
    log.log(level, "refused %s code=%s actor=%s key=%s %s", command, error.code, actor,
            kwargs.get("key", ""), _fields(error))


def due(job: str, cases: int, events: int) -> None:
    """Log a due job's run: the job, how many cases were due, how many events it wrote."""
    log.info("due %s cases=%d events=%d", job, cases, events)


def verified(events: int, head: str) -> None:
    """Log a verify that passed: how many events, and the head hash."""
    log.info("verified events=%d head=%s", events, head)


def verify_failed(error: PointsLedgerError) -> None:
    """Log a verify that failed (ERROR): the error code and its safe fields."""
    if log.isEnabledFor(logging.ERROR):
        log.error("verify failed code=%s %s", error.code, _fields(error))


def written(what: str, seq: int) -> None:
    """Log a write of derived data (``snapshot``, ``report index``) taken at ``seq``."""
    log.info("%s written seq=%d", what, seq)


def slow(what: str, started: float) -> None:
    """Log ``what`` as slow (WARNING) when more than `SLOW_SECONDS` passed since ``started``
    (a `time.perf_counter` reading)."""
    seconds = time.perf_counter() - started
    if seconds > SLOW_SECONDS:
        log.warning("slow %s seconds=%.3f threshold=%s", what, seconds, SLOW_SECONDS)


def _fields(error: PointsLedgerError) -> str:
    """The error's safe fields as ``name=value`` (values quoted, cut short), then the names of
    the fields left out."""
    fields = error.__dict__.get("fields") or {}
    shown_fields = [f"{name}={shown(value)}" for name, value in fields.items()
                    if name in SAFE_FIELDS]
    omitted = sorted(str(name) for name in fields if name not in SAFE_FIELDS)
    if omitted:
        shown_fields.append(f"omitted={','.join(omitted)}")
    return " ".join(shown_fields)

"""An example web app (FastAPI) that keeps a pointsledger Ledger.

    python examples/webapp/setup_village.py village.db
    POINTSLEDGER_DB=village.db uvicorn --app-dir examples/webapp app:app --workers 2

Where the ledger lives: one ``Ledger`` per worker process, opened at start-up (the lifespan)
from the file named by ``POINTSLEDGER_DB`` -- the open starts from the file's snapshot and
replays only the events after it -- shared by all of the worker's request threads, and closed at
shutdown. Every read first takes in what the other workers appended, so a balance read after
an acknowledged award always shows it, whichever worker answers.

Authentication is deliberately trivial: the ``X-Staff`` header names a member of staff from
``setup_village.STAFF`` and is believed. A real app authenticates its users and then builds the
``Actor`` (id and roles) the same way; the ledger authorises (roles, separation of duties).

Endpoints:

- ``POST /households/{id}/awards``: ``{"item", "key", "occurred_at"?, "quantity"?, "evidence"?,
  "memo"?}`` -> 201 with the event. ``key`` is chosen by the client (one per form it
  submits); a retry with the same key and body returns the first event and writes nothing.
  Leave ``occurred_at`` out to mean "now" (the time of first recording), so a retry is the same
  request.
- ``POST /households/{id}/redemptions``: ``{"reward", "key", "quantity"?, "member"?}`` -> 201.
- ``GET /households/{id}/balance``: posted, pending, held, available, and ``as_of_seq``: every
  event up to that seq is included.
- ``GET /households/{id}/statement?period=2026-03``: the statement report (一户一档) as JSON.
- ``GET /notices/points?period=2026-03``: the public notice (积分公示) of a period (default: this
  month) as JSON.

A refusal answers with the error's HTTP status and
``{"error": {"code", "status", "message", "fields"}}``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from setup_village import STAFF

from pointsledger import (
    Actor,
    Event,
    Ledger,
    PointsLedgerError,
    reports,
)
from pointsledger.reports import Table

# -- where the ledger lives --------------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open this worker's ledger at start-up (from the snapshot), close it at shutdown."""
    path = os.environ.get("POINTSLEDGER_DB")
    if not path:
        raise RuntimeError("set POINTSLEDGER_DB to the ledger's SQLite file")
    if not os.path.exists(path):   # Ledger.open would create an empty ledger: refuse instead
        raise RuntimeError(f"no ledger at {path!r}: run setup_village.py first")
    ledger = Ledger.open(path)       # replays only the events after the snapshot, verifying them
    app.state.ledger = ledger
    try:
        yield
    finally:
        ledger.close()


app = FastAPI(title="pointsledger example", lifespan=lifespan)


@app.middleware("http")
async def worker_header(request: Request, call_next: Any) -> Any:
    """Say which worker process answered (``X-Worker``), for operators and the test."""
    response = await call_next(request)
    response.headers["X-Worker"] = str(os.getpid())
    return response


def ledger_of(request: Request) -> Ledger:
    """The worker's ledger (shared by all of its request threads)."""
    ledger: Ledger = request.app.state.ledger
    return ledger


def staff(x_staff: str | None) -> Actor:
    """The acting member of staff. Trivial on purpose: the header is believed."""
    if x_staff is None or x_staff not in STAFF:
        raise Unauthenticated(x_staff)
    return STAFF[x_staff]


class Unauthenticated(Exception):
    """No or an unknown ``X-Staff`` header."""


# -- errors -------------------------------------------------------------------------------------


def json_safe(value: Any) -> Any:
    """``value`` with tuples as lists (for the request-parsing errors of FastAPI)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


@app.exception_handler(PointsLedgerError)
async def refused(request: Request, error: PointsLedgerError) -> JSONResponse:
    """Every refusal of the ledger: its status, code, message and fields."""
    locale = "en" if request.headers.get("accept-language", "").startswith("en") else "zh"
    return JSONResponse({"error": error.to_dict(locale)}, status_code=error.http_status)


@app.exception_handler(Unauthenticated)
async def unauthenticated(request: Request, error: Unauthenticated) -> JSONResponse:
    """401 for a missing or unknown ``X-Staff`` header."""
    return JSONResponse({"error": {"code": "unauthenticated", "message": "name a member of "
                                   "staff in the X-Staff header", "fields": {}}},
                        status_code=401)


@app.exception_handler(RequestValidationError)
async def bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """A body that does not parse: 422 in the same shape as the ledger's own refusals."""
    return JSONResponse({"error": {"code": "invalid", "message": "the request does not parse",
                                   "fields": {"errors": json_safe(error.errors())}}},
                        status_code=422)


# -- JSON forms ---------------------------------------------------------------------------------


def event_json(event: Event, tz: str) -> dict[str, Any]:
    """An event as JSON (``Event.to_dict``, instants in the ledger's zone)."""
    return event.to_dict(tz)


def table_json(table: Table) -> dict[str, Any]:
    """A report table as JSON: stable column keys, localized labels, summary figures."""
    return table.to_dict()


# -- endpoints (plain ``def``: FastAPI runs them on its thread pool, sharing the ledger) -------


class AwardIn(BaseModel):
    item: str
    key: str
    occurred_at: dt.datetime | None = None   # with a UTC offset; leave out for "now"
    quantity: int = 1
    evidence: list[str] = Field(default_factory=list)
    memo: str = ""


class RedemptionIn(BaseModel):
    reward: str
    key: str
    quantity: int = 1
    member: str | None = None
    memo: str = ""


@app.post("/households/{household}/awards", status_code=201)
def award(household: str, body: AwardIn, request: Request,
          x_staff: str | None = Header(default=None)) -> dict[str, Any]:
    """Award a checklist item to a household (idempotent by ``key``)."""
    by = staff(x_staff)
    ledger = ledger_of(request)
    event = ledger.award(household, body.item, by=by, key=body.key,
                         occurred_at=body.occurred_at, quantity=body.quantity,
                         evidence=tuple(body.evidence), memo=body.memo)
    return event_json(event, ledger.tz)


@app.post("/households/{household}/redemptions", status_code=201)
def redeem(household: str, body: RedemptionIn, request: Request,
           x_staff: str | None = Header(default=None)) -> dict[str, Any]:
    """Redeem a reward for a household's points now (idempotent by ``key``)."""
    by = staff(x_staff)
    ledger = ledger_of(request)
    event = ledger.redeem(household, body.reward, by=by, key=body.key, quantity=body.quantity,
                          member=body.member, memo=body.memo)
    return event_json(event, ledger.tz)


@app.get("/households/{household}/balance")
def balance(household: str, request: Request) -> dict[str, Any]:
    """A household's balance, with the seq it includes every event up to."""
    ledger = ledger_of(request)
    with ledger.reading():             # the balance and the head of one state
        ledger.household(household)    # UnknownAccount (404) for anything but a household
        seen = ledger.head
        b = ledger.balance(household)
    return {"household": household, "posted": b.posted, "pending": b.pending, "held": b.held,
            "available": b.available, "as_of_seq": seen}


@app.get("/households/{household}/statement")
def statement(household: str, request: Request, period: str | None = None) -> dict[str, Any]:
    """The household's statement (一户一档) for a period (default: all time)."""
    ledger = ledger_of(request)
    ledger.household(household)
    return table_json(reports.statement(ledger, household, period=period))


@app.get("/notices/points")
def points_notice(request: Request, period: str | None = None) -> dict[str, Any]:
    """The public notice (积分公示) of a period, default this month: names masked."""
    ledger = ledger_of(request)
    return table_json(reports.public_notice(ledger, period or ledger.now().format("YYYY-MM")))


@app.get("/health")
def health(request: Request) -> dict[str, Any]:
    """Liveness, and the head this worker has taken in."""
    return {"ok": True, "head": ledger_of(request).head, "pid": os.getpid()}

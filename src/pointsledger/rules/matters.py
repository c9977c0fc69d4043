"""The matter lists of 清单制: what the village does, who acts, by which procedure, by when.

A `Matter` (事项) is one line of a list: a code, a title, the list it is on
(`MATTER_KINDS`: 村级自治事项, 协助政府事项, 小微权力清单, 便民服务事项, 负面清单), the
role responsible for it, its procedure (ordered `ProcedureStep` records, each with the
role that performs it, whether it needs evidence and its time limit), the supervising body and
an optional basis text. Lists are part of a `Rulebook`, so
they are adopted with minutes like every version and never change once adopted.

`four_and_two()` builds the 四议两公开 procedure (党支部提议 → 两委商议 → 党员大会审议 →
村民代表会议决议 → 决议公开 → 实施结果公开) a village uses for its major decisions, with its own
implementation steps between the published resolution and the published result.

Records check their own types; whether the values make sense together (duplicate codes, a
step role nobody can hold, a negative-list entry with a procedure, a time limit below one day)
is for `Rulebook.check()`. Time limits count
calendar days or working days (Monday to Friday in the ledger's time zone; public holidays are
not modelled).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from pointsledger.errors import RulebookError
from pointsledger.rules._checks import code_check, records_of, text_check

MATTER_KINDS: Final = ("self_governance", "assist_government", "petty_power", "public_service",
                       "negative")
"""The five lists, in the order the docs and reports show them: 村级自治事项, 协助政府事项,
小微权力清单, 便民服务事项 and 负面清单 (things the village must not do or certify)."""

DAY_KINDS: Final = ("working", "calendar")
"""How a time limit counts days: working days (Monday to Friday) or calendar days."""

SUPERVISION: Final = "supervision_committee"
"""The role of the 村务监督委员会, the default supervising body of every matter."""


def _one_of(allowed: tuple[str, ...]) -> Any:
    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in allowed:
            raise RulebookError(f"{attribute.name} must be one of {', '.join(allowed)}, got "
                                f"{value!r}", field=attribute.name, value=value)

    return validate


def _limit(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or abs(value) > 3660):
        raise RulebookError(f"{attribute.name} must be a whole number of days (or None for no "
                            f"limit), got {value!r}", field=attribute.name, value=value)


@attrs.frozen
class ProcedureStep:
    """One step of a matter's procedure.

    Attributes:
        code: the step's code, unique within its matter, e.g. ``"propose"``.
        title: what the step is, e.g. ``"党支部提议"``.
        role: the role whose holder records the step, e.g. ``"party_branch"``.
        evidence_required: whether recording it must cite evidence (minutes, photos of the
            notice, the contract); True unless said otherwise.
        days: its time limit, counted from when the step before it (or the opening) was
            recorded; None for no limit. `Rulebook.check()` refuses a limit below one day.
        day_kind: ``"working"`` (Monday to Friday in the ledger's zone) or ``"calendar"``.
    """

    code: str = attrs.field(validator=code_check("step code"))
    title: str = attrs.field(validator=text_check("title", required=True))
    role: str = attrs.field(kw_only=True, validator=code_check("step role"))
    evidence_required: bool = attrs.field(kw_only=True, default=True)
    days: int | None = attrs.field(kw_only=True, default=None, validator=_limit)
    day_kind: str = attrs.field(kw_only=True, default="working", validator=_one_of(DAY_KINDS))


def _steps(value: object) -> tuple[ProcedureStep, ...]:
    return records_of(value, ProcedureStep, "steps")


@attrs.frozen
class Matter:
    """One matter (事项) of the village's lists.

    Attributes:
        code: unique code within a rulebook, e.g. ``"XW-01"``.
        title: e.g. ``"村级工程项目"``.
        kind: the list it is on, one of `MATTER_KINDS`.
        role: the role responsible for it: it answers supervision queries and closes it.
        steps: its procedure, in order (empty for a negative-list entry, which is refused
            when requested).
        supervisor: the supervising body's role (default the 村务监督委员会).
        basis: the rule it rests on (a law, a county document, the village's 村规民约).
    """

    code: str = attrs.field(validator=code_check("matter code"))
    title: str = attrs.field(validator=text_check("title", required=True))
    kind: str = attrs.field(kw_only=True, validator=_one_of(MATTER_KINDS))
    role: str = attrs.field(kw_only=True, validator=code_check("responsible role"))
    steps: tuple[ProcedureStep, ...] = attrs.field(kw_only=True, default=(), converter=_steps)
    supervisor: str = attrs.field(kw_only=True, default=SUPERVISION,
                                  validator=code_check("supervisor"))
    basis: str = attrs.field(kw_only=True, default="", validator=text_check("basis"))

    @property
    def is_negative(self) -> bool:
        """Whether the matter is on the negative list (负面清单): requests are refused."""
        return self.kind == "negative"

    def step(self, code: str) -> ProcedureStep | None:
        """The procedure step with ``code``, or None."""
        return next((s for s in self.steps if s.code == code), None)


def four_and_two(implementation: Iterable[ProcedureStep] = (), *, days: int | None = 7,
                 day_kind: str = "working") -> tuple[ProcedureStep, ...]:
    """The 四议两公开 procedure: 党支部提议 (``propose``, party_branch) → 两委商议
    (``deliberate``, committee) → 党员大会审议 (``review``, party_members_meeting) → 村民代表会议
    或村民会议决议 (``resolve``, villager_representatives) → 决议公开 (``publish_resolution``,
    committee), then the ``implementation`` steps (tendering, contract, acceptance, payment,
    ...), then 实施结果公开 (``publish_result``, committee). Every step needs evidence (minutes,
    photos of the notice).

    Args:
        implementation: steps between the published resolution and the published result.
        days: the time limit of each of the six steps (None: no limit).
        day_kind: how ``days`` counts (``"working"`` or ``"calendar"``).

    Returns:
        The steps, in order.
    """
    def made(code: str, title: str, role: str) -> ProcedureStep:
        return ProcedureStep(code, title, role=role, days=days, day_kind=day_kind)

    return (made("propose", "党支部提议", "party_branch"),
            made("deliberate", "两委商议", "committee"),
            made("review", "党员大会审议", "party_members_meeting"),
            made("resolve", "村民代表会议决议", "villager_representatives"),
            made("publish_resolution", "决议公开", "committee"),
            *implementation,
            made("publish_result", "实施结果公开", "committee"))


FOUR_AND_TWO: Final = four_and_two()
"""The 四议两公开 procedure with no implementation steps and seven working days per step."""


def limit_ends(day: _dt.date, days: int, day_kind: str) -> _dt.date:
    """The local day at whose start a time limit of ``days`` counted from ``day`` ends: after
    ``days`` full calendar days, or ``days`` working days (Monday to Friday), after ``day``.
    A step started on a Friday with one working day is due by the end of Monday (the limit
    ends at the start of Tuesday)."""
    if day_kind == "calendar":
        return day + _dt.timedelta(days=days + 1)
    current, left = day, days
    while left > 0:
        current += _dt.timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current + _dt.timedelta(days=1)


def matters_to_data(matters: tuple[Matter, ...]) -> list[dict[str, Any]]:
    """The matters as plain JSON-ready data (recorded in the adoption event)."""
    return [{"code": m.code, "title": m.title, "kind": m.kind, "role": m.role,
             "supervisor": m.supervisor, "basis": m.basis,
             "steps": [[s.code, s.title, s.role, s.evidence_required, s.days, s.day_kind]
                       for s in m.steps]}
            for m in matters]


def matters_from_data(data: Iterable[Mapping[str, Any]]) -> tuple[Matter, ...]:
    """The matters from `matters_to_data()` output."""
    return tuple(
        Matter(m["code"], m["title"], kind=m["kind"], role=m["role"],
               supervisor=m["supervisor"], basis=m["basis"],
               steps=[ProcedureStep(c, t, role=r, evidence_required=e, days=d, day_kind=k)
                      for c, t, r, e, d, k in m["steps"]])
        for m in data)

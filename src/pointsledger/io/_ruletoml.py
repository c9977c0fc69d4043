"""TOML rule files: a rulebook written as TOML text, and read back from it.

The layout is the file form of `pointsledger.io._ruleform` (documented with a complete example
in docs/input.md). The writer needs no TOML library: it writes strings as TOML basic strings
(control characters escaped), dates as TOML local dates, lists and nested records inline.
Invariant: reading what `toml_text` wrote gives an equal rulebook.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pointsledger.io._cells import ImportFailed
from pointsledger.io._ruleform import check_writable, rulebook_from_form, rulebook_to_form
from pointsledger.rules.rulebook import Rulebook

_BARE = re.compile(r"[A-Za-z0-9_-]+").fullmatch
_SINGLE = ("store", "ratings", "expiry", "claims", "wishes", "service_policy", "timebank",
           "policy", "vetoes")
_ARRAYS = ("items", "rewards", "services", "benefits", "campaigns", "matters")


def _key(key: str) -> str:
    return key if _BARE(key) else _string(key)


def _string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, and DEL is escaped too."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML form for {value!r}")  # pragma: no cover - the form holds no other


def _lines(values: Mapping[str, Any]) -> list[str]:
    return [f"{_key(k)} = {_value(v)}" for k, v in values.items()]


def toml_text(rulebook: Rulebook) -> str:
    """The rulebook as the text of a TOML rule file, every part written out.

    Raises:
        ValidationError: text that starts or ends with white space, which the file would not
            give back (named with its table, row and key).
    """
    form = rulebook_to_form(rulebook)
    check_writable(form)
    out = [f"# rulebook {rulebook.version}: a pointsledger rule file (docs/input.md)",
           f"version = {_string(rulebook.version)}"]
    for table in _SINGLE:
        out += ["", f"[{table}]", *_lines(form[table])]
    out += ["", "[category_caps]"]
    for category, caps in form["category_caps"].items():
        out.append(f"{_key(category)} = {_value(caps)}")
    for table in _ARRAYS:
        for row in form[table]:
            out += ["", f"[[{table}]]", *_lines(row)]
    return "\n".join(out) + "\n"


def read_toml(path: Path, version: str | None = None) -> Rulebook:
    """A rulebook from a TOML rule file (``version`` overrides the file's).

    Raises:
        ImportFailed: the file is not TOML, or holds unknown tables or keys or bad values.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ImportFailed(f"{path} is not a readable TOML file: {exc}", path=str(path)) from None
    return rulebook_from_form(data, where=str(path), version=version)


"""Build the tree mutmut runs in (README, "Mutation testing"): a copy of the repository's
``src``, ``tests``, ``docs`` and ``pyproject.toml`` under ``build/mutation`` in which every
module-level function declared with ``@command(...)`` is written as ``def f(...)`` followed by
``f = command(...)(f)``.

Why: mutmut 3 never mutates a decorated function (it cannot put its trampoline under a
decorator), so run on ``src`` as it is, it skips the body of every command (``redeem``,
``transfer``, ``receive_stock``, ``step``, ``submit_claim``, ...), which is where most of the
store's and the workflows' checks are. The two spellings mean the same in Python (a decorator
is applied to the function just defined); the copy keeps every line of the body, so mutant
names and ``mutmut show`` diffs read as on ``src``::

    python3 scripts/mutation_tree.py            # (re)writes build/mutation, keeps its mutants/
    cd build/mutation && HYPOTHESIS_NO_PLUGINS=1 HYPOTHESIS_PROFILE=mutation \\
        nice -n 19 mutmut run --max-children 1 "pointsledger.store.*"

``python3 scripts/mutation_tree.py --score`` prints, per module, the mutants that run has
checked (killed, timeout, survived, no tests) from ``mutants/**/*.meta``: the README table.
"""

from __future__ import annotations

import ast
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "build" / "mutation"
PACKAGES = ("core", "store", "workflows")


def undecorate(source: str) -> tuple[str, int]:
    """``source`` with each module-level ``@command(...)`` decorator moved after its function
    as an assignment (everything else unchanged), and how many were moved."""
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    targets = [
        node for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.decorator_list
        and all(isinstance(d, ast.Call) and isinstance(d.func, ast.Name)
                and d.func.id == "command" for d in node.decorator_list)
    ]
    for node in reversed(targets):  # bottom up, so earlier line numbers stay valid
        assert node.end_lineno is not None
        applied = node.name
        for decorator in reversed(node.decorator_list):
            segment = ast.get_source_segment(source, decorator)
            assert segment is not None
            applied = f"{segment}({applied})"
        lines.insert(node.end_lineno, f"{node.name} = {applied}\n")
        first = node.decorator_list[0].lineno - 1
        del lines[first:node.lineno - 1]
    return "".join(lines), len(targets)


def build(tree: Path = TREE) -> int:
    """Write the tree; return how many commands were undecorated."""
    tree.mkdir(parents=True, exist_ok=True)
    for name in ("tests", "docs", "src"):
        shutil.rmtree(tree / name, ignore_errors=True)
        shutil.copytree(ROOT / name, tree / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(ROOT / "pyproject.toml", tree / "pyproject.toml")
    _raw_test_ids(tree / "pyproject.toml")
    count = 0
    for package in PACKAGES:
        for path in sorted((tree / "src" / "pointsledger" / package).glob("*.py")):
            source = path.read_text(encoding="utf-8")
            changed, moved = undecorate(source)
            if moved:
                count += moved
                path.write_text(changed, encoding="utf-8")
    return count


# Without it pytest escapes non-ASCII and control characters in parametrised test ids
# ("\u5a5a"); mutmut stores the escaped ids and passes them back as arguments, pytest finds
# no test of that name and exits 4, so a run whose tests include such ids (test_kill_store,
# test_household_commands: most store and core functions) stops at its clean run.
_RAW_IDS = "disable_test_id_escaping_and_forfeit_all_rights_to_community_support = true"


def _raw_test_ids(pyproject: Path) -> None:
    """Let pytest keep test ids as written in the tree's copy of ``pyproject.toml``."""
    text = pyproject.read_text(encoding="utf-8")
    if _RAW_IDS not in text:
        text = text.replace("[tool.pytest.ini_options]\n",
                            f"[tool.pytest.ini_options]\n{_RAW_IDS}\n", 1)
        pyproject.write_text(text, encoding="utf-8")


_STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests",
           36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout"}


def scores(tree: Path = TREE) -> list[tuple[str, dict[str, int]]]:
    """Per module with checked mutants: how many were killed, timed out, survived, had no
    tests, or other (mutmut's exit codes, as ``mutmut results`` reads them)."""
    rows = []
    for meta in sorted((tree / "mutants" / "src" / "pointsledger").glob("**/*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].values()
        counts: dict[str, int] = {}
        for code in codes:
            if code is not None:
                status = _STATUS.get(code, "other")
                counts[status] = counts.get(status, 0) + 1
        if counts:
            module = meta.relative_to(tree / "mutants" / "src").as_posix()
            rows.append((module.removesuffix(".py.meta").replace("/", "."), counts))
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--score"]:
        for module, counts in scores():
            tested = counts.get("killed", 0) + counts.get("timeout", 0) + counts.get(
                "survived", 0)
            killed = counts.get("killed", 0) + counts.get("timeout", 0)
            print(f"{module}: {counts} score {killed}/{tested} = {killed / tested:.1%}")
    else:
        target = Path(sys.argv[1]) if len(sys.argv) > 1 else TREE
        print(f"{build(target)} commands undecorated in {target}")

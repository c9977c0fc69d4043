"""Packaging: the lazy public namespace, the light hypothesis hook, one version, the extras."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

import pointsledger
import pointsledger.testing

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# The packages a process that merely imports hypothesis (or pointsledger) must not load.
HEAVY = ("pointsledger.ledger", "pointsledger.core", "pointsledger.store",
         "pointsledger.workflows", "pointsledger.reports")


def _run(code: str, cwd: Path) -> str:
    """Run code in a fresh interpreter that imports this checkout's pointsledger."""
    src = str(Path(pointsledger.__file__).resolve().parent.parent)
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_NO_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m in HEAVY or m.startswith(tuple(f"{h}." for h in HEAVY))]


def _hook_installed() -> bool:
    return any(e.value.startswith("pointsledger.")
               for e in importlib.metadata.entry_points(group="hypothesis"))


@pytest.mark.skipif(not _hook_installed(), reason="pointsledger's hypothesis entry point is not "
                    "installed (pip install -e .)")
def test_import_hypothesis_loads_nothing_of_the_ledger(tmp_path: Path) -> None:
    """import hypothesis runs the hook without loading the ledger; from_type works after."""
    out = _run("""
import json, sys
import hypothesis
loaded = sorted(m for m in sys.modules if m.startswith("pointsledger"))

from hypothesis import given, settings, strategies as st
from pointsledger.base.actors import Actor
from pointsledger.rules.checklist import Cap, ChecklistItem
from pointsledger.rules.rulebook import Rulebook

drawn = []

@settings(max_examples=10, database=None, deadline=None)
@given(st.from_type(Cap), st.from_type(ChecklistItem), st.from_type(Rulebook),
       st.from_type(Actor))
def draw(cap, item, rules, actor):
    assert isinstance(cap, Cap) and isinstance(item, ChecklistItem)
    assert isinstance(rules, Rulebook) and isinstance(actor, Actor)
    assert [p for p in rules.check() if p.severity == "error"] == []
    drawn.append(rules)

draw()
print(json.dumps({"loaded": loaded, "drawn": len(drawn)}))
""", tmp_path)
    result = json.loads(out.splitlines()[-1])
    assert "pointsledger.testing._hypothesis_hook" in result["loaded"]  # the hook did run
    assert _heavy(result["loaded"]) == []
    assert result["drawn"] > 0


def test_import_pointsledger_is_lazy_and_every_public_name_resolves(tmp_path: Path) -> None:
    """import pointsledger loads no ledger module; every __all__ name then imports and is in dir."""
    out = _run("""
import json, sys
import pointsledger
loaded = sorted(m for m in sys.modules if m.startswith("pointsledger"))
missing = [n for n in pointsledger.__all__ if n not in dir(pointsledger)]
for name in pointsledger.__all__:
    exec(f"from pointsledger import {name}")
namespace = {}
exec("from pointsledger import *", namespace)
print(json.dumps({"loaded": loaded, "missing": missing,
                  "star": sorted(n for n in namespace if n != "__builtins__"),
                  "statement": callable(pointsledger.reports.statement)}))
""", tmp_path)
    result = json.loads(out.splitlines()[-1])
    assert _heavy(result["loaded"]) == []
    assert result["missing"] == []
    assert result["star"] == sorted(pointsledger.__all__)
    assert result["statement"]


@pytest.mark.parametrize("package", [pointsledger, pointsledger.testing],
                         ids=lambda p: p.__name__)
def test_lazy_names_match_the_type_checking_imports(package: ModuleType) -> None:
    """The TYPE_CHECKING imports (what mypy and IDEs see) name the objects __getattr__ returns."""
    assert package.__file__ is not None
    tree = ast.parse(Path(package.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If)
                 and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
    imported = {alias.name: node.module for node in block.body
                if isinstance(node, ast.ImportFrom) and node.module
                for alias in node.names}
    assert sorted(imported) == sorted(n for n in package.__all__ if n != "__version__")
    for name, module in imported.items():
        source = importlib.import_module(module)
        expected = (importlib.import_module(f"{module}.{name}") if source is package
                    else getattr(source, name))
        assert getattr(package, name) is expected, name
    with pytest.raises(AttributeError, match="no attribute 'NoSuchName'"):
        package.NoSuchName  # noqa: B018


def test_version_has_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    """The version is written only in pointsledger/__init__.py; metadata and --version agree."""
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "src/pointsledger/__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", pointsledger.__version__)
    assert importlib.metadata.version("pointsledger") == pointsledger.__version__
    from pointsledger.cli import main

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"pointsledger {pointsledger.__version__}"


def test_license_is_mit_and_shipped() -> None:
    """LICENSE is the MIT licence and is declared as the distribution's licence file."""
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "2026 pointsledger developers" in text


def test_every_extra_the_docs_install_exists() -> None:
    """README, docs and CI install only extras pyproject defines; testing is hypothesis only."""
    extras = PYPROJECT["project"]["optional-dependencies"]
    pages = [ROOT / "README.md", ROOT / ".ci" / "run", *sorted((ROOT / "docs").glob("*.md"))]
    named = {(page.name, extra) for page in pages
             for group in re.findall(r"(?:pointsledger|\.)\[([\w,-]+)\]",
                                     page.read_text(encoding="utf-8"))
             for extra in group.split(",")}
    assert named, "the set-up commands name no extra"
    assert sorted(n for n in named if n[1] not in extras) == []
    assert [r.split(">")[0] for r in extras["testing"]] == ["hypothesis"]
    assert "pointsledger[testing,postgres,charts,xlsx]" in extras["dev"]
    # mkdocstrings formats signatures with Black or Ruff, and warns without either (issue 22)
    assert {r.split(">")[0] for r in extras["docs"]} & {"ruff", "black"}

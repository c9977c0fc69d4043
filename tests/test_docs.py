"""The Python code blocks of README.md and docs/*.md run, and every public name is documented."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import pointsledger
from pointsledger.rules.flows import FLOWS
from pointsledger.rules.policy import DEFAULT_POLICY
from pointsledger.workflows.steps import STEP_RULES

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_code_blocks_run(page: Path, tmp_path: Path) -> None:
    """Each page's Python blocks run in order in one namespace, in a scratch folder."""
    blocks = BLOCK.findall(page.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for n, block in enumerate(blocks, start=1):
            exec(compile(block, f"{page.name} block {n}", "exec"), namespace)
    finally:
        os.chdir(cwd)


def test_every_public_name_is_in_the_api_reference() -> None:
    """docs/api.md names every entry of pointsledger.__all__."""
    reference = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [n for n in pointsledger.__all__ if f"`{n}`" not in reference]
    assert not missing, f"document these in docs/api.md: {missing}"


def test_every_public_name_has_a_docstring() -> None:
    """Public classes and functions say what they are."""
    undocumented = [
        n for n in pointsledger.__all__
        if callable(getattr(pointsledger, n)) and not getattr(pointsledger, n).__doc__
    ]
    assert not undocumented


def test_every_testing_kit_name_is_documented() -> None:
    """docs/api.md and docs/testing.md name every entry of pointsledger.testing.__all__."""
    import pointsledger.testing as kit

    pages = (ROOT / "docs" / "api.md").read_text(encoding="utf-8") + (
        ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    missing = [n for n in kit.__all__ if f"`{n}" not in pages]
    assert not missing, f"document these: {missing}"
    assert all(getattr(kit, n).__doc__ for n in kit.__all__)


def _step_reference() -> str:
    """docs/workflows.md's reference tables, from the code."""
    out = []
    for name, flow in FLOWS.items():
        out.append(f"| `{name}` step | from → to | default roles | arguments |")
        out.append("|---|---|---|---|")
        roles = ", ".join(sorted(DEFAULT_POLICY.roles_for(f"{name}.{flow.opening}")))
        out.append(f"| `{flow.opening}` | opens → {flow.initial} | {roles} | |")
        for step in flow.steps:
            moves = "; ".join(f"{s} → {t}" for s, st, t in flow.rows if st == step)
            if step in flow.system:
                roles, args = "the system (`*_due()`)", ""
            elif step in flow.governed:
                roles = "the matter's own roles (docs/matters.md)"
                args = ", ".join(f"`{a}`" + ("" if v.required else " (optional)")
                                 for a, v in STEP_RULES[name].args[step].items())
            else:
                roles = ", ".join(sorted(DEFAULT_POLICY.roles_for(f"{name}.{step}")))
                args = ", ".join(f"`{a}`" + ("" if v.required else " (optional)")
                                 for a, v in STEP_RULES[name].args[step].items())
            out.append(f"| `{step}` | {moves} | {roles} | {args} |")
        out.append("")
    return "\n".join(out)


def test_the_workflow_step_reference_matches_the_code() -> None:
    """docs/workflows.md lists every step with its moves, default roles and arguments."""
    page = (ROOT / "docs" / "workflows.md").read_text(encoding="utf-8")
    assert _step_reference().strip() in page


_ROLE = re.compile(r":(?:py:)?(?:meth|class|func|attr|mod|exc|data|obj|const):`")


def test_the_docs_site_shows_no_raw_sphinx_roles() -> None:
    """The site is built from docs/*.md and the docstrings (mkdocstrings renders Markdown, not
    reStructuredText): neither may hold a ``:meth:`...``` style role, which the site would show
    as raw text (issue 22)."""
    root = Path(__file__).parent.parent
    sources = [*sorted((root / "docs").glob("*.md")),
               *sorted((root / "src" / "pointsledger").rglob("*.py"))]
    found = [f"{path.relative_to(root)}:{n}" for path in sources
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if _ROLE.search(line)]
    assert found == []

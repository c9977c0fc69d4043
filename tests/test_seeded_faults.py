"""scripts/seeded_faults.py: every seeded fault still applies to the source (so the script
cannot silently rot), and a fault whose text is gone or ambiguous stops it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "seeded_faults.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("seeded_faults", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    return module


def test_every_seeded_fault_applies_to_the_source() -> None:
    """Each of the eight faults finds its text exactly once and changes the source."""
    script = _script()
    root = SCRIPT.parent.parent
    assert len(script.FAULTS) == 8
    assert len({fault.name for fault in script.FAULTS}) == 8
    for fault in script.FAULTS:
        source = (root / "src" / fault.path).read_text(encoding="utf-8")
        assert script.seeded(source, fault) != source
    script.check_all(root)


@pytest.mark.parametrize("source", ["nothing to replace", "if occurred_us > ctx.now_us:\n" * 2])
def test_a_fault_that_no_longer_applies_stops_the_script(source: str) -> None:
    """A missing or repeated text raises FaultRotted naming the fault."""
    script = _script()
    (fault,) = [f for f in script.FAULTS if f.name == "future-time-boundary"]
    with pytest.raises(script.FaultRotted, match="future-time-boundary"):
        script.seeded(source, fault)

"""Examples of the workflow model's predictions at edge cases."""

from __future__ import annotations

import pointsledger.testing._flow_rules
import pointsledger.testing._model_flows


def test_importable() -> None:
    assert pointsledger.testing._model_flows.FlowModel
    assert pointsledger.testing._flow_rules.FlowRules

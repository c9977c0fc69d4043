"""The ledger against the independent model (issue 16): the machines, and edge cases."""

from __future__ import annotations

from hypothesis import settings

from pointsledger.testing._model_machine import ModelMachine, SQLiteModelMachine
from tests.helpers import budget

TestModelMachine = ModelMachine.TestCase
TestModelMachine.settings = settings(max_examples=budget(30), stateful_step_count=50,
                                     deadline=None)

TestSQLiteModelMachine = SQLiteModelMachine.TestCase
TestSQLiteModelMachine.settings = settings(max_examples=budget(10), stateful_step_count=50,
                                           deadline=None)

"""Registry commands: tests that kill mutants of :mod:`pointsledger.core.registry_commands` the
rest of the suite let live (README, "Mutation testing")."""

from __future__ import annotations

from pointsledger import AccountClosed, AlreadyExists, UnknownAccount, ValidationError
from tests.helpers import COMMITTEE, make_village
from tests.test_ledger import refused


def test_a_bad_grid_id_is_refused_naming_the_grid() -> None:
    village = make_village("memory")
    led = village.ledger
    exc = refused(led, ValidationError,
                  lambda: led.register_household("H009", grid="no such grid!", head="王五",
                                                 by=COMMITTEE))
    assert exc.fields["field"] == "grid" and "grid" in str(exc)


def test_members_join_only_a_known_open_household() -> None:
    village = make_village("memory")
    led = village.ledger
    exc = refused(led, UnknownAccount,
                  lambda: led.register_member("M009", household="H999", name="赵六",
                                              by=COMMITTEE))
    assert (str(exc), exc.fields) == ("no household 'H999'", {"account": "H999"})
    led.close_account("H004", by=COMMITTEE)
    closed = refused(led, AccountClosed,
                     lambda: led.register_member("M009", household="H004", name="赵六",
                                                 by=COMMITTEE))
    assert (str(closed), closed.fields) == ("household 'H004' is closed", {"account": "H004"})


def test_households_belong_to_a_grid_and_ids_are_registered_once() -> None:
    village = make_village("memory")
    led = village.ledger
    exc = refused(led, ValidationError,
                  lambda: led.register_household("H009", grid="V01", head="王五",
                                                 by=COMMITTEE))
    assert str(exc) == "households belong to a grid or a micro_grid; 'V01' is a village"
    assert (exc.fields["region"], exc.fields["region_kind"]) == ("V01", "village")
    twice = refused(led, AlreadyExists,
                    lambda: led.register_member("M001", household="H002", name="张三",
                                                by=COMMITTEE, key="again"))
    assert (str(twice), twice.fields) == ("account 'M001' is already registered",
                                          {"account": "M001"})

"""The general ledger: events and their hash chain, the private state and its one ``apply``,
the command machinery, and the commands of rules, the registry and postings.

Imports :mod:`pointsledger.rules`, :mod:`pointsledger.base` and :mod:`pointsledger.errors`;
never storage, reports, tabulate or hypothesis.
"""

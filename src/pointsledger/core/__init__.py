"""The general ledger: events and their hash chain, the private state and its one ``apply``,
the command machinery, and the commands of rules, the registry and postings.

Imports `pointsledger.rules`, `pointsledger.base` and `pointsledger.errors`;
never storage, reports, tabulate or hypothesis.
"""

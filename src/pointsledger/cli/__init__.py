"""The ``pointsledger`` console script: a thin wrapper over the public API."""

from pointsledger.cli.main import main

__all__ = ["main"]

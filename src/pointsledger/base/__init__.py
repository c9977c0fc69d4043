"""Values every layer uses: argument checks, actors and roles, the clock and instants, periods.

Imports only :mod:`pointsledger.errors`.
"""

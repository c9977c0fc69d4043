"""Values every layer uses: argument checks, actors and roles, the clock and instants, periods,
and the JSON forms of records.

Imports only `pointsledger.errors`.
"""

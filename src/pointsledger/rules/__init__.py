"""What a village agrees, as immutable values: the rulebook (checklist items, caps, the role
policy), the store's catalogue and policies, expiry, workflow policies and the workflows'
transition tables, and the problems `Rulebook.check()` finds.

Imports only `pointsledger.base` and `pointsledger.errors`.
"""

"""积分超市, the points store: stock, redemptions, reservations, transfers and expiry runs.

Commands over :mod:`pointsledger.core`; imports nothing above it.
"""

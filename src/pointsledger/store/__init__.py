"""积分超市, the points store: stock, redemptions, reservations, transfers and expiry runs.

Commands over `pointsledger.core`; imports nothing above it.
"""

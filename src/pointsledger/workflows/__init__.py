"""Workflows on cases: claims (申报 → 审核 → 公示 → 入账), micro-wishes (微心愿), service
orders (点单 → 派单 → 接单 → 评单) and the time bank (时间银行).

Commands over `pointsledger.core` and `pointsledger.store`.
"""

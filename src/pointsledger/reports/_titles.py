"""The titles people read for the codes a ledger records: checklist items, rewards and
services, looked up in the rulebook versions the ledger adopted.

A posting names its item by code and the rulebook version it was scored under; its title is
that version's, else the latest version's that has the code. A code no adopted rulebook knows
(which a valid ledger never has) is shown as the code itself, so a report never fails on a
title.
"""

from __future__ import annotations

import attrs

from pointsledger.base.clock import from_us
from pointsledger.base.periods import DEFAULT_TZ
from pointsledger.ledger.ledger import Ledger
from pointsledger.rules.rulebook import Rulebook


@attrs.frozen
class Titles:
    """Titles and categories by code, from the adopted rulebooks.

    Attributes:
        items: ``{(version, code): (title, category)}``, and ``{(None, code): ...}`` for the
            latest version that has the code.
        rewards: reward titles by code (the latest version's).
        services: service titles by code (the latest version's).
        books: the adopted rulebooks by version, for their campaigns (empty: none shown).
        tz: the ledger's time zone (campaign days are local days).
    """

    items: dict[tuple[str | None, str], tuple[str, str]]
    rewards: dict[str, str]
    services: dict[str, str]
    books: dict[str, Rulebook] = attrs.field(factory=dict)
    tz: str = DEFAULT_TZ

    @classmethod
    def of(cls, ledger: Ledger) -> Titles:
        """The titles of every rulebook ``ledger`` adopted."""
        items: dict[tuple[str | None, str], tuple[str, str]] = {}
        rewards: dict[str, str] = {}
        services: dict[str, str] = {}
        # donated goods the store committee priced; a rulebook's reward of the code wins
        rewards.update((code, r.title) for code, r in ledger.donated_goods().items())
        for adoption in ledger.adoptions():  # in adoption order: later versions win
            book = adoption.rulebook
            for item in book.items:
                items[(adoption.version, item.code)] = items[(None, item.code)] = (
                    item.title, item.category)
            rewards.update((r.code, r.title) for r in book.rewards)
            services.update((s.code, s.title) for s in book.services.services)
        books = {a.version: a.rulebook for a in ledger.adoptions() if a.rulebook.campaigns}
        return cls(items, rewards, services, books, ledger.tz)

    def _item(self, code: str, version: str | None) -> tuple[str, str]:
        return self.items.get((version, code)) or self.items.get((None, code)) or (code, "")

    def item(self, code: str, version: str | None = None) -> str:
        """The title of checklist item ``code`` (as rulebook ``version`` has it, when given)."""
        return self._item(code, version)[0]

    def category(self, code: str, version: str | None = None) -> str:
        """The category of checklist item ``code`` ("" when unknown)."""
        return self._item(code, version)[1]

    def campaign(self, code: str, version: str, occurred_us: int) -> str:
        """The title of the campaign (专项活动) an award of item ``code`` under rulebook
        ``version`` that occurred at ``occurred_us`` fell in ("" when none)."""
        book = self.books.get(version)
        if book is None:
            return ""
        found = book.campaign_for(code, from_us(occurred_us, self.tz).date())
        return "" if found is None else found.title

    def reward(self, code: str) -> str:
        """The title of reward ``code`` in the points store."""
        return self.rewards.get(code, code)

    def service(self, code: str) -> str:
        """The title of service ``code`` on the service menu."""
        return self.services.get(code, code)

    def anything(self, code: str, version: str | None = None) -> str:
        """The title of an item, reward or service called ``code`` (the code when none)."""
        if (None, code) in self.items:
            return self.item(code, version)
        return self.rewards.get(code) or self.services.get(code) or code

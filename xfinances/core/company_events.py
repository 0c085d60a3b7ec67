"""Events of the company (tenant) itself, for the apps above core to react to."""

from __future__ import annotations

from dataclasses import dataclass

from xfinances.core.events import Event


@dataclass(frozen=True)
class CompanyBankAccountAdded(Event):
    """One of the company's own bank accounts was added (createcompany --iban, the company's
    settings). Treasury makes it a bank money account so statements find their account."""

    company_id: int
    iban: str
    currency: str
    user_id: int | None = None
    source: str = ""

"""The shape of the bank's answers the client accepts (shared/specs/berlin-group-psd2-api-1.3.11
.yaml). Only what the definition requires is required (a transaction: only its amount); unknown
fields are ignored; anything else that breaks the schema is refused by the client with the path
of the offending field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from xfinances.core.readers import MAX_AMOUNT


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class Href(_Model):
    href: str


class Amount(_Model):
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    amount: Decimal

    @field_validator("amount", mode="before")
    @classmethod
    def _amount_is_a_string(cls, value: Any) -> Any:
        # The definition sends amounts as strings ("-12.30"); a float would lose cents.
        if isinstance(value, float):
            raise ValueError("the amount must be a string, not a floating point number")
        return value

    @field_validator("amount")
    @classmethod
    def _amount_is_storable(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or value.copy_abs() > MAX_AMOUNT:
            raise ValueError(f"the amount must be a number up to {MAX_AMOUNT}")
        return value


class AccountReference(_Model):
    iban: str | None = None
    bban: str | None = None
    currency: str | None = None


class ConsentCreated(_Model):
    consentStatus: str
    consentId: str
    links: dict[str, Href] = Field(alias="_links")
    psuMessage: str | None = None
    scaStatus: str | None = None


class ConsentStatus(_Model):
    consentStatus: str


class ScaStatus(_Model):
    scaStatus: str
    psuMessage: str | None = None


class AccountDetails(_Model):
    resourceId: str | None = None
    iban: str | None = None
    currency: str
    name: str | None = None
    product: str | None = None
    bic: str | None = None


class AccountList(_Model):
    accounts: list[AccountDetails]


class BalanceItem(_Model):
    balanceAmount: Amount
    balanceType: str
    referenceDate: str | None = None
    lastChangeDateTime: str | None = None


class Balances(_Model):
    account: AccountReference | None = None
    balances: list[BalanceItem]


class StructuredRemittance(_Model):
    reference: str
    referenceType: str | None = None


class Transaction(_Model):
    transactionId: str | None = None
    entryReference: str | None = None
    endToEndId: str | None = None
    bookingDate: str | None = None
    valueDate: str | None = None
    transactionAmount: Amount
    creditorName: str | None = None
    creditorAccount: AccountReference | None = None
    debtorName: str | None = None
    debtorAccount: AccountReference | None = None
    remittanceInformationUnstructured: str | None = None
    remittanceInformationUnstructuredArray: list[str] | None = None
    remittanceInformationStructured: StructuredRemittance | str | None = None
    bankTransactionCode: str | None = None
    proprietaryBankTransactionCode: str | None = None


class AccountReport(_Model):
    booked: list[Transaction] | None = None
    pending: list[Transaction] | None = None
    links: dict[str, Href] = Field(alias="_links")


class TransactionsResponse(_Model):
    account: AccountReference | None = None
    transactions: AccountReport


class TppMessage(_Model):
    category: str = "ERROR"
    code: str = ""
    text: str | None = None
    path: str | None = None


class ErrorBody(_Model):
    tppMessages: list[TppMessage] = []

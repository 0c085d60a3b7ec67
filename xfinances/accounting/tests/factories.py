"""Records of the accounting area for tests and the tenant-isolation walker."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from xfinances.accounting import actions, queries
from xfinances.accounting.building import Period
from xfinances.accounting.inputs import DestinationInput, ExportInput
from xfinances.accounting.models import Destination
from xfinances.accounting.period_records import records_of
from xfinances.accounting.records import ExportRecord, RecordKind
from xfinances.core.audit import Actor
from xfinances.core.models import Source
from xfinances.payments import actions as payments_actions
from xfinances.purchases.tests.factories import make_invoice

SYSTEM = Actor.system(Source.CLI)
ZERO = Decimal("0.00")


def period_records(company: Any, period: Period, kinds: Iterable[RecordKind]) -> list[ExportRecord]:
    """The export records of `kinds` in `period`, with their journal entries."""
    return list(records_of(company, period, queries.mapping_of(company), kinds))


def party_balance(records: Iterable[ExportRecord], account: str, party_id: int) -> Decimal:
    """The party's debit − credit on `account` (411, 401) over all the records' entries."""
    return sum(
        (
            line.debit - line.credit
            for record in records
            for entry in record.journal
            for line in entry.lines
            if line.account == account and line.analytics == str(party_id)
        ),
        ZERO,
    )


def set_write_off_tolerance(company: Any, eur: str) -> None:
    payments_actions.update_payment_settings(
        SYSTEM,
        company,
        payments_actions.PaymentSettingsInput.read_changes({"write_off_tolerance_eur": eur}),
    )


def create_destination(actor: Actor, company: Any, **raw: Any) -> Destination:
    """A destination from raw fields, read as the page and the API read them."""
    return actions.create_destination(actor, company, DestinationInput.read(raw))


def isolation_objects(company: Any) -> dict[str, Any]:
    """A batch (an empty month exported by hand), an e-mail destination, a closed VAT month,
    and the period, file and ledger arguments of the VAT pages and the API."""
    batch = actions.export_period(
        SYSTEM, company, ExportInput(target="nap", period=Period(2020, 1))
    ).batch
    assert batch is not None
    destination = create_destination(
        SYSTEM,
        company,
        name="Счетоводител",
        target="ajur",
        kinds=["sale"],
        schedule="daily",
        channel="email",
        emails=["accountant@example.bg"],
    )
    close = actions.close_vat_period(SYSTEM, company, Period(2020, 2))
    return {
        "batch_id": batch.pk,
        "destination_id": destination.pk,
        "close_id": close.pk,
        "ledger": "sales",  # the API's VAT ledger PDF (not an object id)
    }


def written_off_purchase(company: Any, supplier: Any, day: Any) -> tuple[Any, Any]:
    """A supplier invoice of 0.60 EUR (7700000001) and the write-off of all of it on `day`."""
    purchase = make_invoice(
        company,
        number="7700000001",
        supplier=supplier,
        rows=[{"vat_rate": "20", "base": "0.50", "vat": "0.10"}],
    )
    write_off = payments_actions.write_off_supplier_invoice(
        Actor.system(), purchase, payments_actions.WriteOffInput(reason="cents", date=day)
    )
    return purchase, write_off

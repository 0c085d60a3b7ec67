"""Records of the accounting area for tests and the tenant-isolation walker."""

from __future__ import annotations

from typing import Any

from xfinances.accounting import actions
from xfinances.accounting.building import Period
from xfinances.accounting.inputs import DestinationInput, ExportInput
from xfinances.accounting.models import Destination
from xfinances.core.audit import Actor
from xfinances.core.models import Source

SYSTEM = Actor.system(Source.CLI)


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

"""Destinations: where a company's documents go by themselves (a format, what, when, where).
Their input and its checks (a writable folder, e-mail addresses, an https:// endpoint) are
`inputs.DestinationInput`."""

from __future__ import annotations

from django.db import transaction

from xfinances.accounting import queries
from xfinances.accounting.inputs import DestinationInput, folder_problem
from xfinances.accounting.models import Channel, Destination
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.core.text_limits import limit_of
from xfinances.notifications.models import WebhookEndpoint

__all__ = ["create_destination", "folder_problem", "set_destination_active"]


@transaction.atomic
def create_destination(actor: Actor, company: Company, data: DestinationInput) -> Destination:
    """A destination; an HTTPS one gets a webhook endpoint of its own (the outbox signs and
    retries its calls)."""
    ensure_can(actor, company, "accounting.settings")
    endpoint = None
    if data.channel == Channel.HTTPS:
        # This endpoint takes no events: only this destination's batches are sent to it.
        endpoint = WebhookEndpoint.objects.create(
            company=company,
            url=data.url,
            description=f"accounting: {data.name}"[: limit_of(WebhookEndpoint, "description")],
            events=[],
        )
        audit.record_create(actor, company, "create_accounting_endpoint", endpoint)
    destination = Destination.objects.create(
        company=company,
        name=data.name,
        target=data.target,
        kinds=data.kinds,
        schedule=data.schedule,
        channel=data.channel,
        folder=data.folder if data.channel == Channel.FOLDER else "",
        emails=data.emails if data.channel == Channel.EMAIL else [],
        endpoint=endpoint,
    )
    audit.record_create(actor, company, "create_destination", destination)
    _forget_on_issue(company.pk)
    return destination


@transaction.atomic
def set_destination_active(actor: Actor, destination: Destination, active: bool) -> Destination:
    ensure_can(actor, destination.company, "accounting.settings")
    destination = Destination.objects.select_for_update().get(pk=destination.pk)
    before = audit.snapshot(destination)
    destination.is_active = active
    destination.save(update_fields=["is_active"])
    audit.record_update(actor, destination.company, "set_destination_active", destination, before)
    _forget_on_issue(destination.company_id)
    return destination


def _forget_on_issue(company_id: int) -> None:
    """This process asks the database again, now and once the change is committed."""
    queries.forget_on_issue(company_id)
    transaction.on_commit(lambda: queries.forget_on_issue(company_id))

"""Destinations: where a company's documents go by themselves (a format, what, when, where)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.accounting import exporters
from xfinances.accounting.models import (
    Channel,
    Destination,
    Schedule,
)
from xfinances.accounting.records import RecordKind
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.notifications.actions.webhooks import clean_webhook_url
from xfinances.notifications.models import WebhookEndpoint


def _clean_destination(data: dict[str, Any]) -> dict[str, Any]:
    errors = InvalidInput.collect()
    clean: dict[str, Any] = {}
    clean["name"] = str(data.get("name") or "").strip()[:100]
    if not clean["name"]:
        errors.add("name", _("Give the destination a name."))
    target = str(data.get("target") or "")
    exporter = exporters.get(target)
    if exporter is None:
        errors.add("target", _("Unknown format %(name)s.") % {"name": target})
    clean["target"] = target
    kinds = [str(k) for k in data.get("kinds") or []]
    if not kinds:
        errors.add("kinds", _("Choose what to send."))
    bad = [k for k in kinds if k not in RecordKind.__members__.values()]
    if bad or (exporter and any(RecordKind(k) not in exporter.kinds for k in kinds if not bad)):
        errors.add("kinds", _("The format cannot carry: %(kinds)s.") % {"kinds": ", ".join(kinds)})
    clean["kinds"] = kinds
    schedule = str(data.get("schedule") or "")
    if schedule not in Schedule.values:
        errors.add("schedule", _("Choose when to send."))
    clean["schedule"] = schedule
    channel = str(data.get("channel") or "")
    clean["channel"] = channel
    clean["folder"], clean["emails"], clean["url"] = "", [], ""
    if channel == Channel.FOLDER:
        folder = str(data.get("folder") or "").strip()
        problem = folder_problem(folder)
        if problem:
            errors.add("folder", problem)
        clean["folder"] = folder
    elif channel == Channel.EMAIL:
        emails = [e.strip() for e in data.get("emails") or [] if e and e.strip()]
        if not emails:
            errors.add("emails", _("Give the accountant's e-mail address."))
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                errors.add("emails", _("%(email)s is not an e-mail address.") % {"email": email})
        clean["emails"] = emails
    elif channel == Channel.HTTPS:
        try:
            clean["url"] = clean_webhook_url(str(data.get("url") or ""))
        except InvalidInput as error:
            for message in error.errors.get("url", []):
                errors.add("url", message)
        if clean["url"] and not clean["url"].startswith("https://") and not data.get("allow_http"):
            errors.add("url", _("Use an https:// address."))
    else:
        errors.add("channel", _("Choose where to send."))
    errors.raise_if_any()
    return clean


def folder_problem(folder: str) -> str:
    """Why files cannot be written into `folder` ('' when they can)."""
    if not folder:
        return _("Give the folder the accounting program reads.")
    path = Path(folder)
    if not path.is_absolute():
        return _("Give the folder's full path.")
    if not path.is_dir():
        return _("The folder %(folder)s does not exist.") % {"folder": folder}
    if not os.access(path, os.W_OK):
        return _("The folder %(folder)s is not writable.") % {"folder": folder}
    return ""


@transaction.atomic
def create_destination(actor: Actor, company: Company, **data: Any) -> Destination:
    ensure_can(actor, company, "accounting.settings")
    clean = _clean_destination(data)
    endpoint = None
    if clean["channel"] == Channel.HTTPS:
        # The outbox signs and retries calls to a WebhookEndpoint; this one takes no events
        # (only this destination's batches are sent to it).
        endpoint = WebhookEndpoint.objects.create(
            company=company,
            url=clean["url"],
            description=f"accounting: {clean['name']}"[:200],
            events=[],
        )
        audit.record_create(actor, company, "create_accounting_endpoint", endpoint)
    destination = Destination.objects.create(
        company=company,
        name=clean["name"],
        target=clean["target"],
        kinds=clean["kinds"],
        schedule=clean["schedule"],
        channel=clean["channel"],
        folder=clean["folder"],
        emails=clean["emails"],
        endpoint=endpoint,
    )
    audit.record_create(actor, company, "create_destination", destination)
    return destination


@transaction.atomic
def set_destination_active(actor: Actor, destination: Destination, active: bool) -> Destination:
    ensure_can(actor, destination.company, "accounting.settings")
    destination = Destination.objects.select_for_update().get(pk=destination.pk)
    before = audit.snapshot(destination)
    destination.is_active = active
    destination.save(update_fields=["is_active"])
    audit.record_update(actor, destination.company, "set_destination_active", destination, before)
    return destination

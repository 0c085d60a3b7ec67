"""The demo's last step: from here on a document issued in the demo reaches its client by
e-mail (written to var/mail/ unless EMAIL_HOST is set) and appears in the portal, with no
further click. Last, so that loading the demo documents mails nobody."""

from __future__ import annotations

from collections.abc import Callable

from xfinances.core.audit import Actor
from xfinances.core.demo import DemoStep
from xfinances.core.models import Company
from xfinances.notifications.actions import DeliverySettingsInput, update_delivery_settings


def load(actor: Actor, company: Company, progress: Callable[[str], object]) -> None:
    update_delivery_settings(actor, company, DeliverySettingsInput.changes(auto_send_on_issue=True))


def step() -> DemoStep:
    return DemoStep(order=90, name="delivery settings", load=load)

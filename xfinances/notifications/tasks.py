"""Background jobs of the delivery area. Thin: they call the outbox worker; reruns are harmless."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from xfinances.notifications import bounces, outbox
from xfinances.notifications.outbox import deliver_outbox

__all__ = ["deliver_outbox", "deliver_outbox_periodic", "fetch_bounces"]


@db_periodic_task(crontab(minute="*"))
@lock_task("notifications-outbox-periodic")
def deliver_outbox_periodic() -> int:
    """Every minute: reconcile rows a dead worker left in `sending`, then send what is due
    (retries whose backoff has passed)."""
    outbox.reconcile()
    return outbox.run().sent


@db_periodic_task(crontab(minute="*/5"))
@lock_task("notifications-bounces")
def fetch_bounces() -> int:
    """Every five minutes: read bounce reports from the configured IMAP mailbox, if any."""
    return bounces.fetch_and_record()

"""Background jobs of e-banking. Thin: they call banking/sources; reruns are harmless (each
source is claimed before it runs; every file and entry is taken in once)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from xfinances.banking.sources import psd2sync, runner


@db_periodic_task(crontab(minute="*/5"))
def run_statement_sources() -> dict[str, int]:
    """Every 5 minutes: the mailboxes, watched folders and bank connections whose time has come
    (each has its own interval or, for a bank, its slots in working hours)."""
    return runner.run_due()


@db_periodic_task(crontab(hour="7", minute="15"))
def warn_expiring_consents() -> int:
    """Every morning: owners hear of bank consents that end within the connection's warning
    days (once per consent)."""
    return psd2sync.warn_expiring()

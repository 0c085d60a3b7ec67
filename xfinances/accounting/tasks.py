"""Background jobs of the accounting exports. Thin: they take ids and call actions; reruns are
harmless (a batch's key holds its content's hash, so a second run makes no second batch).

`deliver_to_folder` is declared beside the action that queues it (actions/delivery.py)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from xfinances.accounting.actions import (
    deliver_to_folder,
    redeliver_queued_folders,
    run_due_destinations,
    sync_on_issue,
)

__all__ = ["deliver_to_folder", "export_on_issue", "run_export_schedules"]


@db_periodic_task(crontab(minute="7"))
@lock_task("accounting-export-schedules")
def run_export_schedules() -> int:
    """Hourly: every destination whose schedule (hourly, daily, month end) is due, and the
    folder batches whose delivery task was lost while the queue was down."""
    redeliver_queued_folders()
    return run_due_destinations()


@db_task()
def export_on_issue(company_id: int, document_id: int) -> int:
    return sync_on_issue(company_id, document_id)

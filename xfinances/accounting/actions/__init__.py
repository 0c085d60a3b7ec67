"""Every write of the accounting area: the account mapping, destinations, exports (batches),
their delivery through the outbox, the per-document export state, and the VAT period close.

An export is all or nothing: the records are built and rendered first; any document that
cannot be exported (a draft in the period, a party without identifier, a treatment without
ledger column, an unbalanced entry) is named in `InvalidInput` and nothing is stored, locked or
sent. A batch's bytes are stored once; the same destination, period and content make one batch
however often a sync runs (the key holds the content's SHA-256).

One module per seam: `mapping`, `destinations`, `rendering` (a period's files), `archives` (a
batch's zip), `exporting` (the batch), `delivery` (outbox and folder), `sync` (schedules and
on-issue runs), `vat_close`. The names below are the package's public face; a test that replaces
a function replaces it in the module that looks it up (`actions.delivery.deliver_to_folder`).
Each action that takes what a person typed takes its typed input (`accounting/inputs.py`,
re-exported here).
"""

from __future__ import annotations

from xfinances.accounting.actions.archives import ZIP_DATE, batch_files, unpack_batch, zip_files
from xfinances.accounting.actions.common import MAX_ERRORS, PURPOSE, WEBHOOK_EVENT
from xfinances.accounting.actions.delivery import (
    deliver_batch_to_folder,
    deliver_to_folder,
    message_failed,
    message_sent,
    redeliver_queued_folders,
    retry_batch,
)
from xfinances.accounting.actions.destinations import create_destination, set_destination_active
from xfinances.accounting.actions.exporting import ExportResult, export_period
from xfinances.accounting.actions.mapping import update_account_mapping
from xfinances.accounting.actions.rendering import (
    Pending,
    context_for,
    render_period,
    write_period_files,
)
from xfinances.accounting.actions.sync import (
    is_due,
    mark_changed,
    run_due_destinations,
    sync_destination,
    sync_on_issue,
)
from xfinances.accounting.actions.vat_close import close_vat_period, reopen_vat_period
from xfinances.accounting.inputs import (
    AccountMappingInput,
    DestinationInput,
    ExportInput,
    PeriodReopenInput,
    folder_problem,
)

__all__ = [
    "MAX_ERRORS",
    "PURPOSE",
    "WEBHOOK_EVENT",
    "ZIP_DATE",
    "AccountMappingInput",
    "DestinationInput",
    "ExportInput",
    "ExportResult",
    "Pending",
    "PeriodReopenInput",
    "batch_files",
    "close_vat_period",
    "context_for",
    "create_destination",
    "deliver_batch_to_folder",
    "deliver_to_folder",
    "export_period",
    "folder_problem",
    "is_due",
    "mark_changed",
    "message_failed",
    "message_sent",
    "redeliver_queued_folders",
    "render_period",
    "reopen_vat_period",
    "retry_batch",
    "run_due_destinations",
    "set_destination_active",
    "sync_destination",
    "sync_on_issue",
    "unpack_batch",
    "update_account_mapping",
    "write_period_files",
    "zip_files",
]

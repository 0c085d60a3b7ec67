"""Every write of the payments area, one module per kind of write: recording payments,
allocations to documents and supplier invoices, settlements without money (credit notes,
write-offs of documents, refunds, undo), write-offs of an overpayment or a supplier invoice's
difference, taking back a payment recorded by mistake, reminder levels and pauses, and the
reminder run.

Allocation actions lock the payment and the documents (locks.py) before reading any amount
they check, so the sums of allocations never exceed either side, whatever runs at the same
time. Amounts are Decimal; conversions round half-up to the cent (money.RoundingPoint).
Callers use `from xfinances.payments import actions` and the names below.
"""

from __future__ import annotations

from xfinances.payments.actions.allocation import (
    allocate,
    allocate_supplier_invoices,
)
from xfinances.payments.actions.bank_matches import (
    MatchedPaymentInput,
    RecordedPayment,
    record_matched_payments,
)
from xfinances.payments.actions.common import (
    CLAIM_KINDS,
    ZERO,
    document_eur_rate,
)
from xfinances.payments.actions.marking import MarkPaidInput, mark_document_paid
from xfinances.payments.actions.recording import (
    PaymentInput,
    record_payment,
)
from xfinances.payments.actions.refunds import (
    RefundInput,
    link_refund,
    refund_credit,
    unlink_refund,
)
from xfinances.payments.actions.reminder_run import (
    STALE_RUN_MINUTES,
    RunResult,
    compose_reminder,
    emit_overdue_events,
    reminder_language,
    run_reminders,
)
from xfinances.payments.actions.reminder_settings import (
    DEFAULT_LEVELS,
    LEVEL_FIELDS,
    DunningLevelInput,
    PaymentSettingsInput,
    delete_level,
    end_pause,
    ensure_default_levels,
    pause_reminders,
    save_level,
    update_payment_settings,
)
from xfinances.payments.actions.settlement import (
    apply_credit_note,
    apply_open_credit_notes,
    offset_credit_note_on_issue,
    release_voided_document,
    undo_allocation,
    write_off,
)
from xfinances.payments.actions.supplier_notes import (
    apply_supplier_credit_note,
    set_off_supplier_note_on_register,
)
from xfinances.payments.actions.take_back import MoneyFate, TakenBack, take_back_payment
from xfinances.payments.actions.take_back import refusal as take_back_refusal
from xfinances.payments.actions.webhooks import payment_data
from xfinances.payments.actions.write_offs import (
    WriteOffInput,
    check_payment_invariant,
    undo_write_off,
    write_off_payment,
    write_off_supplier_invoice,
)
from xfinances.payments.queries import settings_of
from xfinances.payments.rates import eur_value, exchange_difference

__all__ = [
    "CLAIM_KINDS",
    "DEFAULT_LEVELS",
    "LEVEL_FIELDS",
    "STALE_RUN_MINUTES",
    "ZERO",
    "DunningLevelInput",
    "MarkPaidInput",
    "MatchedPaymentInput",
    "MoneyFate",
    "PaymentInput",
    "PaymentSettingsInput",
    "RecordedPayment",
    "RefundInput",
    "RunResult",
    "TakenBack",
    "WriteOffInput",
    "allocate",
    "allocate_supplier_invoices",
    "apply_credit_note",
    "apply_open_credit_notes",
    "apply_supplier_credit_note",
    "check_payment_invariant",
    "compose_reminder",
    "delete_level",
    "document_eur_rate",
    "emit_overdue_events",
    "end_pause",
    "ensure_default_levels",
    "eur_value",
    "exchange_difference",
    "link_refund",
    "mark_document_paid",
    "offset_credit_note_on_issue",
    "pause_reminders",
    "payment_data",
    "record_matched_payments",
    "record_payment",
    "refund_credit",
    "release_voided_document",
    "reminder_language",
    "run_reminders",
    "save_level",
    "set_off_supplier_note_on_register",
    "settings_of",
    "take_back_payment",
    "take_back_refusal",
    "undo_allocation",
    "undo_write_off",
    "unlink_refund",
    "update_payment_settings",
    "write_off",
    "write_off_payment",
    "write_off_supplier_invoice",
]

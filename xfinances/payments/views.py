"""Pages of payments and receivables. Thin: read through queries, write through actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from xfinances.core import formatting
from xfinances.core.exceptions import ActionError, Conflict, InvalidInput
from xfinances.core.tenancy import CompanyRequest, company_object_or_404, company_view
from xfinances.invoicing.models import Document
from xfinances.parties.models import Party
from xfinances.payments import actions, aging, exports, queries
from xfinances.payments.models import (
    Allocation,
    CatchUp,
    DunningLevel,
    DunningPause,
    Payment,
    ReminderRun,
    RunKind,
    WriteOff,
)
from xfinances.purchases.models import SupplierInvoice
from xfinances.treasury import queries as treasury_queries
from xfinances.treasury.events import movement_links, typed_movement_notes
from xfinances.treasury.models import MoneyAccount

M = TypeVar("M", bound=Model)


def _day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _message(error: ActionError) -> str:
    if isinstance(error, InvalidInput):
        return " ".join(m for ms in error.errors.values() for m in ms)
    if isinstance(error, Conflict):
        return error.message
    return str(error) or _("Your role does not allow this action.")


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to the page named by the form's `next` (a path of this site) or to `fallback`."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect(target)
    return redirect(fallback)


def _file(content: bytes, name: str, kind: str) -> HttpResponse:
    types = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
    }
    response = HttpResponse(content, content_type=types[kind])
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@company_view("payments.view")
def receivables(request: CompanyRequest) -> HttpResponse:
    """Aging of receivables per client at ?on= (CSV/XLSX with ?format=)."""
    company = request.company
    on = _day(request.GET.get("on"))
    direction = request.GET.get("direction", aging.AgingDirection.RECEIVABLE)
    if direction not in aging.AgingDirection.VALUES:
        direction = aging.AgingDirection.RECEIVABLE
    rows = aging.aging(company, on, direction)
    kind = request.GET.get("format", "")
    if kind in ("csv", "xlsx"):
        header, body = exports.aging_table(rows, direction)
        name = f"aging-{direction}-{on.isoformat()}"
        content = (
            exports.to_csv(header, body) if kind == "csv" else exports.to_xlsx(name, header, body)
        )
        return _file(content, name, kind)
    return render(
        request,
        "payments/receivables.html",
        {
            "on": on,
            "direction": direction,
            "payable": direction == aging.AgingDirection.PAYABLE,
            "rows": rows,
            "totals": aging.aging_totals(rows),
            "buckets": aging.AGING_BUCKETS,
        },
    )


@company_view("payments.view")
def payment_list(request: CompanyRequest) -> HttpResponse:
    company = request.company
    found = queries.payments(
        company,
        direction=request.GET.get("direction", ""),
        unallocated_only=bool(request.GET.get("unallocated")),
    )
    kind = request.GET.get("format", "")
    if kind in ("csv", "xlsx"):
        header, body = exports.payments_table(list(found[:100000]))
        content = (
            exports.to_csv(header, body)
            if kind == "csv"
            else exports.to_xlsx("payments", header, body)
        )
        return _file(content, "payments", kind)
    parties = Party.objects.filter(company=company, is_archived=False).order_by("name")[:500]
    accounts = _accounts_to_move(request)
    return render(
        request,
        "payments/list.html",
        {
            "payments": found[:200],
            "parties": parties,
            "accounts": accounts,
            "today": timezone.localdate(),
        },
    )


def _accounts_to_move(request: CompanyRequest) -> Any:
    """The money accounts the user may record money on."""
    company = request.company
    access = treasury_queries.access_for_user(company, request.user)
    accounts = treasury_queries.visible_accounts(company, access).order_by("name")
    if access.move is not None:
        accounts = accounts.filter(pk__in=access.move)
    return accounts


def _posted(request: CompanyRequest, rows: QuerySet[M], name: str) -> M | None:
    """The row of `rows` whose id the form posts as `name`; None when none is posted, the value
    is no id, or no such row is there (`rows` already limited to the company)."""
    value = request.POST.get(name) or ""
    return rows.filter(pk=value).first() if value.isdigit() else None


def _posted_account(request: CompanyRequest) -> MoneyAccount | None:
    """The money account the form names (none chosen: None); one of another company or not
    the user's to move money on is refused."""
    if not request.POST.get("account"):
        return None
    account = _posted(request, _accounts_to_move(request), "account")
    if account is None:
        raise InvalidInput({"account": [_("No such account in this company.")]})
    return account


@company_view("payments.change")
@require_POST
def payment_new(request: CompanyRequest) -> HttpResponse:
    company = request.company
    party_id = request.POST.get("party") or None
    party = Party.objects.filter(company=company, pk=party_id).first() if party_id else None
    try:
        account = _posted_account(request)
        data = actions.PaymentInput.read(
            {
                "direction": request.POST.get("direction", ""),
                "date": request.POST.get("date", ""),
                "amount": request.POST.get("amount", ""),
                "currency": request.POST.get("currency", ""),
                "party": party,
                "method": request.POST.get("method") or "bank_transfer",
                "account": account,
                "bank_reference": request.POST.get("bank_reference", ""),
                "note": request.POST.get("note", ""),
            }
        )
        payment = actions.record_payment(request.actor, company, data)
    except ActionError as error:
        messages.error(request, _message(error))
        return redirect("payments:list", company.eik)
    _say_typed_notes(request, payment)
    return redirect("payments:payment", company.eik, payment.pk)


def _say_typed_notes(request: CompanyRequest, payment: Payment) -> None:
    """What the apps above say of the movement a payment typed in by hand made (banking: the
    statement lines it may be, waiting in the review queue)."""
    if payment.movement is not None:
        for note in typed_movement_notes.collect(movement=payment.movement):
            messages.warning(request, note)


@company_view("payments.view")
def payment_detail(request: CompanyRequest, payment_id: int) -> HttpResponse:
    company = request.company
    payment = get_object_or_404(
        Payment.objects.select_related("party", "movement__account"), company=company, pk=payment_id
    )
    open_documents: Any = []
    if payment.party_id and payment.unallocated > 0:
        open_documents = queries.open_claims(company).filter(party_id=payment.party_id)
        if payment.direction == "out":
            open_documents = []
        else:
            open_documents = open_documents.order_by("due_date", "id")[:100]
    write_offs = list(queries.write_offs_of_payment(payment))
    refundable = payment.unallocated > 0 and not payment.refund_of_id
    return render(
        request,
        "payments/detail.html",
        {
            "payment": payment,
            "refunds": Payment.objects.filter(company=company, refund_of=payment).order_by(
                "date", "id"
            ),
            "refundable": refundable,
            "accounts": _accounts_to_move(request) if refundable else [],
            "refund_candidates": queries.refund_candidates(payment),
            "today": timezone.localdate(),
            "allocations": queries.allocations_of_payment(payment),
            "open_documents": open_documents,
            "write_offs": write_offs,
            "take_back_refused": actions.take_back_refusal(payment),
            # What else stands on its money (the bank line whose match is undone there).
            "money_links": [
                link
                for link in (
                    movement_links.collect(movement=payment.movement) if payment.movement else []
                )
                if link.url != request.path
            ],
            "written_off": sum((w.amount for w in write_offs if w.is_active), Decimal(0)),
            # The few cents left may be written off (the action judges again).
            "write_off_fits": payment.unallocated > 0
            and queries.fits_write_off_tolerance(company, payment.unallocated, payment.eur_rate),
        },
    )


@company_view("payments.change")
@require_POST
def payment_write_off(request: CompanyRequest, payment_id: int) -> HttpResponse:
    """Write off the unallocated rest of a payment (an overpayment) with a reason."""
    company = request.company
    payment = company_object_or_404(company, Payment, pk=payment_id)
    _write_off_from_form(request, actions.write_off_payment, payment, payment.currency)
    return redirect("payments:payment", company.eik, payment.pk)


@company_view("payments.change")
@require_POST
def payment_refund(request: CompanyRequest, payment_id: int) -> HttpResponse:
    """Pay back a client's credit, or record a supplier's return of our overpayment: a
    payment the other way, linked to this one's unallocated rest."""
    company = request.company
    payment = company_object_or_404(company, Payment, pk=payment_id)
    try:
        data = actions.RefundInput.read(
            {
                "amount": request.POST.get("amount", ""),
                "date": request.POST.get("date", ""),
                "account": _posted_account(request),
                "note": request.POST.get("note", ""),
            }
        )
        refund = actions.refund_credit(request.actor, payment, data)
    except ActionError as error:
        messages.error(request, _message(error))
        return redirect("payments:payment", company.eik, payment.pk)
    messages.success(
        request,
        _("%(amount)s recorded as a refund of this payment.")
        % {"amount": formatting.money(refund.amount, refund.currency)},
    )
    _say_typed_notes(request, refund)
    return redirect("payments:payment", company.eik, payment.pk)


@company_view("payments.change")
@require_POST
def payment_link_refund(request: CompanyRequest, payment_id: int) -> HttpResponse:
    """This payment (a bank entry, say) is the refund of another payment's rest."""
    company = request.company
    payment = company_object_or_404(company, Payment, pk=payment_id)
    returned = _posted(request, Payment.objects.filter(company=company), "payment")
    try:
        if returned is None:
            raise InvalidInput({"payment": [_("Choose another payment of this company.")]})
        actions.link_refund(request.actor, payment, returned)
    except ActionError as error:
        messages.error(request, _message(error))
    else:
        messages.success(
            request,
            _("This payment now returns the rest of the payment of %(payment)s.")
            % {"payment": returned},
        )
    return redirect("payments:payment", company.eik, payment.pk)


@company_view("payments.change")
@require_POST
def payment_unlink_refund(request: CompanyRequest, payment_id: int) -> HttpResponse:
    """This payment is no refund after all: unallocated again, the other one's rest back."""
    company = request.company
    payment = company_object_or_404(company, Payment, pk=payment_id)
    try:
        actions.unlink_refund(request.actor, payment, reason=request.POST.get("reason", ""))
    except ActionError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("The payment is no refund now: it is unallocated again."))
    return redirect("payments:payment", company.eik, payment.pk)


@company_view("payments.change")
@require_POST
def payment_take_back(request: CompanyRequest, payment_id: int) -> HttpResponse:
    """A payment recorded by mistake goes, with what it settled and (unless it came) its money."""
    company = request.company
    payment = company_object_or_404(company, Payment, pk=payment_id)
    try:
        taken = actions.take_back_payment(
            request.actor,
            payment,
            reason=request.POST.get("reason", ""),
            keep_money=bool(request.POST.get("keep_money")),
        )
    except ActionError as error:
        messages.error(request, _message(error))
        return redirect("payments:payment", company.eik, payment.pk)
    messages.success(request, _taken_back_message(taken))
    return redirect("payments:list", company.eik)


def _taken_back_message(taken: actions.TakenBack) -> str:
    money = {
        actions.MoneyFate.DELETED: _("its movement was deleted"),
        actions.MoneyFate.REVERSED: _("its movement was reversed on %(date)s")
        % {"date": formatting.date(taken.reversal.date) if taken.reversal else ""},
        actions.MoneyFate.KEPT: _("its money stays on the account, unallocated"),
        actions.MoneyFate.NONE: _("it brought no money into an account"),
    }[taken.money]
    return ngettext(
        "The payment is taken back: %(count)s allocation undone; %(money)s.",
        "The payment is taken back: %(count)s allocations undone; %(money)s.",
        taken.undone_allocations,
    ) % {"count": taken.undone_allocations, "money": money}


def _write_off_from_form(
    request: CompanyRequest, write_off: Callable[..., WriteOff], target: Any, currency: str
) -> None:
    """Read the write-off form (amount, reason), run the action, say what happened."""
    try:
        data = actions.WriteOffInput.read(
            {"reason": request.POST.get("reason", ""), "amount": request.POST.get("amount")}
        )
        item = write_off(request.actor, target, data)
        messages.success(
            request,
            _("%(amount)s %(currency)s written off.")
            % {"amount": formatting.amount(item.amount), "currency": currency},
        )
    except ActionError as error:
        messages.error(request, _message(error))


@company_view("payments.view")
def supplier_invoice_detail(request: CompanyRequest, supplier_invoice_id: int) -> HttpResponse:
    """A supplier invoice's payments and write-offs (the invoice itself: Purchases)."""
    company = request.company
    invoice = get_object_or_404(
        SupplierInvoice.objects.select_related("supplier"), company=company, pk=supplier_invoice_id
    )
    return render(
        request,
        "payments/supplier_invoice.html",
        {
            "invoice": invoice,
            "allocations": queries.allocations_of_supplier_invoice(invoice),
            "write_offs": queries.write_offs_of_supplier_invoice(invoice),
            "set_off_targets": queries.set_off_targets(invoice),
            "note_left": invoice.total - invoice.amount_credited,
            "write_off_fits": invoice.is_payable
            and invoice.remaining > 0
            and queries.fits_write_off_tolerance(company, invoice.remaining, invoice.exchange_rate),
        },
    )


@company_view("payments.change")
@require_POST
def supplier_set_off(request: CompanyRequest, supplier_invoice_id: int) -> HttpResponse:
    """Set a supplier's credit note off against one of the supplier's open invoices."""
    company = request.company
    note = company_object_or_404(company, SupplierInvoice, pk=supplier_invoice_id)
    target = _posted(request, SupplierInvoice.objects.filter(company=company), "invoice")
    try:
        made = actions.apply_supplier_credit_note(
            request.actor, note, target, request.POST.get("amount") or None
        )
    except ActionError as error:
        messages.error(request, _message(error))
    else:
        messages.success(
            request,
            _("%(amount)s of the credit note set off: no longer to pay on %(number)s.")
            % {
                "amount": formatting.money(made.amount, note.currency),
                "number": made.supplier_invoice.supplier_number if made.supplier_invoice else "",
            },
        )
    return redirect("payments:supplier_invoice", company.eik, note.pk)


@company_view("payments.change")
@require_POST
def supplier_invoice_write_off(request: CompanyRequest, supplier_invoice_id: int) -> HttpResponse:
    """Write off the small unpaid remainder of a supplier invoice with a reason."""
    company = request.company
    invoice = company_object_or_404(company, SupplierInvoice, pk=supplier_invoice_id)
    _write_off_from_form(request, actions.write_off_supplier_invoice, invoice, invoice.currency)
    return _back(request, reverse("payments:supplier_invoice", args=[company.eik, invoice.pk]))


@company_view("payments.change")
@require_POST
def payment_allocate(request: CompanyRequest, payment_id: int) -> HttpResponse:
    company = request.company
    payment = company_object_or_404(company, Payment, pk=payment_id)
    document = Document.objects.filter(
        company=company, pk=request.POST.get("document") or 0
    ).first()
    try:
        if document is None:
            raise InvalidInput({"document": [_("Choose a document.")]})
        amount = request.POST.get("amount") or None
        actions.allocate(request.actor, payment, [(document, amount)])
        messages.success(request, _("Allocated."))
    except ActionError as error:
        messages.error(request, _message(error))
    return redirect("payments:payment", company.eik, payment.pk)


@company_view("payments.change")
@require_POST
def allocation_undo(request: CompanyRequest, allocation_id: int) -> HttpResponse:
    company = request.company
    allocation = company_object_or_404(company, Allocation, pk=allocation_id)
    try:
        actions.undo_allocation(
            request.actor,
            allocation,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("The allocation was undone."))
    except ActionError as error:
        messages.error(request, _message(error))
    if allocation.payment_id:
        fallback = reverse("payments:payment", args=[company.eik, allocation.payment_id])
    elif allocation.supplier_invoice_id:
        fallback = reverse(
            "payments:supplier_invoice", args=[company.eik, allocation.supplier_invoice_id]
        )
    else:
        fallback = reverse("payments:document", args=[company.eik, allocation.document_id])
    return _back(request, fallback)


@company_view("payments.view")
def document_detail(request: CompanyRequest, document_id: int) -> HttpResponse:
    company = request.company
    document = company_object_or_404(company, Document, pk=document_id)
    return render(
        request,
        "payments/document.html",
        {
            "document": document,
            "state": queries.document_payment(document),
            "allocations": queries.allocations_of_document(document),
            "reminders": queries.reminders_of_document(document),
        },
    )


@company_view("payments.change")
@require_POST
def document_write_off(request: CompanyRequest, document_id: int) -> HttpResponse:
    company = request.company
    document = company_object_or_404(company, Document, pk=document_id)
    try:
        actions.write_off(request.actor, document, reason=request.POST.get("reason", ""))
        messages.success(request, _("Written off."))
    except ActionError as error:
        messages.error(request, _message(error))
    return _back(request, reverse("payments:document", args=[company.eik, document.pk]))


@company_view("payments.change")
@require_POST
def write_off_undo(request: CompanyRequest, write_off_id: int) -> HttpResponse:
    company = request.company
    item = get_object_or_404(WriteOff, company=company, pk=write_off_id)
    try:
        actions.undo_write_off(request.actor, item, reason=request.POST.get("reason", ""))
        messages.success(request, _("The write-off was undone."))
    except ActionError as error:
        messages.error(request, _message(error))
    if item.payment_id:
        fallback = reverse("payments:payment", args=[company.eik, item.payment_id])
    elif item.supplier_invoice_id:
        fallback = reverse(
            "payments:supplier_invoice", args=[company.eik, item.supplier_invoice_id]
        )
    else:
        fallback = reverse("payments:document", args=[company.eik, item.document_id])
    return _back(request, fallback)


@company_view("payments.change")
@require_POST
def document_mark_paid(request: CompanyRequest, document_id: int) -> HttpResponse:
    """ "Mark as paid" from the document page: the payment into the chosen account, allocated."""
    company = request.company
    document = get_object_or_404(Document, company=company, pk=document_id)
    account = _posted(request, MoneyAccount.objects.filter(company=company), "account")
    try:
        data = actions.MarkPaidInput.read(
            {
                "account": account,
                "date": request.POST.get("date", ""),
                "amount": request.POST.get("amount") or None,
            }
        )
        payment = actions.mark_document_paid(request.actor, document, data)
        messages.success(
            request, _("Payment recorded: %(number)s is paid.") % {"number": document.number}
        )
        _say_typed_notes(request, payment)
    except ActionError as error:
        messages.error(request, _message(error))
    return redirect(reverse("invoicing:detail", args=[company.eik, document.pk]) + "?tab=payments")


@company_view("payments.view")
def statement(request: CompanyRequest, party_id: int) -> HttpResponse:
    company = request.company
    party = company_object_or_404(company, Party, pk=party_id)
    today = timezone.localdate()
    date_to = _day(request.GET.get("to"))
    date_from = _day(request.GET.get("from") or (today.replace(month=1, day=1)).isoformat())
    currency = request.GET.get("currency") or company.default_currency
    result = aging.statement(company, party, currency, date_from, date_to)
    kind = request.GET.get("format", "")
    name = f"statement-{party.pk}-{date_to.isoformat()}"
    if kind == "xlsx":
        header, body = exports.statement_table(result)
        return _file(exports.to_xlsx(_("Statement"), header, body), name, "xlsx")
    if kind == "pdf":
        return _file(exports.statement_pdf(result, company), name, "pdf")
    return render(
        request,
        "payments/statement.html",
        {
            "statement": result,
            "party": party,
            "reminders": queries.reminders_of_party(company, party)[:50],
            "credit": aging.party_credit(company, party),
        },
    )


@company_view("payments.view")
def reminders(request: CompanyRequest) -> HttpResponse:
    company = request.company
    on = _day(request.GET.get("on"))
    planned, levels = queries.reminder_plan(company, on)
    names = dict(
        Party.objects.filter(
            company=company, pk__in=[e.party_id for e in planned.emails]
        ).values_list("id", "name")
    )
    preview = [
        {"party": names.get(e.party_id, ""), "level": levels[e.level_id], "email": e}
        for e in planned.emails
    ]
    return render(
        request,
        "payments/reminders.html",
        {
            "on": on,
            "preview": preview,
            "levels": DunningLevel.objects.filter(company=company),
            "runs": ReminderRun.objects.filter(company=company)[:20],
            "pauses": DunningPause.objects.filter(
                company=company, ended_at__isnull=True
            ).select_related("document", "party")[:50],
            "settings_row": actions.settings_of(company),
            "catch_up_choices": CatchUp.choices,
            "clients": Party.objects.filter(company=company, is_client=True, is_archived=False)
            .order_by("name")
            .only("id", "name")[:500],
            "open_documents": queries.open_claims(company)
            .select_related("party")
            .order_by("-issue_date", "-id")[:300],
        },
    )


@company_view("dunning.manage")
@require_POST
def payment_settings_save(request: CompanyRequest) -> HttpResponse:
    company = request.company
    try:
        actions.update_payment_settings(
            request.actor,
            company,
            actions.PaymentSettingsInput.read_changes(
                {
                    "reminder_catch_up": request.POST.get("reminder_catch_up", ""),
                    # An unticked box is not sent at all: it means off.
                    "apply_credit_notes_on_issue": request.POST.get("apply_credit_notes_on_issue"),
                }
            ),
        )
        messages.success(request, _("Settings saved."))
    except ActionError as error:
        messages.error(request, _message(error))
    return redirect("payments:reminders", company.eik)


@company_view("dunning.manage")
@require_POST
def reminders_send_now(request: CompanyRequest) -> HttpResponse:
    company = request.company
    try:
        result = actions.run_reminders(
            request.actor,
            company,
            timezone.localdate(),
            kind=RunKind.MANUAL,
        )
        messages.success(
            request, _("%(count)s e-mails queued.") % {"count": result.emails if result else 0}
        )
    except ActionError as error:
        messages.error(request, _message(error))
    return redirect("payments:reminders", company.eik)


@company_view("dunning.manage")
@require_POST
def reminders_default_levels(request: CompanyRequest) -> HttpResponse:
    company = request.company
    actions.ensure_default_levels(request.actor, company)
    return redirect("payments:reminders", company.eik)


@company_view("dunning.manage")
@require_POST
def pause_end(request: CompanyRequest, pause_id: int) -> HttpResponse:
    company = request.company
    pause = company_object_or_404(company, DunningPause, pk=pause_id)
    actions.end_pause(request.actor, pause)
    return redirect("payments:reminders", company.eik)


LEVEL_TEXT_FIELDS = (
    "name",
    "name_en",
    "days_after_due",
    "subject_bg",
    "body_bg",
    "subject_en",
    "body_en",
    "fee",
    "recipients",
)


def _level_data(request: HttpRequest) -> dict[str, object]:
    data: dict[str, object] = {k: request.POST.get(k, "") for k in LEVEL_TEXT_FIELDS}
    data["charge_interest"] = bool(request.POST.get("charge_interest"))
    data["is_active"] = bool(request.POST.get("is_active"))
    return data


@company_view("dunning.manage")
def level_detail(request: CompanyRequest, level_id: int) -> HttpResponse:
    company = request.company
    level = company_object_or_404(company, DunningLevel, pk=level_id)
    if request.method == "POST":
        try:
            changes = actions.DunningLevelInput.read_changes(_level_data(request))
            actions.save_level(request.actor, company, level, changes)
            messages.success(request, _("Saved."))
            return redirect("payments:reminders", company.eik)
        except ActionError as error:
            messages.error(request, _message(error))
    return render(request, "payments/level.html", {"level": level})


@company_view("dunning.manage")
def level_new(request: CompanyRequest) -> HttpResponse:
    """A new reminder level (the form of a level, empty)."""
    company = request.company
    values: dict[str, object] = {"recipients": "client", "is_active": True, "fee": "0.00"}
    if request.method == "POST":
        values = _level_data(request)
        try:
            changes = actions.DunningLevelInput.read_changes(values)
            actions.save_level(request.actor, company, None, changes)
            messages.success(request, _("Level added."))
            return redirect("payments:reminders", company.eik)
        except ActionError as error:
            messages.error(request, _message(error))
    return render(request, "payments/level.html", {"level": values, "is_new": True})


@company_view("dunning.manage")
@require_POST
def level_delete(request: CompanyRequest, level_id: int) -> HttpResponse:
    company = request.company
    level = company_object_or_404(company, DunningLevel, pk=level_id)
    try:
        actions.delete_level(request.actor, level)
        messages.success(request, _("Level deleted."))
    except ActionError as error:
        messages.error(request, _message(error))
    return redirect("payments:reminders", company.eik)


@company_view("dunning.manage")
@require_POST
def pause_new(request: CompanyRequest) -> HttpResponse:
    """Pause reminders for one client or one document until a day."""
    company = request.company
    party_id = request.POST.get("party") or ""
    document_id = request.POST.get("document") or ""
    party = _posted(request, Party.objects.filter(company=company), "party")
    document = _posted(request, Document.objects.filter(company=company), "document")
    try:
        if (party_id and party is None) or (document_id and document is None):
            raise InvalidInput({"__all__": [_("Choose a client or a document of this company.")]})
        actions.pause_reminders(
            request.actor,
            company,
            reason=request.POST.get("reason", ""),
            until=request.POST.get("until", ""),
            document=document,
            party=party,
        )
        messages.success(request, _("Reminders paused."))
    except ActionError as error:
        messages.error(request, _message(error))
    return redirect("payments:reminders", company.eik)

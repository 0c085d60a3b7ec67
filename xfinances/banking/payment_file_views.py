"""Pages of supplier payment files: a payment batch of purchases → its pain.001 file.
Thin: find the company's batch (404 otherwise), call `make_payment_file`, show refusals."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xfinances.banking import actions, queries
from xfinances.banking.forms import PaymentFileForm
from xfinances.banking.models import PaymentFile, PaymentFileSchema
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.forms import apply_errors, set_choices
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.purchases import queries as purchases_queries


@company_view("purchases.pay")
def payment_file(request: CompanyRequest, payment_batch_id: int) -> HttpResponse:
    """The batch, the suppliers whose IBAN changed, the form that makes the file, and the files
    made before (each downloadable again, byte for byte)."""
    company = request.company
    batch = purchases_queries.payment_batch(company, payment_batch_id)
    if batch is None:
        raise Http404
    accounts = list(queries.bank_accounts(company).order_by("name"))
    form = PaymentFileForm(
        request.POST or None,
        initial={"schema": PaymentFileSchema.V09, "account": accounts[0].pk if accounts else None},
    )
    set_choices(form.fields["account"], [(a.pk, f"{a.name} · {a.iban}") for a in accounts])
    if request.method == "POST" and form.is_valid():
        data = actions.PaymentFileInput.read(form.cleaned_data)
        try:
            made = actions.make_payment_file(request.actor, company, batch, data)
        except (InvalidInput, Conflict) as error:
            apply_errors(form, error)
        except NotAllowed as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Payment file %(name)s made: upload it to the bank.") % {"name": made.file_name},
            )
            return redirect("banking:payment_file", company.eik, batch.pk)
    return render(
        request,
        "banking/payment_file.html",
        {
            "batch": batch,
            "items": purchases_queries.payment_batch_items(company, batch),
            "warnings": actions.iban_flags(company, batch),
            "files": queries.payment_files(company, batch),
            "form": form,
            "has_accounts": bool(accounts),
        },
    )


@company_view("purchases.pay")
def payment_file_download(request: CompanyRequest, payment_file_id: int) -> HttpResponse:
    stored = queries.payment_file(request.company, payment_file_id)
    if stored is None:
        raise Http404
    return as_download(stored)


def as_download(stored: PaymentFile) -> HttpResponse:
    """The file as it was made (the page and the API serve the same bytes)."""
    response = HttpResponse(bytes(stored.content), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{stored.file_name}"'
    response["ETag"] = f'"{stored.sha256}"'
    return response

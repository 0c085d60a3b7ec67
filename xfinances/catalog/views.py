"""Pages for products, services and VAT treatments. Thin: forms check shape, actions do the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.catalog import actions, queries
from xfinances.catalog.forms import ProductFilterForm, ProductForm, VatTreatmentForm
from xfinances.catalog.inputs import ProductInput, VatTreatmentInput
from xfinances.catalog.models import Product, VatTreatment
from xfinances.core import formatting
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.forms import apply_errors
from xfinances.core.tenancy import CompanyRequest, company_view

PAGE_SIZE = 50


def _product(request: CompanyRequest, product_id: int) -> Product:
    found = queries.product(request.company, product_id)
    if found is None:
        raise Http404
    return found


@company_view("catalog.view")
def product_list(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = ProductFilterForm(request.GET or None)
    q, archived = "", False
    if form.is_valid():
        q, archived = form.cleaned_data["q"], bool(form.cleaned_data["archived"])
    page = Paginator(queries.products(company, q=q, archived=archived), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "product-results":
        return render(request, "catalog/_results.html", context)
    return render(request, "catalog/list.html", context)


def _product_form_page(request: CompanyRequest, product: Product | None) -> HttpResponse:
    company = request.company
    treatments = list(queries.vat_treatments(company, active_only=True))
    if product is not None and product.vat_treatment not in treatments:
        treatments.append(product.vat_treatment)
    status = 200
    if request.method == "POST":
        form = ProductForm(request.POST, treatments=treatments)
        if form.is_valid():
            try:
                if product is None:
                    product = actions.create_product(
                        request.actor, company, ProductInput.read(form.action_data())
                    )
                    messages.success(request, _("%(name)s added.") % {"name": product.name})
                else:
                    actions.update_product(
                        request.actor, product, ProductInput.read_changes(form.action_data())
                    )
                    messages.success(request, _("Changes saved."))
            except (InvalidInput, Conflict) as error:
                apply_errors(form, error)
            except NotAllowed as error:
                form.add_error(None, str(error))
            else:
                return redirect("catalog:list", company.eik)
        status = 422 if form.errors else 200
    else:
        initial: dict[str, Any] = {"currency": company.default_currency}
        if product is not None:
            initial = {
                name: getattr(product, name)
                for name in ProductForm.base_fields
                if name != "vat_treatment"
            }
            initial["unit_price"] = formatting.number(
                product.unit_price, min_places=2, max_places=4, grouping=False
            )
            initial["vat_treatment"] = str(product.vat_treatment_id)
        else:
            standard = next((t for t in treatments if t.code == "standard"), None)
            if standard is not None:
                initial["vat_treatment"] = str(standard.pk)
        form = ProductForm(initial=initial, treatments=treatments)
    return render(request, "catalog/form.html", {"form": form, "product": product}, status=status)


@company_view("catalog.change")
def product_create(request: CompanyRequest) -> HttpResponse:
    return _product_form_page(request, None)


@company_view("catalog.change")
def product_edit(request: CompanyRequest, product_id: int) -> HttpResponse:
    return _product_form_page(request, _product(request, product_id))


@company_view("catalog.change")
@require_POST
def product_archive(request: CompanyRequest, product_id: int) -> HttpResponse:
    product = actions.archive_product(request.actor, _product(request, product_id))
    messages.success(request, _("%(name)s archived.") % {"name": product.name})
    return redirect("catalog:list", request.company.eik)


@company_view("catalog.change")
@require_POST
def product_restore(request: CompanyRequest, product_id: int) -> HttpResponse:
    product = actions.restore_product(request.actor, _product(request, product_id))
    messages.success(request, _("%(name)s restored.") % {"name": product.name})
    return redirect("catalog:list", request.company.eik)


@company_view("catalog.view")
def vat_treatment_list(request: CompanyRequest) -> HttpResponse:
    treatments = queries.vat_treatments(request.company)
    return render(request, "catalog/vat_treatments.html", {"treatments": treatments})


def _vat_form_page(request: CompanyRequest, treatment: VatTreatment | None) -> HttpResponse:
    company = request.company
    status = 200
    if request.method == "POST":
        form = VatTreatmentForm(request.POST)
        if form.is_valid():
            try:
                if treatment is None:
                    actions.create_vat_treatment(
                        request.actor, company, VatTreatmentInput.read(form.cleaned_data)
                    )
                else:
                    actions.update_vat_treatment(
                        request.actor, treatment, VatTreatmentInput.read_changes(form.cleaned_data)
                    )
            except (InvalidInput, Conflict) as error:
                apply_errors(form, error)
            except NotAllowed as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("VAT treatment saved."))
                return redirect("catalog:vat_treatments", company.eik)
        status = 422 if form.errors else 200
    elif treatment is not None:
        initial = {name: getattr(treatment, name) for name in VatTreatmentForm.base_fields}
        initial["rate"] = formatting.percent(treatment.rate) if treatment.rate is not None else ""
        form = VatTreatmentForm(initial=initial)
    else:
        form = VatTreatmentForm()
    return render(
        request,
        "catalog/vat_treatment_form.html",
        {"form": form, "treatment": treatment},
        status=status,
    )


@company_view("settings.change")
def vat_treatment_create(request: CompanyRequest) -> HttpResponse:
    return _vat_form_page(request, None)


@company_view("settings.change")
def vat_treatment_edit(request: CompanyRequest, treatment_id: int) -> HttpResponse:
    treatment = queries.vat_treatment(request.company, treatment_id)
    if treatment is None:
        raise Http404
    return _vat_form_page(request, treatment)

"""The sales-document pages: list (filters, search, keyset pages, query count), the form (drafts,
errors on fields, live totals, issue), detail actions (void, edit with reason, locks), bulk
actions and the role matrix."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from xfinances.catalog.inputs import ProductInput
from xfinances.core.audit import Actor
from xfinances.core.models import Source
from xfinances.invoicing import actions, inputs, lifecycle
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.invoicing.tests.factories import bg_client, draft, issued, line
from xfinances.invoicing.views import lists as list_views

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system(Source.CLI)


def url(company: Any, rest: str = "") -> str:
    return f"/c/{company.eik}/documents/{rest}"


def rows_of(response: Any) -> list[Document]:
    return list(response.context["rows"])


def form_data(
    party_id: Any = "", lines: list[dict[str, str]] | None = None, **header: str
) -> dict[str, Any]:
    today = timezone.localdate().isoformat()
    data: dict[str, Any] = {
        "kind": "invoice",
        "party_id": str(party_id),
        "issue_date": today,
        "tax_event_date": today,
        "due_date": "",
        "currency": "EUR",
        "language": "bg",
        "payment_method": "bank_transfer",
        "place_of_issue": "София",
        "document_discount_percent": "0",
        "notes": "",
        "terms": "",
        "op": "save",
    }
    data.update(header)
    lines = lines or []
    for name in (
        "description",
        "quantity",
        "unit",
        "unit_price",
        "discount_percent",
        "vat_treatment",
        "product_id",
        "corrected_line_id",
        "advance_document_id",
    ):
        data[f"line_{name}"] = [row.get(name, "") for row in lines]
    return data


TWO_LINES = [
    {
        "description": "Консултация",
        "quantity": "2",
        "unit": "h",
        "unit_price": "60.00",
        "vat_treatment": "standard",
    },
    {
        "description": "Хартия А4",
        "quantity": "3",
        "unit": "pack",
        "unit_price": "6.45",
        "discount_percent": "10",
        "vat_treatment": "standard",
    },
]


# --- list ------------------------------------------------------------------------------------


@pytest.fixture
def listed(company: Any) -> dict[str, Document]:
    today = timezone.localdate()
    alpha = bg_client(company, name="Алфа Строй ЕООД")
    beta = bg_client(company, name="Бета Медия ООД")
    docs = {
        "alpha_invoice": issued(
            company,
            party=alpha,
            lines=[line("100.00", description="Ремонт на покрив")],
            issue_date=today - dt.timedelta(days=40),
            tax_event_date=today - dt.timedelta(days=40),
            due_date=today - dt.timedelta(days=30),
            today=today - dt.timedelta(days=40),
        ),
        "beta_invoice": issued(
            company, party=beta, lines=[line("1000.00", description="Рекламна кампания")]
        ),
        "beta_draft": draft(company, party=beta, lines=[line("55.00", description="Монтаж")]),
        "alpha_proforma": issued(
            company, kind=DocumentKind.PROFORMA, party=alpha, lines=[line("300.00")]
        ),
    }
    return docs


def test_list_filters_and_search_find_the_right_documents(company, client_as, listed):
    client = client_as(company, "sales")
    everything = rows_of(client.get(url(company)))
    assert {d.pk for d in everything} == {d.pk for d in listed.values()}

    def found(**params: Any) -> set[int]:
        response = client.get(url(company), params)
        assert response.status_code == 200
        return {d.pk for d in rows_of(response)}

    assert found(kind="proforma") == {listed["alpha_proforma"].pk}
    assert found(status="draft") == {listed["beta_draft"].pk}
    assert found(party=listed["beta_draft"].party_id) == {
        listed["beta_draft"].pk,
        listed["beta_invoice"].pk,
    }
    assert found(amount_min="500") == {listed["beta_invoice"].pk}  # 1200.00 with VAT
    assert found(amount_max="130") == {listed["alpha_invoice"].pk, listed["beta_draft"].pk}
    assert found(overdue="on") == {listed["alpha_invoice"].pk}
    old = timezone.localdate() - dt.timedelta(days=40)
    assert found(date_to=(old + dt.timedelta(days=1)).isoformat()) == {listed["alpha_invoice"].pk}
    assert found(date_from=(old + dt.timedelta(days=1)).isoformat(), status="issued") == {
        listed["beta_invoice"].pk,
        listed["alpha_proforma"].pk,
    }
    assert found(currency="USD") == set()
    # Full text: line text, party name (any case), number, ЕИК.
    assert found(q="покрив") == {listed["alpha_invoice"].pk}
    assert found(q="бета медия") == {listed["beta_invoice"].pk, listed["beta_draft"].pk}
    assert found(q=listed["beta_invoice"].number) == {listed["beta_invoice"].pk}
    assert found(q=listed["alpha_invoice"].recipient_eik) == {
        listed["alpha_invoice"].pk,
        listed["alpha_proforma"].pk,
    }
    # HTMX search-as-you-type gets the results fragment only.
    fragment = client.get(
        url(company),
        {"q": "покрив"},
        headers={"HX-Request": "true", "HX-Target": "document-results"},
    )
    body = fragment.content.decode()
    assert "<html" not in body and listed["alpha_invoice"].number in body
    assert listed["beta_invoice"].number not in body


def test_list_refuses_nothing_on_bad_filters(company, client_as, listed):
    response = client_as(company, "viewer").get(
        url(company), {"amount_min": "много", "date_from": "вчера"}
    )
    assert response.status_code == 200
    assert len(rows_of(response)) == len(listed)


def test_keyset_pages_walk_every_document_exactly_once_both_ways(company, client_as, monkeypatch):
    monkeypatch.setattr(list_views, "PAGE_SIZE", 4)
    party = bg_client(company)
    today = timezone.localdate()
    made = []
    for n in range(11):  # several on the same day: the id breaks the tie
        day = today - dt.timedelta(days=n // 3)
        made.append(draft(company, party=party, issue_date=day, tax_event_date=day).pk)
    client = client_as(company, "viewer")
    seen: list[int] = []
    pages: list[list[int]] = []
    response = client.get(url(company))
    while True:
        page = [d.pk for d in rows_of(response)]
        pages.append(page)
        seen.extend(page)
        cursor = response.context["next_cursor"]
        if not cursor:
            break
        response = client.get(url(company), {"after": cursor})
    assert len(seen) == len(set(seen)) == 11
    expected = [
        d.pk for d in Document.objects.filter(company=company).order_by("-issue_date", "-id")
    ]
    assert seen == expected
    assert [len(p) for p in pages] == [4, 4, 3]
    # And back: "newer" from the last page returns the pages in reverse.
    back = [pages[-1]]
    while response.context["previous_cursor"]:
        response = client.get(url(company), {"before": response.context["previous_cursor"]})
        back.append([d.pk for d in rows_of(response)])
    assert back == list(reversed(pages))


def test_list_query_count_does_not_grow_with_documents(
    company, client_as, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(list_views, "PAGE_SIZE", 20)
    party = bg_client(company)
    for _ in range(3):
        issued(company, party=party)
    client = client_as(company, "owner")
    client.get(url(company))  # warm the session
    with django_assert_max_num_queries(8) as few:
        client.get(url(company))
    for _ in range(25):
        draft(company, party=party)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = client.get(url(company))
    response2 = client.get(url(company), {"after": response.context["next_cursor"]})
    assert len(rows_of(response)) == 20 and len(rows_of(response2)) == 8
    sql = " ".join(q["sql"] for q in many.captured_queries).upper()
    assert "OFFSET" not in sql and "COUNT(" not in sql


# --- search-as-you-type ----------------------------------------------------------------------


def test_party_and_product_search(company, client_as):
    from xfinances.catalog.actions import create_product

    party = bg_client(company, name="Гама Логистик АД", payment_terms_days=30, language="en")
    create_product(
        SYSTEM,
        company,
        ProductInput(name="Абонамент хостинг", unit="month", unit_price=Decimal("25.50")),
    )
    client = client_as(company, "sales")
    body = client.get(url(company, "party-search/"), {"party_search": "гама"}).content.decode()
    assert (
        f'data-id="{party.pk}"' in body
        and 'data-terms="30"' in body
        and 'data-language="en"' in body
    )
    assert party.eik in body
    assert (
        "data-party-pick"
        not in client.get(
            url(company, "party-search/"), {"party_search": "няма-такъв"}
        ).content.decode()
    )
    body = client.get(
        url(company, "product-search/"), {"line_description": "хост"}
    ).content.decode()
    assert (
        'data-price="25.5000"' in body
        and 'data-unit="month"' in body
        and 'data-vat="standard"' in body
    )


# --- form: drafts, errors, totals, issue -----------------------------------------------------


def test_create_draft_through_the_form(company, client_as):
    party = bg_client(company)
    client = client_as(company, "sales")
    assert client.get(url(company, "new/")).status_code == 200
    response = client.post(
        url(company, "new/"), form_data(party.pk, TWO_LINES, notes="Благодарим!")
    )
    document = Document.objects.get(company=company)
    assert response.status_code == 302 and response["Location"] == url(company, f"{document.pk}/")
    assert document.status == DocumentStatus.DRAFT and document.number is None
    assert [
        (ln.description, ln.quantity, ln.unit) for ln in document.lines.order_by("position")
    ] == [
        ("Консултация", Decimal("2.000"), "h"),
        ("Хартия А4", Decimal("3.000"), "pack"),
    ]
    # 120.00 + 17.42 (19.35 − 10 %) = 137.42; VAT 27.48
    assert (document.base, document.vat, document.total) == (
        Decimal("137.42"),
        Decimal("27.48"),
        Decimal("164.90"),
    )
    assert document.notes == "Благодарим!"
    # Edit the draft: reorder + change; the rows are read in page order.
    response = client.post(
        url(company, f"{document.pk}/edit/"),
        form_data(party.pk, [TWO_LINES[1], TWO_LINES[0]], version=str(document.version)),
    )
    assert response.status_code == 302
    assert [ln.description for ln in document.lines.order_by("position")] == [
        "Хартия А4",
        "Консултация",
    ]


def test_form_errors_are_shown_on_their_fields_and_nothing_is_saved(company, client_as):
    party = bg_client(company)
    client = client_as(company, "sales")
    bad = [
        TWO_LINES[0],
        {**TWO_LINES[1], "quantity": "три"},
        {"description": "", "unit_price": "5", "vat_treatment": "standard"},
    ]
    response = client.post(url(company, "new/"), form_data(party.pk, bad))
    assert response.status_code == 422
    assert not Document.objects.filter(company=company).exists()
    rows = response.context["rows"]
    assert rows[1].errors["quantity"] and not rows[0].errors
    assert rows[2].errors["description"]
    body = response.content.decode()
    assert 'value="три"' in body and "is-invalid" in body  # what the user typed stays, marked
    # A header field: the error sits on its field.
    response = client.post(
        url(company, "new/"), form_data(party.pk, TWO_LINES, document_discount_percent="150")
    )
    assert (
        response.status_code == 422 and response.context["form"].errors["document_discount_percent"]
    )
    assert not Document.objects.filter(company=company).exists()
    # Issuing without a client: the refusal sits next to the client field, nothing issued or saved.
    response = client.post(url(company, "new/"), form_data("", TWO_LINES, op="issue"))
    assert response.status_code == 422
    assert response.context["form"].errors["party_id"]
    assert not Document.objects.filter(company=company).exists()


def test_live_totals_endpoint_returns_figures_and_words(company, client_as):
    client = client_as(company, "sales")
    lines = [*TWO_LINES, {"description": "", "unit_price": ""}]  # a blank row keeps its place
    response = client.post(url(company, "totals/"), form_data("", lines))
    assert response.status_code == 200
    context = response.context
    assert context["totals"].total == Decimal("164.90") and context["totals"].vat == Decimal(
        "27.48"
    )
    assert context["line_nets"] == ["120,00", "17,42", ""]
    assert context["words"] == "Сто шестдесет и четири евро и деветдесет цента"
    assert context["groups"][0]["base"] == Decimal("137.42")
    body = response.content.decode()
    assert "Сто шестдесет и четири евро и деветдесет цента" in body
    # Document discount and English words.
    response = client.post(
        url(company, "totals/"),
        form_data("", TWO_LINES[:1], document_discount_percent="50", language="en"),
    )
    assert response.context["totals"].total == Decimal("72.00")
    assert (
        response.context["words"].startswith("Seventy-two euro")
        or "seventy" in response.context["words"].lower()
    )
    # A bad value is reported, not a 500.
    response = client.post(
        url(company, "totals/"), form_data("", [{**TWO_LINES[0], "quantity": "-1"}])
    )
    assert response.status_code == 200 and "Количество" in response.context["error"]


def test_issue_from_the_form_assigns_the_number(company, client_as):
    party = bg_client(company)
    client = client_as(company, "sales")
    response = client.post(
        url(company, "new/"), form_data(party.pk, TWO_LINES, op="issue"), follow=True
    )
    document = Document.objects.get(company=company)
    assert document.status == DocumentStatus.ISSUED and document.number == "0000000001"
    assert "0000000001" in response.content.decode()
    # From the detail page: a second draft gets the next number.
    second = draft(company, party=party)
    response = client.post(url(company, f"{second.pk}/issue/"), {"version": str(second.version)})
    second.refresh_from_db()
    assert response.status_code == 302 and second.number == "0000000002"


def test_issue_late_shows_the_deadline_warning(company, client_as):
    party = bg_client(company)
    client = client_as(company, "sales")
    late = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    response = client.post(
        url(company, "new/"),
        form_data(party.pk, TWO_LINES, op="issue", tax_event_date=late),
        follow=True,
    )
    assert Document.objects.get(company=company).status == DocumentStatus.ISSUED
    warnings = [m for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings and "113" in str(warnings[0])
    assert "alert-warning" in response.content.decode()


# --- issued documents: void, edit with reason, locks -----------------------------------------


def test_void_requires_a_reason(company, client_as):
    document = issued(company)
    client = client_as(company, "accountant")
    response = client.post(url(company, f"{document.pk}/void/"), {"reason": "  "}, follow=True)
    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED
    with translation.override("bg"):
        expected = gettext("Give the reason for voiding the document.")
    assert expected in [str(m) for m in response.context["messages"]]
    assert response.redirect_chain[-1][0].endswith("?void=1")  # the reason box stays open
    client.post(url(company, f"{document.pk}/void/"), {"reason": "Грешен получател"})
    document.refresh_from_db()
    assert document.status == DocumentStatus.VOIDED and document.void_reason == "Грешен получател"
    assert document.number  # keeps its number


def test_voided_old_document_offers_the_annulment_protocol(company, client_as):
    day = timezone.localdate() - dt.timedelta(days=8)
    company.edit_window_days = 30
    company.save(update_fields=["edit_window_days"])
    document = issued(company, issue_date=day, tax_event_date=day, today=day)
    client = client_as(company, "owner")
    client.post(url(company, f"{document.pk}/void/"), {"reason": "Анулирана по споразумение"})
    document.refresh_from_db()
    assert document.annulment_protocol_needed
    page = client.get(url(company, f"{document.pk}/")).content.decode()
    assert url(company, f"{document.pk}/annulment-protocol/") in page
    response = client.get(url(company, f"{document.pk}/annulment-protocol/"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_edit_of_issued_needs_a_reason_and_is_refused_when_locked(company, client_as):
    company.edit_window_days = 10
    company.save(update_fields=["edit_window_days"])
    document = issued(company)
    client = client_as(company, "sales")
    page = client.get(url(company, f"{document.pk}/edit/"))
    assert page.status_code == 200 and "reason" in page.context["form"].fields
    changed = [
        {
            "description": "Коригирано",
            "quantity": "1",
            "unit": "h",
            "unit_price": "80",
            "vat_treatment": "standard",
        }
    ]
    data = form_data(document.party_id, changed, version=str(document.version))
    response = client.post(url(company, f"{document.pk}/edit/"), data)
    assert response.status_code == 422 and response.context["form"].errors["reason"]
    document.refresh_from_db()
    assert document.total == Decimal("120.00")
    response = client.post(url(company, f"{document.pk}/edit/"), {**data, "reason": "Грешна цена"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.total == Decimal("96.00") and document.number == "0000000001"
    # Locked: exported to accounting. The page says why and refuses.
    document = actions.mark_exported(SYSTEM, document)
    with translation.override("bg"):
        why = lifecycle.lock_of(document, timezone.localdate()).message
    assert why
    response = client.get(url(company, f"{document.pk}/edit/"), follow=True)
    assert why in [str(m) for m in response.context["messages"]]
    response = client.post(
        url(company, f"{document.pk}/edit/"), {**data, "reason": "Още една"}, follow=True
    )
    document.refresh_from_db()
    assert document.total == Decimal("96.00")
    detail = client.get(url(company, f"{document.pk}/")).content.decode()
    assert why in detail and f"{document.pk}/edit/" not in detail


# --- notes, copy, convert --------------------------------------------------------------------


def test_credit_note_page_is_prefilled_from_the_invoice_and_saves_a_linked_note(company, client_as):
    invoice = issued(company, lines=[line("100.00"), line("50.00", description="Друго")])
    client = client_as(company, "sales")
    page = client.get(url(company, "new/"), {"note": "credit", "from": invoice.pk})
    rows = page.context["rows"]
    assert [r["description"] for r in rows] == ["Консултантски услуги", "Друго"]
    assert all(r["corrected_line_id"] for r in rows)
    correction = [{**rows[0].values, "unit_price": "20"}]
    data = form_data("", correction, kind="credit_note", note_reason="Отстъпка след доставка")
    response = client.post(f"{url(company, 'new/')}?note=credit&from={invoice.pk}", data)
    note = Document.objects.get(company=company, kind=DocumentKind.CREDIT_NOTE)
    assert response.status_code == 302
    assert note.corrected_document_id == invoice.pk and note.total == Decimal("24.00")
    detail = client.get(url(company, f"{invoice.pk}/")).content.decode()
    assert url(company, f"{note.pk}/") in detail  # related documents


def test_copy_and_convert(company, client_as):
    proforma = issued(company, kind=DocumentKind.PROFORMA)
    client = client_as(company, "sales")
    response = client.post(url(company, f"{proforma.pk}/convert/"))
    invoice = Document.objects.get(company=company, kind=DocumentKind.INVOICE)
    assert (
        response["Location"] == url(company, f"{invoice.pk}/edit/")
        and invoice.proforma_id == proforma.pk
    )
    response = client.post(url(company, f"{invoice.pk}/copy/"))
    copy = (
        Document.objects.filter(company=company, kind=DocumentKind.INVOICE)
        .exclude(pk=invoice.pk)
        .get()
    )
    assert (
        response["Location"] == url(company, f"{copy.pk}/edit/")
        and copy.status == DocumentStatus.DRAFT
    )


# --- bulk ------------------------------------------------------------------------------------


def test_bulk_issue_reports_each_document(company, client_as):
    party = bg_client(company)
    good = draft(company, party=party)
    no_client = actions.create_draft(
        SYSTEM, company, inputs.draft(lines=[line()]), kind=DocumentKind.INVOICE
    )
    already = issued(company, party=party)
    client = client_as(company, "sales")
    response = client.post(
        url(company, "bulk/issue/"), {"ids": [good.pk, no_client.pk, already.pk]}
    )
    assert response.status_code == 200
    results = {r["document"].pk: r for r in response.context["results"]}
    good.refresh_from_db()
    assert results[good.pk]["ok"] and good.number == "0000000002"
    assert not results[no_client.pk]["ok"] and results[no_client.pk]["messages"]
    assert not results[already.pk]["ok"]
    assert response.context["issued"] == 1 and response.context["refused"] == 2


def test_zip_has_one_pdf_per_selected_issued_document(company, client_as, other_company):
    party = bg_client(company)
    first, second = issued(company, party=party), issued(company, party=party)
    a_draft = draft(company, party=party)
    for document in (first, second):
        actions.attach_pdf(document, b"%PDF-1.7 " + document.number.encode())
    foreign = issued(other_company)
    client = client_as(company, "viewer")
    response = client.post(
        url(company, "bulk/pdf/"), {"ids": [first.pk, second.pk, a_draft.pk, foreign.pk]}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    pdfs = sorted(n for n in archive.namelist() if n.endswith(".pdf"))
    assert pdfs == [f"invoice-{first.number}.pdf", f"invoice-{second.number}.pdf"]
    assert archive.read(f"invoice-{first.number}.pdf") == b"%PDF-1.7 " + first.number.encode()
    results = archive.read("results.txt").decode()
    assert "черновата няма PDF" in results and foreign.recipient_name not in results


def test_pdf_download_of_an_issued_document(company, client_as):
    document = issued(company)
    actions.attach_pdf(document, b"%PDF-1.7 stored")
    response = client_as(company, "viewer").get(
        url(company, f"{document.pk}/pdf/"), {"download": "1"}
    )
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 stored"
    assert "attachment" in response["Content-Disposition"]


# --- roles -----------------------------------------------------------------------------------


def test_viewer_sees_no_edit_buttons_and_every_post_is_403(company, client_as):
    document = issued(company)
    a_draft = draft(company)
    client = client_as(company, "viewer")
    list_page = client.get(url(company)).content.decode()
    assert "data-new" not in list_page and "bulk/issue" not in list_page
    detail = client.get(url(company, f"{document.pk}/")).content.decode()
    for hidden in ("/edit/", "/void/", "/copy/", "note=credit"):
        assert hidden not in detail
    assert client.get(url(company, "new/")).status_code == 403
    for path in (
        "new/",
        f"{a_draft.pk}/edit/",
        f"{a_draft.pk}/issue/",
        f"{document.pk}/void/",
        f"{document.pk}/copy/",
        f"{a_draft.pk}/delete/",
        "bulk/issue/",
    ):
        assert (
            client.post(url(company, path), {"reason": "x", "ids": [a_draft.pk]}).status_code == 403
        ), path
    a_draft.refresh_from_db()
    assert a_draft.status == DocumentStatus.DRAFT


def test_sales_can_issue_but_not_void(company, client_as):
    document = issued(company)
    client = client_as(company, "sales")
    detail = client.get(url(company, f"{document.pk}/")).content.decode()
    assert "/void/" not in detail and "note=credit" in detail
    assert client.post(url(company, f"{document.pk}/void/"), {"reason": "x"}).status_code == 403


def test_draft_preview_is_rendered_now_and_not_stored(company, client_as):
    from pypdf import PdfReader

    document = draft(company, lines=[line("100.00", description="Преглед на чернова")])
    client = client_as(company, "viewer")
    detail = client.get(url(company, f"{document.pk}/")).content.decode()
    assert f'data-src="{url(company, f"{document.pk}/pdf/")}"' in detail
    response = client.get(url(company, f"{document.pk}/pdf/"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Преглед на чернова" in text
    document.refresh_from_db()
    assert not document.pdf_file  # a preview is never stored

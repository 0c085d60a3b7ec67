"""Supplier payment files: a payment batch becomes a pain.001 file, changed IBANs need an owner,
and the outgoing payments in a later statement settle the invoices by themselves."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from xfinances.banking import actions, pain001
from xfinances.banking.models import BankEntry, MatchProposal, MatchState, PaymentFile
from xfinances.banking.sample_files import Row, camt053
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry, Source
from xfinances.parties.models import PartyBankAccount
from xfinances.purchases import actions as purchases_actions
from xfinances.purchases.models import PaymentBatch, PaymentBatchStatus, PaymentStatus
from xfinances.purchases.tests.factories import make_invoice, make_supplier
from xfinances.treasury.models import MoneyAccount
from xfinances.treasury.tests.factories import bank_account

SYSTEM = Actor.system(Source.CLI)
OURS = "BG80BNBG96611020345678"
SUPPLIER_IBAN = "BG18RZBB91550123456789"
NEW_IBAN = "BG21STSA93000012345678"


@pytest.fixture
def account(company: Any) -> MoneyAccount:
    return bank_account(company, name="Разплащателна", iban=OURS)


def _supplier(company: Any, iban: str = SUPPLIER_IBAN, days_ago: int = 400) -> Any:
    supplier = make_supplier(company, city="София", postcode="1000", address="ул. Раковска 1")
    PartyBankAccount.objects.create(
        company=company,
        party=supplier,
        iban=iban,
        is_primary=True,
        added_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    return supplier


def _batch(company: Any, *invoices: Any) -> PaymentBatch:
    return purchases_actions.create_payment_batch(SYSTEM, company, [i.pk for i in invoices])


def _make(company: Any, batch: PaymentBatch, actor: Actor = SYSTEM, **raw: Any) -> PaymentFile:
    return actions.make_payment_file(actor, company, batch, actions.PaymentFileInput.read(raw))


@pytest.mark.django_db
def test_a_batch_becomes_one_valid_file_with_an_end_to_end_id_per_invoice(
    company: Any, account: MoneyAccount
) -> None:
    supplier = _supplier(company)
    first = make_invoice(company, "0000001001", supplier=supplier)
    second = make_invoice(company, "0000001002", supplier=supplier)
    batch = _batch(company, first, second)

    made = _make(company, batch)

    content = bytes(made.content)
    pain001.validate(content, "pain.001.001.09")
    root = etree.fromstring(content)
    ids = [e.text for e in root.iter("{*}EndToEndId")]
    assert ids == [f"XF-B{batch.pk}-{first.pk}", f"XF-B{batch.pk}-{second.pk}"]
    assert [e.text for e in root.iter("{*}Ustrd")] == ["INV 0000001001", "INV 0000001002"]
    assert OURS in content.decode() and SUPPLIER_IBAN in content.decode()
    assert (made.transfers, made.total) == (2, Decimal("240.00"))
    batch.refresh_from_db()
    assert batch.status == PaymentBatchStatus.EXPORTED
    assert AuditEntry.objects.filter(company=company, action="make_payment_file").exists()
    # The 2009 format for banks that still want it, from the same batch.
    older = _make(company, batch, schema="pain.001.001.03")
    pain001.validate(bytes(older.content), "pain.001.001.03")
    assert older.message_id != made.message_id


@pytest.mark.django_db
def test_a_changed_iban_needs_an_owner_and_nothing_is_made_before(
    company: Any, account: MoneyAccount, make_member: Any
) -> None:
    supplier = _supplier(company)
    paid = make_invoice(company, "0000000900", supplier=supplier, supplier_iban=SUPPLIER_IBAN)
    purchases_actions.set_paid_amount(SYSTEM, paid, paid.total)
    # The new invoice asks to be paid into another account: the classic fraud.
    invoice = make_invoice(company, "0000001001", supplier=supplier, supplier_iban=NEW_IBAN)
    batch = _batch(company, invoice)

    flags = actions.iban_flags(company, batch)
    assert [(f.iban, f.previous) for f in flags] == [(NEW_IBAN, SUPPLIER_IBAN)]
    with pytest.raises(InvalidInput) as refused:
        _make(company, batch)
    assert "confirm_iban_changes" in refused.value.errors
    accountant = make_member(company, "accountant")
    with pytest.raises(NotAllowed):
        _make(company, batch, actor=Actor(user=accountant), confirm_iban_changes=True)
    assert not PaymentFile.objects.filter(company=company).exists()
    batch.refresh_from_db()
    assert batch.status == PaymentBatchStatus.DRAFT

    owner = make_member(company, "owner")
    made = _make(company, batch, actor=Actor(user=owner), confirm_iban_changes=True)
    assert made.confirmed_by == owner
    assert made.iban_flags[0]["iban"] == NEW_IBAN
    assert AuditEntry.objects.filter(company=company, action="confirm_iban_change").exists()


@pytest.mark.django_db
def test_an_iban_added_recently_beside_an_older_one_is_flagged(
    company: Any, account: MoneyAccount
) -> None:
    supplier = _supplier(company, days_ago=400)
    PartyBankAccount.objects.filter(party=supplier).update(is_primary=False)
    PartyBankAccount.objects.create(
        company=company,
        party=supplier,
        iban=NEW_IBAN,
        is_primary=True,
        added_at=timezone.now() - dt.timedelta(days=3),
    )
    batch = _batch(company, make_invoice(company, "0000001001", supplier=supplier))
    [flag] = actions.iban_flags(company, batch)
    assert flag.iban == NEW_IBAN and "3" in flag.reason
    # A supplier's only IBAN, however new, is no change.
    other = make_supplier(company, name="Нов Доставчик ООД", eik="175074752", city="Варна")
    PartyBankAccount.objects.create(company=company, party=other, iban=SUPPLIER_IBAN)
    lone = _batch(company, make_invoice(company, "0000002001", supplier=other))
    assert actions.iban_flags(company, lone) == []


@pytest.mark.django_db
def test_the_outgoing_payments_in_a_statement_settle_the_invoices_by_themselves(
    company: Any, account: MoneyAccount
) -> None:
    supplier = _supplier(company)
    invoice = make_invoice(company, "0000001001", supplier=supplier)
    batch = _batch(company, invoice)
    _make(company, batch)
    statement = io.BytesIO()
    day = timezone.localdate()
    camt053(
        statement,
        iban=OURS,
        rows=[
            Row(
                day,
                Decimal("-120.00"),
                "Офис Снаб ЕООД",
                SUPPLIER_IBAN,
                "плащане",  # no invoice number in the text: only the end-to-end id says it
                end_to_end_id=f"XF-B{batch.pk}-{invoice.pk}",
                bank_id="OUT-1",
            )
        ],
        opening=Decimal("1000.00"),
        date_from=day,
        date_to=day,
    )
    statement.seek(0)
    summary = actions.import_statement(SYSTEM, company, statement, file_name="s.xml")

    assert summary.matched == 1
    invoice.refresh_from_db()
    assert invoice.payment_status == PaymentStatus.PAID and invoice.remaining == 0
    assert BankEntry.objects.get(company=company).match_state == MatchState.AUTO
    proposal = MatchProposal.objects.get(company=company)
    assert f"XF-B{batch.pk}-{invoice.pk}" in proposal.reason, proposal.reason


@pytest.mark.django_db
def test_refusals_change_nothing(company: Any, account: MoneyAccount) -> None:
    supplier = _supplier(company)
    batch = _batch(company, make_invoice(company, "0000001001", supplier=supplier))
    with pytest.raises(InvalidInput) as error:
        _make(company, batch, execution_date="01.01.2020")
    assert "execution_date" in error.value.errors
    with pytest.raises(InvalidInput) as error:
        _make(company, batch, account="999999")
    assert "account" in error.value.errors
    with pytest.raises(InvalidInput):
        _make(company, batch, schema="pain.001.001.99")
    # A supplier without an address: the writer names the invoice, nothing is kept.
    nowhere = make_supplier(company, name="Без Адрес ЕООД", eik="121759222")
    PartyBankAccount.objects.create(company=company, party=nowhere, iban=SUPPLIER_IBAN)
    other = _batch(company, make_invoice(company, "0000003001", supplier=nowhere))
    with pytest.raises(InvalidInput) as error:
        _make(company, other)
    assert any("Без Адрес" in field for field in error.value.errors)
    assert not PaymentFile.objects.filter(company=company).exists()
    assert set(PaymentBatch.objects.values_list("status", flat=True)) == {"draft"}


@pytest.mark.django_db
def test_page_and_api_make_the_file_and_give_the_same_bytes_again(
    company: Any, account: MoneyAccount, client_as: Any, api_as: Any
) -> None:
    supplier = _supplier(company)
    batch = _batch(company, make_invoice(company, "0000001001", supplier=supplier))
    client = client_as(company, "owner")
    batch_page = client.get(reverse("purchases:batch", args=[company.eik, batch.pk]))
    page_url = reverse("banking:payment_file", args=[company.eik, batch.pk])
    assert page_url in batch_page.content.decode()

    answer = client.post(page_url, {"account": account.pk, "schema": "pain.001.001.09"})
    assert answer.status_code == 302
    made = PaymentFile.objects.get(company=company)
    page = client.get(page_url).content.decode()
    download = reverse("banking:payment_file_download", args=[company.eik, made.pk])
    assert made.file_name in page and download in page
    assert client.get(download).content == bytes(made.content)

    owner_api = api_as(company, "owner", choose=True)
    created = owner_api.post(
        f"/banking/payment-batches/{batch.pk}/payment-files", {"account_id": account.pk}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["transfers"] == 1 and body["total"] == "120.00"
    again = owner_api.get(f"/banking/payment-files/{body['id']}")
    assert again.status_code == 200
    assert again.content == bytes(PaymentFile.objects.get(pk=body["id"]).content)
    assert owner_api.get(f"/banking/payment-batches/{batch.pk}/iban-flags").json() == []
    viewer = api_as(company, "viewer", choose=True)
    assert viewer.get(f"/banking/payment-files/{body['id']}").status_code == 403

"""Every create, change and delete leaves an audit row with who, when, from where, before/after."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.utils.functional import SimpleLazyObject

from xfinances.core import actions
from xfinances.core.audit import (
    Actor,
    Batch,
    diff,
    record_create,
    record_event,
    record_update,
    snapshot,
)
from xfinances.core.company_inputs import CompanyInput
from xfinances.core.models import AuditEntry, ExchangeRate, Source


def test_company_create_update_delete_are_audited(company, owner):
    actor = Actor(owner, Source.API, "10.1.2.3")
    created = AuditEntry.objects.get(company=company, object_type="core.company", kind="create")
    assert created.changes["eik"] == [None, company.eik]
    assert created.source == Source.CLI

    actions.update_company(
        actor, company, CompanyInput.read_changes({"city": "Пловдив", "payment_terms_days": 30})
    )
    change = AuditEntry.objects.filter(company=company, kind="update").latest("id")
    assert change.user == owner
    assert change.source == "api"
    assert change.ip_address == "10.1.2.3"
    assert change.changes == {"city": ["София", "Пловдив"], "payment_terms_days": [14, 30]}

    account = actions.add_company_bank_account(actor, company, iban="BG18 RZBB 9155 0123 4567 89")
    actions.remove_company_bank_account(actor, account)
    deleted = AuditEntry.objects.get(
        company=company, kind="delete", object_type="core.companybankaccount"
    )
    assert deleted.changes["iban"] == ["BG18RZBB91550123456789", None]
    assert deleted.user_label == owner.email


def test_update_without_changes_writes_no_audit_row(company, owner):
    before = AuditEntry.objects.count()
    actions.update_company(Actor(owner), company, CompanyInput.read_changes({"city": company.city}))
    assert AuditEntry.objects.count() == before


def test_audit_log_page_filters_by_user_and_kind(company, owner, client_as):
    actions.update_company(Actor(owner), company, CompanyInput.read_changes({"city": "Варна"}))
    client = client_as(company, "accountant")
    page = client.get(f"/c/{company.eik}/audit/", {"user": owner.pk, "kind": "update"})
    body = page.content.decode()
    assert "Варна" in body
    assert page.context["page"].paginator.count == 1


def test_audit_log_is_for_owners_and_accountants_only(company, client_as):
    assert client_as(company, "sales").get(f"/c/{company.eik}/audit/").status_code == 403


def test_company_settings_page_shows_its_history(company, owner, client):
    actions.update_company(Actor(owner), company, CompanyInput.read_changes({"city": "Русе"}))
    client.force_login(owner)
    page = client.get(f"/c/{company.eik}/settings/")
    history = page.context["history"]
    assert history[0].changes == {"city": ["София", "Русе"]}
    assert "Русе" in page.content.decode().split('id="history"')[1]


def test_snapshot_gives_decimals_as_stored_so_equal_values_are_no_change():
    typed = ExchangeRate(currency="USD", date=dt.date(2026, 12, 1), rate=Decimal("1.1"))
    read_back = ExchangeRate(currency="USD", date=dt.date(2026, 12, 1), rate=Decimal("1.10000000"))
    assert snapshot(typed)["rate"] == "1.10000000"
    assert diff(snapshot(read_back), snapshot(typed)) == {}
    changed = ExchangeRate(currency="USD", date=dt.date(2026, 12, 1), rate=Decimal("1.2"))
    assert diff(snapshot(read_back), snapshot(changed)) == {"rate": ["1.10000000", "1.20000000"]}


def test_snapshot_of_a_lazy_object_is_the_snapshot_of_its_instance(owner):
    """request.user is a SimpleLazyObject: its snapshot reads the user's own fields."""
    lazy = SimpleLazyObject(lambda: owner)
    assert snapshot(lazy) == snapshot(owner)
    assert snapshot(owner)["email"] == owner.email and "id" not in snapshot(owner)


def test_a_batch_writes_the_rows_the_single_records_write(company, owner):
    """audit.Batch (bulk actions) and record_create / record_update / record_event write
    the same rows, but for their ids and times."""
    actor = Actor(user=owner, source=Source.UI, ip_address="127.0.0.1")
    rate = ExchangeRate.objects.create(
        company=company, currency="USD", date=dt.date(2026, 12, 1), rate=Decimal("1.1")
    )
    before = snapshot(rate)
    rate.rate = Decimal("1.2")
    alone = [
        record_create(actor, company, "add_rate", rate),
        record_update(actor, company, "change_rate", rate, before),
        record_event(actor, company, "use_rate", rate, {"amount": Decimal("5.00"), "note": "лв."}),
    ]
    batch = Batch(actor, company)
    batch.create("add_rate", rate)
    batch.update("change_rate", rate, before)
    batch.event("use_rate", rate, {"amount": Decimal("5.00"), "note": "лв."})
    assert batch.write() == 3

    def fields(entry: AuditEntry) -> dict:
        return {
            f.attname: getattr(entry, f.attname)
            for f in AuditEntry._meta.concrete_fields
            if f.attname not in ("id", "created_at")
        }

    written = list(AuditEntry.objects.filter(company=company).order_by("id"))[-3:]
    assert [fields(e) for e in written] == [fields(AuditEntry.objects.get(pk=e.pk)) for e in alone]
    assert written[1].changes == {"rate": ["1.10000000", "1.20000000"]}
    assert all(e.created_at is not None for e in written)
    # The same text in the database too (a backup compares it, so does a restore's check).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT changes FROM core_auditentry WHERE id IN (%s, %s) ORDER BY id",
            [alone[2].pk, written[2].pk],
        )
        [(single,), (batched,)] = cursor.fetchall()
    assert single == batched

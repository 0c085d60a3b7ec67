"""Every create, change and delete leaves an audit row with who, when, from where, before/after."""

from xfinances.core import actions
from xfinances.core.audit import Actor
from xfinances.core.models import AuditEntry, Source


def test_company_create_update_delete_are_audited(company, owner):
    actor = Actor(owner, Source.API, "10.1.2.3")
    created = AuditEntry.objects.get(company=company, object_type="core.company", kind="create")
    assert created.changes["eik"] == [None, company.eik]
    assert created.source == Source.CLI

    actions.update_company(actor, company, city="Пловдив", payment_terms_days=30)
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
    actions.update_company(Actor(owner), company, city=company.city)
    assert AuditEntry.objects.count() == before


def test_audit_log_page_filters_by_user_and_kind(company, owner, client_as):
    actions.update_company(Actor(owner), company, city="Варна")
    client = client_as(company, "accountant")
    page = client.get(f"/c/{company.eik}/audit/", {"user": owner.pk, "kind": "update"})
    body = page.content.decode()
    assert "Варна" in body
    assert page.context["page"].paginator.count == 1


def test_audit_log_is_for_owners_and_accountants_only(company, client_as):
    assert client_as(company, "sales").get(f"/c/{company.eik}/audit/").status_code == 403


def test_company_settings_page_shows_its_history(company, owner, client):
    actions.update_company(Actor(owner), company, city="Русе")
    client.force_login(owner)
    page = client.get(f"/c/{company.eik}/settings/")
    history = page.context["history"]
    assert history[0].changes == {"city": ["София", "Русе"]}
    assert "Русе" in page.content.decode().split('id="history"')[1]

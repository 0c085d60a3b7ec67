"""Upload → preview → confirm: only valid rows are created, once, in one transaction, audited."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xfinances.core.models import AuditEntry
from xfinances.parties import queries
from xfinances.parties.actions import import_parties, upload_party_import
from xfinances.parties.models import Party, PartyImport
from xfinances.parties.tests.factories import valid_eik, valid_iban


def _csv(existing_eik: str) -> bytes:
    return (
        "name,eik,email,iban,contact_name,contact_email\n"
        f"Първа ООД,{valid_eik(21)},a@first.bg,{valid_iban(21)},Мария,maria@first.bg\n"
        "Грешна ООД,999,,,,\n"
        f"Съществуваща ООД,{existing_eik},,,,\n"
        f"Втора ООД,{valid_eik(22)},,,,\n"
    ).encode()


def test_preview_confirm_and_reconfirm(company, actor_system, make_party):
    existing = make_party(eik=valid_eik(20), name="Стара ООД")
    upload = upload_party_import(
        actor_system, company, filename="p.csv", content=_csv(existing.eik)
    )
    preview = queries.import_preview(company, upload)
    assert [r.line for r in preview.invalid_rows] == [3, 4]
    assert "already exists" in preview.rows[2].errors["eik"][0]
    assert preview.existing[4] == existing
    assert Party.objects.filter(company=company).count() == 1  # preview writes nothing

    outcome = import_parties(actor_system, company, upload)
    assert sorted(p.name for p in outcome.created) == ["Втора ООД", "Първа ООД"]
    assert [s["line"] for s in outcome.skipped] == [3, 4]
    first = Party.objects.get(company=company, eik=valid_eik(21))
    assert first.bank_accounts.get().iban == valid_iban(21)
    assert first.contacts.get().email == "maria@first.bg"
    assert AuditEntry.objects.filter(
        object_type="parties.party", object_id=str(first.pk), action="import_parties", kind="create"
    ).exists()
    upload.refresh_from_db()
    assert (upload.status, upload.created_count, upload.skipped_count) == ("applied", 2, 2)
    event = AuditEntry.objects.get(action="import_parties", object_type="parties.partyimport")
    assert event.changes["created"] == [None, 2]

    again = import_parties(actor_system, company, upload)
    assert again.already_applied and again.created == []
    assert Party.objects.filter(company=company).count() == 3


def test_a_failure_midway_leaves_nothing(company, actor_system, monkeypatch):
    upload = upload_party_import(
        actor_system, company, filename="p.csv", content=_csv(valid_eik(30))
    )
    from xfinances.parties import actions

    calls = {"n": 0}
    original = actions._create_party

    def boom(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(actions, "_create_party", boom)
    with pytest.raises(RuntimeError):
        import_parties(actor_system, company, upload)
    assert not Party.objects.filter(company=company).exists()
    upload.refresh_from_db()
    assert upload.status == PartyImport.Status.PENDING


def test_ui_upload_preview_confirm(company, client_as, make_party):
    existing = make_party(eik=valid_eik(23))
    client = client_as(company, "accountant")
    base = f"/c/{company.eik}/parties/import/"
    template = client.get(f"{base}template.csv")
    assert template["Content-Type"].startswith("text/csv") and b"vat_number" in template.content

    response = client.post(
        base, {"file": SimpleUploadedFile("p.csv", _csv(existing.eik), "text/csv")}
    )
    assert response.status_code == 302
    upload = PartyImport.objects.get(company=company)
    preview = client.get(response["Location"]).content.decode()
    assert "Грешна ООД" in preview
    assert preview.count('class="table-danger"') == 2  # bad ЕИК and the existing ЕИК
    assert f'action="{base}{upload.pk}/confirm/"' in preview

    confirmed = client.post(f"{base}{upload.pk}/confirm/")
    assert confirmed.status_code == 302
    assert Party.objects.filter(company=company).count() == 3
    client.post(f"{base}{upload.pk}/confirm/")
    assert Party.objects.filter(company=company).count() == 3
    page = client.get(f"{base}{upload.pk}/").content.decode()
    assert f'action="{base}{upload.pk}/confirm/"' not in page  # nothing left to confirm
    assert page.count("<strong>eik</strong>") == 2  # the two skipped rows, listed by field


def test_ui_rejects_empty_file_with_field_error(company, client_as):
    client = client_as(company, "owner")
    response = client.post(
        f"/c/{company.eik}/parties/import/", {"file": SimpleUploadedFile("p.csv", b"", "text/csv")}
    )
    assert response.status_code == 422
    assert not PartyImport.objects.exists()


def test_api_upload_and_confirm(company, api_as):
    api = api_as(company, "owner")
    upload = SimpleUploadedFile("p.csv", _csv(valid_eik(31)), content_type="text/csv")
    response = api.client.post("/api/v1/parties/imports", {"file": upload}, headers=api._headers())
    assert response.status_code == 201
    body = response.json()
    assert (body["valid_rows"], body["invalid_rows"]) == (3, 1)
    assert [r["line"] for r in body["rows"] if not r["valid"]] == [3]
    confirmed = api.post(f"/parties/imports/{body['id']}/confirm").json()
    assert confirmed["created"] == 3 and not confirmed["already_applied"]
    assert api.post(f"/parties/imports/{body['id']}/confirm").json()["already_applied"] is True

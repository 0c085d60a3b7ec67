"""Pages and API of the automatic sources: who may change them, what the log shows, and that
a mailbox password never comes back."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from xfinances.banking.models import RunStatus, SourceRun, StatementMailbox, WatchedFolder


@pytest.fixture
def root(tmp_path: Path, settings: Any) -> Path:
    settings.BANKING_FOLDER_ROOT = str(tmp_path)
    return tmp_path


def test_api_mailbox_password_is_write_only(company: Any, api_as: Any) -> None:
    api = api_as(company, "accountant", choose=True)
    body = {"name": "Поща", "host": "imap.bank.bg", "port": 993, "username": "u",
            "password": "Тайна-2026", "allowed_senders": "@bank.bg"}  # fmt: skip
    created = api.post("/banking/sources/mailbox", body)
    assert created.status_code == 201, created.content
    assert "password" not in created.json() and "Тайна" not in created.content.decode()
    stored = StatementMailbox.objects.get()
    assert stored.password and "Тайна" not in stored.password
    changed = api.patch(f"/banking/sources/mailbox/{stored.pk}", {"interval_minutes": 30})
    assert changed.status_code == 200 and changed.json()["interval_minutes"] == 30
    stored.refresh_from_db()
    assert stored.password  # an empty password on a change keeps the stored one
    listed = api.get("/banking/sources").json()
    assert [m["host"] for m in listed["mailboxes"]] == ["imap.bank.bg"]


def test_api_refuses_bad_input_and_other_roles(company: Any, api_as: Any, root: Path) -> None:
    owner = api_as(company, "owner", choose=True)
    refused = owner.post("/banking/sources/folder", {"name": "x", "path": "/etc"})
    assert refused.status_code == 422 and "path" in refused.json()["errors"]
    assert not WatchedFolder.objects.exists()
    viewer = api_as(company, "viewer", choose=True)
    assert (
        viewer.post("/banking/sources/folder", {"name": "x", "path": str(root)}).status_code == 403
    )
    assert viewer.get("/banking/sources/runs").status_code == 200


def test_api_run_log(company: Any, api_as: Any) -> None:
    SourceRun.objects.create(
        company=company, kind="folder", source_id=1, source_name="/x", status=RunStatus.PARTIAL,
        refused=1, errors=[{"item": "bad.xml", "error": "not a statement"}],
    )  # fmt: skip
    runs = api_as(company, "owner", choose=True).get("/banking/sources/runs", kind="folder").json()
    assert runs[0]["errors"] == [{"item": "bad.xml", "error": "not a statement"}]


def test_sources_page_shows_the_run_errors(company: Any, client_as: Any) -> None:
    SourceRun.objects.create(
        company=company, kind="mailbox", source_id=1, source_name="bank@imap",
        status=RunStatus.PARTIAL, refused=1, errors=[{"item": "broken.xml", "error": "line 3"}],
    )  # fmt: skip
    page = client_as(company, "accountant").get(f"/c/{company.eik}/banking/sources/")
    html = page.content.decode()
    assert "broken.xml" in html and "line 3" in html


def test_form_shows_refusal_and_sales_may_not_enter(
    company: Any, client_as: Any, root: Path
) -> None:
    url = f"/c/{company.eik}/banking/sources/folder/new/"
    answer = client_as(company, "owner").post(url, {"name": "Папка", "path": "relative/dir"})
    # The user's language is Bulgarian: the refusal comes translated.
    assert answer.status_code == 422
    assert "Посочете пълния път до папката." in answer.content.decode()
    answer = client_as(company, "owner").post(
        url, {"name": "Папка", "path": str(root), "active": "1"}
    )
    assert answer.status_code == 302 and WatchedFolder.objects.get().path == str(root.resolve())
    assert client_as(company, "sales").get(url).status_code == 403


def test_renew_consent_through_the_bank_and_back(company: Any, client_as: Any) -> None:
    """The owner presses Renew, approves at the (simulated) bank, comes back: the connection
    is valid, due now, and its accounts are known; the page then shows no warning."""
    import datetime as dt

    from django.utils import timezone

    from xfinances.banking.models import BankConnection, SyncStatus
    from xfinances.banking.psd2.simulator import SimulatedBank

    simulated = SimulatedBank(today=timezone.localdate())
    simulated.add_account("BG80BNBG96611020345678")
    client = client_as(company, "owner")
    with simulated.running() as bank:
        connection = BankConnection.objects.create(
            company=company, name="ББР", base_url=bank.base_url, status=SyncStatus.CONSENT
        )
        base = f"/c/{company.eik}/banking/connections/{connection.pk}/"
        renewed = client.post(base + "renew/")
        assert renewed.status_code == 302 and renewed["Location"].startswith(bank.base_url)
        # The owner approves at the bank, which sends the browser back to XFINANCES.
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as back:
            opener.open(renewed["Location"] + "?result=ok", timeout=5)
        assert back.value.headers["Location"].endswith(base + "sca-done/")
        done = client.get(base + "sca-done/")
    assert done.status_code == 302
    connection.refresh_from_db()
    assert connection.consent_status == "valid" and connection.next_run_at is None
    assert connection.consent_valid_until == timezone.localdate() + dt.timedelta(days=89)
    assert [v["iban"] for v in connection.cursor.values()] == ["BG80BNBG96611020345678"]
    page = client.get(base).content.decode()
    assert 'id="renew"' in page and "alert-warning" not in page and "alert-danger" not in page


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_connection_page_warns_before_the_consent_ends(company: Any, client_as: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from xfinances.banking.models import BankConnection

    ends = timezone.localdate() + dt.timedelta(days=5)
    connection = BankConnection.objects.create(
        company=company, name="ББР", base_url="https://bank.example/psd2", consent_id="C-1",
        consent_status="valid", consent_valid_until=ends, warn_days=7,
    )  # fmt: skip
    page = client_as(company, "owner").get(f"/c/{company.eik}/banking/connections/{connection.pk}/")
    html = page.content.decode()
    assert "alert-warning" in html and ends.strftime("%d.%m.%Y") in html


def test_worker_job_runs_due_sources(company: Any, root: Path) -> None:
    from xfinances.banking import tasks

    (root / "firma").mkdir()
    watched = WatchedFolder.objects.create(company=company, name="П", path=str(root / "firma"))
    ran = tasks.run_statement_sources.call_local()
    assert ran == {"mailbox": 0, "folder": 1, "connection": 0}
    watched.refresh_from_db()
    assert watched.status == "ok" and (root / "firma" / "done").is_dir()
    assert tasks.run_statement_sources.call_local()["folder"] == 0  # not due again yet

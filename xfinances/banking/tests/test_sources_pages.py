"""Pages and API of the automatic sources: who may change them, what the log shows, and that
a mailbox password never comes back."""

from __future__ import annotations

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

"""What the fault-injection tests share: a migrated install with the demo company to copy from,
an API client that sends `Idempotency-Key` and survives a dead server, and questions to the
database asked through `xfinances shell` (the test process never holds Django state of its
own about the install under test).

Migrating an empty PostgreSQL database takes half a minute, so it is done once: the first test
builds `<database>_faults_<hash of the migrations>` (migrate + demo) and every test copies it
with `CREATE DATABASE … TEMPLATE …` (a second). An advisory lock makes the two pytest-xdist
workers build it once between them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.scale.test_two_web_two_workers import Install
from xfinances.notifications.tests.loopback import free_port as free_port  # re-exported

PROJECT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
TEMPLATE_LOCK = 7_140_014  # pg_advisory_lock key: issue 14


def _admin_url() -> str:
    return urlunsplit(urlsplit(DATABASE_URL)._replace(path="/postgres"))


def _database_url(name: str) -> str:
    return urlunsplit(urlsplit(DATABASE_URL)._replace(path="/" + name))


def _migrations_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(PROJECT.glob("xfinances/*/migrations/0*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update((PROJECT / "xfinances" / "core" / "demo.py").read_bytes())
    return digest.hexdigest()[:10]


def base_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "HUEY_NAME": f"xf-faults-{os.getpid()}-{data_dir.name}",
        "HUEY_IMMEDIATE": "false",
        "XFINANCES_DATA_DIR": str(data_dir),
        "SECRET_KEY": "fault-injection-test-" + "k" * 40,
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def template_database(work: Path) -> str:
    """The name of the migrated database with the demo company (built at most once)."""
    import psycopg

    name = urlsplit(DATABASE_URL).path.lstrip("/") + "_faults_" + _migrations_hash()
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", [TEMPLATE_LOCK])
        try:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if exists.fetchone() is None:
                # Templates of older migrations are of no further use.
                prefix = name[: -len(_migrations_hash())]
                for (old,) in admin.execute("SELECT datname FROM pg_database").fetchall():
                    if old.startswith(prefix) and old != name:
                        admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
                building = name + "_building"
                admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{building}"')
                install = Install(work, base_env(_database_url(building), work))
                install.run("migrate", "-v0")
                install.run("demo")
                # Renamed only when complete: an interrupted build is never used.
                admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", [TEMPLATE_LOCK])
    return name


def copy_database(work: Path, suffix: str) -> tuple[str, str]:
    """A fresh copy of the template for one test: (its DATABASE_URL, its name)."""
    import psycopg

    template = template_database(work)
    name = urlsplit(DATABASE_URL).path.lstrip("/") + f"_fault_{suffix}_{os.getpid()}"
    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return _database_url(name), name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Client:
    """An API client of the demo company's owner. `call` returns (status, body); a dead or
    restarting server is status 0 with the error, never an exception, so a caller can retry."""

    def __init__(self, base: str, token: str, eik: str, timeout: float = 30):
        self.base, self.token, self.eik, self.timeout = base, token, eik, timeout

    def call(self, method: str, path: str, body: Any = None, key: str = "") -> tuple[int, Any]:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "X-Company": self.eik,
            "Content-Type": "application/json",
        }
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(
            self.base + "/api/v1" + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            text = error.read().decode(errors="replace")
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, text
        except (OSError, ValueError) as error:  # refused, reset, timed out, cut short
            return 0, f"{type(error).__name__}: {error}"

    def ready(self) -> bool:
        return self.call("GET", "/me")[0] == 200


def wait_until(predicate: Any, seconds: float, every: float = 0.3) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())


def token_for_owner(install: Install) -> str:
    output = install.run("token", "--email", "owner@demo.xfinances.bg", "--name", "faults")
    return output.strip().splitlines()[-1].strip()


def ask(install: Install, code: str) -> Any:
    """Run Python in `xfinances shell` against the install; `code` prints one JSON line last."""
    output = install.run("shell", "-c", code)
    return json.loads(output.strip().splitlines()[-1])


# What every fault test asks of the database at the end: the numbering of the demo company's
# tax documents, the documents and payments, and the outbox.
LEDGER = """
import json
from xfinances.core.demo import DEMO_EIK
from xfinances.core.models import Company
from xfinances.invoicing.models import Document
from xfinances.notifications.models import OutboxMessage
from xfinances.payments.models import Payment
company = Company.objects.get(eik=DEMO_EIK)
documents = list(Document.objects.filter(company=company).values(
    "id", "status", "number", "number_group", "kind"))
payments = list(Payment.objects.filter(company=company).values(
    "id", "amount", "movement_id", "note"))
outbox = list(OutboxMessage.objects.filter(company=company).values(
    "id", "kind", "status", "recipients", "document_id", "event", "attempts",
    "outcome_uncertain", "last_error"))
print(json.dumps({"documents": documents, "payments": payments, "outbox": outbox},
    default=str))
"""


def assert_numbering_gapless(documents: list[dict[str, Any]]) -> None:
    """Every number of a number group is taken by exactly one issued or voided document, and
    the numbers run without a gap; a draft never holds a number."""
    groups: dict[str, list[int]] = {}
    for document in documents:
        if document["status"] == "draft":
            assert not document["number"], document
            continue
        assert document["number"], document
        groups.setdefault(document["number_group"], []).append(int(document["number"]))
    for group, numbers in groups.items():
        numbers.sort()
        assert len(set(numbers)) == len(numbers), (group, numbers)
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), (group, numbers)


def start_web(install: Install, name: str, port: int, threads: int = 8) -> None:
    install.start(name, "serve", "--no-worker", "--port", str(port), "--threads", str(threads))


class InvoiceJob:
    """One client's invoice: create, issue, pay, send — each step retried with its own key."""

    def __init__(self, client: Client, n: int, party_id: int, account_id: int):
        self.client, self.n = client, n
        self.party_id, self.account_id = party_id, account_id
        self.document_id = 0
        self.payment_id = 0
        # Requests that failed and were retried, by status (0: no answer at all).
        self.failures: Counter[int] = Counter()
        self.failure_bodies: list[Any] = []
        self.errors: list[Any] = []

    def step(self, method: str, path: str, body: Any, key: str, ok: int) -> Any:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status, answer = self.client.call(method, path, body, key=f"{key}-{self.n}")
            if status == ok:
                return answer
            if status == 0 or status >= 500:
                # No answer (the server died under the request, or is not back yet), or a
                # server error: retry with the same key. The test judges the failures.
                self.failures[status] += 1
                if status:
                    self.failure_bodies.append(answer)
                time.sleep(0.2)
                continue
            self.errors.append((path, status, answer))
            return None
        self.errors.append((path, "no answer in 90 s"))
        return None

    def run(self) -> None:
        line = {
            "description": f"Работа при срив {self.n}",
            "quantity": "1",
            "unit": "pcs",
            "unit_price": f"{100 + self.n}.00",
            "vat_treatment": "standard",
        }
        body = {"kind": "invoice", "party_id": self.party_id, "lines": [line]}
        draft = self.step("POST", "/documents", body, "create", 201)
        if not draft:
            return
        self.document_id = draft["id"]
        issued = self.step("POST", f"/documents/{self.document_id}/issue", {}, "issue", 200)
        if not issued:
            return
        payment = {
            "direction": "in",
            "date": dt.date.today().isoformat(),
            "amount": issued["totals"]["total"],
            "currency": issued.get("currency") or "EUR",
            "party_id": self.party_id,
            "money_account_id": self.account_id,
            "note": f"fault-{self.n}",
            "allocations": [{"document_id": self.document_id}],
        }
        paid = self.step("POST", "/payments", payment, "pay", 201)
        if not paid:
            return
        self.payment_id = paid["id"]
        recipients = {"recipients": [f"client{self.n}@example.bg"]}
        self.step("POST", f"/documents/{self.document_id}/send", recipients, "send", 202)


def run_jobs(jobs: list[InvoiceJob], clients: int) -> list[threading.Thread]:
    """Start `clients` threads sharing the jobs; the caller joins them."""

    def work(mine: list[InvoiceJob]) -> None:
        for job in mine:
            job.run()

    threads = [threading.Thread(target=work, args=(jobs[c::clients],)) for c in range(clients)]
    for thread in threads:
        thread.start()
    return threads


def party_and_account(client: Client) -> tuple[int, int]:
    """A client of the demo company and its EUR bank account (payments get a movement)."""
    party_id = client.call("GET", "/parties?limit=50")[1]["items"][0]["id"]
    accounts = client.call("GET", "/treasury/accounts")[1]["accounts"]
    account = next(a for a in accounts if a["kind"] == "bank" and a["currency"] == "EUR")
    return int(party_id), int(account["id"])


def assert_committed_once(
    before: dict[str, Any], after: dict[str, Any], jobs: list[InvoiceJob]
) -> tuple[list[Any], list[Any]]:
    """One issued document and one payment with its movement per job, nothing more; the
    numbering gapless. Returns the new documents and payments."""
    assert all(not j.errors for j in jobs), [j.errors for j in jobs]
    old_documents = {d["id"] for d in before["documents"]}
    documents = [d for d in after["documents"] if d["id"] not in old_documents]
    # A create retried after a lost answer got the first answer, not a second draft.
    assert sorted(d["id"] for d in documents) == sorted(j.document_id for j in jobs)
    assert all(d["status"] == "issued" for d in documents), documents
    assert_numbering_gapless(after["documents"])
    old_payments = {p["id"] for p in before["payments"]}
    payments = [p for p in after["payments"] if p["id"] not in old_payments]
    assert sorted(p["id"] for p in payments) == sorted(j.payment_id for j in jobs)
    assert all(p["movement_id"] for p in payments), payments
    return documents, payments


def mails_to_clients(smtp: Any) -> list[Any]:
    """The e-mails the test sent (the demo queued some of its own when it was loaded)."""
    return [m for m in smtp.received if m.recipients[0].startswith("client")]


def assert_sent_once(smtp: Any, receiver: Any, jobs: list[InvoiceJob]) -> None:
    """Each job's e-mail arrived once, and its `document.issued` webhook has one delivery id
    (a receiver de-duplicates retries of one delivery by that id)."""
    received = Counter(m.recipients[0] for m in mails_to_clients(smtp))
    assert received == Counter(f"client{j.n}@example.bg" for j in jobs), received
    issued = [p for p in receiver.payloads() if p["event"] == "document.issued"]
    deliveries = {(p["data"]["id"], p["id"]) for p in issued}
    per_document = Counter(document for document, _delivery in deliveries)
    assert per_document == Counter(j.document_id for j in jobs), per_document


def start_hooked(
    install: Install, name: str, point: str, *args: str, after: int = 1, **env: str
) -> tuple[subprocess.Popen[bytes], Path]:
    """`xfinances ARGS` that pauses at `point` the `after`-th time it passes it
    (tests/scale/fault_hooks.py). Returns the process and the file it writes when it pauses."""
    marker = install.data_dir / f"{name}.paused"
    log = open(install.data_dir / f"{name}.log", "wb")  # noqa: SIM115 — closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.scale.fault_hooks", point, *args],
        env={**install.env, "FAULT_MARKER": str(marker), "FAULT_AFTER": str(after), **env},
        cwd=PROJECT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    install.processes.append(process)
    return process, marker


def kill_at_point(
    install: Install, process: subprocess.Popen[bytes], marker: Path, seconds: float = 90
) -> None:
    """SIGKILL `process` once it pauses at its point (it must get there, not end before)."""
    assert wait_until(lambda: marker.exists() or process.poll() is not None, seconds), (
        install.logs()
    )
    assert marker.exists(), f"ended before the point (exit {process.returncode}): {install.logs()}"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)

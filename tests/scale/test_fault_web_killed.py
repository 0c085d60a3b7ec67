"""Fault: the web process is killed with SIGKILL while clients are creating, issuing, paying
and sending invoices; a new web process starts on the same port. Every client retries each step
with the same `Idempotency-Key` until it gets an answer.

Afterwards: each request committed completely or not at all (the numbering has no gap and no
draft holds a number, every payment has its bank movement), every retry got the first result
(one document and one payment per client, nothing made twice), and the e-mail and the
`document.issued` webhook of each committed document went out exactly once.

PostgreSQL + Redis only (CI's second pass), like the other tests in tests/scale.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.scale import faults
from tests.scale.test_two_web_two_workers import Install
from tests.scale.test_two_web_two_workers import pytestmark as pytestmark
from xfinances.notifications.tests.loopback import SmtpServer, WebhookReceiver

CLIENTS = 6
JOBS_PER_CLIENT = 2


class Job:
    """One client's invoice: create, issue, pay, send — each step retried with its own key."""

    def __init__(self, client: faults.Client, n: int, party_id: int, account_id: int):
        self.client, self.n = client, n
        self.party_id, self.account_id = party_id, account_id
        self.document_id = 0
        self.payment_id = 0
        self.cut_off = 0  # requests that got no answer (the server died under them)
        self.server_errors = 0  # 5xx answers: a kill must cause none
        self.errors: list[Any] = []

    def step(self, method: str, path: str, body: Any, key: str, ok: int) -> Any:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status, answer = self.client.call(method, path, body, key=f"{key}-{self.n}")
            if status == ok:
                return answer
            if status == 0 or status >= 500:
                # No answer (the server died under the request, or is not back yet): retry.
                self.cut_off += status == 0
                self.server_errors += status >= 500
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


def test_web_process_killed_mid_request_commits_all_or_nothing(tmp_path: Path) -> None:
    database_url, database = faults.copy_database(tmp_path, "web")
    smtp = SmtpServer(faults.free_port())
    smtp.start()
    receiver = WebhookReceiver()
    env = faults.base_env(database_url, tmp_path, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port))
    install = Install(tmp_path, env)
    port = faults.free_port()
    try:
        faults.start_web(install, "web-a", port)
        install.start("worker", "worker")
        from xfinances.core.demo import DEMO_EIK

        client = faults.Client(
            f"http://127.0.0.1:{port}", faults.token_for_owner(install), DEMO_EIK
        )
        assert faults.wait_until(client.ready, 60), install.logs()
        status, endpoint = client.call(
            "POST", "/webhooks", {"url": receiver.url, "events": ["document.issued"]}
        )
        assert status == 201, endpoint
        receiver.secret = endpoint["secret"]
        party_id = client.call("GET", "/parties?limit=50")[1]["items"][0]["id"]
        accounts = client.call("GET", "/treasury/accounts")[1]["accounts"]
        account_id = next(
            a["id"] for a in accounts if a["kind"] == "bank" and a["currency"] == "EUR"
        )
        before = faults.ask(install, faults.LEDGER)

        jobs = [Job(client, n, party_id, account_id) for n in range(CLIENTS * JOBS_PER_CLIENT)]

        def work(mine: list[Job]) -> None:
            for job in mine:
                job.run()

        threads = [threading.Thread(target=work, args=(jobs[c::CLIENTS],)) for c in range(CLIENTS)]
        for thread in threads:
            thread.start()
        # Kill when the first documents are through: the others are mid-request.
        assert faults.wait_until(lambda: sum(1 for j in jobs if j.payment_id) >= 2, 60)
        doomed = install.processes[0]
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
        faults.start_web(install, "web-b", port)
        for thread in threads:
            thread.join(timeout=240)
        assert all(not j.errors for j in jobs), [j.errors for j in jobs]
        cut_off = sum(j.cut_off for j in jobs)
        assert cut_off > 0, "the kill hit no request in flight"
        assert sum(j.server_errors for j in jobs) == 0, install.logs()

        def delivered() -> bool:
            ours = [m for m in smtp.received if m.recipients[0].startswith("client")]
            return len(ours) >= len(jobs)

        assert faults.wait_until(delivered, 120), install.logs()
        time.sleep(3)  # a duplicate would arrive now
        after = faults.ask(install, faults.LEDGER)
    finally:
        install.stop()
        smtp.stop()
        receiver.close()
        faults.drop_database(database)

    old_documents = {d["id"] for d in before["documents"]}
    new_documents = [d for d in after["documents"] if d["id"] not in old_documents]
    # One document per client: a create retried after the kill got the first answer.
    assert sorted(d["id"] for d in new_documents) == sorted(j.document_id for j in jobs)
    assert all(d["status"] == "issued" for d in new_documents), new_documents
    faults.assert_numbering_gapless(after["documents"])

    old_payments = {p["id"] for p in before["payments"]}
    new_payments = [p for p in after["payments"] if p["id"] not in old_payments]
    assert sorted(p["id"] for p in new_payments) == sorted(j.payment_id for j in jobs)
    assert all(p["movement_id"] for p in new_payments), new_payments

    ours = [m for m in smtp.received if m.recipients[0].startswith("client")]
    assert Counter(m.recipients[0] for m in ours) == Counter(
        f"client{j.n}@example.bg" for j in jobs
    )
    issued = [p for p in receiver.payloads() if p["event"] == "document.issued"]
    deliveries = {(p["data"]["id"], p["id"]) for p in issued}
    per_document = Counter(document for document, _delivery in deliveries)
    assert per_document == Counter(j.document_id for j in jobs), per_document
    print(
        f"\nweb kill -9 with {len(jobs)} invoices in flight: {cut_off} requests cut off and "
        f"retried, {len(new_documents)} issued (numbering gapless), {len(new_payments)} "
        f"payments with movements, {len(ours)} e-mails and {len(per_document)} webhooks once each"
    )

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

import os
import signal
import time
from collections import Counter
from pathlib import Path

from tests.scale import faults
from tests.scale.test_two_web_two_workers import Install
from tests.scale.test_two_web_two_workers import pytestmark as pytestmark
from xfinances.notifications.tests.loopback import SmtpServer, WebhookReceiver

CLIENTS = 6
# `make bench` (bench/faults.py) runs the long variant with more invoices per client.
JOBS_PER_CLIENT = int(os.environ.get("FAULTS_JOBS_PER_CLIENT", "2"))


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
        party_id, account_id = faults.party_and_account(client)
        before = faults.ask(install, faults.LEDGER)

        jobs = [
            faults.InvoiceJob(client, n, party_id, account_id)
            for n in range(CLIENTS * JOBS_PER_CLIENT)
        ]
        threads = faults.run_jobs(jobs, CLIENTS)
        # Kill when the first invoices are through: the others are mid-request.
        assert faults.wait_until(lambda: sum(1 for j in jobs if j.payment_id) >= 2, 60)
        doomed = install.processes[0]
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
        faults.start_web(install, "web-b", port)
        for thread in threads:
            thread.join(timeout=240)
        failures = sum((j.failures for j in jobs), Counter())
        assert failures[0] > 0, "the kill hit no request in flight"
        # Killing the web process cuts requests off; it never makes the server answer 5xx.
        assert set(failures) == {0}, (failures, install.logs())

        def delivered() -> bool:
            return len(faults.mails_to_clients(smtp)) >= len(jobs)

        assert faults.wait_until(delivered, 120), install.logs()
        time.sleep(3)  # a duplicate would arrive now
        after = faults.ask(install, faults.LEDGER)
    finally:
        install.stop()
        smtp.stop()
        receiver.close()
        faults.drop_database(database)

    documents, payments = faults.assert_committed_once(before, after, jobs)
    faults.assert_sent_once(smtp, receiver, jobs)
    print(
        f"\nweb kill -9 with {len(jobs)} invoices in flight: {failures[0]} requests cut off and "
        f"retried, {len(documents)} issued (numbering gapless), {len(payments)} payments with "
        f"movements, every e-mail and webhook once"
    )

"""Fault: PostgreSQL restarts (`pg_ctl restart -m fast`: every open connection is cut) while
clients create, issue, pay and send invoices and others read lists.

Requests during the restart fail cleanly (a 503 that says to try again, or no answer while the
server is down; never a 500 of a half-done change), the web and worker processes reconnect by
themselves (no restart of theirs), retries with the same `Idempotency-Key` give one result, the
numbering has no gap, every payment has its movement, every e-mail and webhook goes out once.

The database is a throw-away cluster the test creates (initdb + pg_ctl on a free port); the
machine's PostgreSQL, shared with other work, only lends the template it is copied from.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.scale import faults
from tests.scale.pgcluster import Cluster, binaries
from tests.scale.test_two_web_two_workers import Install
from tests.scale.test_two_web_two_workers import pytestmark as _scale_marks
from xfinances.notifications.tests.loopback import SmtpServer, WebhookReceiver

pytestmark = [
    *_scale_marks,
    pytest.mark.skipif(binaries() is None, reason="needs the PostgreSQL server binaries"),
]
CLIENTS = 6
# `make bench` (bench/faults.py) runs the long variant with more invoices per client.
JOBS_PER_CLIENT = int(os.environ.get("FAULTS_JOBS_PER_CLIENT", "3"))


def test_postgres_restart_under_load_fails_cleanly_and_recovers(tmp_path: Path) -> None:
    template_url, template = faults.copy_database(tmp_path, "pg")
    cluster = Cluster()
    smtp = SmtpServer(faults.free_port())
    smtp.start()
    receiver = WebhookReceiver()
    install = Install(
        tmp_path,
        faults.base_env(
            cluster.url,
            tmp_path,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp.port),
            # What the database's restart leaves "sending" is reconciled a minute later.
            OUTBOX_STUCK_AFTER_MINUTES="1",
        ),
    )
    port = faults.free_port()
    reads: Counter[int] = Counter()
    stop_reading = threading.Event()
    try:
        cluster.create()
        cluster.load(template_url)
        faults.drop_database(template)
        faults.start_web(install, "web", port)
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

        def read() -> None:
            while not stop_reading.is_set():
                reads[client.call("GET", "/documents?limit=20")[0]] += 1
                time.sleep(0.05)

        reader = threading.Thread(target=read)
        reader.start()
        jobs = [
            faults.InvoiceJob(client, n, party_id, account_id)
            for n in range(CLIENTS * JOBS_PER_CLIENT)
        ]
        threads = faults.run_jobs(jobs, CLIENTS)
        assert faults.wait_until(lambda: sum(1 for j in jobs if j.payment_id) >= 3, 90)
        started = time.monotonic()
        cluster.restart()
        restart_seconds = time.monotonic() - started
        for thread in threads:
            thread.join(timeout=240)
        stop_reading.set()
        reader.join(timeout=30)

        def delivered() -> bool:
            return len(faults.mails_to_clients(smtp)) >= len(jobs)

        everything_out = faults.wait_until(delivered, 150)
        time.sleep(3)  # a duplicate would arrive now
        after = faults.ask(install, faults.LEDGER)
        waiting = [m for m in after["outbox"] if m["status"] != "sent"]
        assert everything_out, (waiting, install.logs()[-3000:])
        # Still the first web process and worker: they reconnected on their own.
        assert all(p.poll() is None for p in install.processes), install.logs()
    finally:
        stop_reading.set()
        install.stop()
        smtp.stop()
        receiver.close()
        cluster.destroy()
        faults.drop_database(template)

    failures = sum((j.failures for j in jobs), Counter())
    failures.update({s: n for s, n in reads.items() if s != 200})
    # Clean failures only: 503 "try again" or no answer; a 500 would be an unexpected error.
    assert set(failures) <= {0, 503}, (failures, [j.failure_bodies[:2] for j in jobs])
    assert sum(failures.values()) > 0, "the restart hit no request"
    documents, payments = faults.assert_committed_once(before, after, jobs)
    faults.assert_sent_once(smtp, receiver, jobs)
    print(
        f"\nPostgreSQL restart ({restart_seconds:.1f} s) under {CLIENTS} writers + 1 reader: "
        f"failed cleanly {dict(failures)}, {reads[200]} reads ok, {len(documents)} issued "
        f"(gapless), {len(payments)} payments with movements, e-mails and webhooks once"
    )

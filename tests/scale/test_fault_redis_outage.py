"""Fault: Redis (the job queue and the cache) stops while invoices are created, issued and sent,
then comes back empty (no persistence: the worst case, every queued job is gone).

While it is down the web process keeps answering: the work is committed in PostgreSQL and the
e-mails wait in the outbox; only the "look at the outbox now" kick to the worker is lost. When
Redis is back, the outbox delivers every waiting e-mail and webhook exactly once.

The test runs a Redis of its own on a free port (the machine's Redis is shared), and the usual
PostgreSQL + Redis conditions of tests/scale apply.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.scale import faults
from tests.scale.test_two_web_two_workers import Install
from tests.scale.test_two_web_two_workers import pytestmark as _scale_marks
from xfinances.notifications.tests.loopback import SmtpServer, WebhookReceiver

pytestmark = [
    *_scale_marks,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]
DURING_OUTAGE = int(os.environ.get("FAULTS_JOBS_PER_CLIENT", "4"))  # more in `make bench`


class Redis:
    def __init__(self, port: int, work: Path):
        self.port, self.work = port, work
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.work / "redis.log", "ab")  # noqa: SIM115 — closed with the process
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.work)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        assert faults.wait_until(self.ping, 20), "redis-server did not start"

    def ping(self) -> bool:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
        )
        return result.stdout.strip() == "PONG"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # as a crash: nothing saved
            self.process.wait(timeout=10)
        self.process = None


def _issue_and_send(client: faults.Client, party_id: int, n: int) -> list[tuple[str, int]]:
    """Create, issue and send one invoice; the statuses of the three requests."""
    line = {
        "description": f"Услуга без опашка {n}",
        "quantity": "1",
        "unit": "pcs",
        "unit_price": "80.00",
        "vat_treatment": "standard",
    }
    body = {"kind": "invoice", "party_id": party_id, "lines": [line]}
    status, draft = client.call("POST", "/documents", body, key=f"redis-create-{n}")
    statuses = [("create", status)]
    if status != 201:
        return statuses
    status, _issued = client.call("POST", f"/documents/{draft['id']}/issue", {}, f"redis-{n}")
    statuses.append(("issue", status))
    recipients = {"recipients": [f"client{n}@example.bg"]}
    status, _sent = client.call("POST", f"/documents/{draft['id']}/send", recipients)
    statuses.append(("send", status))
    return statuses


def test_redis_down_loses_no_work_and_doubles_none(tmp_path: Path) -> None:
    database_url, database = faults.copy_database(tmp_path, "redis")
    redis = Redis(faults.free_port(), tmp_path)
    redis.start()
    smtp = SmtpServer(faults.free_port())
    smtp.start()
    receiver = WebhookReceiver()
    env = faults.base_env(
        database_url,
        tmp_path,
        REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
    )
    install = Install(tmp_path, env)
    port = faults.free_port()
    try:
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
        party_id = client.call("GET", "/parties?limit=50")[1]["items"][0]["id"]

        redis.stop()
        outage = [_issue_and_send(client, party_id, n) for n in range(DURING_OUTAGE)]
        listed = client.call("GET", "/documents?limit=5")[0]
        time.sleep(2)
        during = [m for m in smtp.received if m.recipients[0].startswith("client")]
        redis.start()

        # Every request of the outage was answered as if nothing happened: the work is in
        # PostgreSQL, only the kick was lost.
        assert all(
            s == {"create": 201, "issue": 200, "send": 202}[step] for r in outage for step, s in r
        ), (
            outage,
            install.logs(),
        )
        assert listed == 200
        assert during == [], "nothing can have been sent: the worker was never told"

        # Work goes on after the outage; its kick makes the worker send everything that waits.
        # (Without new work, the worker's periodic outbox run does the same within a minute.)
        assert [s for _step, s in _issue_and_send(client, party_id, DURING_OUTAGE)] == [
            201,
            200,
            202,
        ]

        def everything_out() -> bool:
            ours = [m for m in smtp.received if m.recipients[0].startswith("client")]
            hooks = [p for p in receiver.payloads() if p["event"] == "document.issued"]
            return len(ours) >= DURING_OUTAGE + 1 and len(hooks) >= DURING_OUTAGE + 1

        assert faults.wait_until(everything_out, 90), install.logs()
        time.sleep(3)  # a duplicate would arrive now
    finally:
        install.stop()
        redis.stop()
        smtp.stop()
        receiver.close()
        faults.drop_database(database)

    ours = [m for m in smtp.received if m.recipients[0].startswith("client")]
    expected = Counter(f"client{n}@example.bg" for n in range(DURING_OUTAGE + 1))
    assert Counter(m.recipients[0] for m in ours) == expected
    # The PDF jobs queued during the outage were lost with Redis; the e-mail renders what is
    # missing, so every invoice still arrives with its PDF.
    for mail in ours:
        types = [part.get_content_type() for part in mail.message.iter_attachments()]
        assert "application/pdf" in types, (mail.recipients, types)
    hooks = [p for p in receiver.payloads() if p["event"] == "document.issued"]
    assert len({p["data"]["id"] for p in hooks}) == DURING_OUTAGE + 1
    assert len({p["id"] for p in hooks}) == DURING_OUTAGE + 1  # one delivery per document
    print(
        f"\nRedis down for {DURING_OUTAGE} invoices: every request answered, "
        f"{len(ours)} e-mails and {len(hooks)} webhooks delivered once after it returned"
    )

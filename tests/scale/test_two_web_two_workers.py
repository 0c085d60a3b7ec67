"""Scale-out as real processes: two web processes (`xfinances serve --no-worker` on two loopback
ports) and two workers (`xfinances worker`, one of them `--no-periodic`) on PostgreSQL and
Redis. Documents are issued and sent through both web processes; every e-mail (a real SMTP
server on loopback) and every webhook call (a real receiver) must go out exactly once.

Runs only when DATABASE_URL is PostgreSQL and REDIS_URL is set (CI's second pass). It uses its
own database, `<name of DATABASE_URL's database>_scaleout`, created and dropped here, and its own
queue name on that Redis.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from xfinances.notifications.tests.loopback import SmtpServer, WebhookReceiver, free_port

PROJECT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
DOCUMENTS = 12

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (DATABASE_URL.startswith(("postgres://", "postgresql://")) and REDIS_URL),
        reason="scale-out test needs DATABASE_URL=postgres://… and REDIS_URL (CI's second pass)",
    ),
]


def _own_database_url() -> tuple[str, str, str]:
    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/") + "_scaleout"
    admin = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path="/" + name)), admin, name


def _recreate(admin_url: str, name: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


class Install:
    def __init__(self, data_dir: Path, env: dict[str, str]):
        self.data_dir = data_dir
        self.env = env
        self.processes: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "xfinances", *args],
            env=self.env,
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def start(self, name: str, *args: str) -> None:
        log = open(self.data_dir / f"{name}.log", "wb")  # noqa: SIM115 — closed with the process
        self.processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "xfinances", *args],
                env=self.env,
                cwd=PROJECT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}"
            for path in sorted(self.data_dir.glob("*.log"))
        )


class Api:
    def __init__(self, base: str, token: str, eik: str):
        self.base, self.token, self.eik = base, token, eik

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base + "/api/v1" + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {self.token}",
                "X-Company": self.eik,
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def _wait_until(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return predicate()


@pytest.fixture
def install(tmp_path: Path) -> Iterator[tuple[Install, SmtpServer, WebhookReceiver, list[int]]]:
    database_url, admin_url, name = _own_database_url()
    _recreate(admin_url, name)
    smtp = SmtpServer(free_port())
    smtp.start()
    receiver = WebhookReceiver()
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "HUEY_NAME": f"xf-scaleout-{os.getpid()}",
        "HUEY_IMMEDIATE": "false",
        "XFINANCES_DATA_DIR": str(tmp_path),  # the shared files folder of both "machines"
        "SECRET_KEY": "scale-out-test-" + "k" * 40,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "false",
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "WORKER_THREADS": "2",
        "LOG_LEVEL": "WARNING",
    }
    installed = Install(tmp_path, env)
    ports = [free_port(), free_port()]
    try:
        installed.run("migrate", "-v0")
        installed.run("demo")
        for n, port in enumerate(ports, start=1):
            installed.start(f"web{n}", "serve", "--no-worker", "--port", str(port))
        installed.start("worker1", "worker")
        installed.start("worker2", "worker", "--no-periodic")
        yield installed, smtp, receiver, ports
    finally:
        installed.stop()
        smtp.stop()
        receiver.close()
        _recreate(admin_url, name, drop_only=True)


def test_two_web_processes_and_two_workers_send_everything_exactly_once(install):
    installed, smtp, receiver, ports = install
    token_output = installed.run("token", "--email", "owner@demo.xfinances.bg", "--name", "scale")
    token = token_output.strip().splitlines()[-1].strip()
    from xfinances.core.demo import DEMO_EIK

    webs = [Api(f"http://127.0.0.1:{port}", token, DEMO_EIK) for port in ports]

    def ready() -> bool:
        try:
            return all(api.call("GET", "/me")[0] == 200 for api in webs)
        except OSError:
            return False

    assert _wait_until(ready, 60), installed.logs()
    status, endpoint = webs[0].call(
        "POST",
        "/webhooks",
        {"url": receiver.url, "events": ["document.issued", "document.delivered"]},
    )
    assert status == 201, endpoint
    receiver.secret = endpoint.get("secret", "")
    status, parties = webs[1].call("GET", "/parties?limit=50")
    assert status == 200, parties
    party = next(p for p in parties["items"] if p.get("is_client", True))

    sent_ids = []
    for n in range(DOCUMENTS):
        api = webs[n % 2]
        status, draft = api.call(
            "POST",
            "/documents",
            {
                "kind": "invoice",
                "party_id": party["id"],
                "lines": [
                    {
                        "description": f"Услуга {n}",
                        "quantity": "1",
                        "unit": "pcs",
                        "unit_price": f"{100 + n}.00",
                        "vat_treatment": "standard",
                    }
                ],
            },
        )
        assert status == 201, draft
        status, issued = webs[(n + 1) % 2].call("POST", f"/documents/{draft['id']}/issue", {})
        assert status == 200, issued
        status, message = api.call(
            "POST", f"/documents/{draft['id']}/send", {"recipients": [f"client{n}@example.bg"]}
        )
        assert status == 202, message
        sent_ids.append(draft["id"])

    def ours() -> list[Any]:
        # The demo queued e-mails of its own when it was loaded; count the ones sent here.
        return [m for m in smtp.received if any(r.startswith("client") for r in m.recipients)]

    def all_out() -> bool:
        issued_hits = [p for p in receiver.payloads() if p["event"] == "document.issued"]
        return len(ours()) >= DOCUMENTS and len(issued_hits) >= DOCUMENTS

    assert _wait_until(all_out, 180), (len(ours()), receiver.payloads(), installed.logs())
    time.sleep(5)  # anything sent twice would arrive now

    recipients = Counter(r for mail in ours() for r in mail.recipients)
    assert recipients == Counter(f"client{n}@example.bg" for n in range(DOCUMENTS))
    message_ids = Counter(smtp.message_ids())
    assert all(count == 1 for count in message_ids.values()), message_ids
    events = Counter((p["event"], p["id"]) for p in receiver.payloads())
    assert all(count == 1 for count in events.values()), events
    issued_documents = Counter(
        p["data"].get("id") for p in receiver.payloads() if p["event"] == "document.issued"
    )
    assert set(issued_documents) >= set(sent_ids)
    assert all(issued_documents[i] == 1 for i in sent_ids), issued_documents
    assert all(hit.valid for hit in receiver.hits)

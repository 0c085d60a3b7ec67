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

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.scale.test_two_web_two_workers import Install

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def python() -> str:
    return sys.executable


def run_quiet(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=True, **kwargs)

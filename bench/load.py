"""Load test (`python -m bench load`, part of `make bench`): 50 API users against a real
install on PostgreSQL and Redis, Locust headless on loopback for a bounded time.

The install is its own database (`<DATABASE_URL's database>_load`, recreated each run) with the
demo company, one `xfinances serve --no-worker` web process and one worker. Users list
documents, search clients, download PDFs, issue invoices and record payments
(bench/locustfile.py). Reported per endpoint: requests, failures, p50/p95/p99 in ms; and
what was held: all endpoints together, the requests per second and the error rate.

LOAD_USERS (50), LOAD_SECONDS (60) and LOAD_WEB_THREADS (16) set the size. Skipped unless
DATABASE_URL is PostgreSQL and REDIS_URL is set.
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import Result, benchmark

PROJECT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _recreate(admin_url: str, name: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def _xfinances(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "xfinances", *args],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@benchmark("load")
def load(runs: int) -> list[Result]:
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not (database_url.startswith(("postgres://", "postgresql://")) and redis_url):
        return [Result("load", None, note="needs DATABASE_URL=postgres://… and REDIS_URL")]
    users = os.environ.get("LOAD_USERS", "50")
    seconds = os.environ.get("LOAD_SECONDS", "60")
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + "_load"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    _recreate(admin_url, name)
    work = Path(tempfile.mkdtemp(prefix="xfinances-load-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "DATABASE_URL": urlunsplit(parts._replace(path="/" + name)),
        "HUEY_NAME": f"xf-load-{os.getpid()}",
        "HUEY_IMMEDIATE": "false",
        "XFINANCES_DATA_DIR": str(work),
        "SECRET_KEY": "load-test-" + "k" * 40,
        "LOG_LEVEL": "WARNING",
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        _xfinances(env, "migrate", "-v0")
        _xfinances(env, "demo")
        token = _xfinances(env, "token", "--email", "owner@demo.xfinances.bg").strip()
        token = token.splitlines()[-1].strip()
        from xfinances.core.demo import DEMO_EIK

        port = _free_port()
        threads = os.environ.get("LOAD_WEB_THREADS", "16")
        for args in (
            ["serve", "--no-worker", "--port", str(port), "--threads", threads],
            ["worker"],
        ):
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "xfinances", *args],
                    env=env,
                    cwd=PROJECT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        host = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(host + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        prefix = work / "locust"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(PROJECT / "bench" / "locustfile.py"),
                "--headless",
                "--host",
                host,
                "--users",
                users,
                "--spawn-rate",
                "10",
                "--run-time",
                f"{seconds}s",
                "--csv",
                str(prefix),
                "--only-summary",
                "--exit-code-on-error",
                "0",
            ],
            env={**env, "LOAD_TOKEN": token, "LOAD_EIK": DEMO_EIK},
            cwd=PROJECT,
            capture_output=True,
            check=True,
        )
        rows = []
        with open(f"{prefix}_stats.csv", newline="") as handle:
            for row in csv.DictReader(handle):
                requests, failures = int(row["Request Count"]), int(row["Failure Count"])
                label, held = f"load: {row['Name']}", ""
                if row["Name"] == "Aggregated":
                    # What the install held: every user kept busy for the whole run.
                    label = f"load: held {users} users × {seconds} s, all endpoints"
                    rate = 100 * failures / requests if requests else 0.0
                    held = f"error rate {rate:.2f}%, "
                rows.append(
                    Result(
                        label,
                        float(row["50%"]),
                        requests,
                        f"{held}p95 {row['95%']} ms, p99 {row['99%']} ms, {failures} failed of "
                        f"{requests} ({float(row['Requests/s']):.1f}/s), "
                        f"{users} users, {seconds} s",
                        "error rate 0",
                    )
                )
        return rows
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        _recreate(admin_url, name, drop_only=True)

"""E-mails per second through the outbox to a loopback SMTP server, against a bare smtplib loop.

10,000 issued documents (PDFs already rendered) are queued through `send_documents`; then
- outbox: `notifications.outbox.run()` sends them all (claim in batches, one SMTP connection per
  batch, `transmit_started_at` and `sent` written per message, delivery log, Document.sent_at);
- bare loop: the same messages (same subject, bodies and PDF, built the same way) sent with
  smtplib over one connection, nothing recorded.
Target: the outbox costs at most 2× the bare loop.

The SMTP server is aiosmtpd's Sink in a separate process (so it does not share our GIL), on
127.0.0.1. The database is a throw-away SQLite file (WAL, synchronous=NORMAL as in production).

    python -m bench outbox          # 10,000 messages
    python -m bench outbox_quick    # 1,000 messages
    python -m bench.outbox [N]
"""

from __future__ import annotations

import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench import Result, benchmark


def _say(text: str) -> None:
    print(f"[outbox bench] {text}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_smtp(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the SMTP server did not start")


def _use_sqlite() -> str:
    from django.db import connections

    path = os.path.join(tempfile.mkdtemp(prefix="xfinances-outbox-bench-"), "bench.sqlite3")
    connections["default"].close()
    base = dict(connections.settings["default"])
    base.update(
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "CONN_MAX_AGE": 0,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {},
        }
    )
    connections.settings["default"] = base
    del connections["default"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return path


def _documents(count: int) -> tuple[Any, list[Any]]:
    """One document issued through the actions (PDF rendered), then `count` issued clones that
    share its stored PDF."""
    from django.db import transaction

    from xfinances.core import actions as core_actions
    from xfinances.core.audit import Actor
    from xfinances.core.company_inputs import NewCompanyInput
    from xfinances.core.models import Source
    from xfinances.invoicing import actions as invoicing
    from xfinances.invoicing import inputs
    from xfinances.invoicing.models import Document
    from xfinances.parties.actions import add_party_contact, create_party
    from xfinances.parties.inputs import ContactInput, PartyInput

    actor = Actor.system(Source.CLI)
    company = core_actions.create_company(
        actor,
        NewCompanyInput.read(
            {
                "name": "Бенч ООД",
                "eik": "131468980",
                "vat_number": "BG131468980",
                "city": "София",
                "address": "ул. Тест 1",
                "email": "office@bench.example.bg",
            }
        ),
    )
    party = create_party(
        actor,
        company,
        PartyInput.read(
            {"name": "Клиент ООД", "eik": "121759222", "email": "office@client.example.bg"}
        ),
    )
    contact = {"name": "Счетоводство", "email": "acc@client.example.bg", "receives_invoices": True}
    add_party_contact(actor, party, ContactInput.read(contact))
    header = inputs.draft(
        party=party,
        lines=[
            {
                "description": "Консултантски услуги",
                "quantity": "3",
                "unit": "h",
                "unit_price": "120.00",
                "vat_treatment": "standard",
            }
        ],
    )
    draft = invoicing.create_draft(actor, company, header, kind="invoice")
    template = invoicing.issue_document(actor, draft).document
    invoicing.store_pdf(template)
    template.refresh_from_db()
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Document._meta.concrete_fields
        if f.attname not in ("id", "number")
    }
    start = int(template.number or 0) + 1
    with transaction.atomic():
        Document.objects.bulk_create(
            [Document(**fields, number=f"{start + i:010d}") for i in range(count - 1)],
            batch_size=1000,
        )
    documents = list(Document.objects.filter(company=company).select_related("party", "company"))
    return company, documents


def run_outbox_benchmark(count: int) -> list[Result]:
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives

    from xfinances.core.audit import Actor
    from xfinances.core.models import Source
    from xfinances.notifications import actions, outbox
    from xfinances.notifications.models import OutboxMessage

    settings.NOTIFICATIONS_KICK_WORKER = False
    _use_sqlite()
    _say(f"making {count} issued documents")
    company, documents = _documents(count)
    _say("queuing")
    started = time.perf_counter()
    actions.send_documents(Actor.system(Source.CLI), company, documents)
    queue_seconds = time.perf_counter() - started
    rows = list(OutboxMessage.objects.filter(company=company, kind="email").order_by("id"))
    pdf = documents[0].pdf_file.open("rb").read()

    port = _free_port()
    server = _start_smtp(port)
    try:

        def bare_loop() -> float:
            started = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                for row in rows:
                    payload = row.payload
                    email = EmailMultiAlternatives(
                        subject=payload["subject"],
                        body=payload["text"],
                        from_email=settings.DEFAULT_FROM_EMAIL,
                        to=payload["to"],
                        reply_to=[payload["reply_to"]] if payload.get("reply_to") else [],
                        headers={"Message-ID": row.message_id},
                    )
                    email.attach_alternative(payload["html"], "text/html")
                    email.attach(f"invoice-{row.document_id}.pdf", pdf, "application/pdf")
                    data = email.message().as_bytes(linesep="\r\n")
                    smtp.sendmail(email.from_email, email.recipients(), data)
            return time.perf_counter() - started

        # Bare loop before and after the outbox run: the mean evens out drift in machine load.
        _say("bare smtplib loop (1/2)")
        bare_runs = [bare_loop()]

        _say("outbox")
        with outbox.smtp_settings("127.0.0.1", port):
            started = time.perf_counter()
            sent = 0
            while True:
                result = outbox.run(max_batches=1)
                sent += result.sent
                if result.sent == 0 and result.retried == 0 and result.failed == 0:
                    break
            outbox_seconds = time.perf_counter() - started
        _say("bare smtplib loop (2/2)")
        bare_runs.append(bare_loop())
        bare_seconds = sum(bare_runs) / len(bare_runs)
    finally:
        server.terminate()
        server.wait(timeout=10)
    left = OutboxMessage.objects.filter(company=company, kind="email").exclude(status="sent")
    if sent != count or left.exists():
        raise RuntimeError(f"sent {sent} of {count}; {left.count()} not sent")
    ratio = outbox_seconds / bare_seconds
    return [
        Result(
            f"outbox_email_{count}",
            outbox_seconds * 1000 / count,
            count,
            note=f"{count / outbox_seconds:.0f} e-mails/s through the outbox",
            target=f"ratio to bare loop {ratio:.2f}× (target ≤ 2×)",
        ),
        Result(
            f"bare_smtplib_{count}",
            bare_seconds * 1000 / count,
            count,
            note=(
                f"{count / bare_seconds:.0f} e-mails/s, one connection, nothing recorded "
                f"(runs before/after: {bare_runs[0]:.1f} s, {bare_runs[1]:.1f} s)"
            ),
        ),
        Result(
            f"outbox_queue_{count}",
            queue_seconds * 1000 / count,
            count,
            note="send_documents: checks + rows + log + audit (not part of the target)",
        ),
    ]


@benchmark("outbox")
def outbox_full(runs: int) -> list[Result]:
    return run_outbox_benchmark(10_000)


@benchmark("outbox_quick")
def outbox_quick(runs: int) -> list[Result]:
    return run_outbox_benchmark(1_000)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xfinances.settings")
    import django

    django.setup()
    for row in run_outbox_benchmark(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000):
        print(row)

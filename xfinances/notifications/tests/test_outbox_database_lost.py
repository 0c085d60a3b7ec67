"""The database goes away while the outbox worker sends a batch (a PostgreSQL restart): once
it answers again the worker writes "sent" for what the mail server accepted and requeues what
was claimed but never handed over, instead of leaving it all "sending" for reconcile (which
would call the accepted e-mail uncertain ten minutes later). The real restart is
tests/scale/test_fault_postgres_restart.py; here the lost connection is one raised error."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError

from xfinances.notifications import outbox
from xfinances.notifications.actions.queue import queue_email
from xfinances.notifications.models import MessageStatus, OutboxMessage

pytestmark = pytest.mark.django_db


def test_database_lost_mid_batch_records_the_sent_and_requeues_the_rest(company, smtp_server):
    messages = [
        queue_email(
            company,
            to=[f"c{n}@example.bg"],
            subject=f"Съобщение {n}",
            body_text="Здравейте",
            idempotency_key=f"lost-{n}",
        )[0]
        for n in range(3)
    ]
    real_mark = outbox._mark_transmitting
    calls = {"n": 0}

    def lost_on_the_second(message: Any) -> bool:
        calls["n"] += 1
        if calls["n"] == 2:  # the 1st e-mail was accepted; its "sent" shares this transaction
            raise OperationalError("terminating connection due to administrator command")
        return bool(real_mark(message))

    with (
        mock.patch.object(outbox, "_mark_transmitting", lost_on_the_second),
        mock.patch.object(outbox.time, "sleep"),
        pytest.raises(OperationalError),
    ):
        outbox.run()

    assert [m.recipients for m in smtp_server.received] == [["c0@example.bg"]]
    rows = {m.pk: OutboxMessage.objects.get(pk=m.pk) for m in messages}
    first, *rest = (rows[m.pk] for m in messages)
    assert first.status == MessageStatus.SENT and not first.outcome_uncertain
    assert all(r.status == MessageStatus.QUEUED and not r.claim_token for r in rest)

    assert outbox.run().sent == 2  # at once: no wait for reconcile
    assert sorted(r for m in smtp_server.received for r in m.recipients) == [
        "c0@example.bg",
        "c1@example.bg",
        "c2@example.bg",
    ]

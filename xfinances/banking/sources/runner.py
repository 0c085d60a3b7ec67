"""The worker's entry: run every automatic source whose time has come, each claimed first so
two workers never run one source together, each failure kept to its own source."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils import timezone

from xfinances.banking.models import (
    BankConnection,
    MailAuth,
    RunStatus,
    SourceKind,
    SourceRun,
    StatementMailbox,
    SyncStatus,
    WatchedFolder,
)
from xfinances.banking.sources import common, folder, mailbox, psd2sync

log = logging.getLogger(__name__)
KINDS = {"mailbox": SourceKind.MAILBOX, "folder": SourceKind.FOLDER, "connection": SourceKind.PSD2}


def run_due(
    now: dt.datetime | None = None,
    *,
    client_factory: psd2sync.ClientFactory = psd2sync.default_client,
) -> dict[str, int]:
    """Run the due mailboxes, folders and bank connections; how many of each ran."""
    moment = now or timezone.now()
    plan: list[tuple[str, type[models.Model], Callable[[Any], object]]] = [
        ("mailbox", StatementMailbox, mailbox.poll),
        ("folder", WatchedFolder, folder.scan),
        (
            "connection",
            BankConnection,
            lambda c: psd2sync.sync(c, now=moment, client_factory=client_factory),
        ),
    ]
    ran = {name: 0 for name, _model, _run in plan}
    for name, model, run in plan:
        ids = common.due(model, moment)
        if model is StatementMailbox:  # an OAuth2 mailbox waiting for its first sign-in
            ids = list(
                StatementMailbox.objects.filter(pk__in=ids)
                .exclude(auth=MailAuth.OAUTH2, oauth_refresh_token="")
                .values_list("pk", flat=True)
            )
        if model is BankConnection:  # without a valid consent there is nothing to ask
            ids = list(
                BankConnection.objects.filter(pk__in=ids, consent_status="valid").values_list(
                    "pk", flat=True
                )
            )
        for pk in ids:
            if not common.claim(model, pk, moment):
                continue
            source: Any = model._default_manager.select_related("company").get(pk=pk)
            before = source.status  # the run may change the instance before it fails
            try:
                run(source)
            except Exception as error:  # one source's failure must not stop the others
                log.exception("statement source %s %s failed", name, pk)
                message = str(error)[:500] or error.__class__.__name__
                model._default_manager.filter(pk=pk).update(
                    status=SyncStatus.FAILED, last_error=message
                )
                # Its log row must not say "running" forever.
                SourceRun.objects.filter(
                    kind=KINDS[name], source_id=pk, status=RunStatus.RUNNING
                ).update(
                    status=RunStatus.FAILED,
                    finished_at=timezone.now(),
                    errors=[{"item": "", "error": message}],
                )
                common.report_stopped(
                    source.company,
                    common.source_label(source),
                    message,
                    before=before,
                    after=SyncStatus.FAILED,
                )
            ran[name] += 1
    return ran

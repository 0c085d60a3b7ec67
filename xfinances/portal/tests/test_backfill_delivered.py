"""portal/0003: documents opened, downloaded or accepted in the portal before the "delivered"
state existed are marked delivered with the first such event; others stay as they were."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from xfinances.core.tests.text_limits import migrate, migrate_to_latest
from xfinances.invoicing.models import DeliveredVia, Document
from xfinances.invoicing.tests.factories import issued
from xfinances.portal.models import AccessAction, DocumentResponse, PortalAccessLog, ResponseKind
from xfinances.portal.tests.factories import client_party

BEFORE = [("portal", "0002_text_length_limits")]
AFTER = [("portal", "0003_backfill_delivered")]


@pytest.mark.django_db(transaction=True)
def test_portal_events_before_the_delivered_state_mark_documents_delivered(company):
    party = client_party(company)
    viewed, downloaded, accepted, unseen, emailed = (issued(company, party=party) for _ in range(5))
    early = timezone.now() - dt.timedelta(days=30)
    later = early + dt.timedelta(days=2)

    def log(document, action, at):
        PortalAccessLog.objects.create(
            company=company, party=party, document=document, action=action, at=at
        )

    log(viewed, AccessAction.VIEW_DOCUMENT, later)
    log(viewed, AccessAction.DOWNLOAD_PDF, later + dt.timedelta(hours=1))
    log(downloaded, AccessAction.DOWNLOAD_PDF, early)
    log(downloaded, AccessAction.VIEW_DOCUMENT, later)
    log(unseen, AccessAction.VIEW_DOCUMENTS, early)  # the list, not this document
    DocumentResponse.objects.create(
        company=company, party=party, document=accepted, kind=ResponseKind.ACCEPTED
    )
    sent_at = early - dt.timedelta(days=1)
    # As the install was before the delivered state: nothing delivered but the e-mailed one.
    Document.objects.filter(company=company).update(delivered_at=None, delivered_via="")
    Document.objects.filter(pk=emailed.pk).update(delivered_at=sent_at, delivered_via="email")
    log(emailed, AccessAction.VIEW_DOCUMENT, later)

    try:
        migrate(BEFORE)
        migrate(AFTER)
    finally:
        migrate_to_latest()

    state = {
        d.pk: (d.delivered_at, d.delivered_via) for d in Document.objects.filter(company=company)
    }
    assert state[viewed.pk] == (later, DeliveredVia.PORTAL_VIEW)
    assert state[downloaded.pk] == (early, DeliveredVia.PORTAL_DOWNLOAD)
    assert state[accepted.pk][1] == DeliveredVia.ACCEPTED
    assert state[accepted.pk][0] is not None
    assert state[unseen.pk] == (None, "")
    assert state[emailed.pk] == (sent_at, "email")  # the first delivery is kept

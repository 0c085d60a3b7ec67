"""API idempotency keys: a retried create returns the first result."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company
from xfinances.invoicing.models import (
    Document,
    IdempotencyKey,
)

# --- API idempotency ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IdempotentOutcome:
    document: Document | None
    replayed: bool
    status: int
    response: dict[str, Any]


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


@transaction.atomic
def run_idempotent(
    company: Company,
    *,
    key: str,
    request_digest: str,
    run: Callable[[], tuple[Document, int, dict[str, Any]]],
) -> IdempotentOutcome:
    """Run `run` once per (company, key). A retry with the same request gets the first result;
    the same key with another request is a Conflict. Concurrent retries wait on the key row."""
    key = (key or "").strip()
    if not key or len(key) > 200:
        raise InvalidInput({"Idempotency-Key": [_("Use a key of 1 to 200 characters.")]})
    existing = IdempotencyKey.objects.filter(company=company, key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    company=company, key=key, request_hash=request_digest
                )
        except IntegrityError:
            existing = IdempotencyKey.objects.get(company=company, key=key)
    if existing is not None:
        if existing.request_hash != request_digest:
            raise Conflict(
                _("This Idempotency-Key was used for a different request."), field="Idempotency-Key"
            )
        return IdempotentOutcome(
            existing.document, True, existing.response_status, existing.response
        )
    document, status, response = run()
    row.document = document
    row.response_status = status
    row.response = response
    row.save(update_fields=["document", "response_status", "response"])
    return IdempotentOutcome(document, False, status, response)

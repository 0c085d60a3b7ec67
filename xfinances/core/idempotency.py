"""`Idempotency-Key` for API creates that move money (payments, allocations, write-offs,
movements, transfers): a retried request gets the first answer instead of a second payment.

`@idempotent` wraps an API view (below the router's decorator). Without the header the view
just runs. With it, one transaction inserts an `IdempotencyRecord` (unique per company and key)
and then runs the view: a concurrent retry blocks on that row and, once the first commits, reads
its stored answer; the same key with another method, path or body is a 409; a refused request
(an error) rolls its row back, so it may be retried with the same key. No check-then-insert.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from ninja import Status
from ninja.responses import NinjaJSONEncoder

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import IdempotencyRecord
from xfinances.core.tenancy import CompanyRequest

HEADER = "Idempotency-Key"
F = TypeVar("F", bound=Callable[..., Any])


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def idempotent(view: F) -> F:
    """Run the view once per (company, `Idempotency-Key`); see the module's doc."""

    @functools.wraps(view)
    def wrapper(request: CompanyRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(request, *args, **kwargs)
        if len(key) > 200:
            raise InvalidInput({HEADER: [_("Use a key of 1 to 200 characters.")]})
        digest = request_hash(request.method or "", request.path, request.body)
        company = request.company
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        company=company, key=key, request_hash=digest
                    )
            except IntegrityError:
                first = IdempotencyRecord.objects.get(company=company, key=key)
                if first.request_hash != digest:
                    raise Conflict(
                        _("This Idempotency-Key was used for a different request."), field=HEADER
                    ) from None
                return Status(first.response_status, first.response)
            result = view(request, *args, **kwargs)
            status, value = (
                (result.status_code, result.value) if isinstance(result, Status) else (200, result)
            )
            record.response_status = status
            record.response = json.loads(json.dumps(value, cls=NinjaJSONEncoder))
            record.save(update_fields=["response_status", "response"])
            return result

    # django-ninja reads the parameters from the signature and resolves string annotations in
    # the function's module; the wrapper lives here, so it gets the view's resolved types.
    hints = typing.get_type_hints(view)
    signature = inspect.signature(view)
    wrapper.__dict__["__signature__"] = signature.replace(
        parameters=[
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in signature.parameters.values()
        ],
        return_annotation=hints.get("return", signature.return_annotation),
    )
    return typing.cast(F, wrapper)

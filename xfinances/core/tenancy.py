"""Scoping every request to one company.

UI pages live under /c/<eik>/…; `company_view` resolves the company from the URL, checks that the
signed-in user is a member (404 otherwise: another company's existence is not revealed), checks
the role's permission (403), and hands the view `request.company`, `request.role` and
`request.actor`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from xfinances.core.audit import Actor
from xfinances.core.models import Membership, Source
from xfinances.core.roles import can


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def company_view(permission: str | None = None) -> Callable[..., Any]:
    if permission is not None:
        can(None, permission)  # fail at import for a misspelt permission

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, eik: str, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = (
                Membership.objects.select_related("company")
                .filter(user_id=request.user.pk or 0, company__eik=eik, company__is_active=True)
                .first()
            )
            if membership is None:
                raise Http404("no such company")
            request.company = membership.company  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            request.role = membership.role  # type: ignore[attr-defined]
            request.actor = Actor(request.user, Source.UI, client_ip(request))  # type: ignore[attr-defined,arg-type]
            if permission is not None and not can(membership.role, permission):
                raise PermissionDenied
            if request.session.get("company_eik") != eik:
                request.session["company_eik"] = eik
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator

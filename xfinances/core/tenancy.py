"""Scoping every request to one company.

UI pages live under /c/<eik>/…; `company_view` resolves the company from the URL, checks that the
signed-in user is a member (404 otherwise: another company's existence is not revealed), checks
the role's permission (403), and hands the view `request.company`, `request.role` and
`request.actor`. The API's token authentication sets the same three. Views and API operations
declare their request as `CompanyRequest`, so these attributes are typed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from xfinances.core.audit import Actor
from xfinances.core.models import Company, Membership, Source, User
from xfinances.core.roles import can


class SignedInRequest(HttpRequest):
    """The request of a page behind `login_required` (or the API's token authentication): its
    user is a real user, never AnonymousUser. A type for annotations, never constructed."""

    user: User  # narrower than HttpRequest's on purpose


class CompanyRequest(SignedInRequest):
    """The request of a company-scoped page or API operation, after `company_view` or the API's
    token authentication has chosen the company. A type for annotations, never constructed."""

    company: Company
    role: str
    actor: Actor
    membership: Membership  # pages only (the API has no membership row at hand)


M = TypeVar("M", bound=Model)


def company_object_or_404(company: Company, source: type[M] | QuerySet[M], **lookup: Any) -> M:
    """The one object of `company` that `lookup` finds, else 404: the same answer whether the
    object does not exist or belongs to another company (which is not revealed)."""
    queryset = source if isinstance(source, QuerySet) else source._default_manager.all()
    found = queryset.filter(company=company, **lookup).first()
    if found is None:
        raise Http404
    return found


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def company_view(permission: str | None = None) -> Callable[..., Any]:
    if permission is not None:
        can(None, permission)  # fail at import for a misspelt permission

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, eik: str, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = (
                Membership.objects.select_related("company", "user")
                .filter(user_id=request.user.pk or 0, company__eik=eik, company__is_active=True)
                .first()
            )
            if membership is None:
                raise Http404("no such company")
            scoped = cast(CompanyRequest, request)
            scoped.company = membership.company
            scoped.membership = membership
            scoped.role = membership.role
            scoped.actor = Actor(membership.user, Source.UI, client_ip(request))
            if permission is not None and not can(membership.role, permission):
                raise PermissionDenied
            if request.session.get("company_eik") != eik:
                request.session["company_eik"] = eik
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator

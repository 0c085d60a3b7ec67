"""Named reads for companies, members, audit and exchange rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q, QuerySet

from xfinances.core.models import AuditEntry, Company, ExchangeRate, Membership, User
from xfinances.core.money import BGN_PER_EUR


def memberships_of(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, company__is_active=True)
        .select_related("company")
        .order_by("company__name")
    )


def membership(user: User, company: Company) -> Membership | None:
    return Membership.objects.filter(user=user, company=company).first()


def members(company: Company) -> QuerySet[Membership]:
    return Membership.objects.filter(company=company).select_related("user").order_by("user__email")


def rate_on(company: Company | None, currency: str, date: dt.date) -> ExchangeRate | None:
    """Units of `currency` per 1 EUR valid on `date`: the company's own rate of that day, else
    the newest reference rate on or before it (reference rates are not published on holidays)."""
    if company is not None:
        own = ExchangeRate.objects.filter(company=company, currency=currency, date=date).first()
        if own:
            return own
    return (
        ExchangeRate.objects.filter(
            company=None, currency=currency, date__lte=date, date__gte=date - dt.timedelta(days=10)
        )
        .order_by("-date")
        .first()
    )


def rate_value(company: Company | None, currency: str, date: dt.date) -> Decimal | None:
    if currency == "EUR":
        return Decimal(1)
    if currency == "BGN":
        return BGN_PER_EUR
    found = rate_on(company, currency, date)
    return found.rate if found else None


def rates_for(company: Company) -> QuerySet[ExchangeRate]:
    return ExchangeRate.objects.filter(Q(company=company) | Q(company=None)).order_by(
        "-date", "currency", "company_id"
    )


def audit_log(
    company: Company,
    *,
    user_id: int | None = None,
    object_type: str = "",
    kind: str = "",
    source: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    text: str = "",
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.filter(company=company)
    if user_id:
        entries = entries.filter(user_id=user_id)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if kind:
        entries = entries.filter(kind=kind)
    if source:
        entries = entries.filter(source=source)
    if date_from:
        entries = entries.filter(created_at__date__gte=date_from)
    if date_to:
        entries = entries.filter(created_at__date__lte=date_to)
    if text:
        entries = entries.filter(Q(object_repr__icontains=text) | Q(reason__icontains=text))
    return entries.select_related("user")

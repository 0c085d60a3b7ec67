"""Every write to companies, users, memberships, tokens and exchange rates."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit, events
from xfinances.core.audit import Actor
from xfinances.core.company_events import CompanyBankAccountAdded
from xfinances.core.company_inputs import CompanyInput, NewCompanyInput
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.identifiers import (
    IdentifierError,
    bank_name_for_iban,
    bic_for_iban,
    clean_iban,
)
from xfinances.core.inputs import Changes
from xfinances.core.models import (
    ApiToken,
    Company,
    CompanyBankAccount,
    Currency,
    ExchangeRate,
    Membership,
    User,
    hash_token,
)
from xfinances.core.money import MoneyError, to_decimal
from xfinances.core.permissions import ensure_can
from xfinances.core.roles import Role

#: What `create_company` writes on the Company row (a new company has no logo yet; the IBAN
#: becomes a bank account).
COMPANY_FIELDS = tuple(
    name for name in NewCompanyInput.field_names() if name not in ("logo", "iban")
)


@transaction.atomic
def create_company(actor: Actor, data: NewCompanyInput, *, owner: User | None = None) -> Company:
    """A new company (tenant). `owner`, when given, becomes its first owner."""
    values = {name: getattr(data, name) for name in COMPANY_FIELDS}
    values["vat_registered"] = data.vat_registered and bool(data.vat_number)
    if Company.objects.filter(eik=data.eik).exists():
        raise Conflict(
            _("A company with ЕИК %(eik)s already exists.") % {"eik": data.eik}, field="eik"
        )
    company = Company.objects.create(**values)
    audit.record_create(actor, company, "create_company", company)
    if owner is not None:
        membership = Membership.objects.create(company=company, user=owner, role=Role.OWNER)
        audit.record_create(actor, company, "create_company", membership)
    # Every app above seeds its defaults (VAT treatments of the law, categories, reminder
    # levels) in this same transaction.
    events.emit(events.CompanyCreated(company_id=company.pk, company=company, actor=actor))
    if data.iban:
        add_company_bank_account(actor, company, iban=data.iban, is_default=True)
    return company


@transaction.atomic
def update_company(actor: Actor, company: Company, changes: Changes[CompanyInput]) -> Company:
    ensure_can(actor, company, "company.change")
    values = dict(changes.items())
    if (
        "eik" in values
        and Company.objects.filter(eik=values["eik"]).exclude(pk=company.pk).exists()
    ):
        raise Conflict(
            _("A company with ЕИК %(eik)s already exists.") % {"eik": values["eik"]}, field="eik"
        )
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = audit.snapshot(company)
    for key, value in values.items():
        setattr(company, key, value)
    if not company.vat_number:
        company.vat_registered = False
    company.save()
    audit.record_update(actor, company, "update_company", company, before)
    return company


@transaction.atomic
def add_company_bank_account(
    actor: Actor, company: Company, *, iban: str, currency: str = "EUR", is_default: bool = False
) -> CompanyBankAccount:
    ensure_can(actor, company, "company.change")
    try:
        iban = clean_iban(iban)
    except IdentifierError as error:
        raise InvalidInput({"iban": [str(error)]})
    if currency not in Currency.values:
        raise InvalidInput({"currency": [_("Unknown currency.")]})
    if CompanyBankAccount.objects.filter(company=company, iban=iban).exists():
        raise Conflict(_("This IBAN is already one of the company's accounts."), field="iban")
    if is_default:
        CompanyBankAccount.objects.filter(company=company).update(is_default=False)
    account = CompanyBankAccount.objects.create(
        company=company,
        iban=iban,
        bic=bic_for_iban(iban),
        bank_name=bank_name_for_iban(iban),
        currency=currency,
        is_default=is_default or not CompanyBankAccount.objects.filter(company=company).exists(),
    )
    audit.record_create(actor, company, "add_company_bank_account", account)
    events.emit(
        CompanyBankAccountAdded(
            company_id=company.pk,
            iban=iban,
            currency=currency,
            user_id=actor.user.pk if actor.user else None,
            source=actor.source,
        )
    )
    return account


@transaction.atomic
def remove_company_bank_account(actor: Actor, account: CompanyBankAccount) -> None:
    ensure_can(actor, account.company, "company.change")
    audit.record_delete(actor, account.company, "remove_company_bank_account", account)
    account.delete()


def _clean_new_user(email: str, password: str | None) -> str:
    errors = InvalidInput.collect()
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors.add("email", _("Enter a valid e-mail address."))
    if password is not None:
        try:
            validate_password(password, User(email=email))
        except ValidationError as error:
            for message in error.messages:
                errors.add("password", message)
    errors.raise_if_any()
    return email


@transaction.atomic
def create_user(
    actor: Actor, *, email: str, password: str | None, full_name: str = "", language: str = "bg"
) -> User:
    """A new sign-in. Without a password the user sets one through the reset e-mail."""
    email = _clean_new_user(email, password)
    if User.objects.filter(email=email).exists():
        raise Conflict(_("A user with this e-mail already exists."), field="email")
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, language=language
    )
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    audit.record_create(actor, None, "create_user", user)
    return user


@transaction.atomic
def add_member(
    actor: Actor,
    company: Company,
    *,
    email: str,
    role: str,
    full_name: str = "",
    password: str | None = None,
) -> Membership:
    """Give a person (new or existing user) a role in the company."""
    ensure_can(actor, company, "members.manage")
    if role not in Role.values:
        raise InvalidInput({"role": [_("Unknown role.")]})
    email = (email or "").strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = create_user(actor, email=email, password=password, full_name=full_name)
    elif Membership.objects.filter(company=company, user=user).exists():
        raise Conflict(
            _("%(email)s is already a member of this company.") % {"email": email}, field="email"
        )
    membership = Membership.objects.create(company=company, user=user, role=role)
    audit.record_create(actor, company, "add_member", membership)
    if not user.has_usable_password():
        # robust: a mail server that is down must not fail the committed invitation; the
        # failure is logged and the owner can invite again (the link is a password reset).
        transaction.on_commit(lambda: send_invitation(user.pk, company.pk), robust=True)
    return membership


def send_invitation(user_id: int, company_id: int) -> None:
    """E-mail a new member a link to set a password (the password-reset link, valid 3 days)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = User.objects.get(pk=user_id)
    company = Company.objects.get(pk=company_id)
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    with translation.override(user.language):
        context = {"user": user, "company": company, "link": settings.BASE_URL + path}
        subject = render_to_string("core/email/invitation_subject.txt", context).strip()
        body = render_to_string("core/email/invitation.txt", context)
    send_mail(subject, body, None, [user.email])


def _owners_left(company: Company, excluding: Membership) -> int:
    return (
        Membership.objects.filter(company=company, role=Role.OWNER).exclude(pk=excluding.pk).count()
    )


@transaction.atomic
def change_role(actor: Actor, membership: Membership, role: str) -> Membership:
    ensure_can(actor, membership.company, "members.manage")
    if role not in Role.values:
        raise InvalidInput({"role": [_("Unknown role.")]})
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if (
        membership.role == Role.OWNER
        and role != Role.OWNER
        and not _owners_left(membership.company, membership)
    ):
        raise InvalidInput({"role": [_("A company needs at least one owner.")]})
    before = audit.snapshot(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record_update(actor, membership.company, "change_role", membership, before)
    return membership


@transaction.atomic
def remove_member(actor: Actor, membership: Membership) -> None:
    ensure_can(actor, membership.company, "members.manage")
    if membership.role == Role.OWNER and not _owners_left(membership.company, membership):
        raise InvalidInput(_("A company needs at least one owner."))
    audit.record_delete(actor, membership.company, "remove_member", membership)
    membership.delete()


@transaction.atomic
def set_user_language(actor: Actor, user: User, language: str) -> User:
    """Remember the language a person chose, so it follows them to every device."""
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput({"language": [_("Unknown language.")]})
    if user.language != language:
        before = audit.snapshot(user)
        user.language = language
        user.save(update_fields=["language"])
        audit.record_update(actor, None, "set_user_language", user, before)
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


@transaction.atomic
def issue_api_token(actor: Actor, user: User, name: str = "script") -> IssuedToken:
    """A new API token for `user`; the raw value exists only in the return value."""
    if actor.user is not None and actor.user.pk != user.pk:
        raise InvalidInput(_("You can only create tokens for yourself."))
    raw = "xf_" + secrets.token_urlsafe(32)
    expires = None
    if settings.API_TOKEN_DAYS:
        expires = timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS)
    token = ApiToken.objects.create(
        user=user,
        name=(name or "script")[:100],
        prefix=raw[:10],
        token_hash=hash_token(raw),
        expires_at=expires,
    )
    audit.record_event(
        actor, None, "issue_api_token", token, {"name": token.name, "prefix": token.prefix}
    )
    return IssuedToken(token=token, raw=raw)


@transaction.atomic
def revoke_api_token(actor: Actor, token: ApiToken) -> ApiToken:
    if actor.user is not None and actor.user.pk != token.user_id:
        raise InvalidInput(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record_event(actor, None, "revoke_api_token", token, {"prefix": token.prefix})
    return token


def _clean_rate(currency: str, rate: object) -> tuple[str, Decimal]:
    errors = InvalidInput.collect()
    currency = (currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        errors.add("currency", _("Enter a three-letter currency code, e.g. USD."))
    elif currency in ("EUR", "BGN"):
        errors.add("currency", _("EUR is the base and BGN is fixed at 1.95583: no rate is needed."))
    value = Decimal(0)
    try:
        value = to_decimal(rate)
        if value <= 0:
            errors.add("rate", _("The rate must be greater than zero."))
    except MoneyError:
        errors.add("rate", _("Enter the rate as a number, e.g. 1.0825."))
    errors.raise_if_any()
    return currency, value


@transaction.atomic
def set_exchange_rate(
    actor: Actor, company: Company, *, currency: str, date: dt.date, rate: object
) -> ExchangeRate:
    """The company's own rate for a day (overrides the loaded reference rate)."""
    ensure_can(actor, company, "rates.change")
    currency, value = _clean_rate(currency, rate)
    existing = (
        ExchangeRate.objects.select_for_update()
        .filter(company=company, currency=currency, date=date)
        .first()
    )
    if existing:
        before = audit.snapshot(existing)
        existing.rate = value
        existing.source = "manual"
        existing.save(update_fields=["rate", "source"])
        audit.record_update(actor, company, "set_exchange_rate", existing, before)
        return existing
    created = ExchangeRate.objects.create(
        company=company, currency=currency, date=date, rate=value, source="manual"
    )
    audit.record_create(actor, company, "set_exchange_rate", created)
    return created


@dataclass(frozen=True)
class RatesLoaded:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def load_reference_rates(
    actor: Actor, rates: Iterable[tuple[dt.date, str, Decimal]], source: str
) -> RatesLoaded:
    """Store reference rates (ECB/BNB) shared by all companies. Re-loading a file is harmless."""
    created = updated = unchanged = 0
    for date, currency, rate in rates:
        currency, value = _clean_rate(currency, rate)
        row = ExchangeRate.objects.filter(company=None, currency=currency, date=date).first()
        if row is None:
            ExchangeRate.objects.create(
                company=None, currency=currency, date=date, rate=value, source=source
            )
            created += 1
        elif row.rate != value:
            row.rate, row.source = value, source
            row.save(update_fields=["rate", "source"])
            updated += 1
        else:
            unchanged += 1
    return RatesLoaded(created, updated, unchanged)

"""Companies (tenants), users, memberships and roles, API tokens, audit trail, exchange rates."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xfinances.core import formatting
from xfinances.core.roles import Role
from xfinances.core.text_limits import BoundedText, BoundedTextModel, text_length_check


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("users need an e-mail")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # E-mails are stored in lower case; whatever case a person types signs them in.
        return self.get(email=str(username or "").strip().lower())


class User(BoundedText, AbstractBaseUser, PermissionsMixin):
    """A person who signs in. E-mail is the login; roles come from memberships."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=[("bg", "Български"), ("en", "English")], default="bg"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("site administrator"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email


class Currency(models.TextChoices):
    EUR = "EUR", "EUR"
    BGN = "BGN", "BGN"
    USD = "USD", "USD"
    GBP = "GBP", "GBP"
    CHF = "CHF", "CHF"
    RON = "RON", "RON"
    TRY = "TRY", "TRY"


class Company(BoundedTextModel):
    """A tenant: every business row belongs to exactly one company."""

    name = models.CharField(_("legal name"), max_length=200)
    name_latin = models.CharField(_("name in Latin"), max_length=200, blank=True)
    eik = models.CharField(_("ЕИК"), max_length=13, unique=True)
    vat_registered = models.BooleanField(_("VAT registered"), default=True)
    vat_number = models.CharField(_("VAT number"), max_length=16, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BG")
    city = models.CharField(_("city"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    mol = models.CharField(_("МОЛ (responsible person)"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    default_currency = models.CharField(
        _("default currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    # Settings that later areas use.
    document_language = models.CharField(
        _("document language"),
        max_length=5,
        choices=[("bg", _("Bulgarian")), ("en", _("English")), ("bg-en", _("Bilingual"))],
        default="bg",
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=14, validators=[MinValueValidator(0)]
    )
    place_of_issue = models.CharField(_("place of issue"), max_length=100, blank=True)
    lock_date = models.DateField(
        _("closed period up to"),
        null=True,
        blank=True,
        help_text=_("Documents dated on or before this day can no longer be edited or voided."),
    )
    edit_window_days = models.PositiveSmallIntegerField(
        _("edit window (days)"),
        default=30,
        help_text=_("Issued documents lock after this many days; 0 locks them at issue."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tax_identifier(self) -> str:
        return self.vat_number if self.vat_registered and self.vat_number else self.eik


class CompanyBankAccount(BoundedTextModel):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="bank_accounts")
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    is_default = models.BooleanField(_("default for documents"), default=False)

    class Meta:
        verbose_name = _("company bank account")
        constraints = [
            models.UniqueConstraint(fields=["company", "iban"], name="company_bank_account_unique")
        ]
        ordering = ["company_id", "-is_default", "id"]

    def __str__(self) -> str:
        return self.iban


class Membership(BoundedTextModel):
    """A user's role in one company. A user may belong to many companies."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="membership_unique")
        ]
        ordering = ["company_id", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company}: {self.role}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(BoundedTextModel):
    """A bearer token for scripts. Only its SHA-256 is stored; the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, default="script")
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Source(models.TextChoices):
    UI = "ui", _("web")
    API = "api", _("API")
    CLI = "cli", _("command line")
    TASK = "task", _("background job")
    PORTAL = "portal", _("client portal")


class AuditEntry(BoundedTextModel):
    """Who changed what, when, from where, with the values before and after."""

    class Kind(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        EVENT = "event", _("event")

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user_label = models.CharField(max_length=254, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    action = models.CharField(max_length=60, help_text="the action that wrote it")
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, help_text="field -> [before, after]")
    reason = models.TextField(blank=True, max_length=2000)

    class Meta:
        constraints = [text_length_check("core_auditentry", "reason", 2000)]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="audit_company_time"),
            models.Index(fields=["company", "object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        when = formatting.datetime(self.created_at)
        return f"{when} {self.user_label} {self.kind} {self.object_repr}"


class ExchangeRate(BoundedTextModel):
    """Units of `currency` per 1 EUR on a date. Company-entered rates override loaded ones."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="exchange_rates"
    )
    currency = models.CharField(_("currency"), max_length=3)
    date = models.DateField(_("date"))
    rate = models.DecimalField(
        _("units per 1 EUR"),
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
    )
    source = models.CharField(_("source"), max_length=20, default="manual")

    class Meta:
        verbose_name = _("exchange rate")
        ordering = ["-date", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "currency", "date"],
                name="rate_company_unique",
                condition=models.Q(company__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["currency", "date"],
                name="rate_reference_unique",
                condition=models.Q(company__isnull=True),
            ),
        ]
        indexes = [models.Index(fields=["currency", "-date"], name="rate_lookup")]

    def __str__(self) -> str:
        rate = formatting.exchange_rate(self.rate)
        return f"1 EUR = {rate} {self.currency} ({formatting.date(self.date)})"


class IdempotencyRecord(BoundedTextModel):
    """An `Idempotency-Key` an API create that moves money has seen (`core/idempotency.py`): a
    retry gets the first answer, never a second payment or movement; the same key with another
    request is refused (409). Unique per company and key, so concurrent retries wait on the
    row instead of racing a check."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        constraints = [
            models.UniqueConstraint(fields=["company", "key"], name="core_idempotency_unique")
        ]

    def __str__(self) -> str:
        return self.key

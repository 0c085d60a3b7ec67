"""Imported statements, the bank entries they carried, match proposals and learned aliases.

Invariants (kept by banking/actions):
- An entry is stored once per account: `key` is `id:<bank id>` when the bank gave a unique id,
  else `fp:<fingerprint>:<n>` (account, booking date, amount, sign, counterparty and text, and
  the n-th such entry of the statement). Re-importing a file or an overlapping period adds
  nothing; two identical payments on one day are 1 and 2 and both survive.
- Every stored entry has its treasury movement (`movement`); client and supplier money also
  has its payment (`payment`, made by the matching glue through payments actions).
- A proposal is applied only through `actions.matching`; applying and undoing are audited and
  never touch an allocation the proposal did not make.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xfinances.banking.reason_text import describe
from xfinances.core import formatting
from xfinances.core.models import Company
from xfinances.core.text_limits import BoundedTextModel, text_length_check
from xfinances.parties.models import Party
from xfinances.treasury.models import MoneyAccount, Movement

AMOUNT: dict[str, Any] = {"max_digits": 18, "decimal_places": 2}


class ImportSource(models.TextChoices):
    UPLOAD = "upload", _("uploaded")
    CLI = "cli", _("command line")
    API = "api", _("API")
    MAILBOX = "mailbox", _("mailbox")
    FOLDER = "folder", _("watched folder")
    PSD2 = "psd2", _("bank connection")


class StatementImport(BoundedTextModel):
    """One file taken in (or one bank-connection sync): what it held and what became of it."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(MoneyAccount, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    format = models.CharField(_("format"), max_length=40, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=ImportSource.choices, default=ImportSource.UPLOAD
    )
    entries_read = models.PositiveIntegerField(_("entries in the file"), default=0)
    new = models.PositiveIntegerField(_("new"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    matched = models.PositiveIntegerField(_("matched automatically"), default=0)
    review = models.PositiveIntegerField(_("waiting for review"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("statement import")
        verbose_name_plural = _("statement imports")
        ordering = ["company_id", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "account", "created_at"], name="banking_import_acct")
        ]

    def __str__(self) -> str:
        return f"{self.file_name or self.format} ({self.new})"


class Statement(BoundedTextModel):
    """One statement (or page) of an import, with the balance check the bank's figures allow.

    `difference` = opening + movements − closing (0 when the statement adds up); `gap` =
    opening − the previous statement's closing of the account (0 when they chain). Both are
    None when the file gave no balance to check."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(MoneyAccount, on_delete=models.PROTECT, related_name="+")
    statement_import = models.ForeignKey(
        StatementImport, on_delete=models.CASCADE, related_name="statements"
    )
    bank_statement_id = models.CharField(_("statement number"), max_length=100, blank=True)
    sequence = models.CharField(_("sequence"), max_length=40, blank=True)
    date_from = models.DateField(_("from"), null=True, blank=True)
    date_to = models.DateField(_("to"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    opening_balance = models.DecimalField(_("opening balance"), **AMOUNT, null=True, blank=True)
    closing_balance = models.DecimalField(_("closing balance"), **AMOUNT, null=True, blank=True)
    movements_total = models.DecimalField(_("movements"), **AMOUNT, default=0)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    difference = models.DecimalField(_("difference"), **AMOUNT, null=True, blank=True)
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    gap = models.DecimalField(_("gap to the previous statement"), **AMOUNT, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["company_id", "account_id", "-date_to", "-id"]
        indexes = [
            models.Index(fields=["company", "account", "date_to"], name="banking_stmt_account")
        ]

    def __str__(self) -> str:
        period = f"{formatting.date(self.date_from)}–{formatting.date(self.date_to)}"
        return f"{self.bank_statement_id or self.pk} {period}"

    @property
    def balanced(self) -> bool | None:
        return None if self.difference is None else self.difference == 0

    @property
    def chained(self) -> bool | None:
        return None if self.gap is None else self.gap == 0


class MatchState(models.TextChoices):
    UNMATCHED = "unmatched", _("not matched")
    AUTO = "auto", _("matched automatically")
    CONFIRMED = "confirmed", _("matched by a person")
    REVIEW = "review", _("waiting for review")
    DISMISSED = "dismissed", _("dismissed")
    NONE = "none", _("nothing to match")  # fees, own transfers, reversals


class BankEntry(BoundedTextModel):
    """One transaction from a bank, stored once per account (see `key`)."""

    # No indexes of their own: the indexes below lead with the company, and with the
    # account the unique key does.
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", db_index=False)
    account = models.ForeignKey(
        MoneyAccount, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    statement = models.ForeignKey(
        Statement, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries"
    )
    key = models.CharField(max_length=140)
    bank_id = models.CharField(_("bank reference"), max_length=100, blank=True)
    booking_date = models.DateField(_("booked on"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), **AMOUNT)  # signed: > 0 money in
    currency = models.CharField(_("currency"), max_length=3)
    counterparty_name = models.CharField(_("counterparty"), max_length=200, blank=True)
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=34, blank=True)
    reference = models.CharField(_("RF reference"), max_length=35, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=100, blank=True)
    text = models.CharField(_("payment details"), max_length=500, blank=True)
    reversal = models.BooleanField(_("reversal"), default=False)
    reversed_entry = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index below
    )
    movement = models.OneToOneField(
        Movement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payment = models.ForeignKey(
        "payments.Payment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index below
    )
    party = models.ForeignKey(
        Party,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index below
    )
    match_state = models.CharField(
        _("matching"), max_length=10, choices=MatchState.choices, default=MatchState.UNMATCHED
    )
    # A movement typed in by hand on this account, of the same amount and near the date, was
    # there when the line came, but not certainly this line's: a person says whether it is
    # (the line then takes that movement) or not, and matching never settles it alone.
    maybe_typed = models.BooleanField(_("may be typed in by hand already"), default=False)
    rule = models.ForeignKey(
        "BankRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index below
    )
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank entry")
        verbose_name_plural = _("bank entries")
        ordering = ["company_id", "account_id", "booking_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="banking_entry_key_unique"),
        ]
        indexes = [
            models.Index(
                fields=["company", "match_state", "booking_date"], name="banking_entry_state"
            ),
            models.Index(
                fields=["company", "account", "booking_date"], name="banking_entry_account"
            ),
            # A new entry has no payment, party, rule or reversed entry yet, and most keep
            # none: these columns are indexed only where they are set, which is all a lookup
            # by one of them (or a delete of the row it points to) reads.
            *(
                models.Index(
                    fields=[name],
                    name=f"banking_entry_{name}",
                    condition=models.Q(**{f"{name}__isnull": False}),
                )
                for name in ("payment", "party", "rule", "reversed_entry")
            ),
        ]

    def __str__(self) -> str:
        money = formatting.money(self.amount, self.currency)
        return f"{formatting.date(self.booking_date)} {money} {self.counterparty_name}"


class ProposalState(models.TextChoices):
    OPEN = "open", _("waiting")
    APPLIED = "applied", _("applied")
    DISMISSED = "dismissed", _("dismissed")
    SUPERSEDED = "superseded", _("replaced")
    UNDONE = "undone", _("undone")


class MatchProposal(BoundedTextModel):
    """A candidate match of one entry: what to allocate, to whom, how sure and why.

    `allocations` is a list of `[kind, id, amount]` ("sales" → invoicing.Document, "purchase"
    → purchases.SupplierInvoice). `allocation_ids` records what applying it made, so undo
    takes back exactly those and nothing a person allocated."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(BankEntry, on_delete=models.CASCADE, related_name="proposals")
    rank = models.PositiveSmallIntegerField(default=1)
    party = models.ForeignKey(
        Party, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    allocations = models.JSONField(default=list)
    score = models.PositiveSmallIntegerField(_("score"))
    # Why, as codes with values (`matching/reasons.py`); `reason` writes them out.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    automatic = models.BooleanField(default=False)
    overpayment = models.DecimalField(**AMOUNT, default=0)
    shortfall = models.DecimalField(**AMOUNT, default=0)
    state = models.CharField(
        _("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.OPEN
    )
    allocation_ids = models.JSONField(default=list, blank=True)
    write_off_ids = models.JSONField(default=list, blank=True)  # payments.WriteOff it made
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("match proposal")
        ordering = ["company_id", "entry_id", "rank", "id"]
        indexes = [
            models.Index(fields=["company", "state", "entry"], name="banking_proposal_state")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} #{self.rank} {self.score}"

    @property
    def reason(self) -> str:
        """Why, written in the active language."""
        return describe(self.reasons)


class AliasKind(models.TextChoices):
    IBAN = "iban", _("IBAN")
    NAME = "name", _("name at the bank")


class PartyAlias(BoundedTextModel):
    """What a confirmation taught: this IBAN or bank-side name is this party."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=AliasKind.choices)
    value = models.CharField(max_length=200)
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("party alias")
        verbose_name_plural = _("party aliases")
        ordering = ["company_id", "kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["company", "value"], name="banking_alias_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.value} → {self.party_id}"


# --------------------------------------------------------------------------- automatic sources
# (docs/banking.md "Statements that arrive by themselves"; decision 0014)


class SourceKind(models.TextChoices):
    MAILBOX = "mailbox", _("statement mailbox")
    FOLDER = "folder", _("watched folder")
    PSD2 = "psd2", _("bank connection")


class MailSecurity(models.TextChoices):
    SSL = "ssl", _("TLS from the start (SSL)")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("none (only for a server on this machine)")


class MailProtocol(models.TextChoices):
    IMAP = "imap", _("IMAP")
    POP3 = "pop3", _("POP3")


class MailAuth(models.TextChoices):
    PASSWORD = "password", _("user name and password")
    OAUTH2 = "oauth2", _("OAuth2 sign-in (Gmail, Microsoft 365)")


class SyncStatus(models.TextChoices):
    NEVER = "never", _("not run yet")
    OK = "ok", _("working")
    PARTIAL = "partial", _("some files refused")
    RETRYING = "retrying", _("bank unavailable, retrying")
    LIMITED = "limited", _("daily limit reached, next run tomorrow")
    FAILED = "failed", _("failed")
    CONSENT = "consent", _("consent expired or not given: renew")


class StatementMailbox(BoundedTextModel):
    """An IMAP or POP3 mailbox the bank e-mails statements to. `password`, and for an OAuth2
    login `oauth_client_secret` and `oauth_refresh_token`, hold their values encrypted
    (banking/secretbox.py), never the clear text; `allowed_senders` one address or `@domain` a
    line (empty: any sender). `folder` and `done_folder` are IMAP's: POP3 knows only the
    inbox."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    host = models.CharField(_("server"), max_length=200)
    port = models.PositiveIntegerField(_("port"), default=993)
    protocol = models.CharField(
        _("protocol"), max_length=4, choices=MailProtocol.choices, default=MailProtocol.IMAP
    )
    security = models.CharField(
        _("security"), max_length=8, choices=MailSecurity.choices, default=MailSecurity.SSL
    )
    auth = models.CharField(
        _("sign-in"), max_length=8, choices=MailAuth.choices, default=MailAuth.PASSWORD
    )
    username = models.CharField(_("user name"), max_length=200)
    password = models.TextField(
        blank=True, max_length=1200
    )  # sealed (actions.sources.PASSWORD_CHARS)
    oauth_token_url = models.CharField(_("token endpoint"), max_length=300, blank=True)
    oauth_authorize_url = models.CharField(_("authorization endpoint"), max_length=300, blank=True)
    oauth_client_id = models.CharField(_("client ID"), max_length=300, blank=True)
    oauth_scope = models.CharField(_("scope"), max_length=500, blank=True)
    oauth_client_secret = models.TextField(
        blank=True, max_length=800
    )  # sealed (actions.sources.CLIENT_SECRET_CHARS)
    oauth_refresh_token = models.TextField(
        blank=True, max_length=5500
    )  # sealed (actions.sources.REFRESH_TOKEN_CHARS)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    done_folder = models.CharField(_("move processed messages to"), max_length=200, blank=True)
    delete_after_import = models.BooleanField(
        _("delete from the server after import"), default=False
    )
    allowed_senders = models.TextField(_("allowed senders"), blank=True, max_length=2000)
    account = models.ForeignKey(
        MoneyAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    interval_minutes = models.PositiveIntegerField(_("check every (minutes)"), default=60)
    active = models.BooleanField(_("active"), default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SyncStatus.choices, default=SyncStatus.NEVER
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # The last run failed because the provider refused the saved OAuth2 sign-in.
    needs_sign_in = models.BooleanField(default=False)
    # POP3: UIDL → "handled" or "passed" for the messages still on the server that earlier
    # runs decided on, so a run reads only the headers of new ones (sources/mailbox.py).
    pop3_seen = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("statement mailbox")
        verbose_name_plural = _("statement mailboxes")
        ordering = ["company_id", "name", "id"]
        constraints = [
            text_length_check("banking_statementmailbox", "password", 1200),
            text_length_check("banking_statementmailbox", "oauth_client_secret", 800),
            text_length_check("banking_statementmailbox", "oauth_refresh_token", 5500),
            text_length_check("banking_statementmailbox", "allowed_senders", 2000),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"


class MailSignIn(BoundedTextModel):
    """One browser sign-in at a mailbox's OAuth2 provider, from the authorization request to
    the provider's answer (banking/actions/mail_sign_in.py): the SHA-256 of the request's
    `state` (never the state itself), the PKCE code verifier sealed, the redirect URI sent (the
    code's exchange sends the same), who started it and the SHA-256 of their session's key
    (empty when started through the API). Used once (`used_at`), until `expires_at`."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    mailbox = models.ForeignKey(StatementMailbox, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state_hash = models.CharField(max_length=64, unique=True)
    session_hash = models.CharField(max_length=64, blank=True)
    verifier = models.CharField(max_length=300)  # sealed
    redirect_uri = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["company", "mailbox"], name="banking_signin_mailbox")]

    def __str__(self) -> str:
        return f"sign-in {self.mailbox_id} {formatting.datetime(self.created_at)}"


class WatchedFolder(BoundedTextModel):
    """A folder on the server the bank's software (or a person) drops statement files into."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    path = models.CharField(_("folder path"), max_length=500)
    account = models.ForeignKey(
        MoneyAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    interval_minutes = models.PositiveIntegerField(_("check every (minutes)"), default=5)
    active = models.BooleanField(_("active"), default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SyncStatus.choices, default=SyncStatus.NEVER
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("watched folder")
        verbose_name_plural = _("watched folders")
        ordering = ["company_id", "name", "id"]

    def __str__(self) -> str:
        return self.path


class BankConnection(BoundedTextModel):
    """A PSD2 account-information connection: the bank's API (`psd2.client.BankConfig`), the
    consent the owner gave and the sync schedule. `cursor` keeps, per bank account resource
    id, its IBAN and the last booked day delivered (the client's `SyncState.last_booked`)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("bank"), max_length=100)
    base_url = models.CharField(_("API address"), max_length=300)
    client_cert = models.CharField(_("client certificate file"), max_length=300, blank=True)
    client_key = models.CharField(_("client key file"), max_length=300, blank=True)
    ca_file = models.CharField(_("CA bundle file"), max_length=300, blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    consent_id = models.CharField(max_length=200, blank=True)
    consent_status = models.CharField(_("consent"), max_length=30, blank=True)
    consent_valid_until = models.DateField(_("consent valid until"), null=True, blank=True)
    sca_redirect = models.CharField(max_length=2000, blank=True)  # a bank's URL, cut to this
    frequency_per_day = models.PositiveSmallIntegerField(_("syncs a day"), default=4)
    first_hour = models.PositiveSmallIntegerField(_("first sync at (hour)"), default=8)
    last_hour = models.PositiveSmallIntegerField(_("last sync at (hour)"), default=18)
    warn_days = models.PositiveSmallIntegerField(_("warn days before the consent ends"), default=7)
    history_days = models.PositiveSmallIntegerField(_("first sync fetches days"), default=30)
    cursor = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=SyncStatus.choices, default=SyncStatus.NEVER
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    warned_for = models.DateField(null=True, blank=True)  # the valid_until already warned of
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank connection")
        verbose_name_plural = _("bank connections")
        ordering = ["company_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


class RuleDirection(models.TextChoices):
    ANY = "", _("money in or out")
    CREDIT = "credit", _("money in")
    DEBIT = "debit", _("money out")


class BankRule(BoundedTextModel):
    """A company's rule for bank lines that pay no document (fees, taxes, interest, card
    settlements …): when every condition it sets holds, the entry's movement gets `category`
    and the entry leaves matching (no review). Rules run by `position`, the first that fits
    wins. `code` names a shipped default (seeded once, then the company's to edit)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("order"), default=100)
    # CASCADE: deleting a company deletes its categories and rules together (PROTECT made a
    # company impossible to delete); a category in use cannot be deleted in treasury anyway.
    category = models.ForeignKey(
        "treasury.CashflowCategory",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("cash-flow category"),
    )
    direction = models.CharField(
        _("direction"), max_length=6, choices=RuleDirection.choices, blank=True, default=""
    )
    counterparty_iban = models.CharField(
        _("counterparty IBAN"),
        max_length=300,
        blank=True,
        help_text=_("One or more IBANs; ? stands for one character, * for the rest."),
    )
    name_pattern = models.CharField(_("counterparty name contains"), max_length=200, blank=True)
    text_pattern = models.CharField(_("payment details pattern"), max_length=300, blank=True)
    bank_code = models.CharField(_("bank transaction code"), max_length=40, blank=True)
    min_amount = models.DecimalField(_("from amount"), **AMOUNT, null=True, blank=True)
    max_amount = models.DecimalField(_("up to amount"), **AMOUNT, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bank rule")
        verbose_name_plural = _("bank rules")
        ordering = ["company_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code"],
                name="banking_rule_code_unique",
                condition=~models.Q(code=""),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    OK = "ok", _("done")
    PARTIAL = "partial", _("done, some refused")
    FAILED = "failed", _("failed")


class SourceRun(BoundedTextModel):
    """One run of an automatic source: what it found, imported and refused (`errors`: a list of
    `{"item": …, "error": …}`). The per-run log of the sources page."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("source"), max_length=8, choices=SourceKind.choices)
    source_id = models.PositiveIntegerField()
    source_name = models.CharField(_("name"), max_length=200, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    items = models.PositiveIntegerField(_("files"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    skipped = models.PositiveIntegerField(_("already imported"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    new_entries = models.PositiveIntegerField(_("new entries"), default=0)
    matched = models.PositiveIntegerField(_("matched automatically"), default=0)
    review = models.PositiveIntegerField(_("waiting for review"), default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("source run")
        ordering = ["company_id", "-started_at", "-id"]
        indexes = [
            models.Index(fields=["company", "kind", "source_id", "started_at"], name="banking_run")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.source_id} {formatting.datetime(self.started_at)} {self.status}"


class ReceivedState(models.TextChoices):
    IMPORTED = "imported", _("imported")
    REFUSED = "refused", _("refused")
    # A whole message handled (its attachments each have their own row): not fetched again.
    MESSAGE = "message", _("message handled")


class ReceivedFile(BoundedTextModel):
    """A file a source delivered, once: a mailbox keys it by the message's Message-ID and the
    attachment's SHA-256, a folder by the SHA-256. Written in the transaction of its import,
    so a file is either imported and recorded or neither; a second delivery is skipped."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=SourceKind.choices)
    source_id = models.PositiveIntegerField()
    message_id = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64)
    name = models.CharField(_("file"), max_length=255, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=ReceivedState.choices)
    error = models.CharField(_("error"), max_length=500, blank=True)
    statement_import = models.ForeignKey(
        StatementImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(
        SourceRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="files"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("received file")
        ordering = ["company_id", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_id", "message_id", "sha256"],
                name="banking_received_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.source_id} {self.name} {self.state}"


class CsvProfile(BoundedTextModel):
    """A company's own column profile for CSV/TXT/XLSX exports (`csv_profiles.Profile`
    as `to_dict()` in `data`; the shipped profiles stay in code as read-only presets)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("column profile")
        verbose_name_plural = _("column profiles")
        ordering = ["company_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="banking_profile_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class PaymentFileSchema(models.TextChoices):
    V09 = "pain.001.001.09", _("pain.001.001.09 (current)")
    V03 = "pain.001.001.03", _("pain.001.001.03 (for banks that still want it)")


class PaymentFile(BoundedTextModel):
    """A supplier payment file (pain.001) made from a payment batch of purchases, kept as made:
    downloading it again gives the same bytes. One end-to-end id per invoice
    (`pain001.end_to_end_id(reference, invoice id)`), so the outgoing payments in a later
    statement find their invoices. `iban_flags` lists the suppliers whose IBAN had changed when
    the file was made; `confirmed_by` is the owner who confirmed them."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey("purchases.PaymentBatch", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(
        MoneyAccount, on_delete=models.PROTECT, related_name="+", verbose_name=_("paid from")
    )
    schema = models.CharField(_("format"), max_length=20, choices=PaymentFileSchema.choices)
    reference = models.CharField(_("batch reference"), max_length=16)
    message_id = models.CharField(_("message id"), max_length=35)
    execution_date = models.DateField(_("execution date"))
    transfers = models.PositiveIntegerField(_("transfers"))
    total = models.DecimalField(_("total"), **AMOUNT)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    iban_flags = models.JSONField(default=list, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment file")
        ordering = ["company_id", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "message_id"], name="banking_payment_file_message"
            ),
        ]
        indexes = [models.Index(fields=["company", "batch"], name="banking_payment_file_batch")]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.transfers})"

    @property
    def file_name(self) -> str:
        return f"{self.message_id}.xml"

"""Cash and bank: money accounts (a tree of sub-accounts), movements, transfers, period closes.

Sign convention: `Movement.amount` is signed in the account's currency. Positive = money in
(a receipt, a credit on the bank account); negative = money out (a payment, a debit). The balance
of an account at a date is `opening_balance + SUM(amount)` of its movements dated on or before
that date. A reversal is a new movement with the opposite amount; both stay in the ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xfinances.core import formatting
from xfinances.core.models import Company, Currency, User
from xfinances.core.text_limits import BoundedTextModel


class AccountKind(models.TextChoices):
    BANK = "bank", _("Bank account")
    CASH = "cash", _("Cash register")
    CARD = "card", _("Card")
    EWALLET = "ewallet", _("E-wallet")
    OTHER = "other", _("Other")


class MoneyAccount(BoundedTextModel):
    """A bank account, cash register, card or wallet; `parent` makes it a sub-account."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent account"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    name = models.CharField(_("name"), max_length=200)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    opening_balance = models.DecimalField(
        _("opening balance"), default=0, max_digits=18, decimal_places=2
    )
    opening_date = models.DateField(_("opening date"))
    is_active = models.BooleanField(_("active"), default=True)
    closed_at = models.DateField(_("closed on"), null=True, blank=True)
    # A cash register never holds less than nothing unless this is set (treasury actions refuse).
    allow_negative = models.BooleanField(_("may go below zero"), default=False)
    # Gapless cash order numbers of a cash register, taken under a row lock (treasury/locks.py).
    last_receipt_order = models.PositiveIntegerField(default=0)
    last_payment_order = models.PositiveIntegerField(default=0)
    responsible: models.ManyToManyField[User, AccountAccess] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="AccountAccess",
        related_name="+",
        verbose_name=_("responsible employees"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("money account")
        verbose_name_plural = _("money accounts")
        ordering = ["company_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "iban"],
                name="treasury_account_iban_unique",
                condition=~models.Q(iban=""),
            ),
        ]
        indexes = [models.Index(fields=["company", "parent"], name="treasury_account_tree")]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"

    @property
    def is_cash_register(self) -> bool:
        return self.kind == AccountKind.CASH


class AccountAccess(BoundedTextModel):
    """A user's grant on one account (and its sub-accounts). Owners and accountants need none."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(MoneyAccount, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    can_view = models.BooleanField(_("can view"), default=True)
    can_move = models.BooleanField(_("can enter movements"), default=False)

    class Meta:
        verbose_name = _("account access")
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="treasury_access_unique"),
        ]
        indexes = [models.Index(fields=["company", "user"], name="treasury_access_user")]

    def __str__(self) -> str:
        return f"{self.user} → {self.account}"


class CashflowCategory(BoundedTextModel):
    """A company-editable tree of cash-flow categories (sales, suppliers, salaries …)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.CharField(_("code"), max_length=30, blank=True)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("cash-flow category")
        verbose_name_plural = _("cash-flow categories")
        ordering = ["company_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "code"],
                name="treasury_category_code_unique",
                condition=~models.Q(code=""),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Transfer(BoundedTextModel):
    """Money moved between two of the company's own accounts: two movements point at it.

    `rate` is units of the target currency per unit of the source currency. The exchange
    difference is the target amount minus the source amount, both valued in EUR at the
    reference rates of the day (negative = a loss on the exchange).
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    from_account = models.ForeignKey(MoneyAccount, on_delete=models.PROTECT, related_name="+")
    to_account = models.ForeignKey(MoneyAccount, on_delete=models.PROTECT, related_name="+")
    amount_from = models.DecimalField(_("amount sent"), max_digits=18, decimal_places=2)
    currency_from = models.CharField(max_length=3)
    amount_to = models.DecimalField(_("amount received"), max_digits=18, decimal_places=2)
    currency_to = models.CharField(max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    exchange_difference_eur = models.DecimalField(
        _("exchange difference (EUR)"), null=True, blank=True, max_digits=18, decimal_places=2
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("transfer")
        ordering = ["company_id", "-date", "-id"]
        indexes = [models.Index(fields=["company", "date"], name="treasury_transfer_date")]

    def __str__(self) -> str:
        amount = formatting.amount(self.amount_from)
        return f"{self.from_account.name} → {self.to_account.name} {amount}"


class MovementSource(models.TextChoices):
    MANUAL = "manual", _("entered by hand")
    STATEMENT = "statement", _("bank statement")
    PSD2 = "psd2", _("bank connection")
    CASH = "cash", _("cash order")


class MovementStatus(models.TextChoices):
    POSTED = "posted", _("posted")
    REVERSED = "reversed", _("reversed")


class CashOrderKind(models.TextChoices):
    RECEIPT = "receipt", _("Cash receipt order")  # приходен касов ордер
    PAYMENT = "payment", _("Cash payment order")  # разходен касов ордер


class Movement(BoundedTextModel):
    """One movement of money on one account. `amount` > 0 is money in, < 0 money out."""

    # No index of its own: the indexes below lead with the company.
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", db_index=False)
    account = models.ForeignKey(MoneyAccount, on_delete=models.PROTECT, related_name="movements")
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    counterparty_name = models.CharField(_("counterparty"), max_length=200, blank=True)
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=34, blank=True)
    category = models.ForeignKey(
        CashflowCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cash-flow category"),
        db_index=False,  # a partial index below: bank movements come without one
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    # Bank data, for statement and PSD2 import without duplicates (later issues).
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=100, blank=True)
    remittance_info = models.CharField(_("remittance information"), max_length=500, blank=True)
    raw_data = models.JSONField(_("raw bank record"), default=dict, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=MovementSource.choices, default=MovementSource.MANUAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MovementStatus.choices, default=MovementStatus.POSTED
    )
    reversal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    transfer = models.ForeignKey(
        Transfer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        db_index=False,  # partial index below
    )
    cash_order_kind = models.CharField(max_length=10, choices=CashOrderKind.choices, blank=True)
    cash_order_number = models.PositiveIntegerField(_("cash order number"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index below
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["company_id", "date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "bank_reference"],
                name="treasury_movement_bank_ref_unique",
                condition=~models.Q(bank_reference=""),
            ),
            models.UniqueConstraint(
                fields=["account", "cash_order_kind", "cash_order_number"],
                name="treasury_movement_cash_order_unique",
                condition=models.Q(cash_order_number__isnull=False),
            ),
            models.CheckConstraint(
                condition=~models.Q(amount=0), name="treasury_movement_not_zero"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "account", "date"], name="treasury_mv_account_date"),
            models.Index(fields=["company", "date"], name="treasury_mv_date"),
            # Most movements (every one a statement brings) have no category, transfer or
            # author: these columns are indexed only where they are set, which is all a
            # lookup by one of them (or a delete of the row it points to) reads. A bank
            # import of 100,000 movements no longer writes 300,000 index entries of NULLs.
            models.Index(
                fields=["category"],
                name="treasury_mv_category",
                condition=models.Q(category__isnull=False),
            ),
            models.Index(
                fields=["transfer"],
                name="treasury_mv_transfer",
                condition=models.Q(transfer__isnull=False),
            ),
            models.Index(
                fields=["created_by"],
                name="treasury_mv_created_by",
                condition=models.Q(created_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        text = self.counterparty_name or self.description
        money = formatting.money(self.amount, self.currency)
        return f"{formatting.date(self.date)} {money} {text}"[:200]

    @property
    def direction(self) -> str:
        return "in" if self.amount > 0 else "out"

    @property
    def cash_order_label(self) -> str:
        if self.cash_order_number is None:
            return ""
        prefix = "ПКО" if self.cash_order_kind == CashOrderKind.RECEIPT else "РКО"
        return f"{prefix} {self.cash_order_number:06d}"


class AccountMonthTotal(BoundedTextModel):
    """Sum of an account's movements in one month, kept by the actions that write movements.

    A balance at any date = opening + the month totals before that month + the movements of
    that month up to the date: two grouped queries whatever the number of movements.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(MoneyAccount, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="first day of the month")
    total = models.DecimalField(default=0, max_digits=18, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "account", "month"], name="treasury_month_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "month", "account"], name="treasury_month_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {formatting.month(self.month)}: {formatting.amount(self.total)}"


def attachment_path(instance: MovementAttachment, filename: str) -> str:
    return f"treasury/{instance.company_id}/{instance.movement_id}/{filename}"


class MovementAttachment(BoundedTextModel):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    movement = models.ForeignKey(Movement, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("name"), max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        ordering = ["company_id", "id"]

    def __str__(self) -> str:
        return self.name


class TreasuryPeriodClose(BoundedTextModel):
    """Movements dated on or before `closed_until` can no longer be edited or deleted, only
    reversed in an open period. Without `account` it closes every account of the company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        MoneyAccount, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    closed_until = models.DateField(_("closed up to"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A reopened close no longer locks anything; the row stays as history (owner only, audited).
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.CharField(_("reason for reopening"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("closed treasury period")
        ordering = ["company_id", "-closed_until", "-id"]
        indexes = [
            models.Index(
                fields=["company", "account", "closed_until"], name="treasury_close_lookup"
            )
        ]

    def __str__(self) -> str:
        return f"≤ {formatting.date(self.closed_until)}"


class BankBalanceCheck(BoundedTextModel):
    """The bank's reported balance on a date against ours; the difference is kept."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        MoneyAccount, on_delete=models.CASCADE, related_name="balance_checks"
    )
    date = models.DateField(_("date"))
    reported_balance = models.DecimalField(
        _("balance reported by the bank"), max_digits=18, decimal_places=2
    )
    computed_balance = models.DecimalField(
        _("balance in XFINANCES"), max_digits=18, decimal_places=2
    )
    difference = models.DecimalField(_("difference"), max_digits=18, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank balance check")
        ordering = ["company_id", "-date", "-id"]

    def __str__(self) -> str:
        difference = formatting.amount(self.difference)
        return f"{self.account.name} {formatting.date(self.date)}: {difference}"


class Schedule(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every quarter")
    YEARLY = "yearly", _("Every year")


class PlannedItem(BoundedTextModel):
    """A recurring expected flow the user enters for the forecast (salaries, rent, taxes).

    `amount` is signed like a movement (> 0 expected in, < 0 expected out). `day` is the ISO
    weekday (1 = Monday … 7) for a weekly item, else the day of the month (past the month's end
    means its last day). Quarterly and yearly items fall in the months of `start_date`'s month
    (every third month, every twelfth)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    account = models.ForeignKey(
        MoneyAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    category = models.ForeignKey(
        CashflowCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cash-flow category"),
    )
    schedule = models.CharField(_("repeats"), max_length=10, choices=Schedule.choices)
    day = models.PositiveSmallIntegerField(_("day"))
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("planned item")
        verbose_name_plural = _("planned items")
        ordering = ["company_id", "name", "id"]
        indexes = [models.Index(fields=["company", "is_active"], name="treasury_planned_active")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="treasury_planned_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {formatting.money(self.amount, self.currency)}"

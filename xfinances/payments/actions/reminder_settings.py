"""Reminder levels, the company's reminder settings and pauses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xfinances.core import audit, inputs, readers
from xfinances.core.audit import Actor
from xfinances.core.events import CompanyCreated
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.inputs import ActionInput, Changes, reads
from xfinances.core.models import Company
from xfinances.core.money import MoneyError, to_decimal
from xfinances.core.permissions import ensure_can
from xfinances.core.text_limits import limit_of
from xfinances.invoicing.models import Document
from xfinances.parties.models import Party
from xfinances.payments.actions.common import _date
from xfinances.payments.models import (
    CatchUp,
    DunningLevel,
    DunningPause,
    PaymentSettings,
    ReminderRecipients,
    ReminderSent,
)
from xfinances.payments.reminder_email import unknown_placeholders

# --- reminders (dunning) -------------------------------------------------------------------------

_SIGN_BG = "\n\n{how_to_pay}\n\nПортал: {portal_link}\n\nПоздрави,\n{company}"
_SIGN_EN = "\n\n{how_to_pay}\n\nPortal: {portal_link}\n\nKind regards,\n{company}"

#: "Add the usual levels": each with its name, subject and text in Bulgarian and English (the
#: page shows the name in the user's language, the e-mail goes in the recipient's language).
DEFAULT_LEVELS: list[dict[str, Any]] = [
    {
        "name": "Приятелско напомняне",
        "name_en": "Friendly notice",
        "days_after_due": -3,
        "subject_bg": "Напомняне: предстоящ падеж – {company}",
        "body_bg": "Здравейте,\n\nнапомняме, че наближава падежът на следните документи:\n\n"
        "{documents}" + _SIGN_BG,
        "subject_en": "Reminder: payment due soon – {company}",
        "body_en": "Hello,\n\nthis is a friendly reminder that these documents fall due soon:\n\n"
        "{documents}" + _SIGN_EN,
    },
    {
        "name": "Първо напомняне",
        "name_en": "First reminder",
        "days_after_due": 3,
        "subject_bg": "Просрочени плащания – {company}",
        "body_bg": "Здравейте,\n\nследните документи са с изтекъл срок за плащане:\n\n"
        "{documents}\n\nОбщо дължимо: {total}" + _SIGN_BG,
        "subject_en": "Overdue payments – {company}",
        "body_en": "Hello,\n\nthe following documents are past their due date:\n\n"
        "{documents}\n\nTotal due: {total}" + _SIGN_EN,
    },
    {
        "name": "Второ напомняне",
        "name_en": "Second reminder",
        "days_after_due": 15,
        "subject_bg": "Второ напомняне за просрочени плащания – {company}",
        "body_bg": "Здравейте,\n\nвсе още не сме получили плащане по следните документи:\n\n"
        "{documents}\n\nОбщо дължимо: {total}\n\nМоля, платете възможно най-скоро или "
        "ни пишете, ако вече сте платили." + _SIGN_BG,
        "subject_en": "Second reminder: overdue payments – {company}",
        "body_en": "Hello,\n\nwe have not yet received payment for these documents:\n\n"
        "{documents}\n\nTotal due: {total}\n\nPlease pay as soon as possible, or tell us if "
        "you already have." + _SIGN_EN,
    },
    {
        "name": "Трето напомняне",
        "name_en": "Third reminder",
        "days_after_due": 30,
        "charge_interest": True,
        "subject_bg": "Трето напомняне: просрочени плащания и лихва – {company}",
        "body_bg": "Здравейте,\n\nследните документи са просрочени с повече от месец:\n\n"
        "{documents}\n\nОбщо дължимо: {total}\nЗаконна лихва за забава: {interest}" + _SIGN_BG,
        "subject_en": "Third reminder: overdue payments and interest – {company}",
        "body_en": "Hello,\n\nthese documents are more than a month overdue:\n\n"
        "{documents}\n\nTotal due: {total}\nStatutory late-payment interest: {interest}" + _SIGN_EN,
    },
    {
        "name": "Последно напомняне",
        "name_en": "Final notice",
        "days_after_due": 45,
        "charge_interest": True,
        "recipients": ReminderRecipients.BOTH,
        "subject_bg": "Последно напомняне преди предприемане на действия – {company}",
        "body_bg": "Здравейте,\n\nвъпреки предишните ни напомняния следните документи "
        "остават неплатени:\n\n{documents}\n\nОбщо дължимо: {total}\nЗаконна лихва за "
        "забава: {interest}\n\nАко не получим плащане в 7-дневен срок, ще предприемем "
        "действия по събиране на вземането." + _SIGN_BG,
        "subject_en": "Final notice before further action – {company}",
        "body_en": "Hello,\n\ndespite our earlier reminders these documents remain unpaid:"
        "\n\n{documents}\n\nTotal due: {total}\nStatutory late-payment interest: "
        "{interest}\n\nIf we do not receive payment within 7 days, we will take steps to "
        "collect the debt." + _SIGN_EN,
    },
]


@transaction.atomic
def ensure_default_levels(actor: Actor, company: Company) -> list[DunningLevel]:
    """The usual five levels, when the company has none yet."""
    ensure_can(actor, company, "dunning.manage")
    existing = list(DunningLevel.objects.filter(company=company))
    if existing:
        return existing
    made = []
    for spec in DEFAULT_LEVELS:
        level = DunningLevel.objects.create(company=company, **spec)
        audit.record_create(actor, company, "ensure_default_levels", level)
        made.append(level)
    return made


def _template(name: str, *, multiline: bool = False) -> inputs.Reader:
    """A subject or a text: required, with only the placeholders a reminder knows."""

    def read(value: object) -> str:
        text = readers.text(
            value, max_length=limit_of(DunningLevel, name), required=True, multiline=multiline
        )
        unknown_names = unknown_placeholders(text)
        if unknown_names:
            raise readers.ReadError(
                _lazy("Unknown placeholders: %(names)s.") % {"names": ", ".join(unknown_names)}
            )
        return text

    return read


def _days_after_due(value: object) -> int:
    try:
        if isinstance(value, bool | float):
            raise ValueError
        days = value if isinstance(value, int) else int(str(value).strip())
        if abs(days) > 3650:
            raise ValueError
    except ValueError:
        raise readers.ReadError(_lazy("Enter a whole number of days (negative: before).")) from None
    return days


def _fee(value: object) -> Decimal:
    try:
        fee = to_decimal(value or "0")
        if fee < 0:
            raise MoneyError
    except MoneyError:
        raise readers.ReadError(_lazy("Enter an amount, e.g. 10.00.")) from None
    return fee


@dataclass(frozen=True, kw_only=True)
class DunningLevelInput(ActionInput):
    """A reminder level: sent `days_after_due` days after the due date (negative: before),
    with its subject and text in both languages."""

    name: str = reads(
        inputs.text(max_length=limit_of(DunningLevel, "name"), required=True), default=""
    )
    name_en: str = reads(inputs.text(max_length=limit_of(DunningLevel, "name_en")), default="")
    days_after_due: int = reads(_days_after_due, default=0)
    subject_bg: str = reads(_template("subject_bg"), default="")
    body_bg: str = reads(_template("body_bg", multiline=True), default="")
    subject_en: str = reads(_template("subject_en"), default="")
    body_en: str = reads(_template("body_en", multiline=True), default="")
    charge_interest: bool = reads(inputs.flag, default=False)
    fee: Decimal = reads(_fee, default=Decimal(0))
    recipients: str = reads(
        inputs.choice(ReminderRecipients.values, _lazy("Choose who receives it.")),
        default=ReminderRecipients.CLIENT,
    )
    is_active: bool = reads(inputs.flag, default=True)


LEVEL_FIELDS = DunningLevelInput.field_names()
#: What a new level must be given (the others have defaults).
_LEVEL_REQUIRED = ("name", "days_after_due", "subject_bg", "body_bg", "subject_en", "body_en")


@transaction.atomic
def save_level(
    actor: Actor,
    company: Company,
    level: DunningLevel | None,
    changes: Changes[DunningLevelInput],
) -> DunningLevel:
    """A new level (`level` None: the required fields must be given) or the given changes of
    one; two levels of a company are not sent on the same day."""
    ensure_can(actor, company, "dunning.manage")
    if level is not None and level.company_id != company.pk:
        raise InvalidInput({"level": [_("No such level in this company.")]})
    if level is None:
        errors = InvalidInput.collect()
        for name in _LEVEL_REQUIRED:
            if name not in changes:
                message = (
                    _("Enter a whole number of days (negative: before).")
                    if name == "days_after_due"
                    else _("This field is required.")
                )
                errors.add(name, message)
        errors.raise_if_any()
    clean = dict(changes.items())
    day: int = clean.get("days_after_due", level.days_after_due if level else 0)
    clash = DunningLevel.objects.filter(company=company, days_after_due=day)
    if level is not None:
        clash = clash.exclude(pk=level.pk)
    if clash.exists():
        raise Conflict(_("Another level is already sent on that day."), field="days_after_due")
    if level is None:
        level = DunningLevel.objects.create(company=company, **clean)
        audit.record_create(actor, company, "save_level", level)
        return level
    before = audit.snapshot(level)
    for key, value in clean.items():
        setattr(level, key, value)
    level.save()
    audit.record_update(actor, company, "save_level", level, before)
    return level


@dataclass(frozen=True, kw_only=True)
class PaymentSettingsInput(ActionInput):
    write_off_tolerance_eur: Decimal = reads(inputs.amount(), default=Decimal("1.00"))
    interest_base_rate: Decimal = reads(inputs.percent(places=3), default=Decimal(0))
    interest_margin: Decimal = reads(inputs.percent(places=3), default=Decimal(10))
    reminders_enabled: bool = reads(inputs.flag, default=True)
    reminder_hour: int = reads(inputs.integer(0, 23), default=8)
    payment_instructions: str = reads(inputs.text(max_length=10_000, multiline=True), default="")
    apply_credit_notes_on_issue: bool = reads(inputs.flag, default=True)
    reminder_catch_up: str = reads(
        inputs.choice(CatchUp.values, _lazy("Choose how reminders catch up.")),
        default=CatchUp.ONE_LEVEL,
    )


@transaction.atomic
def update_payment_settings(
    actor: Actor, company: Company, changes: Changes[PaymentSettingsInput]
) -> PaymentSettings:
    ensure_can(actor, company, "dunning.manage")
    row, _created = PaymentSettings.objects.select_for_update().get_or_create(company=company)
    before = audit.snapshot(row)
    for key, value in changes.items():
        setattr(row, key, value)
    row.save()
    audit.record_update(actor, company, "update_payment_settings", row, before)
    return row


@transaction.atomic
def delete_level(actor: Actor, level: DunningLevel) -> None:
    """Remove a level that was never sent; one that was stays in the history (deactivate it)."""
    ensure_can(actor, level.company, "dunning.manage")
    if ReminderSent.objects.filter(company=level.company, level=level).exists():
        raise Conflict(
            _("Reminders of this level were sent: deactivate it instead of deleting it."),
            field="level",
        )
    audit.record_delete(actor, level.company, "delete_level", level)
    level.delete()


@transaction.atomic
def pause_reminders(
    actor: Actor,
    company: Company,
    *,
    reason: str,
    until: object,
    document: Document | None = None,
    party: Party | None = None,
) -> DunningPause:
    """No reminders for a document or a client until `until` (inclusive)."""
    ensure_can(actor, company, "dunning.manage")
    errors = InvalidInput.collect()
    day = _date(until, errors, "until")
    if not (reason or "").strip():
        errors.add("reason", _("Say why reminders are paused."))
    if (document is None) == (party is None):
        errors.add("__all__", _("Pause either one document or one client."))
    if document is not None and document.company_id != company.pk:
        errors.add("document", _("No such document in this company."))
    if party is not None and party.company_id != company.pk:
        errors.add("party", _("No such client in this company."))
    if day is not None and day < timezone.localdate():
        errors.add("until", _("The end date is in the past."))
    errors.raise_if_any()
    assert day is not None
    pause = DunningPause.objects.create(
        company=company,
        document=document,
        party=party,
        reason=reason.strip()[:300],
        until=day,
        created_by=actor.user,
    )
    audit.record_create(actor, company, "pause_reminders", pause)
    return pause


@transaction.atomic
def end_pause(actor: Actor, pause: DunningPause) -> DunningPause:
    ensure_can(actor, pause.company, "dunning.manage")
    if pause.ended_at is not None:
        return pause
    before = audit.snapshot(pause)
    pause.ended_at = timezone.now()
    pause.save(update_fields=["ended_at"])
    audit.record_update(actor, pause.company, "end_pause", pause, before)
    return pause


def on_company_created(event: CompanyCreated) -> None:
    """A new company starts with the usual reminder levels (the system seeds them: the person
    creating the company may not be able to manage reminders)."""
    ensure_default_levels(Actor.system(event.actor.source), event.company)

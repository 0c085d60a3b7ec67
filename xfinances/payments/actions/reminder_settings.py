"""Reminder levels, the company's reminder settings and pauses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xfinances.core import audit, inputs
from xfinances.core.arguments import ensure_known_fields
from xfinances.core.audit import Actor
from xfinances.core.events import CompanyCreated
from xfinances.core.exceptions import Conflict, ErrorCollector, InvalidInput
from xfinances.core.inputs import ActionInput, Changes, reads
from xfinances.core.models import Company
from xfinances.core.money import MoneyError, to_decimal
from xfinances.core.permissions import ensure_can
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


LEVEL_FIELDS = (
    "name",
    "name_en",
    "days_after_due",
    "subject_bg",
    "body_bg",
    "subject_en",
    "body_en",
    "charge_interest",
    "fee",
    "recipients",
    "is_active",
)


def _clean_level(data: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    ensure_known_fields(data, LEVEL_FIELDS, "level")
    clean = dict(data)
    if "name_en" in clean:
        clean["name_en"] = (clean["name_en"] or "").strip()[:100]
    for key in ("name", "subject_bg", "subject_en", "body_bg", "body_en"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
            if not clean[key]:
                errors.add(key, _("This field is required."))
    if "days_after_due" in clean:
        try:
            clean["days_after_due"] = int(clean["days_after_due"])
            if abs(clean["days_after_due"]) > 3650:
                raise ValueError
        except (TypeError, ValueError):
            errors.add("days_after_due", _("Enter a whole number of days (negative: before)."))
    if "fee" in clean:
        try:
            clean["fee"] = to_decimal(clean["fee"] or "0")
            if clean["fee"] < 0:
                raise MoneyError
        except MoneyError:
            errors.add("fee", _("Enter an amount, e.g. 10.00."))
    for key in ("subject_bg", "subject_en", "body_bg", "body_en"):
        unknown_names = unknown_placeholders(clean.get(key) or "")
        if unknown_names:
            errors.add(
                key,
                _("Unknown placeholders: %(names)s.") % {"names": ", ".join(unknown_names)},
            )
    if "recipients" in clean and clean["recipients"] not in ReminderRecipients.values:
        errors.add("recipients", _("Choose who receives it."))
    return clean


@transaction.atomic
def save_level(
    actor: Actor, company: Company, level: DunningLevel | None = None, **data: Any
) -> DunningLevel:
    ensure_can(actor, company, "dunning.manage")
    if level is not None and level.company_id != company.pk:
        raise InvalidInput({"level": [_("No such level in this company.")]})
    errors = InvalidInput.collect()
    if level is None:
        for key in ("name", "days_after_due", "subject_bg", "body_bg", "subject_en", "body_en"):
            data.setdefault(key, "")
    clean = _clean_level(data, errors)
    errors.raise_if_any()
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

"""Seed the usual reminder levels for companies made before the company-created hook did.

The reminders page used to create them on its first visit (a write on GET); now the
`CompanyCreated` handler seeds them, so a company that never opened the page has none.

The levels are frozen here (a later change to the defaults must not change what this migration
did). Two choices keep an upgrade from surprising anyone:
- a company that once had levels and deleted them all (the audit trail shows a level) chose to
  have none and gets nothing;
- the seeded levels are inactive: an existing company never agreed to e-mail its clients, so
  the owner turns the levels on from the reminders page (a new company gets active ones).
"""

from django.db import migrations

SIGN_BG = "\n\n{how_to_pay}\n\nПортал: {portal_link}\n\nПоздрави,\n{company}"
SIGN_EN = "\n\n{how_to_pay}\n\nPortal: {portal_link}\n\nKind regards,\n{company}"

LEVELS = [
    {
        "name": "Приятелско напомняне",
        "name_en": "Friendly notice",
        "days_after_due": -3,
        "subject_bg": "Напомняне: предстоящ падеж – {company}",
        "body_bg": "Здравейте,\n\nнапомняме, че наближава падежът на следните документи:\n\n"
        "{documents}" + SIGN_BG,
        "subject_en": "Reminder: payment due soon – {company}",
        "body_en": "Hello,\n\nthis is a friendly reminder that these documents fall due soon:\n\n"
        "{documents}" + SIGN_EN,
    },
    {
        "name": "Първо напомняне",
        "name_en": "First reminder",
        "days_after_due": 3,
        "subject_bg": "Просрочени плащания – {company}",
        "body_bg": "Здравейте,\n\nследните документи са с изтекъл срок за плащане:\n\n"
        "{documents}\n\nОбщо дължимо: {total}" + SIGN_BG,
        "subject_en": "Overdue payments – {company}",
        "body_en": "Hello,\n\nthe following documents are past their due date:\n\n"
        "{documents}\n\nTotal due: {total}" + SIGN_EN,
    },
    {
        "name": "Второ напомняне",
        "name_en": "Second reminder",
        "days_after_due": 15,
        "subject_bg": "Второ напомняне за просрочени плащания – {company}",
        "body_bg": "Здравейте,\n\nвсе още не сме получили плащане по следните документи:\n\n"
        "{documents}\n\nОбщо дължимо: {total}\n\nМоля, платете възможно най-скоро или "
        "ни пишете, ако вече сте платили." + SIGN_BG,
        "subject_en": "Second reminder: overdue payments – {company}",
        "body_en": "Hello,\n\nwe have not yet received payment for these documents:\n\n"
        "{documents}\n\nTotal due: {total}\n\nPlease pay as soon as possible, or tell us if "
        "you already have." + SIGN_EN,
    },
    {
        "name": "Трето напомняне",
        "name_en": "Third reminder",
        "days_after_due": 30,
        "charge_interest": True,
        "subject_bg": "Трето напомняне: просрочени плащания и лихва – {company}",
        "body_bg": "Здравейте,\n\nследните документи са просрочени с повече от месец:\n\n"
        "{documents}\n\nОбщо дължимо: {total}\nЗаконна лихва за забава: {interest}" + SIGN_BG,
        "subject_en": "Third reminder: overdue payments and interest – {company}",
        "body_en": "Hello,\n\nthese documents are more than a month overdue:\n\n"
        "{documents}\n\nTotal due: {total}\nStatutory late-payment interest: {interest}" + SIGN_EN,
    },
    {
        "name": "Последно напомняне",
        "name_en": "Final notice",
        "days_after_due": 45,
        "charge_interest": True,
        "recipients": "both",
        "subject_bg": "Последно напомняне преди предприемане на действия – {company}",
        "body_bg": "Здравейте,\n\nвъпреки предишните ни напомняния следните документи "
        "остават неплатени:\n\n{documents}\n\nОбщо дължимо: {total}\nЗаконна лихва за "
        "забава: {interest}\n\nАко не получим плащане в 7-дневен срок, ще предприемем "
        "действия по събиране на вземането." + SIGN_BG,
        "subject_en": "Final notice before further action – {company}",
        "body_en": "Hello,\n\ndespite our earlier reminders these documents remain unpaid:"
        "\n\n{documents}\n\nTotal due: {total}\nStatutory late-payment interest: "
        "{interest}\n\nIf we do not receive payment within 7 days, we will take steps to "
        "collect the debt." + SIGN_EN,
    },
]


def seed_levels(apps, schema_editor):
    Company = apps.get_model("core", "Company")
    AuditEntry = apps.get_model("core", "AuditEntry")
    DunningLevel = apps.get_model("payments", "DunningLevel")
    with_levels = DunningLevel.objects.values("company_id")
    had_levels = AuditEntry.objects.filter(object_type="payments.dunninglevel").values("company_id")
    companies = Company.objects.exclude(pk__in=with_levels).exclude(pk__in=had_levels)
    DunningLevel.objects.bulk_create(
        DunningLevel(company_id=company_id, is_active=False, **spec)
        for company_id in companies.values_list("pk", flat=True).iterator()
        for spec in LEVELS
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_idempotency_record"),
        ("payments", "0007_text_length_limits"),
    ]

    operations = [migrations.RunPython(seed_levels, migrations.RunPython.noop)]

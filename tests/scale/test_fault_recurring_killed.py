"""Fault: the process running the daily recurring-invoice job is killed with SIGKILL in the
middle of a run — after some periods were invoiced, while one period's invoice is made and
issued but not yet committed — then the job runs again (as the next worker would).

Afterwards every due period of every template has exactly one run and one issued invoice (no
period twice, none skipped), the killed period left nothing behind (no draft, no number, no
e-mail), the numbering has no gap, each invoice's e-mail is queued once, and a third run finds
nothing due.

PostgreSQL + Redis only (CI's second pass), like the other tests in tests/scale.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.scale import faults
from tests.scale.test_two_web_two_workers import Install
from tests.scale.test_two_web_two_workers import pytestmark as pytestmark

TEMPLATES = 3
MONTHS = 4  # due periods per template: this month and the three before
KILL_AT = 5  # the period being invoiced when the process dies

SETUP = f"""
import datetime as dt, json
from xfinances.core.audit import Actor
from xfinances.core.demo import DEMO_EIK
from xfinances.core.models import Company, Source
from xfinances.invoicing import actions, inputs
from xfinances.invoicing.models import Document
from xfinances.parties.models import Party
company = Company.objects.get(eik=DEMO_EIK)
party = Party.objects.filter(company=company, is_client=True, is_archived=False).exclude(
    email="").order_by("pk").first()
today = dt.date.today()
months = today.year * 12 + today.month - 1 - ({MONTHS} - 1)
start = dt.date(months // 12, months % 12 + 1, 1)
ids = []
for n in range({TEMPLATES}):
    line = {{"description": f"Абонамент {{n}}", "quantity": "1", "unit": "pcs",
             "unit_price": f"{{50 + n}}.00", "vat_treatment": "standard"}}
    template = actions.create_recurring(Actor.system(Source.CLI), company, inputs.recurring(
        name=f"Абонамент {{n}}", party=party, lines=[line], schedule="monthly",
        day_of_month=1, start_date=start, auto_issue=True, auto_send=True))
    ids.append(template.pk)
last = Document.objects.filter(company=company).order_by("-pk").values_list("pk", flat=True)
print(json.dumps({{"templates": ids, "last_document": last.first() or 0}}))
"""

STATE = """
import json
from xfinances.core.demo import DEMO_EIK
from xfinances.invoicing.models import Document, RecurringRun
from xfinances.notifications.models import OutboxMessage
runs = list(RecurringRun.objects.filter(template__company__eik=DEMO_EIK).values(
    "template_id", "period_start", "document_id", "error", "sent"))
new = list(Document.objects.filter(company__eik=DEMO_EIK, pk__gt=LAST).values(
    "id", "status", "number"))
mails = list(OutboxMessage.objects.filter(document_id__in=[d["id"] for d in new],
    kind="email").values_list("document_id", flat=True))
print(json.dumps({"runs": runs, "documents": new, "mails": mails}, default=str))
"""

RUN_DUE = (
    "from xfinances.invoicing.actions import run_due_recurring; "
    "import json; print(json.dumps(run_due_recurring()))"
)


def test_recurring_run_killed_mid_period_invoices_each_period_once(tmp_path: Path) -> None:
    database_url, database = faults.copy_database(tmp_path, "recurring")
    install = Install(tmp_path, faults.base_env(database_url, tmp_path))
    try:
        made = faults.ask(install, SETUP)
        state = STATE.replace("LAST", str(made["last_document"]))
        process, marker = faults.start_hooked(
            install, "recurring", "recurring-period", "shell", "-c", RUN_DUE, after=KILL_AT
        )
        faults.kill_at_point(install, process, marker)
        at_kill = faults.ask(install, state)
        rerun = faults.ask(install, RUN_DUE)
        again = faults.ask(install, RUN_DUE)
        after = faults.ask(install, state)
        ledger = faults.ask(install, faults.LEDGER)
    finally:
        install.stop()
        faults.drop_database(database)

    # The killed period's transaction was rolled back whole: only the periods before it stay.
    assert len(at_kill["runs"]) == KILL_AT - 1, at_kill
    assert len(at_kill["documents"]) == KILL_AT - 1, at_kill
    # The next run invoiced the rest, the one after it found nothing.
    expected = TEMPLATES * MONTHS
    assert rerun == expected - (KILL_AT - 1) and again == 0, (rerun, again)
    runs = after["runs"]
    periods = Counter((r["template_id"], r["period_start"]) for r in runs)
    assert len(periods) == expected and set(periods.values()) == {1}, periods
    assert Counter(r["template_id"] for r in runs) == dict.fromkeys(made["templates"], MONTHS)
    assert all(r["document_id"] and not r["error"] and r["sent"] for r in runs), runs
    documents = after["documents"]
    # No invoice without its run (nothing left over from the killed period), none twice.
    assert sorted(d["id"] for d in documents) == sorted(r["document_id"] for r in runs)
    assert all(d["status"] == "issued" and d["number"] for d in documents), documents
    faults.assert_numbering_gapless(ledger["documents"])
    assert Counter(after["mails"]) == Counter(d["id"] for d in documents), after["mails"]
    print(
        f"\nrecurring run kill -9 at period {KILL_AT} of {expected}: "
        f"{KILL_AT - 1} committed before, {rerun} by the rerun, {len(documents)} invoices once "
        f"(numbering gapless), {len(after['mails'])} e-mails queued once, 0 doubled"
    )

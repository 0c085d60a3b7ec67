"""The pure reminder planner: levels by day, catch-up, superseded levels, pauses, grouping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from xfinances.payments.dunning import Level, OpenDocument, late_interest, plan

DUE = dt.date(2026, 4, 1)
LEVELS = [Level(1, -3), Level(2, 3), Level(3, 15), Level(4, 30, charge_interest=True), Level(5, 45)]


def doc(pk: int, party: int = 7, due: dt.date = DUE, remaining: str = "100.00") -> OpenDocument:
    return OpenDocument(
        pk, party, f"{pk:010d}", "EUR", due - dt.timedelta(days=14), due, Decimal(remaining)
    )


def day(offset: int) -> dt.date:
    return DUE + dt.timedelta(days=offset)


def simulate(days: range, documents, sent=None, **kw):
    """Run the planner day by day, feeding back what it recorded and when it was sent."""
    sent = sent if sent is not None else {}
    last_sent: dict[int, dt.date] = {}
    log = []
    for offset in days:
        result = plan(documents, LEVELS, day(offset), sent=sent, last_sent_on=last_sent, **kw)
        for record in result.records:
            sent.setdefault(record.document_id, set()).add(record.level_id)
            if not record.superseded:
                last_sent[record.document_id] = day(offset)
        log.extend((offset, r.level_id, r.superseded) for r in result.records)
    return log


def test_each_level_on_its_day_exactly_once():
    log = simulate(range(-10, 100), [doc(1)])
    assert log == [(-3, 1, False), (3, 2, False), (15, 3, False), (30, 4, False), (45, 5, False)]


def test_three_missed_days_catch_up_without_sending_a_level_twice():
    # Runs on days -10..2, then nothing on 3, 4, 5; back on day 6.
    log = simulate([*range(-10, 3), *range(6, 20)], [doc(1)])
    # level 3 keeps its 12-day interval after level 2, sent late on day 6: day 18
    assert log == [(-3, 1, False), (6, 2, False), (18, 3, False)]


def test_jumping_to_the_latest_level_when_the_company_chose_it():
    log = simulate([40, 41, 50], [doc(1)], catch_up="latest")
    assert log == [(40, 1, True), (40, 2, True), (40, 3, True), (40, 4, False), (50, 5, False)]


def test_one_email_per_client_lists_all_overdue_documents():
    documents = [doc(1, due=day(-3)), doc(2, due=day(-20)), doc(3, party=8), doc(4, due=day(100))]
    sent = {2: {1, 2, 3}}
    result = plan(documents, LEVELS, DUE, sent=sent)
    assert [e.party_id for e in result.emails] == [7, 8]
    first = result.emails[0]
    assert [line.document.id for line in first.lines] == [2, 1]  # by due date
    assert [line.level_id for line in first.lines] == [None, 2]  # 2 only listed
    assert first.level_id == 2 and first.totals() == {"EUR": Decimal("200.00")}


def test_pauses_and_settled_documents_get_nothing():
    documents = [doc(1), doc(2, party=8), doc(3, remaining="0.00")]
    result = plan(documents, LEVELS, day(5), sent={}, paused_documents=[1], paused_parties=[8])
    assert result.emails == [] and result.records == []


def test_interest_on_levels_that_charge_it():
    result = plan([doc(1)], LEVELS, day(31), sent={1: {1, 2, 3}}, interest_rate=Decimal("10"))
    line = result.emails[0].lines[0]
    assert line.level_id == 4 and line.interest == Decimal("0.85")  # 100 × 10 % × 31/365
    assert late_interest(Decimal("1000"), Decimal("11.5"), 365) == Decimal("115.00")
    assert late_interest(Decimal("1000"), Decimal("10"), 0) == Decimal("0.00")


def test_a_first_run_long_after_the_due_date_starts_at_the_first_overdue_level():
    # Reminders switched on 40 days after the due date: level 2 (+3) first, never the last.
    log = simulate(range(40, 120), [doc(1)])
    sent = [(offset, level) for offset, level, skipped in log if not skipped]
    # each next level after its own interval since the previous one: 12, 15 and 15 days
    assert sent == [(40, 2), (52, 3), (67, 4), (82, 5)]
    assert (40, 1, True) in log  # "3 days before" no longer applies: recorded as skipped


def test_one_level_per_run_even_when_several_are_due():
    result = plan([doc(1)], LEVELS, day(50), sent={}, last_sent_on={})
    assert [(r.level_id, r.superseded) for r in result.records] == [(1, True), (2, False)]
    assert result.emails[0].level_id == 2


def test_a_level_before_the_due_date_is_sent_only_before_it():
    assert [r.level_id for r in plan([doc(1)], LEVELS, day(-2), sent={}).records] == [1]
    assert plan([doc(1)], LEVELS, day(-5), sent={}).records == []

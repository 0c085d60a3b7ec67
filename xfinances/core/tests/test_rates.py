"""Exchange rates: file readers (pure), loading, company overrides, lookups on holidays."""

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core import actions, queries
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.rates import read_rates

ECB_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube>
    <Cube time="2026-11-27"><Cube currency="USD" rate="1.0825"/><Cube currency="GBP" rate="0.8402"/></Cube>
    <Cube time="2026-11-26"><Cube currency="USD" rate="1.0790"/></Cube>
  </Cube>
</gesmes:Envelope>"""

ECB_CSV = b"Date,USD,JPY,RON,\n2026-11-27,1.0825,162.11,N/A,\n2026-11-26,1.0790,161.50,4.9770,\n"


def test_read_ecb_xml():
    parsed = read_rates(ECB_XML)
    assert parsed.errors == []
    assert (dt.date(2026, 11, 27), "USD", Decimal("1.0825")) in parsed.rates
    assert len(parsed.rates) == 3


def test_read_ecb_csv_skips_missing_values():
    parsed = read_rates(ECB_CSV)
    assert parsed.errors == []
    assert (dt.date(2026, 11, 26), "RON", Decimal("4.9770")) in parsed.rates
    assert not any(r[1] == "RON" and r[0] == dt.date(2026, 11, 27) for r in parsed.rates)


def test_read_plain_csv_reports_bad_lines():
    parsed = read_rates(
        b"date,currency,rate\n2026-11-27,USD,1.08\nyesterday,USD,1.07\n2026-11-27,GBP,abc\n"
    )
    assert parsed.rates == [(dt.date(2026, 11, 27), "USD", Decimal("1.08"))]
    assert [e.split(":")[0] for e in parsed.errors] == ["line 3", "line 4"]


def test_entities_and_garbage_are_refused():
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Cube><Cube time="2026-01-02"><Cube currency="USD" rate="&e;"/></Cube></Cube>'
    parsed = read_rates(evil)
    assert not parsed.rates
    assert read_rates(b"hello,world\n").errors


def test_load_is_idempotent_and_lookup_falls_back_to_last_business_day(company, actor_system):
    rates = read_rates(ECB_XML).rates
    first = actions.load_reference_rates(actor_system, rates, source="ecb")
    again = actions.load_reference_rates(actor_system, rates, source="ecb")
    assert (first.created, again.created, again.unchanged) == (3, 0, 3)
    saturday = dt.date(2026, 11, 28)
    assert queries.rate_value(company, "USD", saturday) == Decimal("1.0825")
    assert queries.rate_value(company, "BGN", saturday) == Decimal("1.95583")
    assert queries.rate_value(company, "CHF", saturday) is None


def test_company_rate_overrides_reference(company, owner, actor_system, other_company):
    actions.load_reference_rates(actor_system, read_rates(ECB_XML).rates, source="ecb")
    actions.set_exchange_rate(
        Actor(owner), company, currency="usd", date=dt.date(2026, 11, 27), rate="1.0900"
    )
    assert queries.rate_value(company, "USD", dt.date(2026, 11, 27)) == Decimal("1.0900")
    assert queries.rate_value(other_company, "USD", dt.date(2026, 11, 27)) == Decimal("1.0825")


@pytest.mark.parametrize(
    ("currency", "rate", "field"),
    [
        ("US", "1.08", "currency"),
        ("EUR", "1", "currency"),
        ("BGN", "1.95583", "currency"),
        ("USD", "0", "rate"),
        ("USD", "abc", "rate"),
    ],
)
def test_bad_manual_rates_are_refused(company, owner, currency, rate, field):
    with pytest.raises(InvalidInput) as error:
        actions.set_exchange_rate(
            Actor(owner), company, currency=currency, date=dt.date(2026, 1, 5), rate=rate
        )
    assert field in error.value.errors
    assert not company.exchange_rates.exists()


def test_rate_file_upload_in_ui(client_as, company):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as(company, "accountant")
    client.post(
        f"/c/{company.eik}/rates/import/", {"file": SimpleUploadedFile("eurofxref.xml", ECB_XML)}
    )
    assert queries.rate_value(company, "GBP", dt.date(2026, 11, 27)) == Decimal("0.8402")

"""The PSD2 client against the simulated bank on loopback: SCA, paging, pending → booked,
expiry, outages, schema breaks, the daily limit and a client certificate."""

from __future__ import annotations

import datetime as dt
import http.client
import shutil
import ssl
import subprocess
import urllib.parse
from decimal import Decimal

import pytest
from django.utils import translation

from xfinances.banking.psd2.client import (
    AccessExceeded,
    BankConfig,
    BankUnavailable,
    ConsentExpired,
    ConsentInvalid,
    PSD2Client,
    PSD2Error,
    SchemaError,
    SyncState,
)
from xfinances.banking.psd2.simulator import SimulatedBank, demo_bank
from xfinances.banking.records import BookingStatus, Direction

TODAY = dt.date(2026, 12, 1)
IBAN = "BG80BNBG96611020345678"
PAYER = "BG16UNCR70000015201234"


@pytest.fixture
def bank():
    simulated = SimulatedBank(today=TODAY, page_size=5)
    simulated.add_account(IBAN, name="Разплащателна", balance="1000.00")
    with simulated.running() as running:
        yield running


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(bank: SimulatedBank, **config) -> tuple[PSD2Client, Sleeps]:
    sleeps = Sleeps()
    values = {"name": "Test Bank", "base_url": bank.base_url, "backoff": 0.5, "timeout": 5}
    values.update(config)
    return PSD2Client(BankConfig(**values), sleep=sleeps, today=lambda: TODAY), sleeps


def open_sca_page(url: str, result: str = "ok") -> tuple[int, str]:
    """The user's browser at the bank's SCA page (the redirect is not followed)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    connection.request("GET", f"{parts.path}?result={result}")
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer.status, answer.getheader("Location") or ""


def valid_consent(bank: SimulatedBank, client: PSD2Client, **kwargs) -> str:
    consent = client.create_consent(
        ibans=[IBAN], valid_until=TODAY + dt.timedelta(days=90), **kwargs
    )
    bank.approve(consent.consent_id)
    return consent.consent_id


def test_redirect_sca_then_accounts_and_balances(bank):
    client, _ = client_for(bank, redirect_uri="https://xfinances.test/banking/sca-done")
    consent = client.create_consent(ibans=[IBAN], valid_until=TODAY + dt.timedelta(days=90))
    assert consent.status == "received" and consent.sca_redirect.startswith(bank.base_url)
    with pytest.raises(ConsentInvalid):
        client.accounts(consent.consent_id)  # not approved yet

    status, location = open_sca_page(consent.sca_redirect)
    assert (status, location) == (302, "https://xfinances.test/banking/sca-done")
    assert client.consent_status(consent.consent_id) == "valid"

    [account] = client.accounts(consent.consent_id)
    assert account.iban == IBAN and account.currency == "EUR" and account.name == "Разплащателна"
    balances = client.balances(consent.consent_id, account.resource_id)
    assert {b.type for b in balances} == {"closingBooked", "interimAvailable"}
    assert balances[0].balance.amount == Decimal("1000.00") and balances[0].balance.date == TODAY


def test_refused_redirect_sca_rejects_the_consent(bank):
    client, _ = client_for(bank)
    consent = client.create_consent(valid_until=TODAY + dt.timedelta(days=90))
    open_sca_page(consent.sca_redirect, result="nok")
    assert client.consent_status(consent.consent_id) == "rejected"


def test_decoupled_sca_is_polled_until_the_user_approves_in_the_app(bank):
    client, sleeps = client_for(bank)
    consent = client.create_consent(
        ibans=[IBAN], valid_until=TODAY + dt.timedelta(days=90), decoupled=True
    )
    assert not consent.sca_redirect and consent.sca_status_url and consent.psu_message
    done = client.wait_for_sca(consent, interval=0.25)
    assert done.status == "valid" and sleeps == [0.25]  # the simulator finalises on poll 2
    assert client.accounts(consent.consent_id)[0].iban == IBAN


def test_transactions_follow_the_paging_links_and_map_to_bank_entries(bank):
    for k in range(12):
        bank.add_transaction(
            IBAN,
            f"{100 + k}.50",
            booking_date=TODAY - dt.timedelta(days=12 - k),
            name="Алфа Трейд ООД",
            counterparty_iban=PAYER,
            text=f"ф-ра {k}",
            reference="RF18539007547034" if k == 0 else "",
            end_to_end_id=f"E2E-{k}",
        )
    bank.add_transaction(
        IBAN, "-30.00", booking_date=TODAY, name="Доставчик", counterparty_iban=PAYER, text="inv 9"
    )
    client, _ = client_for(bank)
    consent = valid_consent(bank, client)
    account = client.accounts(consent)[0]
    booked, pending = client.transactions(
        consent, account.resource_id, date_from=TODAY - dt.timedelta(days=30)
    )
    assert len(booked) == 13 and pending == []
    assert len({e.bank_id for e in booked}) == 13
    pages = [r for r in bank.requests if "/transactions" in r[1]]
    assert len(pages) == 3 and "page=2" in pages[-1][1]
    first = booked[0]
    assert first.amount == Decimal("100.50") and first.direction is Direction.CREDIT
    assert first.counterparty.name == "Алфа Трейд ООД" and first.counterparty.iban == PAYER
    assert first.reference == "RF18539007547034" and first.end_to_end_id == "E2E-0"
    assert first.text == "ф-ра 0" and first.status is BookingStatus.BOOKED
    last = booked[-1]
    assert last.direction is Direction.DEBIT and last.amount == Decimal("30.00")
    assert last.counterparty.name == "Доставчик"


def test_incremental_sync_upgrades_pending_to_booked_without_duplicates(bank):
    client, _ = client_for(bank)
    consent = valid_consent(bank, client, frequency_per_day=10)
    account = client.accounts(consent)[0]
    bank.add_transaction(
        IBAN, "250.00", booking_date=TODAY - dt.timedelta(days=2), name="Алфа", text="ф-ра 1"
    )
    bank.add_transaction(
        IBAN, "99.00", booked=False, name="Бета", counterparty_iban=PAYER, text="ф-ра 2"
    )

    first = client.sync(
        consent, account.resource_id, SyncState(), first_day=TODAY - dt.timedelta(days=30)
    )
    assert [e.amount for e in first.booked] == [Decimal("250.00")]
    assert [e.amount for e in first.pending] == [Decimal("99.00")] and first.pending[
        0
    ].bank_id == ""

    bank.today = TODAY + dt.timedelta(days=1)
    bank.book(IBAN, 0, booking_date=bank.today)
    bank.add_transaction(IBAN, "10.00", booking_date=bank.today, name="Гама", text="ф-ра 3")
    second = client.sync(
        consent, account.resource_id, first.state, first_day=TODAY - dt.timedelta(days=30)
    )
    assert sorted(e.amount for e in second.booked) == [Decimal("10.00"), Decimal("99.00")]
    assert second.pending == ()
    [(was_pending, now_booked)] = second.upgraded
    assert was_pending.status is BookingStatus.PENDING and now_booked.status is BookingStatus.BOOKED
    assert now_booked.amount == Decimal("99.00") and now_booked.bank_id

    third = client.sync(
        consent, account.resource_id, second.state, first_day=TODAY - dt.timedelta(days=30)
    )
    assert third.booked == () and third.upgraded == ()


def test_two_identical_payments_without_ids_both_survive_a_refetch(bank):
    for _ in range(2):
        bank.add_transaction(
            IBAN, "50.00", booking_date=TODAY, name="Иван", text="наем", with_id=False
        )
    client, _ = client_for(bank)
    consent = valid_consent(bank, client, frequency_per_day=10)
    account = client.accounts(consent)[0]
    first = client.sync(consent, account.resource_id, SyncState(), first_day=TODAY)
    assert len(first.booked) == 2
    again = client.sync(consent, account.resource_id, first.state, first_day=TODAY)
    assert again.booked == ()


def test_an_expired_consent_says_so(bank):
    client, _ = client_for(bank)
    consent = valid_consent(bank, client)
    account = client.accounts(consent)[0]
    bank.expire(consent)
    with translation.override("en"), pytest.raises(ConsentExpired) as error:
        client.transactions(consent, account.resource_id, date_from=TODAY)
    assert error.value.status == 401 and error.value.code == "CONSENT_EXPIRED"
    assert "renew" in str(error.value)
    with translation.override("bg"), pytest.raises(ConsentExpired) as error:
        client.accounts(consent)
    assert "подновете връзката" in str(error.value)


def test_a_consent_past_its_valid_until_day_expires(bank):
    client, _ = client_for(bank)
    consent = client.create_consent(ibans=[IBAN], valid_until=TODAY + dt.timedelta(days=1))
    bank.approve(consent.consent_id)
    bank.today = TODAY + dt.timedelta(days=2)
    assert client.consent_status(consent.consent_id) == "expired"
    with pytest.raises(ConsentExpired):
        client.accounts(consent.consent_id)


def test_a_short_outage_is_retried_with_backoff(bank):
    client, sleeps = client_for(bank, max_retries=3, backoff=0.5)
    consent = valid_consent(bank, client)
    bank.outage(2)
    assert client.accounts(consent)[0].iban == IBAN
    assert sleeps == [0.5, 1.0]


def test_a_long_outage_gives_up_with_a_clear_error(bank):
    client, sleeps = client_for(bank, max_retries=3, backoff=0.5)
    consent = valid_consent(bank, client)
    bank.outage(-1)
    with pytest.raises(BankUnavailable) as error:
        client.accounts(consent)
    assert sleeps == [0.5, 1.0, 2.0] and error.value.status == 503
    assert "Test Bank" in str(error.value) and "maintenance" in str(error.value)
    bank.outage(0)
    assert client.accounts(consent)


def test_no_answer_at_all_is_unavailable(bank):
    client, sleeps = client_for(bank, max_retries=1, base_url="http://127.0.0.1:9")
    with pytest.raises(BankUnavailable):
        client.consent_status("x")
    assert sleeps == [0.5]


def test_an_answer_that_breaks_the_schema_is_refused_naming_the_field(bank):
    bank.add_transaction(IBAN, "10.00", booking_date=TODAY)
    client, _ = client_for(bank)
    consent = valid_consent(bank, client)
    account = client.accounts(consent)[0]
    bank.break_schema = True
    with pytest.raises(SchemaError) as error:
        client.transactions(consent, account.resource_id, date_from=TODAY)
    assert "transactions.booked.0.transactionAmount" in str(error.value)


def test_a_float_amount_breaks_the_schema():
    from pydantic import ValidationError

    from xfinances.banking.psd2 import responses

    with pytest.raises(ValidationError):
        responses.Amount.model_validate({"currency": "EUR", "amount": 12.3})


def test_the_daily_limit_of_unattended_calls(bank):
    client, _ = client_for(bank)
    consent = valid_consent(bank, client, frequency_per_day=2)
    client.accounts(consent)
    client.accounts(consent)
    with pytest.raises(AccessExceeded):
        client.accounts(consent)
    present, _ = client_for(bank, psu_ip_address="192.0.2.10")  # the user is there: no limit
    assert present.accounts(consent)


def test_per_bank_headers_are_sent(bank):
    client, _ = client_for(bank, headers={"X-Api-Key": "k-123", "Aggregator-Tenant": "acme"})
    client.create_consent(valid_until=TODAY + dt.timedelta(days=90))
    method, path, headers = bank.requests[-1]
    assert (method, path) == ("POST", "/v1/consents")
    assert headers["x-api-key"] == "k-123" and headers["aggregator-tenant"] == "acme"
    assert headers["x-request-id"] and headers["tpp-redirect-uri"]


def test_other_refusals_carry_the_banks_message(bank):
    client, _ = client_for(bank)
    with pytest.raises(PSD2Error) as error:
        client.consent_status("NO-SUCH")
    assert error.value.status == 404 and "No such consent" in str(error.value)


def test_the_demo_bank_has_accounts_and_a_month_of_transactions():
    bank = demo_bank(today=TODAY)
    with bank.running():
        client, _ = client_for(bank)
        consent = client.create_consent(valid_until=TODAY + dt.timedelta(days=90))
        bank.approve(consent.consent_id)
        accounts = client.accounts(consent.consent_id)
        assert len(accounts) == 2
        booked, pending = client.transactions(
            consent.consent_id, accounts[0].resource_id, date_from=TODAY - dt.timedelta(days=31)
        )
        assert booked and len(pending) == 1


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_client_certificate_over_tls(tmp_path):
    def make(name: str, cn: str, *extra: str) -> tuple[str, str]:
        key, cert = tmp_path / f"{name}.key", tmp_path / f"{name}.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", f"/CN={cn}", "-keyout", str(key), "-out", str(cert), *extra],
            check=True, capture_output=True,
        )  # fmt: skip
        return str(cert), str(key)

    server_cert, server_key = make("bank", "127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
    client_cert, client_key = make("tpp", "XFINANCES TPP")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(server_cert, server_key)
    tls.verify_mode = ssl.CERT_REQUIRED
    tls.load_verify_locations(client_cert)

    bank = SimulatedBank(today=TODAY)
    bank.add_account(IBAN)
    with bank.running(tls=tls):
        assert bank.base_url.startswith("https://")
        client, _ = client_for(
            bank, client_cert=client_cert, client_key=client_key, ca_file=server_cert
        )
        consent = client.create_consent(valid_until=TODAY + dt.timedelta(days=90))
        assert consent.status == "received"
        # Without the certificate the bank does not let the client in.
        anonymous, _ = client_for(bank, ca_file=server_cert, max_retries=0)
        with pytest.raises(BankUnavailable):
            anonymous.create_consent(valid_until=TODAY + dt.timedelta(days=90))


def raw(bank: SimulatedBank, method: str, path: str, headers: dict[str, str] | None = None):
    parts = urllib.parse.urlsplit(bank.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    connection.request(method, path, headers=headers or {})
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    return answer.status, body


def test_the_simulator_checks_what_the_definition_requires(bank):
    status, body = raw(bank, "GET", "/v1/accounts")
    assert status == 400 and b"FORMAT_ERROR" in body  # no X-Request-ID
    client, _ = client_for(bank)
    consent = valid_consent(bank, client, frequency_per_day=10)
    account = client.accounts(consent)[0]
    headers = {"X-Request-ID": "r-1", "Consent-ID": consent}
    path = f"/v1/accounts/{account.resource_id}/transactions"
    assert raw(bank, "GET", f"{path}?bookingStatus=booked", headers)[0] == 400  # no dateFrom
    status, body = raw(bank, "GET", f"{path}?bookingStatus=all&dateFrom=2026-01-01", headers)
    assert status == 400 and b"PARAMETER_NOT_SUPPORTED" in body
    assert raw(bank, "GET", "/v1/accounts/acc-unknown/balances", headers)[0] == 404


def test_a_deleted_consent_gives_no_more_access(bank):
    client, _ = client_for(bank)
    consent = valid_consent(bank, client)
    client.delete_consent(consent)
    assert client.consent_status(consent) == "terminatedByTpp"
    with pytest.raises(ConsentInvalid):
        client.accounts(consent)


def test_renewal_warning_and_the_daily_sync_schedule():
    from xfinances.banking.psd2.client import renewal_due, sync_schedule

    assert renewal_due(TODAY + dt.timedelta(days=10), TODAY)
    assert renewal_due(TODAY - dt.timedelta(days=1), TODAY)
    assert not renewal_due(TODAY + dt.timedelta(days=60), TODAY)
    assert not renewal_due(None, TODAY)
    assert sync_schedule(4) == [dt.time(6, 0), dt.time(14, 0), dt.time(22, 0)]
    assert sync_schedule(1) == [dt.time(6, 0)] == sync_schedule(2)
    assert len(sync_schedule(24)) == 23

"""A simulated bank speaking Berlin Group NextGenPSD2 (account information), on loopback.

For the test suite and the demo: `with SimulatedBank().running() as bank:` serves it on
127.0.0.1 at a free port (`bank.base_url`); the test sets the bank up and misbehaves it through
plain methods. Endpoints (the ones the client uses):

    POST   /v1/consents                                  redirect or decoupled SCA
    GET    /v1/consents/{id}                             the consent
    GET    /v1/consents/{id}/status                      its status (expired after validUntil)
    DELETE /v1/consents/{id}                             terminatedByTpp
    GET    /v1/consents/{id}/authorisations/{auth}       SCA status (decoupled polling)
    GET    /sca/{id}?result=ok|nok                        the user's SCA page (redirect SCA);
                                                         302 back to TPP-Redirect-URI
    GET    /v1/accounts                                  accounts of the consent
    GET    /v1/accounts/{id}/balances
    GET    /v1/accounts/{id}/transactions?bookingStatus=booked|pending|both&dateFrom=&dateTo=
                                                         paged; `_links.next` to the next page

Misbehaviour: `approve(consent)` (the user in the bank's app), `expire(consent)` (→ 401
CONSENT_EXPIRED), `outage(n)` (the next n calls → 503; -1: until `outage(0)`), `break_schema`
(transactions without amounts), `book(account, pending_index)` (a pending transaction is
booked, with an id it did not have), daily limit of unattended calls (`frequencyPerDay` → 429).

`python -m xfinances.banking.psd2.simulator [--port 8765]` serves a demo bank with two
accounts and a few weeks of Bulgarian-style transactions.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import random
import ssl
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class SimConsent:
    consent_id: str
    ibans: list[str]  # empty: all accounts
    valid_until: dt.date
    frequency_per_day: int
    recurring: bool
    decoupled: bool
    redirect_uri: str
    status: str = "received"
    sca_status: str = "received"
    authorisation_id: str = ""
    polls: int = 0
    calls_today: dict[str, int] = field(default_factory=dict)


@dataclass
class SimAccount:
    resource_id: str
    iban: str
    currency: str
    name: str
    balance: Decimal
    booked: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)


class SimulatedBank:
    def __init__(self, *, today: dt.date | None = None, page_size: int = 50):
        self.today = today or dt.date.today()
        self.page_size = page_size
        self.accounts: dict[str, SimAccount] = {}
        self.consents: dict[str, SimConsent] = {}
        self.decoupled_polls_needed = 2  # polls before a decoupled SCA finalises by itself
        self.break_schema = False
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # method, path, headers
        self._outage = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.base_url = ""

    # ----------------------------------------------------------------- setting up

    def add_account(
        self, iban: str, *, currency: str = "EUR", name: str = "Current account", balance="0"
    ) -> SimAccount:
        account = SimAccount(f"acc-{next(self._ids)}", iban, currency, name, Decimal(balance))
        self.accounts[account.resource_id] = account
        return account

    def add_transaction(
        self,
        iban: str,
        amount: str,
        *,
        booked: bool = True,
        booking_date: dt.date | None = None,
        name: str = "",
        counterparty_iban: str = "",
        text: str = "",
        reference: str = "",
        end_to_end_id: str = "",
        with_id: bool | None = None,
    ) -> dict[str, Any]:
        """A transaction; `amount` signed ("-12.30" is money out). Pending transactions get
        no id unless `with_id` (many banks give none)."""
        account = self._by_iban(iban)
        day = booking_date or self.today
        number = next(self._ids)
        tx: dict[str, Any] = {
            "transactionAmount": {"currency": account.currency, "amount": amount},
            "valueDate": day.isoformat(),
        }
        if with_id if with_id is not None else booked:
            tx["transactionId"] = f"TX{number:08d}"
        if booked:
            tx["bookingDate"] = day.isoformat()
            account.balance += Decimal(amount)
        side = "debtor" if Decimal(amount) >= 0 else "creditor"
        if name:
            tx[f"{side}Name"] = name
        if counterparty_iban:
            tx[f"{side}Account"] = {"iban": counterparty_iban}
        if text:
            tx["remittanceInformationUnstructured"] = text
        if reference:
            tx["remittanceInformationStructured"] = {
                "reference": reference,
                "referenceType": "SCOR",
            }
        if end_to_end_id:
            tx["endToEndId"] = end_to_end_id
        (account.booked if booked else account.pending).append(tx)
        return tx

    def book(self, iban: str, pending_index: int = 0, *, booking_date: dt.date | None = None):
        """The bank books a pending transaction: it moves to booked with a booking date and an
        id of its own."""
        account = self._by_iban(iban)
        tx = account.pending.pop(pending_index)
        day = booking_date or self.today
        tx = {**tx, "bookingDate": day.isoformat(), "transactionId": f"TX{next(self._ids):08d}"}
        account.booked.append(tx)
        account.balance += Decimal(tx["transactionAmount"]["amount"])
        return tx

    def approve(self, consent_id: str, ok: bool = True) -> None:
        consent = self.consents[consent_id]
        consent.sca_status = "finalised" if ok else "failed"
        consent.status = "valid" if ok else "rejected"

    def expire(self, consent_id: str) -> None:
        self.consents[consent_id].status = "expired"

    def outage(self, calls: int) -> None:
        """The next `calls` requests answer 503 (-1: every request until `outage(0)`)."""
        self._outage = calls

    def _by_iban(self, iban: str) -> SimAccount:
        return next(a for a in self.accounts.values() if a.iban == iban)

    # ----------------------------------------------------------------- serving

    @contextlib.contextmanager
    def running(
        self, port: int = 0, *, tls: ssl.SSLContext | None = None
    ) -> Iterator[SimulatedBank]:
        """Serve on 127.0.0.1:`port` (0: a free port); with `tls`, over HTTPS (a context with
        `verify_mode=CERT_REQUIRED` asks the client for its certificate, as banks do)."""
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        server.daemon_threads = True
        scheme = "http"
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
            scheme = "https"
        self.base_url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, name="simulated-bank", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    # ----------------------------------------------------------------- answering

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.requests.append((method, target, headers))
            if self._outage:
                if self._outage > 0:
                    self._outage -= 1
                return 503, {}, _error("SERVICE_UNAVAILABLE", "The bank is under maintenance.")
            parsed = urllib.parse.urlsplit(target)
            query = dict(urllib.parse.parse_qsl(parsed.query))
            parts = [p for p in parsed.path.split("/") if p]
            if parts[:1] == ["sca"] and len(parts) == 2 and method == "GET":
                return self._sca_page(parts[1], query)
            if parts[:1] != ["v1"]:
                return 404, {}, _error("RESOURCE_UNKNOWN", "No such endpoint.")
            if method != "DELETE" and not headers.get("x-request-id"):
                return 400, {}, _error("FORMAT_ERROR", "X-Request-ID is missing.")
            if parts[1:2] == ["consents"]:
                return self._consents(method, parts[2:], headers, body)
            if parts[1:2] == ["accounts"] and method == "GET":
                return self._accounts(parts[2:], query, headers)
            return 405, {}, _error("SERVICE_INVALID", "Method not allowed.")

    def _consents(
        self, method: str, rest: list[str], headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        if not rest and method == "POST":
            try:
                request = json.loads(body or b"{}")
                valid_until = dt.date.fromisoformat(request["validUntil"])
                access = request["access"]
                frequency = int(request["frequencyPerDay"])
                recurring = bool(request["recurringIndicator"])
            except (ValueError, KeyError, TypeError):
                return 400, {}, _error("FORMAT_ERROR", "The consent request is malformed.")
            ibans = sorted(
                {
                    a["iban"]
                    for key in ("accounts", "balances", "transactions")
                    for a in access.get(key, [])
                }
            )
            decoupled = headers.get("tpp-redirect-preferred", "true").lower() == "false"
            consent = SimConsent(
                consent_id=f"CONSENT-{next(self._ids)}",
                ibans=ibans,
                valid_until=valid_until,
                frequency_per_day=frequency,
                recurring=recurring,
                decoupled=decoupled,
                redirect_uri=headers.get("tpp-redirect-uri", ""),
                authorisation_id=f"AUTH-{next(self._ids)}",
            )
            self.consents[consent.consent_id] = consent
            own = f"/v1/consents/{consent.consent_id}"
            links: dict[str, Any] = {
                "self": {"href": own},
                "status": {"href": f"{own}/status"},
                "scaStatus": {"href": f"{own}/authorisations/{consent.authorisation_id}"},
            }
            answer: dict[str, Any] = {
                "consentStatus": consent.status,
                "consentId": consent.consent_id,
                "_links": links,
            }
            if decoupled:
                answer["psuMessage"] = "Please confirm the access in your bank's app."
            else:
                links["scaRedirect"] = {"href": f"{self.base_url}/sca/{consent.consent_id}"}
            return 201, {"Location": own}, answer
        found = self.consents.get(rest[0]) if rest else None
        if found is None:
            return 404 if rest else 405, {}, _error("RESOURCE_UNKNOWN", "No such consent.")
        consent = found
        self._expire_if_due(consent)
        if method == "DELETE" and len(rest) == 1:
            consent.status = "terminatedByTpp"
            return 204, {}, None
        if method != "GET":
            return 405, {}, _error("SERVICE_INVALID", "Method not allowed.")
        if len(rest) == 1:
            return (
                200,
                {},
                {
                    "access": {"accounts": [{"iban": i} for i in consent.ibans]},
                    "recurringIndicator": consent.recurring,
                    "validUntil": consent.valid_until.isoformat(),
                    "frequencyPerDay": consent.frequency_per_day,
                    "lastActionDate": self.today.isoformat(),
                    "consentStatus": consent.status,
                },
            )
        if rest[1:] == ["status"]:
            return 200, {}, {"consentStatus": consent.status}
        if len(rest) == 3 and rest[1] == "authorisations" and rest[2] == consent.authorisation_id:
            if consent.decoupled and consent.sca_status == "received":
                consent.polls += 1
                if consent.polls >= self.decoupled_polls_needed:
                    self.approve(consent.consent_id)
            return 200, {}, {"scaStatus": consent.sca_status}
        return 404, {}, _error("RESOURCE_UNKNOWN", "No such resource.")

    def _sca_page(self, consent_id: str, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        consent = self.consents.get(consent_id)
        if consent is None:
            return 404, {}, _error("RESOURCE_UNKNOWN", "No such consent.")
        self.approve(consent_id, ok=query.get("result", "ok") == "ok")
        return 302, {"Location": consent.redirect_uri or "/"}, None

    def _expire_if_due(self, consent: SimConsent) -> None:
        if consent.status == "valid" and self.today > consent.valid_until:
            consent.status = "expired"

    def _check_consent(self, headers: dict[str, str]) -> tuple[SimConsent | None, Any]:
        consent = self.consents.get(headers.get("consent-id", ""))
        if consent is None:
            return None, (401, {}, _error("CONSENT_UNKNOWN", "The Consent-ID is unknown."))
        self._expire_if_due(consent)
        if consent.status == "expired":
            return None, (401, {}, _error("CONSENT_EXPIRED", "The consent has expired."))
        if consent.status != "valid":
            return None, (401, {}, _error("CONSENT_INVALID", f"The consent is {consent.status}."))
        if not headers.get("psu-ip-address"):  # unattended: count against the daily limit
            day = self.today.isoformat()
            consent.calls_today[day] = consent.calls_today.get(day, 0) + 1
            if consent.calls_today[day] > consent.frequency_per_day:
                return None, (429, {}, _error("ACCESS_EXCEEDED", "Daily access limit reached."))
        return consent, None

    def _accounts(
        self, rest: list[str], query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        # A paging link counts as the same access as its first page.
        consent: SimConsent | None
        if "page" not in query:
            consent, refusal = self._check_consent(headers)
            if refusal:
                return refusal
        else:
            consent = self.consents.get(headers.get("consent-id", ""))
            if consent is None or consent.status != "valid":
                return 401, {}, _error("CONSENT_INVALID", "The consent is not valid.")
        assert consent is not None
        visible = [
            a for a in self.accounts.values() if not consent.ibans or a.iban in consent.ibans
        ]
        if not rest:
            return (
                200,
                {},
                {
                    "accounts": [
                        {
                            "resourceId": a.resource_id,
                            "iban": a.iban,
                            "currency": a.currency,
                            "name": a.name,
                            "_links": {
                                "balances": {"href": f"/v1/accounts/{a.resource_id}/balances"},
                                "transactions": {
                                    "href": f"/v1/accounts/{a.resource_id}/transactions"
                                },
                            },
                        }
                        for a in visible
                    ]
                },
            )
        account = next((a for a in visible if a.resource_id == rest[0]), None)
        if account is None:
            return 404, {}, _error("RESOURCE_UNKNOWN", "No such account for this consent.")
        if rest[1:] == ["balances"]:
            amount = {"currency": account.currency, "amount": f"{account.balance:.2f}"}
            return (
                200,
                {},
                {
                    "account": {"iban": account.iban},
                    "balances": [
                        {
                            "balanceAmount": amount,
                            "balanceType": "closingBooked",
                            "referenceDate": self.today.isoformat(),
                        },
                        {"balanceAmount": amount, "balanceType": "interimAvailable"},
                    ],
                },
            )
        if rest[1:] == ["transactions"]:
            return self._transactions(account, query)
        return 404, {}, _error("RESOURCE_UNKNOWN", "No such resource.")

    def _transactions(
        self, account: SimAccount, query: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        status = query.get("bookingStatus", "")
        if status not in ("booked", "pending", "both"):
            return (
                400,
                {},
                _error("PARAMETER_NOT_SUPPORTED", "bookingStatus must be booked, pending or both."),
            )
        try:
            date_from = dt.date.fromisoformat(query["dateFrom"])
            date_to = dt.date.fromisoformat(query["dateTo"]) if "dateTo" in query else None
            page = int(query.get("page", "0"))
        except (KeyError, ValueError):
            return 400, {}, _error("FORMAT_ERROR", "dateFrom is missing or not a date.")

        def within(tx: dict[str, Any]) -> bool:
            day = dt.date.fromisoformat(tx.get("bookingDate") or tx["valueDate"])
            return day >= date_from and (date_to is None or day <= date_to)

        booked = [tx for tx in account.booked if within(tx)] if status != "pending" else []
        start, end = page * self.page_size, (page + 1) * self.page_size
        report: dict[str, Any] = {
            "_links": {"account": {"href": f"/v1/accounts/{account.resource_id}"}}
        }
        if status != "pending":
            report["booked"] = booked[start:end]
        if status != "booked" and page == 0:
            report["pending"] = list(account.pending)
        if end < len(booked):
            following = urllib.parse.urlencode(dict(query, page=str(page + 1)))
            report["_links"]["next"] = {
                "href": f"/v1/accounts/{account.resource_id}/transactions?{following}"
            }
        if self.break_schema:
            report["booked"] = [
                {k: v for k, v in tx.items() if k != "transactionAmount"}
                for tx in report.get("booked", [])
            ] or [{"bookingDate": "yesterday"}]
        return 200, {}, {"account": {"iban": account.iban}, "transactions": report}


def _error(code: str, text: str) -> dict[str, Any]:
    return {"tppMessages": [{"category": "ERROR", "code": code, "text": text}]}


def _handler(bank: SimulatedBank) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload = bank.handle(self.command, self.path, headers, body)
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
            return

    return Handler


# --------------------------------------------------------------------------- demo


def demo_bank(seed: int = 7, today: dt.date | None = None) -> SimulatedBank:
    """A bank with two accounts and a few weeks of Bulgarian-style transactions."""
    rng = random.Random(seed)
    bank = SimulatedBank(today=today)
    main = bank.add_account("BG80BNBG96611020345678", name="Разплащателна сметка", balance="25000")
    bank.add_account("BG18RZBB91550123456789", name="Спестовна сметка", balance="100000")
    payers = ["Алфа Трейд ООД", "Бета Строй ЕООД", "ЕТ Живко Щерев", "Гама Консулт АД"]
    for days in range(30, -1, -1):
        day = bank.today - dt.timedelta(days=days)
        for _ in range(rng.randrange(0, 4)):
            amount = Decimal(rng.randrange(5_000, 300_000)) / 100
            bank.add_transaction(
                main.iban,
                f"{amount:.2f}",
                booking_date=day,
                name=rng.choice(payers),
                counterparty_iban="BG16UNCR70000015201234",
                text=f"ф-ра {rng.randrange(1, 500)}",
            )
        if day.day == 25:
            bank.add_transaction(main.iban, "-12.50", booking_date=day, text="Такса обслужване")
    bank.add_transaction(main.iban, "480.00", booked=False, name=payers[0], text="ф-ра 501")
    return bank


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a simulated PSD2 bank on loopback.")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    bank = demo_bank()
    with bank.running(args.port):
        print(f"simulated bank at {bank.base_url} (Ctrl+C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

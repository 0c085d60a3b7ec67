"""A PSD2 account-information client (Berlin Group NextGenPSD2 1.3.x; shared/domain/banking.md).

One `BankConfig` per bank or licensed aggregator: base URL, client certificate (eIDAS QWAC or
the aggregator's), CA bundle, extra headers (API keys, the aggregator's tenant), timeouts,
retries. `PSD2Client(config)` then:

- creates a consent (`create_consent`: accounts or all accounts, validUntil, frequencyPerDay,
  recurring) with redirect SCA (the user opens `Consent.sca_redirect`) or decoupled SCA (the
  user approves in the bank's app; `wait_for_sca` polls), and reads its status;
- lists accounts and balances;
- fetches transactions (`transactions`, following `_links.next` pages) as `records.BankEntry`;
- syncs incrementally (`sync`): from the last booked date minus an overlap, booked and pending,
  leaving out booked entries it already delivered and pairing each pending entry the bank has
  since booked with its booked entry, so nothing is delivered twice.

Errors: `ConsentExpired` (401 CONSENT_EXPIRED — ask the user to renew), `ConsentInvalid`,
`AccessExceeded` (429, the unattended daily limit), `BankUnavailable` (5xx or no answer after
the retries, with exponential backoff), `SchemaError` (an answer that breaks the definition: the
message names the field), `PSD2Error` for the rest. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, TypeVar

from django.utils.translation import gettext as _
from pydantic import BaseModel, ValidationError

from xfinances.banking.psd2 import responses
from xfinances.banking.records import Balance, BankEntry, BookingStatus, Counterparty, Direction

Model = TypeVar("Model", bound=BaseModel)


class PSD2Error(Exception):
    """The bank refused or failed; `code` is its tppMessage code when it gave one."""

    def __init__(self, message: str, *, status: int = 0, code: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code


class ConsentExpired(PSD2Error):
    pass


class ConsentInvalid(PSD2Error):
    pass


class AccessExceeded(PSD2Error):
    pass


class BankUnavailable(PSD2Error):
    pass


class SchemaError(PSD2Error):
    pass


@dataclass(frozen=True)
class BankConfig:
    name: str
    base_url: str  # e.g. "https://api.bank.bg/psd2" (paths /v1/... are appended)
    client_cert: str | None = None  # PEM file with the certificate (and key, if no key file)
    client_key: str | None = None
    ca_file: str | None = None  # trust this CA bundle instead of the system's
    headers: Mapping[str, str] = field(default_factory=dict)  # API keys, aggregator tenant …
    timeout: float = 30.0
    max_retries: int = 3  # on 5xx and network errors
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    redirect_uri: str = "https://localhost/banking/connections/sca-done"
    psu_ip_address: str | None = None  # only when the user is present (no daily limit then)
    max_pages: int = 1000  # safety net against a bank whose `next` link never ends


@dataclass(frozen=True)
class Consent:
    consent_id: str
    status: str  # received | valid | rejected | expired | revokedByPsu | terminatedByTpp …
    sca_redirect: str = ""  # redirect SCA: where the user approves
    sca_status_url: str = ""  # decoupled SCA: poll this
    psu_message: str = ""
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class Account:
    resource_id: str
    iban: str
    currency: str
    name: str = ""


@dataclass(frozen=True)
class AccountBalance:
    type: str  # closingBooked, interimAvailable, expected …
    balance: Balance


@dataclass(frozen=True)
class SyncState:
    """What earlier syncs of one account delivered (kept by the caller between syncs)."""

    last_booked: dt.date | None = None
    booked_ids: frozenset[str] = frozenset()  # ids of booked entries already delivered
    pending: tuple[BankEntry, ...] = ()  # pending entries delivered and not yet booked


@dataclass(frozen=True)
class SyncResult:
    booked: tuple[BankEntry, ...]  # new booked entries (including upgraded pending ones)
    pending: tuple[BankEntry, ...]  # pending entries now (replace the earlier ones)
    upgraded: tuple[tuple[BankEntry, BankEntry], ...]  # (earlier pending, its booked entry)
    state: SyncState


# --------------------------------------------------------------------------- mapping


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise SchemaError(_("The bank sent %(value)r where a date belongs.") % {"value": value})


def to_entry(
    tx: responses.Transaction, status: BookingStatus, *, today: dt.date, index: int = 0
) -> BankEntry:
    """A Berlin Group transaction as the normalised bank entry."""
    signed = tx.transactionAmount.amount
    direction = Direction.CREDIT if signed >= 0 else Direction.DEBIT
    if direction is Direction.CREDIT:
        name, account = tx.debtorName, tx.debtorAccount
    else:
        name, account = tx.creditorName, tx.creditorAccount
    structured = tx.remittanceInformationStructured
    reference = (
        structured.reference
        if isinstance(structured, responses.StructuredRemittance)
        else (structured or "")
    )
    texts = [
        tx.remittanceInformationUnstructured or "",
        *(tx.remittanceInformationUnstructuredArray or []),
    ]
    booking = _date(tx.bookingDate) or _date(tx.valueDate) or today
    raw = {
        key: str(value)
        for key, value in tx.model_dump(mode="json", by_alias=True, exclude_none=True).items()
        if not isinstance(value, dict | list)
    }
    raw["bookingStatus"] = status.value
    return BankEntry(
        amount=abs(signed),
        currency=tx.transactionAmount.currency,
        direction=direction,
        booking_date=booking,
        value_date=_date(tx.valueDate),
        status=status,
        bank_id=tx.transactionId or tx.entryReference or "",
        end_to_end_id=tx.endToEndId if tx.endToEndId and tx.endToEndId != "NOTPROVIDED" else "",
        reference=reference,
        text=" ".join(t.strip() for t in texts if t and t.strip()),
        counterparty=Counterparty(name=name or "", iban=(account.iban or "") if account else ""),
        bank_code=tx.bankTransactionCode or tx.proprietaryBankTransactionCode or "",
        source_line=f"{status.value}[{index}]",
        raw=raw,
    )


def fingerprint(entry: BankEntry) -> tuple[object, ...]:
    """What a pending entry and its later booked entry share when the bank gives the pending
    one no id: amount, direction, currency, counterparty account and text."""
    return (
        entry.amount,
        entry.direction,
        entry.currency,
        entry.counterparty.iban,
        " ".join(entry.text.split()).lower(),
    )


def merge(
    state: SyncState, booked: Iterable[BankEntry], pending: Iterable[BankEntry]
) -> SyncResult:
    """Fold one fetch into the state: new booked entries only, pending entries paired with
    the booked entries they became (by id, else by fingerprint, each used once)."""
    new_booked = []
    seen = set(state.booked_ids)
    occurrences: dict[str, int] = {}
    for entry in booked:
        key = entry.bank_id
        if not key:
            # No id: a fingerprint plus its occurrence in this fetch, so two identical
            # payments on one day both survive while a refetch of the same day adds nothing.
            base = f"fp:{fingerprint(entry)!r}:{entry.booking_date.isoformat()}"
            occurrences[base] = occurrences.get(base, 0) + 1
            key = f"{base}#{occurrences[base]}"
        if key in seen:
            continue
        seen.add(key)
        new_booked.append(entry)
    upgraded = []
    unclaimed = list(new_booked)
    for earlier in state.pending:
        match = next(
            (c for c in unclaimed if earlier.bank_id and c.bank_id == earlier.bank_id), None
        ) or next((c for c in unclaimed if fingerprint(c) == fingerprint(earlier)), None)
        if match is not None:
            unclaimed.remove(match)
            upgraded.append((earlier, match))
    pending_now = tuple(pending)
    last = max((e.booking_date for e in new_booked), default=state.last_booked)
    if state.last_booked and last and last < state.last_booked:
        last = state.last_booked
    return SyncResult(
        booked=tuple(new_booked),
        pending=pending_now,
        upgraded=tuple(upgraded),
        state=SyncState(last_booked=last, booked_ids=frozenset(seen), pending=pending_now),
    )


# --------------------------------------------------------------------------- the client


class PSD2Client:
    def __init__(
        self,
        config: BankConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        today: Callable[[], dt.date] = dt.date.today,
    ):
        self.config = config
        self._sleep = sleep
        self._today = today
        self._context = self._ssl_context()

    def _ssl_context(self) -> ssl.SSLContext | None:
        config = self.config
        if not config.base_url.startswith("https://"):
            return None
        context = ssl.create_default_context(cafile=config.ca_file)
        if config.client_cert:
            context.load_cert_chain(config.client_cert, config.client_key)
        return context

    # ----------------------------------------------------------------- transport

    def _url(self, path: str, query: Mapping[str, str] | None = None) -> str:
        if path.startswith(("http://", "https://")):
            url = path
        else:
            base = self.config.base_url.rstrip("/")
            parsed_base = urllib.parse.urlsplit(base)
            # `_links` hrefs are absolute paths on the bank's host, often with the base path.
            if parsed_base.path and path.startswith(parsed_base.path + "/"):
                url = f"{parsed_base.scheme}://{parsed_base.netloc}{path}"
            else:
                url = base + path
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
        if not url.startswith(("http://", "https://")):
            raise PSD2Error(_("The bank's address must start with https://."))
        return url

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        consent_id: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        all_headers = {
            "Accept": "application/json",
            **self.config.headers,
            **(headers or {}),
            "X-Request-ID": str(uuid.uuid4()),
        }
        if consent_id:
            all_headers["Consent-ID"] = consent_id
        if self.config.psu_ip_address:
            all_headers["PSU-IP-Address"] = self.config.psu_ip_address
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        url = self._url(path, query)
        delay = self.config.backoff
        for attempt in range(self.config.max_retries + 1):
            request = urllib.request.Request(  # noqa: S310 (_url allows http(s) only)
                url, data=data, method=method, headers=all_headers
            )
            try:
                with urllib.request.urlopen(  # noqa: S310 (the URL is the configured bank's)
                    request, timeout=self.config.timeout, context=self._context
                ) as answer:
                    payload = answer.read()
                    return json.loads(payload) if payload else {}
            except urllib.error.HTTPError as error:
                payload = error.read()
                if error.code >= 500 and attempt < self.config.max_retries:
                    self._sleep(delay)
                    delay *= 2
                    continue
                raise self._error(error.code, payload) from None
            except OSError as error:  # no connection, timeout, TLS refused (URLError too)
                if attempt < self.config.max_retries:
                    self._sleep(delay)
                    delay *= 2
                    continue
                raise BankUnavailable(
                    _("The bank %(bank)s does not answer: %(error)s")
                    % {"bank": self.config.name, "error": getattr(error, "reason", error)}
                ) from None
            except (json.JSONDecodeError, UnicodeDecodeError):  # not JSON, or not even text
                raise SchemaError(
                    _("The bank %(bank)s answered something that is not JSON.")
                    % {"bank": self.config.name}
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, status: int, payload: bytes) -> PSD2Error:
        try:
            body = responses.ErrorBody.model_validate_json(payload or b"{}")
            messages = body.tppMessages
        except ValidationError:
            messages = []
        code = messages[0].code if messages else ""
        text = "; ".join(m.text or m.code for m in messages) or f"HTTP {status}"
        bank = self.config.name
        if status == 401 and code == "CONSENT_EXPIRED":
            return ConsentExpired(
                _("The consent for %(bank)s has expired; renew the connection.") % {"bank": bank},
                status=status,
                code=code,
            )
        if status == 401 and code.startswith("CONSENT"):
            return ConsentInvalid(
                _("The consent for %(bank)s is not valid: %(text)s") % {"bank": bank, "text": text},
                status=status,
                code=code,
            )
        if status == 429:
            return AccessExceeded(
                _("%(bank)s allows no more unattended calls today.") % {"bank": bank},
                status=status,
                code=code,
            )
        if status >= 500:
            return BankUnavailable(
                _("The bank %(bank)s is unavailable (HTTP %(status)s): %(text)s")
                % {"bank": bank, "status": status, "text": text},
                status=status,
                code=code,
            )
        return PSD2Error(
            _("The bank %(bank)s refused the request (HTTP %(status)s): %(text)s")
            % {"bank": bank, "status": status, "text": text},
            status=status,
            code=code,
        )

    def _parse(self, model: type[Model], payload: Any, what: str) -> Model:
        try:
            return model.model_validate(payload)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(root)"
            raise SchemaError(
                _(
                    "The bank %(bank)s sent %(what)s that breaks the PSD2 definition "
                    "at %(where)s: %(problem)s"
                )
                % {"bank": self.config.name, "what": what, "where": where, "problem": first["msg"]}
            ) from None

    # ----------------------------------------------------------------- consents

    def create_consent(
        self,
        *,
        ibans: Iterable[str] = (),
        valid_until: dt.date,
        frequency_per_day: int = 4,
        recurring: bool = True,
        decoupled: bool = False,
        psu_id: str = "",
    ) -> Consent:
        ibans = list(ibans)
        if ibans:
            refs = [{"iban": i} for i in ibans]
            access: dict[str, Any] = {"accounts": refs, "balances": refs, "transactions": refs}
        else:
            access = {"availableAccounts": "allAccounts"}
        headers = {"TPP-Redirect-URI": self.config.redirect_uri}
        headers["TPP-Redirect-Preferred"] = "false" if decoupled else "true"
        if decoupled:
            headers["TPP-Decoupled-Preferred"] = "true"
        if psu_id:
            headers["PSU-ID"] = psu_id
        payload = self._request(
            "POST",
            "/v1/consents",
            body={
                "access": access,
                "recurringIndicator": recurring,
                "validUntil": valid_until.isoformat(),
                "frequencyPerDay": frequency_per_day,
                "combinedServiceIndicator": False,
            },
            headers=headers,
        )
        created = self._parse(responses.ConsentCreated, payload, _("a consent answer"))
        links = created.links
        return Consent(
            consent_id=created.consentId,
            status=created.consentStatus,
            sca_redirect=links["scaRedirect"].href if "scaRedirect" in links else "",
            sca_status_url=links["scaStatus"].href if "scaStatus" in links else "",
            psu_message=created.psuMessage or "",
            valid_until=valid_until,
        )

    def consent_status(self, consent_id: str) -> str:
        path = f"/v1/consents/{urllib.parse.quote(consent_id)}/status"
        payload = self._request("GET", path)
        answer = self._parse(responses.ConsentStatus, payload, _("a consent status answer"))
        return answer.consentStatus

    def sca_status(self, consent: Consent) -> str:
        if not consent.sca_status_url:
            raise PSD2Error(_("The bank gave no SCA status link for this consent."))
        payload = self._request("GET", consent.sca_status_url)
        return self._parse(responses.ScaStatus, payload, _("an SCA status answer")).scaStatus

    def wait_for_sca(
        self, consent: Consent, *, timeout: float = 300, interval: float = 2
    ) -> Consent:
        """Decoupled SCA: poll until the user approved (or refused) in the bank's app; the
        consent with its new status."""
        deadline = time.monotonic() + timeout
        while True:
            sca = self.sca_status(consent)
            if sca in ("finalised", "failed", "exempted"):
                return replace(consent, status=self.consent_status(consent.consent_id))
            if time.monotonic() >= deadline:
                return replace(consent, status=self.consent_status(consent.consent_id))
            self._sleep(interval)

    def delete_consent(self, consent_id: str) -> None:
        self._request("DELETE", f"/v1/consents/{urllib.parse.quote(consent_id)}")

    # ----------------------------------------------------------------- accounts

    def accounts(self, consent_id: str) -> list[Account]:
        payload = self._request("GET", "/v1/accounts", consent_id=consent_id)
        listed = self._parse(responses.AccountList, payload, _("an account list answer"))
        return [
            Account(
                resource_id=a.resourceId or "",
                iban=a.iban or "",
                currency=a.currency,
                name=a.name or a.product or "",
            )
            for a in listed.accounts
        ]

    def balances(self, consent_id: str, account_id: str) -> list[AccountBalance]:
        path = f"/v1/accounts/{urllib.parse.quote(account_id)}/balances"
        payload = self._request("GET", path, consent_id=consent_id)
        parsed = self._parse(responses.Balances, payload, _("a balances answer"))
        today = self._today()
        return [
            AccountBalance(
                type=b.balanceType,
                balance=Balance(
                    amount=b.balanceAmount.amount,
                    currency=b.balanceAmount.currency,
                    date=_date(b.referenceDate) or today,
                ),
            )
            for b in parsed.balances
        ]

    def transactions(
        self,
        consent_id: str,
        account_id: str,
        *,
        date_from: dt.date,
        date_to: dt.date | None = None,
        booking_status: str = "both",
    ) -> tuple[list[BankEntry], list[BankEntry]]:
        """(booked, pending) entries from `date_from`, following every `_links.next` page."""
        query = {"bookingStatus": booking_status, "dateFrom": date_from.isoformat()}
        if date_to:
            query["dateTo"] = date_to.isoformat()
        path: str = f"/v1/accounts/{urllib.parse.quote(account_id)}/transactions"
        booked: list[BankEntry] = []
        pending: list[BankEntry] = []
        today = self._today()
        pages = 0
        next_query: Mapping[str, str] | None = query
        while True:
            payload = self._request("GET", path, query=next_query, consent_id=consent_id)
            report = self._parse(responses.TransactionsResponse, payload, _("a transactions page"))
            for tx in report.transactions.booked or ():
                booked.append(to_entry(tx, BookingStatus.BOOKED, today=today, index=len(booked)))
            for tx in report.transactions.pending or ():
                pending.append(to_entry(tx, BookingStatus.PENDING, today=today, index=len(pending)))
            following = report.transactions.links.get("next")
            pages += 1
            if following is None:
                return booked, pending
            if pages >= self.config.max_pages:
                raise SchemaError(
                    _("The bank %(bank)s keeps sending more pages (over %(pages)s).")
                    % {"bank": self.config.name, "pages": self.config.max_pages}
                )
            path, next_query = following.href, None

    def sync(
        self,
        consent_id: str,
        account_id: str,
        state: SyncState,
        *,
        first_day: dt.date,
        overlap_days: int = 3,
    ) -> SyncResult:
        """One incremental fetch: from the last booked day minus `overlap_days` (late bookings
        with an earlier booking date), or `first_day` on the first sync."""
        since = first_day
        if state.last_booked is not None:
            since = max(first_day, state.last_booked - dt.timedelta(days=overlap_days))
        booked, pending = self.transactions(consent_id, account_id, date_from=since)
        return merge(state, booked, pending)


def amount_text(value: Decimal) -> str:
    """An amount as the definition writes it ("-12.30")."""
    return f"{value:.2f}"


# --------------------------------------------------------------------------- scheduling


def renewal_due(valid_until: dt.date | None, today: dt.date, *, warn_days: int = 14) -> bool:
    """Whether to warn the owner that the consent must be renewed (it ends within
    `warn_days`, or has ended)."""
    return valid_until is not None and (valid_until - today).days <= warn_days


def sync_schedule(
    frequency_per_day: int, *, first: dt.time = dt.time(6, 0), last: dt.time = dt.time(22, 0)
) -> list[dt.time]:
    """When to sync unattended in a day: spread between `first` and `last`, using one call
    fewer than the bank allows (a retry after an outage must still fit in the day's limit)."""
    runs = max(1, frequency_per_day - 1)
    start = first.hour * 60 + first.minute
    end = last.hour * 60 + last.minute
    if runs == 1:
        return [first]
    step = (end - start) / (runs - 1)
    minutes = [round(start + k * step) for k in range(runs)]
    return [dt.time(m // 60, m % 60) for m in minutes]

"""ISO 20022 camt.052 / camt.053 / camt.054 reader: bytes in, statement events out.

Elements are matched by local name under whatever camt namespace the root declares, so one
reader takes the versions .02 to .13 (shared/domain/banking.md). The file is read with lxml
`iterparse` and every `Ntry` is dropped as soon as it has been turned into records, so a
100,000-entry statement never sits whole in memory. The parser resolves no entities, loads no
DTD, touches no network and keeps lxml's limits on huge text nodes; a file with a DOCTYPE is
refused outright (entity expansion, external entities).

Pure: no database, no Django models.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO

from django.utils.translation import gettext_noop as N_
from lxml import etree

from xfinances.banking.records import (
    Balance,
    BankEntry,
    BookingStatus,
    Counterparty,
    Direction,
    StatementBegin,
    StatementEnd,
    StatementError,
    StatementEvent,
    StatementHeader,
    checked_amount,
)

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.001\.(\d{2})$")
# The statement-like element of each message: statement, account report, notification.
STATEMENT_TAGS = {"Stmt", "Rpt", "Ntfctn"}
OPENING_CODES = ("OPBD", "PRCD")
CLOSING_CODES = ("CLBD",)
SUPPORTED_VERSIONS = range(2, 14)


def message_format(namespace: str) -> str:
    """`camt.053.001.08` for a camt namespace we read; raises StatementError otherwise."""
    match = NAMESPACE.match(namespace or "")
    if not match:
        raise StatementError(
            N_("not a camt.052/053/054 statement (namespace %(namespace)s)"),
            "Document",
            namespace=repr(namespace or "missing"),
        )
    version = int(match.group(2))
    if version not in SUPPORTED_VERSIONS:
        raise StatementError(
            N_("camt version .%(version)s is not supported (.02 to .13 are)"),
            "Document",
            version=match.group(2),
        )
    return f"{match.group(1)}.001.{match.group(2)}"


class _Paths:
    """Namespaced lxml paths built once per file from plain slash-separated local names."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        found = self._cache.get(path)
        if found is None:
            if self.ns:
                found = "/".join(f"{{{self.ns}}}{part}" for part in path.split("/"))
            else:
                found = path
            self._cache[path] = found
        return found

    def text(self, element: etree._Element, path: str) -> str:
        value = element.findtext(self(path))
        return value.strip() if value else ""

    def first_text(self, element: etree._Element, *paths: str) -> str:
        for path in paths:
            value = self.text(element, path)
            if value:
                return value
        return ""


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _where(element: etree._Element, label: str) -> str:
    line = element.sourceline
    return f"line {line} ({label})" if line else label


NOT_A_NUMBER = N_("the %(what)s %(value)s is not a number")


def _decimal(value: str, where: str, what: str = N_("amount")) -> Decimal:
    try:
        amount = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise StatementError(NOT_A_NUMBER, where, what=what, value=repr(value)) from None
    return checked_amount(amount, value, where, what)


def _date(value: str, where: str, what: str = N_("date")) -> dt.date:
    text = value.strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise StatementError(
            N_("the %(what)s %(value)s is not a date"), where, what=what, value=repr(value)
        ) from None


class _StatementReader:
    def __init__(self, paths: _Paths, fmt: str, message_id: str, page: str) -> None:
        self.p = paths
        self.format = fmt
        self.message_id = message_id
        self.page = page

    def header(self, stmt: etree._Element, label: str) -> StatementHeader:
        p = self.p
        where = _where(stmt, label)
        iban = p.first_text(stmt, "Acct/Id/IBAN", "Acct/Id/Othr/Id").replace(" ", "").upper()
        if not iban:
            raise StatementError(N_("the statement names no account (Acct/Id)"), where)
        currency = p.text(stmt, "Acct/Ccy").upper()
        opening = closing = None
        for bal in stmt.iterfind(p("Bal")):
            code = p.first_text(bal, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
            amount_el = bal.find(p("Amt"))
            if amount_el is None:
                raise StatementError(N_("a balance without an amount"), _where(bal, "Bal/Amt"))
            amount = _decimal(amount_el.text or "", _where(amount_el, "Bal/Amt"))
            if p.text(bal, "CdtDbtInd") == "DBIT":
                amount = -amount
            day_text = p.first_text(bal, "Dt/Dt", "Dt/DtTm")
            day = _date(day_text, _where(bal, "Bal/Dt")) if day_text else None
            ccy = (amount_el.get("Ccy") or currency).upper()
            currency = currency or ccy
            balance = Balance(amount, ccy, day) if day else None
            if balance is None:
                continue
            if code in OPENING_CODES and (opening is None or code == "OPBD"):
                opening = balance
            elif code in CLOSING_CODES:
                closing = balance
        count_text = p.text(stmt, "TxsSummry/TtlNtries/NbOfNtries")
        date_from = p.first_text(stmt, "FrToDt/FrDtTm", "FrToDt/FrDt")
        date_to = p.first_text(stmt, "FrToDt/ToDtTm", "FrToDt/ToDt")
        return StatementHeader(
            account_iban=iban,
            currency=currency,
            statement_id=p.text(stmt, "Id"),
            sequence=p.first_text(stmt, "ElctrncSeqNb", "LglSeqNb"),
            opening=opening,
            closing=closing,
            date_from=_date(date_from, where) if date_from else None,
            date_to=_date(date_to, where) if date_to else None,
            format=self.format,
            message_id=self.message_id,
            page=self.page,
            bank_bic=p.first_text(stmt, "Acct/Svcr/FinInstnId/BIC", "Acct/Svcr/FinInstnId/BICFI"),
            entry_count=int(count_text) if count_text.isdigit() else None,
            source_line=where,
        )

    def flat(self, element: etree._Element, skip: str = "") -> dict[str, str]:
        """Every leaf under `element` by its local path ("RltdPties/Dbtr/Nm" → text), in one
        walk (much cheaper than a lookup per field); repeated `Ustrd` lines are joined, an
        `Amt`'s currency is kept as "…/Amt@Ccy". `skip` names a child not to descend into."""
        cut = len(self.p.ns) + 2 if self.p.ns else 0
        out: dict[str, str] = {}

        def walk(node: etree._Element, prefix: str) -> None:
            for child in node:
                tag = child.tag
                if not isinstance(tag, str):
                    continue
                name = tag[cut:]
                if name == skip and not prefix:
                    continue
                path = prefix + name
                if len(child):
                    walk(child, path + "/")
                    continue
                text = (child.text or "").strip()
                if path in out:
                    if name == "Ustrd" and text:
                        out[path] = f"{out[path]} {text}"
                    continue
                out[path] = text
                if name == "Amt":
                    out[path + "@Ccy"] = child.get("Ccy") or ""

        walk(element, "")
        return out

    def entries(self, ntry: etree._Element, index: int, currency: str) -> Iterator[BankEntry]:
        label = f"Ntry[{index}]"
        where = _where(ntry, label)
        f = self.flat(ntry, skip="NtryDtls")
        amount_text = f.get("Amt", "")
        if not amount_text:
            raise StatementError(N_("the entry has no amount (Amt)"), where)
        total = _decimal(amount_text, where)
        entry_currency = (f.get("Amt@Ccy") or currency).upper()
        indicator = f.get("CdtDbtInd", "")
        if indicator not in ("CRDT", "DBIT"):
            raise StatementError(
                N_("CdtDbtInd must be CRDT or DBIT, not %(value)s"), where, value=repr(indicator)
            )
        direction = Direction.CREDIT if indicator == "CRDT" else Direction.DEBIT
        reversal = f.get("RvslInd", "").lower() in ("true", "1")
        status_text = _first(f, "Sts/Cd", "Sts", "Sts/Prtry").upper()
        status = BookingStatus.PENDING if status_text in ("PDNG", "INFO") else BookingStatus.BOOKED
        booked = _first(f, "BookgDt/Dt", "BookgDt/DtTm")
        value = _first(f, "ValDt/Dt", "ValDt/DtTm")
        if not booked and not value:
            raise StatementError(N_("the entry has no booking date (BookgDt)"), where)
        booking_date = _date(booked or value, where, N_("booking date"))
        value_date = _date(value, where, N_("value date")) if value else None
        entry_ref = f.get("AcctSvcrRef", "")
        bank_code = _first(f, "BkTxCd/Domn/Fmly/SubFmlyCd", "BkTxCd/Prtry/Cd", "BkTxCd/Domn/Cd")
        entry_text = f.get("AddtlNtryInf", "")
        container = ntry.find(self.p("NtryDtls"))
        details: list[etree._Element] = (
            [] if container is None else container.findall(self.p("TxDtls"))
        )
        flats = [self.flat(d) for d in details]
        many = len(details) > 1
        amounts: list[Decimal | None] = []
        if many:
            amounts = [
                self._detail_amount(fd, d, index, i)
                for i, (fd, d) in enumerate(zip(flats, details, strict=True), 1)
            ]
            if any(a is None for a in amounts):
                first = next(i for i, a in enumerate(amounts, 1) if a is None)
                raise StatementError(
                    N_("a batch detail has no amount of its own"),
                    _where(details[first - 1], f"{label}/TxDtls[{first}]"),
                )
            if sum(a for a in amounts if a is not None) != total:
                raise StatementError(
                    N_("the batch details add up to %(sum)s, not to the entry's %(total)s"),
                    where,
                    sum=str(sum(a for a in amounts if a is not None)),
                    total=str(total),
                )
        for i in range(max(len(details), 1)):
            amount = total
            detail_where = where
            if many:
                amount = amounts[i] or total
                detail_where = _where(details[i], f"{label}/TxDtls[{i + 1}]")
            elif details:
                detail_where = _where(details[0], label)
            if amount <= 0:
                if amount == 0:
                    continue  # an informational zero line moves no money
                raise StatementError(N_("a negative amount; the sign is CdtDbtInd"), where)
            yield self._entry(
                flats[i] if details else None,
                amount=amount,
                currency=entry_currency,
                direction=direction,
                reversal=reversal,
                status=status,
                booking_date=booking_date,
                value_date=value_date,
                entry_ref=entry_ref,
                detail_index=i + 1 if many else 0,
                bank_code=bank_code,
                entry_text=entry_text,
                where=detail_where,
            )

    def _detail_amount(
        self, fd: dict[str, str], detail: etree._Element, index: int, i: int
    ) -> Decimal | None:
        for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
            text = fd.get(path, "")
            if text:
                return _decimal(text, _where(detail, f"Ntry[{index}]/TxDtls[{i}]/{path}"))
        return None

    def _entry(
        self,
        detail: dict[str, str] | None,
        *,
        amount: Decimal,
        currency: str,
        direction: Direction,
        reversal: bool,
        status: BookingStatus,
        booking_date: dt.date,
        value_date: dt.date | None,
        entry_ref: str,
        detail_index: int,
        bank_code: str,
        entry_text: str,
        where: str,
    ) -> BankEntry:
        end_to_end = tx_ref = detail_ref = reference = text = ""
        name = iban = bic = return_code = ""
        if detail is not None:
            get = detail.get
            end_to_end = get("Refs/EndToEndId", "")
            if end_to_end.upper() == "NOTPROVIDED":
                end_to_end = ""
            tx_ref = get("Refs/TxId") or get("Refs/UETR", "")
            detail_ref = get("Refs/AcctSvcrRef", "")
            reference = get("RmtInf/Strd/CdtrRefInf/Ref", "")
            text = get("RmtInf/Ustrd", "")
            # The other side: the debtor of money in, the creditor of money out (a reversal
            # turns the roles around only in the bank's bookkeeping, not in the file).
            side = "Dbtr" if direction == Direction.CREDIT else "Cdtr"
            name = get(f"RltdPties/{side}/Nm") or get(f"RltdPties/{side}/Pty/Nm", "")
            iban = get(f"RltdPties/{side}Acct/Id/IBAN") or get(
                f"RltdPties/{side}Acct/Id/Othr/Id", ""
            )
            bic = get(f"RltdAgts/{side}Agt/FinInstnId/BIC") or get(
                f"RltdAgts/{side}Agt/FinInstnId/BICFI", ""
            )
            return_code = get("RtrInf/Rsn/Cd", "")
            text = text or get("AddtlTxInf", "")
        text = text or entry_text
        if entry_ref:
            bank_id = f"{entry_ref}/{detail_index}" if detail_index else entry_ref
        else:
            bank_id = detail_ref
        raw = {
            k: v
            for k, v in (
                ("acct_svcr_ref", entry_ref),
                ("tx_acct_svcr_ref", detail_ref),
                ("tx_id", tx_ref),
                ("return_reason", return_code),
                ("format", self.format),
            )
            if v
        }
        return BankEntry(
            amount=amount,
            currency=currency,
            direction=direction,
            booking_date=booking_date,
            value_date=value_date,
            status=status,
            bank_id=bank_id,
            end_to_end_id=end_to_end,
            reference=reference.replace(" ", ""),
            text=" ".join(text.split()),
            counterparty=Counterparty(
                name=" ".join(name.split()), iban=iban.replace(" ", "").upper(), bic=bic
            ),
            bank_code=bank_code,
            reversal=reversal,
            source_line=where,
            raw=raw,
        )


def _first(flat: dict[str, str], *paths: str) -> str:
    for path in paths:
        value = flat.get(path)
        if value:
            return value
    return ""


def _refuse_doctype(tree: etree._ElementTree) -> None:
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise StatementError(
            N_("a DOCTYPE is not allowed in a statement (entity attack?)"), "line 1"
        )


# Only these elements raise parser events (the rest is built and dropped with its entry).
EVENT_TAGS = ("{*}Document", "{*}GrpHdr", "{*}Stmt", "{*}Rpt", "{*}Ntfctn", "{*}Ntry")


def read(source: IO[bytes]) -> Iterator[StatementEvent]:
    """Statement events of a camt file, in file order. Raises StatementError naming the line."""
    context = etree.iterparse(
        source,
        events=("start", "end"),
        tag=EVENT_TAGS,
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    root: etree._Element | None = None
    paths: _Paths | None = None
    fmt = ""
    reader: _StatementReader | None = None
    message_id = page = ""
    current: etree._Element | None = None  # the statement being read
    stmt_header: StatementHeader | None = None
    stmt_label = ""
    statements = 0
    entries = 0
    try:
        for event, element in context:
            tag = element.tag
            local = _local(tag)
            if event == "start":
                if root is None:
                    if local != "Document" or element.getparent() is not None:
                        continue  # not at the root: told apart after the loop
                    _refuse_doctype(element.getroottree())
                    root = element
                    fmt = message_format(tag[1:].partition("}")[0] if tag.startswith("{") else "")
                    paths = _Paths(tag[1:].partition("}")[0] if tag.startswith("{") else "")
                elif local in STATEMENT_TAGS and _grandchild_of(element, root):
                    assert paths is not None
                    if reader is None:
                        reader = _StatementReader(paths, fmt, message_id, page)
                    statements += 1
                    stmt_label = f"{local}[{statements}]"
                    current, stmt_header, entries = element, None, 0
                continue
            if current is not None and local == "Ntry" and element.getparent() is current:
                assert reader is not None
                if stmt_header is None:
                    stmt_header = reader.header(current, stmt_label)
                    yield StatementBegin(stmt_header)
                entries += 1
                yield from reader.entries(element, entries, stmt_header.currency)
                element.clear()
                current.remove(element)
            elif element is current and reader is not None:
                if stmt_header is None:
                    stmt_header = reader.header(element, stmt_label)
                    yield StatementBegin(stmt_header)
                # Read again: only the entries were dropped, and a balance may follow them.
                yield StatementEnd(reader.header(element, stmt_label))
                element.clear()
                parent = element.getparent()
                if parent is not None:
                    parent.remove(element)
                current = None
            elif local == "GrpHdr" and paths is not None and _grandchild_of(element, root):
                message_id = paths.text(element, "MsgId")
                page = paths.text(element, "MsgPgntn/PgNb")
                element.clear()
    except etree.XMLSyntaxError as error:
        line = error.lineno or (error.position[0] if error.position else 0)
        message = (error.msg or str(error)).split(", line ")[0]
        raise StatementError(
            N_("the XML is broken: %(error)s"), f"line {line}", error=message
        ) from None
    if root is None:
        found = context.root
        if found is None:
            raise StatementError(N_("the file is empty"), "line 1")
        _refuse_doctype(found.getroottree())
        raise StatementError(
            N_("not a camt statement (the root element is %(root)s)"),
            "line 1",
            root=repr(_local(found.tag)),
        )


def _grandchild_of(element: etree._Element, root: etree._Element | None) -> bool:
    parent = element.getparent()
    return parent is not None and parent.getparent() is root

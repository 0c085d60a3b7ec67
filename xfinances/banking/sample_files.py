"""Bulgarian-style statement files written from plain rows, for tests, the demo and `make bench`.

`camt053(...)` and `mt940(...)` write what a Bulgarian bank sends (Cyrillic names, BG IBANs,
RF references, invoice numbers written in many ways); both stream to a binary file so the
benchmark can write 100,000 entries without holding them. Pure: no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Row:
    """One transaction to write. `amount` signed: > 0 money in."""

    day: dt.date
    amount: Decimal
    name: str = ""
    iban: str = ""
    text: str = ""
    reference: str = ""
    end_to_end_id: str = ""
    bank_id: str = ""
    reversal: bool = False


def _camt_amount(value: Decimal) -> str:
    return f"{abs(value):.2f}"


def camt053(
    out: IO[bytes],
    *,
    iban: str,
    rows: Iterable[Row],
    opening: Decimal,
    closing: Decimal | None = None,
    currency: str = "EUR",
    date_from: dt.date,
    date_to: dt.date,
    version: str = "08",
    statement_id: str = "STMT-1",
    sequence: int = 1,
) -> Decimal:
    """Write one camt.053 statement; returns the closing balance (computed when not given)."""
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"
    status = "<Sts><Cd>BOOK</Cd></Sts>" if int(version) >= 8 else "<Sts>BOOK</Sts>"
    name_tag = "<Pty><Nm>{}</Nm></Pty>" if int(version) >= 8 else "<Nm>{}</Nm>"

    def balance(code: str, amount: Decimal, day: dt.date) -> str:
        sign = "CRDT" if amount >= 0 else "DBIT"
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
            f'<Amt Ccy="{currency}">{_camt_amount(amount)}</Amt><CdtDbtInd>{sign}</CdtDbtInd>'
            f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
        )

    out.write(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{ns}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>{date_to.isoformat()}T18:00:00"
        f"</CreDtTm></GrpHdr>\n<Stmt><Id>{statement_id}</Id><ElctrncSeqNb>{sequence}"
        f"</ElctrncSeqNb><FrToDt><FrDtTm>{date_from.isoformat()}T00:00:00</FrDtTm><ToDtTm>"
        f"{date_to.isoformat()}T23:59:59</ToDtTm></FrToDt><Acct><Id><IBAN>{iban}</IBAN></Id>"
        f"<Ccy>{currency}</Ccy></Acct>{balance('OPBD', opening, date_from)}\n".encode()
    )
    total = opening
    # The closing balance comes before the entries in camt; when it is not given it is
    # written after them as a second CLBD, which the reader takes (the last one wins).
    if closing is not None:
        out.write(balance("CLBD", closing, date_to).encode())
    for row in rows:
        total += row.amount
        indicator = "CRDT" if row.amount > 0 else "DBIT"
        side = "Dbtr" if row.amount > 0 else "Cdtr"
        party = name_tag.format(escape(row.name)) if row.name else ""
        account = f"<{side}Acct><Id><IBAN>{row.iban}</IBAN></Id></{side}Acct>" if row.iban else ""
        remittance = f"<Ustrd>{escape(row.text)}</Ustrd>" if row.text else ""
        if row.reference:
            remittance += (
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
                f"<Ref>{row.reference}</Ref></CdtrRefInf></Strd>"
            )
        refs = f"<EndToEndId>{escape(row.end_to_end_id or 'NOTPROVIDED')}</EndToEndId>"
        bank_ref = f"<AcctSvcrRef>{escape(row.bank_id)}</AcctSvcrRef>" if row.bank_id else ""
        out.write(
            f'<Ntry><Amt Ccy="{currency}">{_camt_amount(row.amount)}</Amt>'
            f"<CdtDbtInd>{indicator}</CdtDbtInd>"
            f"{'<RvslInd>true</RvslInd>' if row.reversal else ''}{status}"
            f"<BookgDt><Dt>{row.day.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{row.day.isoformat()}</Dt></ValDt>{bank_ref}"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
            f"</Domn></BkTxCd><NtryDtls><TxDtls><Refs>{refs}</Refs>"
            f"<RltdPties><{side}>{party}</{side}>{account}</RltdPties>"
            f"<RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls></Ntry>\n".encode()
        )
    if closing is None:
        closing = total
        out.write(balance("CLBD", closing, date_to).encode())
    out.write(b"</Stmt></BkToCstmrStmt></Document>\n")
    return closing


def _mt_amount(value: Decimal) -> str:
    return f"{abs(value):.2f}".replace(".", ",")


def _mt_balance(tag: str, amount: Decimal, day: dt.date, currency: str) -> str:
    sign = "C" if amount >= 0 else "D"
    return f":{tag}:{sign}{day:%y%m%d}{currency}{_mt_amount(amount)}\r\n"


def _wrap(text: str, width: int = 65) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def mt940(
    out: IO[bytes],
    *,
    iban: str,
    rows: Iterable[Row],
    opening: Decimal,
    currency: str = "BGN",
    date_from: dt.date,
    date_to: dt.date | None = None,
    statement_number: int = 1,
    encoding: str = "cp1251",
) -> Decimal:
    """Write one MT940 statement with Bulgarian `:86:` sub-fields; returns the closing balance."""
    write = out.write
    write(
        (
            f":20:{statement_number:06d}\r\n:25:{iban}\r\n:28C:{statement_number:05d}/001\r\n"
            + _mt_balance("60F", opening, date_from, currency)
        ).encode(encoding)
    )
    total = opening
    last = date_from
    for row in rows:
        total += row.amount
        last = row.day
        mark = (
            ("RD" if row.amount > 0 else "RC") if row.reversal else ("C" if row.amount > 0 else "D")
        )
        details = "+00" + ("Получен превод" if row.amount > 0 else "Изходящ превод")
        purpose = row.text + (f" {row.reference}" if row.reference else "")
        for i, part in enumerate(_wrap(purpose, 35)[:8]):
            details += f"+2{i}{part}"
        if row.iban:
            details += f"+31{row.iban}"
        if row.name:
            details += f"+32{row.name}"
        lines = _wrap(details)
        write(
            (
                f":61:{row.day:%y%m%d}{row.day:%m%d}{mark}{_mt_amount(row.amount)}NTRF"
                f"{(row.end_to_end_id or 'NONREF')[:16]}//{(row.bank_id or 'NONREF')[:16]}\r\n"
                f":86:{lines[0]}\r\n" + "".join(f"{line}\r\n" for line in lines[1:])
            ).encode(encoding, errors="replace")
        )
    write((_mt_balance("62F", total, date_to or last, currency) + "-\r\n").encode(encoding))
    return total

"""Readers for exchange-rate files (pure: bytes in, rates and errors out).

Formats: the ECB daily/historical XML (eurofxref), the ECB CSV (eurofxref-hist.csv) and a
plain CSV `date,currency,rate` for anything else (BNB exports, manual spreadsheets).
All rates are units of the currency per 1 EUR.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree


@dataclass
class RateFile:
    rates: list[tuple[dt.date, str, Decimal]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def read_rates(data: bytes) -> RateFile:
    head = data.lstrip()[:200]
    if head.startswith(b"<"):
        return read_ecb_xml(data)
    text = data.decode("utf-8-sig")
    first = text.splitlines()[0] if text else ""
    if first.lower().startswith("date,currency"):
        return read_plain_csv(text)
    return read_ecb_csv(text)


def read_ecb_xml(data: bytes) -> RateFile:
    result = RateFile()
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        result.errors.append(f"not valid XML: {error}")
        return result
    for day in root.iter("{*}Cube"):
        time = day.get("time")
        if not time:
            continue
        try:
            date = dt.date.fromisoformat(time)
        except ValueError:
            result.errors.append(f"bad date {time!r}")
            continue
        for cube in day:
            currency, rate = cube.get("currency"), cube.get("rate")
            if currency and rate:
                try:
                    result.rates.append((date, currency.upper(), Decimal(rate)))
                except InvalidOperation:
                    result.errors.append(f"{time} {currency}: bad rate {rate!r}")
    return result


def read_ecb_csv(text: str) -> RateFile:
    """ECB's wide CSV: Date,USD,JPY,… one row a day; N/A where no rate."""
    result = RateFile()
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or header[0].strip().lower() != "date":
        result.errors.append("unknown rate file: expected ECB XML, ECB CSV or date,currency,rate")
        return result
    currencies = [h.strip().upper() for h in header[1:]]
    for line_no, row in enumerate(reader, start=2):
        if not row or not row[0].strip():
            continue
        try:
            date = dt.date.fromisoformat(row[0].strip())
        except ValueError:
            result.errors.append(f"line {line_no}: bad date {row[0]!r}")
            continue
        for currency, cell in zip(currencies, row[1:], strict=False):
            cell = cell.strip()
            if not currency or not cell or cell.upper() == "N/A":
                continue
            try:
                result.rates.append((date, currency, Decimal(cell)))
            except InvalidOperation:
                result.errors.append(f"line {line_no}: bad rate {cell!r} for {currency}")
    return result


def read_plain_csv(text: str) -> RateFile:
    result = RateFile()
    reader = csv.DictReader(io.StringIO(text))
    for line_no, row in enumerate(reader, start=2):
        try:
            date = dt.date.fromisoformat((row.get("date") or "").strip())
            currency = (row.get("currency") or "").strip().upper()
            rate = Decimal((row.get("rate") or "").strip().replace(",", "."))
        except (ValueError, InvalidOperation):
            result.errors.append(f"line {line_no}: expected date,currency,rate")
            continue
        if len(currency) != 3:
            result.errors.append(f"line {line_no}: bad currency {currency!r}")
            continue
        result.rates.append((date, currency, rate))
    return result

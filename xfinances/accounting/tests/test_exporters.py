"""Golden files per target: byte-exact output of the sample month, with encoding and line ends
checked. Regenerate after a deliberate format change with XFINANCES_UPDATE_GOLDEN=1."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xfinances.accounting.exporters import DirectorySink, MemorySink, all_exporters, get
from xfinances.accounting.exporters.ajur import pairs
from xfinances.accounting.tests import samples

GOLDEN = Path(__file__).parent / "golden"
TEXT_TARGETS = {
    # target: (encoding, line end)
    "nap": ("cp1251", b"\r\n"),
    "ajur": ("cp1251", b"\r\n"),
    "microinvest": ("cp1251", b"\r\n"),
    "edis_aso": ("cp1251", b"\r\n"),
    "profit": ("cp1251", b"\r\n"),
    "business_navigator": ("utf-8", b"\r\n"),
    "csv": ("utf-8", b"\r\n"),
}


def render(name: str) -> dict[str, bytes]:
    exporter = get(name)
    assert exporter is not None
    sink = MemorySink()
    exporter.write(samples.CONTEXT, samples.source, sink)
    assert sorted(sink.files) == sorted(exporter.filenames(samples.CONTEXT))
    return sink.files


@pytest.mark.parametrize("name", sorted(TEXT_TARGETS))
def test_golden_files(name: str) -> None:
    encoding, eol = TEXT_TARGETS[name]
    for filename, data in render(name).items():
        golden = GOLDEN / name / filename
        if os.environ.get("XFINANCES_UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(data)
        assert data == golden.read_bytes(), f"{name}/{filename} differs from the golden file"
        data.decode(encoding)  # strict: every byte valid in the target's encoding
        assert data.endswith(eol) and b"\n" not in data.replace(b"\r\n", b"")


def test_every_registered_target_has_a_golden_test() -> None:
    assert {e.name for e in all_exporters()} == set(TEXT_TARGETS) | {"xlsx"}


def test_microinvest_has_sixteen_fields_and_tax_codes() -> None:
    lines = render("microinvest")["Import.txt"].decode("cp1251").split("\r\n")[:-1]
    assert all(len(line.split("|")) == 16 for line in lines)
    first = lines[0].split("|")
    assert first[:6] == ["Продажба", "02.03.2026", "0000000101", "Ф-ра", "100.00", "16"]
    assert {line.split("|")[5] for line in lines} >= {"16", "20", "21"}
    assert any(line.split("|")[3] == "КИ" and line.split("|")[4] == "-40.00" for line in lines)


def test_ajur_operations_balance_and_vat_lines() -> None:
    text = render("ajur")["AJUR.TXT"].decode("cp1251").split("\r\n")[:-1]
    assert text[0].startswith("Продажба#0000000101#02.03.2026#1#")
    assert "@@411#11@@703#@@100.00##" in text[0]
    vat = [line for line in text if line.startswith("ДДСПР")]
    assert vat[0].split("@@")[1] == "11#Акме ООД#131468980#BG131468980"
    person = vat[1].split("@@")[1]
    assert person.endswith("#999999999999999#")
    assert any(line.startswith("ДДСПК") for line in text)
    assert any("#ПКО@@" in line or "#РКО@@" in line for line in text)
    assert any("#БИ@@" in line for line in text)
    for record in samples.all_records():
        for entry in record.journal:
            assert sum(p[4] for p in pairs(entry)) == entry.debit


def test_csv_and_xlsx_neutralise_formulas() -> None:
    csv_text = render("edis_aso")["EDIS_ASO.CSV"].decode("cp1251")
    assert "'=Услуга по договор" in csv_text
    data = render("xlsx")["export-202603.xlsx"]
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in values)


def test_directory_sink_removes_what_a_killed_attempt_of_the_same_batch_left(
    tmp_path: Path,
) -> None:
    """A worker killed mid-delivery leaves its staging folder (with copies of the files) in the
    destination; the next delivery of that batch removes it, another batch's is left alone."""
    dead = DirectorySink(tmp_path, owner="batch1")
    with dead.open("A.TXT") as out:
        out.write(b"a")
    other = DirectorySink(tmp_path, owner="batch12")  # a live delivery of another batch
    again = DirectorySink(tmp_path, owner="batch1")
    with again.open("A.TXT") as out:
        out.write(b"a")
    again.commit()
    assert not dead.staging.exists()
    assert other.staging.exists()
    other.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["A.TXT"]


def test_directory_sink_writes_all_or_nothing(tmp_path: Path) -> None:
    sink = DirectorySink(tmp_path)
    with sink.open("A.TXT") as out:
        out.write(b"a")
    assert not (tmp_path / "A.TXT").exists()
    sink.commit()
    assert (tmp_path / "A.TXT").read_bytes() == b"a"
    assert [p.name for p in tmp_path.iterdir()] == ["A.TXT"]
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):  # running as root: permissions are not enforced
        pytest.skip("root ignores folder permissions")
    with pytest.raises(PermissionError, match="not writable"):
        DirectorySink(locked)


def test_ajur_foreign_currency_and_separators_in_fields() -> None:
    """A USD invoice in a EUR ledger prints each operation's share in dollars; a party name
    with the format's separators loses them (the golden month has neither)."""
    party = samples.PartyRecord(number="14", name="Tex#US@@ Inc.", country="US", vat_number="US123")
    sale = samples.SaleInput(
        id=201,
        version=1,
        kind="invoice",
        status="issued",
        number="0000000201",
        issue_date=samples.dt.date(2026, 3, 10),
        tax_event_date=samples.dt.date(2026, 3, 10),
        currency="USD",
        total=samples.D("120.00"),
        party=party,
        groups=(
            samples.GroupInput(
                "standard",
                samples.D(20),
                "02-11",
                samples.D("100.00"),
                samples.D("20.00"),
                samples.D("92.59"),
                samples.D("18.52"),
            ),
        ),
    )
    records = samples.sale_records(sale, samples.PERIOD, samples.MAPPING)
    exporter = get("ajur")
    assert exporter is not None
    sink = MemorySink()
    exporter.write(samples.CONTEXT, lambda kinds, **kw: iter(records), sink)
    assert sink.files["AJUR.TXT"].decode("cp1251").split("\r\n") == [
        "Продажба#0000000201#10.03.2026#1#0000000201 Tex US  Inc.#Ф-ра"
        "@@411#14@@703#@@92.59##100.00#Щатски долар",
        "Продажба#0000000201#10.03.2026#1#0000000201 Tex US  Inc.#Ф-ра"
        "@@411#14@@4532#@@18.52##20.00#Щатски долар",
        "ДДСПР#Ф-ра#0000000201#10.03.2026@@14#Tex US  Inc.#999999999999999#US123"
        "@@92.59#18.52#92.59#18.52" + "#0.00" * 13,
        "",
    ]


@pytest.mark.parametrize("batch", [1, 2, 5])
def test_ajur_lines_written_in_batches_give_the_same_bytes(
    batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xfinances.accounting.exporters import ajur

    monkeypatch.setattr(ajur, "BATCH", batch)
    assert render("ajur")["AJUR.TXT"] == (GOLDEN / "ajur" / "AJUR.TXT").read_bytes()


def test_ajur_money_prints_cents_half_up_whatever_the_exponent() -> None:
    from xfinances.accounting.exporters.base import money

    D = samples.D
    assert [money(D(x)) for x in ("1.005", "-1.005", "2", "0", "-0.00", "1E+3", "12.3")] == [
        "1.01",
        "-1.01",
        "2.00",
        "0.00",
        "-0.00",
        "1000.00",
        "12.30",
    ]
    assert money(D("1234.50"), ",") == "1234,50"


def test_ajur_vat_line_amounts_are_the_nap_columns() -> None:
    """The Ажур VAT line sums only the columns a record touches; it must print what the NAP
    columns hold, a credit note of zero (-0.00 rows) and two rows in one column included."""
    from xfinances.accounting import nap
    from xfinances.accounting.exporters.ajur import vat_line
    from xfinances.accounting.exporters.base import money

    D, g = samples.D, samples.g
    sales = [
        samples._sale("0000000301", 3, [g("standard", "20", "02-11", "0.00", "0.00")]),
        samples._sale(
            "0000000302", 4, [g("standard", "20", "02-11", "0.00", "0.00")], kind="credit_note"
        ),
        samples._sale(
            "0000000303",
            5,
            [
                g("standard", "20", "02-11", "10.00", "2.00"),
                g("standard", "20", "02-11", "5.555", "1.111"),
                g("accommodation", "9", "02-13", "1E+1", "0.90"),
            ],
            kind="credit_note",
        ),
    ]
    records = [r for s in sales for r in samples.sale_records(s, samples.PERIOD, samples.MAPPING)]
    records += [r for r in samples.all_records() if r.kind in ("sale", "purchase")]
    for record in records:
        if record.kind == "sale":
            values, columns = nap.sales_values(record), nap.SALES_AMOUNTS
        else:
            values, columns = nap.purchase_values(record), nap.PURCHASE_AMOUNTS
        expected = "#".join(money(values.get(code, D("0.00"))) for code in columns)
        assert vat_line(record).split("@@")[2] == expected
    assert vat_line(records[1]).split("@@")[2].startswith("0.00#0.00#0.00#0.00#")

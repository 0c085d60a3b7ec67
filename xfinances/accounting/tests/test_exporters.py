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

"""core/printing.py: any app's Typst template with JSON data → PDF, no database."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from xfinances.core import printing

TEMPLATE = """#let data = json("data.json")
#set text(font: ("Inter", "Libertinus Serif"))
#set page(paper: "a5")
= #data.title
#for row in data.rows [#row \\ ]
"""


@pytest.fixture
def template(tmp_path):
    path = tmp_path / "report.typ"
    path.write_text(TEMPLATE, encoding="utf-8")
    return path


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_template_prints_its_data_literally_with_the_bundled_fonts(template):
    pdf = printing.compile_template(template, {"title": "Отчет", "rows": ["#1 *не* [markup]"]})
    assert pdf.startswith(b"%PDF") and printing.page_count(pdf) == 1
    text = _text(pdf)
    assert "Отчет" in text and "#1 *не* [markup]" in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("Inter" in name for name in fonts), fonts


def test_a_compiler_is_reused_and_sees_new_data_each_time(template):
    first = printing.compile_template(template, {"title": "Първи дълъг заглавен ред", "rows": []})
    second = printing.compile_template(template, {"title": "Втори", "rows": []})
    assert "Първи" in _text(first)
    assert "Втори" in _text(second) and "Първи" not in _text(second)
    assert printing._compilers.get(template) is printing._compilers.get(template)


def test_a_broken_template_says_where(tmp_path):
    broken = tmp_path / "broken.typ"
    broken.write_text('#let data = json("data.json")\n#data.missing(\n', encoding="utf-8")
    with pytest.raises(printing.PdfError, match=r"broken\.typ: line 2"):
        printing.compile_template(broken, {})


def test_template_file_is_named_by_its_content():
    one = printing.template_file("= A")
    assert one == printing.template_file("= A") and one.read_text(encoding="utf-8") == "= A"
    assert printing.template_file("= B") != one


def test_page_count_reads_the_page_tree():
    assert printing.page_count(b"%PDF-1.7 no page tree here") is None
    assert printing.page_count(b"<< /Type /Pages /Count 3 >> << /Count 1 >>") == 3


# --- Isolation: one bad document cannot stop the others (issue 14, defect 1) -------------------


def test_a_typst_panic_is_a_pdf_error_and_the_next_pdf_prints(template, monkeypatch):
    # 40,000 Cyrillic letters in one text run make Typst's PDF writer panic (a pyo3
    # PanicException, which is a BaseException); the compiler it broke must not be reused.
    monkeypatch.setattr(printing, "MAX_FIELD_CHARS", 10**6)
    with pytest.raises(printing.PdfError, match=r"report\.typ"):
        printing.compile_template(template, {"title": "Ж" * 40_000, "rows": []})
    pdf = printing.compile_template(template, {"title": "Следващ", "rows": []})
    assert "Следващ" in _text(pdf)


def test_text_is_capped_per_field_before_rendering(template):
    pdf = printing.compile_template(template, {"title": "Ж" * 40_000, "rows": ["ок"]})
    assert pdf.startswith(b"%PDF")
    capped = printing.capped({"a": "x" * 20_000, "b": ["y" * 5, {"c": "z" * 20_000}], "n": 3})
    assert len(capped["a"]) == printing.MAX_FIELD_CHARS and capped["a"].endswith("…")
    assert capped["b"][0] == "yyyyy" and len(capped["b"][1]["c"]) == printing.MAX_FIELD_CHARS
    assert capped["n"] == 3


def test_rendering_has_a_time_limit_and_the_next_pdf_prints(tmp_path, template):
    slow = tmp_path / "slow.typ"
    slow.write_text(
        "#let n = 0\n#for i in range(4000) { for j in range(4000) { n = n + 1 } }\n#n\n",
        encoding="utf-8",
    )
    with pytest.raises(printing.PdfError, match="time limit"):
        printing.compile_template(slow, {}, time_limit=0.3)
    assert printing.compile_template(template, {"title": "Т", "rows": []}).startswith(b"%PDF")

"""PDF rendering speed: one-page invoice from a PrintableDocument to PDF bytes.

Rows:
- render_document_pdf: the product path (data mapping + JSON + cached typst.Compiler).
- typst.compile direct: the same template and the same (pre-built) JSON through a fresh
  `typst.compile()` call, the way a caller without our compiler cache would use Typst.
- typst.Compiler reused: the floor, the same JSON through one reused `typst.Compiler`.
- WeasyPrint: the same invoice from an HTML template (same data, same Inter font). WeasyPrint is
  not a dependency: it is pip-installed into this environment on demand, or the row is skipped.

Each run renders a different document: its own number, RF reference and payment QR code, as
in production, so no run reuses another's layout or QR symbol.
"""

from __future__ import annotations

import html
import importlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import typst

from bench import Result, benchmark, measure
from xfinances.core.printing import DATA_FILE, FONTS_DIR
from xfinances.invoicing.creditor_reference import rf_for_document
from xfinances.invoicing.epc_qr import epc_payload
from xfinances.invoicing.pdf import DOCUMENT_TEMPLATE, document_data, render_document_pdf
from xfinances.invoicing.printable import PrintableDocument

WEASYPRINT_RUNS = 20  # ~0.2 s each; 10 gave medians 180-240 ms from run to run


def _documents(count: int) -> list[PrintableDocument]:
    """The sample invoice under `count` numbers, each with its own RF reference and so its own
    payment QR code, as issued documents have (no QR is drawn twice)."""
    sample = PrintableDocument.sample()
    account = sample.bank_accounts[0]
    docs = []
    for i in range(count):
        number = f"{100 + i:010d}"
        rf = rf_for_document(number)
        payload = epc_payload(
            sample.supplier.name_latin or sample.supplier.name,
            account.iban,
            sample.totals.total,
            bic=account.bic,
            reference_rf=rf,
        )
        docs.append(replace(sample, number=number, rf_reference=rf, epc_qr_payload=payload))
    return docs


def _weasyprint() -> Any | None:
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    try:
        return importlib.import_module("weasyprint")
    except ImportError:
        pass
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "weasyprint"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return None
    try:
        importlib.invalidate_caches()
        return importlib.import_module("weasyprint")
    except (ImportError, OSError):
        return None


_CSS = """
@font-face { font-family: Inter; src: url("%(fonts)s/Inter-Regular.otf"); font-weight: 400; }
@font-face { font-family: Inter; src: url("%(fonts)s/Inter-SemiBold.otf"); font-weight: 600; }
@font-face { font-family: Inter; src: url("%(fonts)s/Inter-Bold.otf"); font-weight: 700; }
@page { size: A4; margin: 13mm 15mm 17mm 15mm;
  @bottom-right { content: "%(footer)s"; font: 7pt Inter; } }
body { font: 8.6pt Inter; color: #141414; }
.head { display: flex; justify-content: space-between; border-bottom: 1.6pt solid %(accent)s; }
h1 { color: %(accent)s; font-size: 21pt; margin: 0; text-align: right; }
.parties { display: flex; gap: 5mm; margin: 3mm 0; }
.party { flex: 1; border: 0.6pt solid #c8c8c8; padding: 8pt; }
.label { color: %(accent)s; font-size: 7pt; font-weight: 600; text-transform: uppercase; }
table { width: 100%%; border-collapse: collapse; }
thead th { background: %(accent)s; color: white; font-size: 7.4pt; text-align: left; padding: 4pt; }
td { border-bottom: 0.4pt solid #c8c8c8; padding: 4pt; vertical-align: top; }
td.r, th.r { text-align: right; }
.dates { display: flex; background: #ebebeb; padding: 5pt; margin-bottom: 2mm; }
.dates div { flex: 1; }
.bottom { display: flex; gap: 6mm; margin-top: 2mm; }
.totals { width: 80mm; border: 0.6pt solid #c8c8c8; padding: 8pt; }
.pay { display: flex; border: 0.6pt solid #c8c8c8; padding: 8pt; margin-top: 2mm; }
.pay svg { width: 28mm; height: 28mm; }
.signatures { display: flex; gap: 12mm; margin-top: 7mm; }
.sign { flex: 1; border-top: 0.5pt solid #787878; padding-top: 1mm; }
"""


def invoice_html(data: dict[str, Any]) -> str:
    """The same invoice as the Typst template, as HTML for WeasyPrint (escaped)."""
    e = html.escape

    def party(label: str, p: dict[str, Any]) -> str:
        rows = "".join(f"<div>{e(r[0])}: <b>{e(r[1])}</b></div>" for r in p["rows"])
        address = "".join(f"<div>{e(a)}</div>" for a in p["address"])
        return (
            f'<div class="party"><div class="label">{e(label)}</div><b>{e(p["name"])}</b>'
            f"<div>{e(p['name_second'])}</div>{address}{rows}</div>"
        )

    columns = data["columns"]
    head = "".join(
        f'<th class="{"r" if c["align"] == "right" else ""}">{e(data["labels"][c["key"]][0])}</th>'
        for c in columns
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"r" if c["align"] == "right" else ""}">{e(line[c["key"]])}</td>'
            for c in columns
        )
        + "</tr>"
        for line in data["lines"]
    )
    vat = '<tr><th>Ставка</th><th class="r">Данъчна основа</th><th class="r">ДДС</th></tr>'
    vat += "".join(
        f"<tr><td>{e(r['label'])}<br><small>{e(r['basis'])}</small></td>"
        f'<td class="r">{e(r["base"])}</td><td class="r">{e(r["vat"])}</td></tr>'
        for r in data["vat_rows"]
    )
    totals = "".join(
        f'<div style="display:flex;justify-content:space-between"><span>{e(t["label"])}</span>'
        f"<b>{e(t['value'])}</b></div>"
        for t in data["totals"]
    )
    dates = "".join(
        f"<div><small>{e(d[0])}</small><br><b>{e(d[2])}</b></div>" for d in data["dates"]
    )
    pay = "".join(f"<div>{e(r[0])}: <b>{e(r[1])}</b></div>" for r in data["payment"]["rows"])
    notes = "".join(f"<div>{e(n)}</div>" for n in data["notes"] + data["legal_notes"])
    signatures = "".join(
        f'<div class="sign"><small>{e(s[0])}</small><br><b>{e(s[1])}</b></div>'
        for s in data["signatures"]
    )
    footer = f"{data['title']} № {data['number']}"  # one page: no page numbers, as in Typst
    css = _CSS % {"fonts": FONTS_DIR.as_uri(), "accent": data["accent"], "footer": footer}
    parties = party("Доставчик", data["supplier"]) + party("Получател", data["recipient"])
    return f"""<!doctype html><html lang="bg"><head><meta charset="utf-8">
<style>{css}</style></head><body>
<div class="head"><div><b style="font-size:12pt">{e(data["supplier"]["name"])}</b></div>
<div><h1>{e(data["title"])}</h1><div style="text-align:right">№ <b>{e(data["number"])}</b><br>
{e(data["copy_label"])}</div></div></div>
<div class="parties">{parties}</div>
<div class="dates">{dates}</div>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<div class="bottom"><div style="flex:1"><table>{vat}</table>{notes}</div>
<div class="totals">{totals}</div></div>
<p><b>Словом:</b> {e(data["words"])}</p>
<div class="pay"><div style="flex:1">{pay}</div>{data["qr_svg"] or ""}</div>
<div class="signatures">{signatures}</div>
</body></html>"""


@benchmark("pdf")
def pdf_benchmark(runs: int) -> list[Result]:
    docs = _documents(runs + 10)
    fonts = [str(FONTS_DIR)]
    # As render_document_pdf compiles a one-page document: without "Стр. x / y".
    payloads = [
        json.dumps({**document_data(d), "page_numbers": False}, ensure_ascii=False) for d in docs
    ]

    ours = measure(lambda i: render_document_pdf(docs[i]), runs)

    # The template reads `data.json` beside it: a folder with a copy of it, as pdf.py uses.
    folder = Path(tempfile.mkdtemp(prefix="xfinances-bench-typst-"))
    template = str(folder / DOCUMENT_TEMPLATE.name)
    shutil.copyfile(DOCUMENT_TEMPLATE, template)
    data_file = folder / DATA_FILE

    def direct(i: int) -> bytes:
        data_file.write_text(payloads[i], encoding="utf-8")
        return typst.compile(
            template, root=str(folder), format="pdf", font_paths=fonts, ignore_system_fonts=True
        )

    fresh = measure(direct, runs)
    compiler = typst.Compiler(
        template, root=str(folder), font_paths=fonts, ignore_system_fonts=True
    )

    def reused_compile(i: int) -> object:
        data_file.write_text(payloads[i], encoding="utf-8")
        return compiler.compile(format="pdf")

    reused = measure(reused_compile, runs)
    shutil.rmtree(folder, ignore_errors=True)

    rows = [
        Result(
            "pdf: render_document_pdf (one-page invoice)",
            ours,
            runs,
            f"{ours / fresh:.2f}× typst.compile direct, {ours / reused:.2f}× reused Compiler",
            "target ≤ 1.5× direct",
        ),
        Result("pdf: typst.compile direct, same template+JSON", fresh, runs),
        Result("pdf: typst.Compiler reused, same template+JSON", reused, runs),
    ]

    weasyprint = _weasyprint()
    if weasyprint is None:
        rows.append(
            Result(
                "pdf: WeasyPrint, same invoice as HTML",
                None,
                0,
                "skipped: WeasyPrint could not be installed or loaded (pip install weasyprint)",
            )
        )
        return rows
    pages = [invoice_html(document_data(d)) for d in docs[: WEASYPRINT_RUNS + 3]]
    weasy = measure(
        lambda i: weasyprint.HTML(string=pages[i]).write_pdf(), WEASYPRINT_RUNS, warmup=3
    )
    load = os.getloadavg()[0]
    rows.append(
        Result(
            "pdf: WeasyPrint, same invoice as HTML",
            weasy,
            WEASYPRINT_RUNS,
            f"render_document_pdf is {weasy / ours:.0f}× faster (load average {load:.1f})",
            "target ≥ 20×",
        )
    )
    return rows

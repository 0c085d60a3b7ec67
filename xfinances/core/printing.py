"""Printing with Typst, for every app: a template laid out with JSON data → PDF bytes.

`compile_template(path, data)` is the one way to print: sales documents (invoicing/pdf.py), the
client statement (payments) and the cash-flow report (treasury) all go through it, and none of
them reaches into another app to do so.

- The template reads its data as `json("data.json")`: the data is written to that file beside a
  copy of the template, in a private folder that is also all a template can read (Typst's root).
  User text travels as JSON strings and is inserted as text, never as markup.
- A `typst.Compiler` per template file and process is kept and reused: fonts are loaded once and
  Typst's memoisation reuses unchanged work between documents. Calls are serialised per
  compiler. A changed template file gets a new compiler.
- Fonts: Inter (OFL, vendored in `core/pdf_templates/fonts/`, full Cyrillic), with Typst's
  bundled Libertinus Serif as fallback. System fonts are ignored, so a PDF looks the same on
  every machine.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import typst

FONTS_DIR = Path(__file__).resolve().parent / "pdf_templates" / "fonts"


class PdfError(ValueError):
    """A document or template that cannot be rendered; the message says why."""


DATA_FILE = "data.json"


class _TemplateCompiler:
    """A `typst.Compiler` for one template, working in a private folder that holds a copy of
    the template and the data file it reads (`json("data.json")`). Calls are serialised.

    The data travels as a file, not as `sys.inputs`: Typst rebuilds and re-hashes its whole
    standard library whenever `sys.inputs` change, and every memoised result depends on it,
    so passing each document's data that way cost ~1 ms per PDF. The private folder is also
    all a template can read (Typst's root)."""

    def __init__(self, template: Path) -> None:
        self.pid = os.getpid()
        self.folder = Path(tempfile.mkdtemp(prefix="xfinances-typst-"))
        atexit.register(self.close)
        shutil.copyfile(template, self.folder / template.name)
        # Kept open and overwritten in place, padded with spaces (JSON ignores them) to the
        # longest payload so far: opening or truncating the file for every PDF cost ~0.2 ms.
        self.data_fd = os.open(self.folder / DATA_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        self.data_size = 0
        self.compiler = typst.Compiler(
            str(self.folder / template.name),
            root=str(self.folder),
            font_paths=[str(FONTS_DIR)],
            ignore_system_fonts=True,
        )
        self.lock = threading.Lock()

    def compile(self, payload: str) -> bytes | list[bytes] | None:
        data = payload.encode("utf-8")
        with self.lock:
            self.data_size = max(self.data_size, len(data))
            os.pwrite(self.data_fd, data.ljust(self.data_size), 0)
            return self.compiler.compile(format="pdf")

    def close(self) -> None:
        if os.getpid() == self.pid:  # a forked worker leaves its parent's folder alone
            os.close(self.data_fd)
            shutil.rmtree(self.folder, ignore_errors=True)


class _CompilerCache:
    """One `_TemplateCompiler` per template file and process, reused while the file is
    unchanged (a changed file gets a new one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._compilers: dict[tuple[str, float, int], _TemplateCompiler] = {}

    def get(self, template: Path) -> _TemplateCompiler:
        key = (str(template), template.stat().st_mtime, os.getpid())
        with self._lock:
            compiler = self._compilers.get(key)
            if compiler is None:
                for old in [k for k in self._compilers if k[0] == key[0]]:
                    self._compilers.pop(old).close()
                compiler = self._compilers[key] = _TemplateCompiler(template)
            return compiler


_compilers = _CompilerCache()


def compile_template(template: Path, data: dict[str, Any]) -> bytes:
    """PDF bytes of `template` laid out with `data` (which it reads as `json("data.json")`)."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        result = _compilers.get(template).compile(payload)
    except typst.TypstError as error:
        raise PdfError(f"{template.name}: {_typst_message(error)}") from None
    if not isinstance(result, bytes):
        raise PdfError(f"{template.name}: Typst returned no PDF")
    return result


def _typst_message(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error)
    hints = getattr(error, "hints", None) or []
    text = str(message).strip()
    where = re.search(
        r"\u250c\u2500 (?:.*/)?([^/\s]+):(\d+):(\d+)", str(getattr(error, "diagnostic", ""))
    )
    if where:
        text = f"line {where.group(2)}, column {where.group(3)}: {text}"
    if hints:
        text += " (" + "; ".join(str(h) for h in hints) + ")"
    return text


_SOURCES_DIR: Path | None = None


def template_file(source: str) -> Path:
    """A file holding a template kept as text (a company's custom template), named by its
    content so an unchanged template keeps its compiler and a changed one gets a new one."""
    global _SOURCES_DIR
    if _SOURCES_DIR is None or not _SOURCES_DIR.is_dir():
        _SOURCES_DIR = Path(tempfile.mkdtemp(prefix="xfinances-templates-"))
        atexit.register(shutil.rmtree, _SOURCES_DIR, True)
    data = source.encode("utf-8")
    path = _SOURCES_DIR / f"custom-{hashlib.sha256(data).hexdigest()[:32]}.typ"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        partial.write_bytes(data)
        partial.replace(path)  # atomic: a concurrent reader sees all of it or nothing
    return path


_COUNT = re.compile(rb"/Count (\d+)")


def page_count(pdf: bytes) -> int | None:
    """The number of pages of a PDF Typst wrote, read from its page tree: the largest `/Count`
    (an outline's count is never above it). None when there is none to read, so the caller
    takes the safe path."""
    counts = [int(found) for found in _COUNT.findall(pdf)]
    return max(counts) if counts else None

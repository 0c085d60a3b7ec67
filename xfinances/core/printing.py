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

Isolation (one bad document cannot stop the others):
- Each string in the data is capped at `MAX_FIELD_CHARS` characters (longer text ends with "…")
  before it reaches Typst: one text run of more than 64 KiB makes Typst's PDF writer panic, and
  no field of a document, statement or report needs more than a few thousand characters.
- Any error of a compile — a `PanicException` from the Rust side included, which is a
  `BaseException` — becomes a `PdfError`, and the compiler it happened in is discarded (a
  panicked compiler stays broken), so the next PDF gets a fresh one.
- A compile runs on the compiler's own thread (Typst releases the GIL) and the caller waits at
  most `time_limit` seconds (`PRINTING_TIME_LIMIT_SECONDS`, default 30); after that it gets a
  `PdfError` and the compiler is discarded, its thread left to finish on its own.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import queue
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import typst
from django.conf import settings

FONTS_DIR = Path(__file__).resolve().parent / "pdf_templates" / "fonts"


class PdfError(ValueError):
    """A document or template that cannot be rendered; the message says why."""


DATA_FILE = "data.json"

# The longest string a template gets (characters; at most 4 bytes each in UTF-8, so one field
# stays well below the 64 KiB text run that makes Typst panic).
MAX_FIELD_CHARS = 10_000

# How long a caller waits for one compile when settings do not say (seconds).
DEFAULT_TIME_LIMIT = 30.0

# Errors that end the process on purpose are never caught as a failed PDF.
_NOT_OURS = (KeyboardInterrupt, SystemExit, GeneratorExit)


class _Job:
    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.done = threading.Event()
        self.result: bytes | list[bytes] | None = None
        self.error: BaseException | None = None


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
        atexit.register(self._remove)
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
        self.closed = False
        self.jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        # A daemon thread: a compile left running past its time limit never holds up an exit.
        self.thread = threading.Thread(target=self._work, name="typst-compiler", daemon=True)
        self.thread.start()

    def compile(self, payload: str, time_limit: float) -> bytes | list[bytes] | None:
        """The compiler's result for `payload`; raises what the compile raised, or
        `TimeoutError` when it took longer than `time_limit` seconds (it goes on running)."""
        job = _Job(payload.encode("utf-8"))
        self.jobs.put(job)
        if not job.done.wait(time_limit):
            raise TimeoutError
        if job.error is not None:
            raise job.error
        return job.result

    def _work(self) -> None:
        while (job := self.jobs.get()) is not None:
            try:
                self.data_size = max(self.data_size, len(job.payload))
                os.pwrite(self.data_fd, job.payload.ljust(self.data_size), 0)
                job.result = self.compiler.compile(format="pdf")
            except BaseException as error:  # a Rust panic too: handed to the caller
                job.error = error
            job.done.set()
        self._remove()

    def close(self) -> None:
        """Stop taking work; the folder goes when the job in hand (if any) has finished."""
        if not self.closed:
            self.closed = True
            self.jobs.put(None)

    def _remove(self) -> None:
        if os.getpid() == self.pid:  # a forked worker leaves its parent's folder alone
            with contextlib.suppress(OSError):
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

    def discard(self, compiler: _TemplateCompiler) -> None:
        """Forget a compiler that failed: the next call for its template makes a new one."""
        with self._lock:
            for key in [k for k, v in self._compilers.items() if v is compiler]:
                del self._compilers[key]
        compiler.close()


_compilers = _CompilerCache()


def capped(value: Any) -> Any:
    """`value` with every string in it cut to `MAX_FIELD_CHARS` characters (ending in "…")."""
    if isinstance(value, str):
        if len(value) > MAX_FIELD_CHARS:
            return value[: MAX_FIELD_CHARS - 1] + "…"
        return value
    if isinstance(value, dict):
        return {key: capped(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [capped(item) for item in value]
    return value


def _time_limit() -> float:
    if settings.configured:
        return float(getattr(settings, "PRINTING_TIME_LIMIT_SECONDS", DEFAULT_TIME_LIMIT))
    return DEFAULT_TIME_LIMIT


def compile_template(
    template: Path, data: dict[str, Any], *, time_limit: float | None = None
) -> bytes:
    """PDF bytes of `template` laid out with `data` (which it reads as `json("data.json")`).

    Strings are capped at `MAX_FIELD_CHARS`; any failure — a Typst error, a panic, more than
    `time_limit` seconds — is a `PdfError`, and a compiler that panicked or ran out of time is
    discarded so the next PDF of any document gets a working one."""
    payload = json.dumps(capped(data), ensure_ascii=False, separators=(",", ":"))
    limit = _time_limit() if time_limit is None else time_limit
    compiler = _compilers.get(template)
    try:
        result = compiler.compile(payload, limit)
    except typst.TypstError as error:  # the template's own error: the compiler is still sound
        raise PdfError(f"{template.name}: {_typst_message(error)}") from None
    except TimeoutError:
        _compilers.discard(compiler)
        message = f"rendering exceeded the time limit of {limit:g} s"
        raise PdfError(f"{template.name}: {message}") from None
    except _NOT_OURS:
        raise
    except BaseException as error:  # a panic (pyo3 PanicException) or anything unexpected
        _compilers.discard(compiler)
        raise PdfError(f"{template.name}: Typst failed ({type(error).__name__}: {error})") from None
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

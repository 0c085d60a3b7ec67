"""Compile the translation catalogues (.po → .mo) in pure Python.

Django's compilemessages needs GNU gettext, which a fresh machine lacks; polib does the same job.
The .mo files are build output and stay out of git.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
log = logging.getLogger(__name__)


def compile_catalogues(force: bool = False) -> list[Path]:
    compiled = []
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            fd, tmp = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
            os.close(fd)
            polib.pofile(str(po_path)).save_as_mofile(tmp)
            os.replace(tmp, mo_path)  # atomic: concurrent processes never see half a file
            compiled.append(mo_path)
        except OSError as error:  # a read-only install keeps whatever it shipped
            log.warning("could not compile %s: %s", po_path, error)
    return compiled

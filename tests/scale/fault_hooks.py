"""`python -m tests.scale.fault_hooks POINT <xfinances arguments…>`: the `xfinances` command with
a pause at one named point of its work, so a kill test can SIGKILL the process exactly there.

When the process passes POINT for the FAULT_AFTER-th time (default 1) it writes the file
FAULT_MARKER and sleeps (FAULT_SLEEP seconds, default 600) — the test sees the marker and kills
it. Everything else is the real command: the app's code is not changed, only wrapped here.

Points:
  recurring-period  after one period's invoice is made (and issued), before its run is
                    committed (invoicing.actions.recurring._invoice_period)
  statement-batch   after a batch of bank entries and movements is inserted, before the import
                    commits (treasury record_bank_movements; FAULT_BATCH entries a batch,
                    default 20)
  folder-commit     while a folder delivery moves its files in: the first file is in the
                    destination folder, the others still in the staging folder
                    (accounting.exporters.base.DirectorySink.commit)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

_passes = 0


def _point() -> None:
    """Count one pass of the point; at the chosen one, say so and wait to be killed."""
    global _passes
    _passes += 1
    if _passes == int(os.environ.get("FAULT_AFTER", "1")):
        Path(os.environ["FAULT_MARKER"]).write_text(str(os.getpid()))
        time.sleep(float(os.environ.get("FAULT_SLEEP", "600")))


def _recurring_period() -> None:
    from xfinances.invoicing.actions import recurring

    original = recurring._invoice_period

    def invoice_period(*args: Any, **kwargs: Any) -> Any:
        made = original(*args, **kwargs)
        _point()
        return made

    recurring._invoice_period = invoice_period


def _statement_batch() -> None:
    from xfinances.banking.actions import importing
    from xfinances.treasury import actions as treasury_actions

    importing.BATCH = int(os.environ.get("FAULT_BATCH", "20"))
    original = treasury_actions.record_bank_movements

    def record_bank_movements(*args: Any, **kwargs: Any) -> Any:
        ids = original(*args, **kwargs)
        _point()
        return ids

    treasury_actions.record_bank_movements = record_bank_movements


def _folder_commit() -> None:
    from xfinances.accounting.exporters.base import DirectorySink

    original = DirectorySink.commit

    def commit(self: DirectorySink) -> list[Path]:
        first, rest = self.names[:1], self.names[1:]
        for name in first:
            os.replace(self.staging / name, self.target / name)
        if rest:
            _point()
        self.names = rest
        return [self.target / name for name in first] + original(self)

    DirectorySink.commit = commit  # type: ignore[method-assign]


POINTS = {
    "recurring-period": _recurring_period,
    "statement-batch": _statement_batch,
    "folder-commit": _folder_commit,
}


def main() -> None:
    point, args = sys.argv[1], sys.argv[2:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xfinances.settings")
    import django

    django.setup()
    POINTS[point]()
    from xfinances.cli import main as xfinances

    xfinances(args)


if __name__ == "__main__":
    main()

"""The `xfinances` command (also `python -m xfinances`).

Our own commands (serve, worker, demo, createcompany, createuser, token, …) are Django
management commands in the apps; everything of Django's (migrate, shell, …) works too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xfinances.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["xfinances", *args])


if __name__ == "__main__":
    main()

"""The `wangge` command: Django's management commands under the project's settings.

Users type `wangge load-grids FILE` rather than `python manage.py load_grids FILE`; dashes in a
command name are mapped to Django's underscores so both spellings work.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "wangge"
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()

"""The `wangge` command: Django's management commands under the project's settings.

Users type `wangge load-grids FILE` rather than `python manage.py load_grids FILE`; dashes in a
command name are mapped to Django's underscores so both spellings work.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Final

# Commands that end holding a gigabyte of objects and have written everything they produce.
# The interpreter's teardown would free those objects one by one, about half a second of a
# run people wait for, so after such a command succeeds the process ends at once.
EXIT_WITHOUT_TEARDOWN: Final = frozenset({"fuse"})


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "wangge"
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)  # a failed command exits inside, through SystemExit
    if argv is None and len(args) > 1 and args[1] in EXIT_WITHOUT_TEARDOWN:
        exit_without_teardown()


def exit_without_teardown() -> None:
    """Flush what was written, then end the process without freeing its objects."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

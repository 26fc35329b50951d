"""Whether `migrate` is running in this process, for the routers of stores that share a database.

On PostgreSQL the audit and jobs stores are second connections to the main database. A data
migration (RunPython) that queries one of their models would otherwise go through that second
connection while the migrating connection holds the migration's locks (a deadlock), or, while the
test runner builds the test database, to the real database. While migrating, the routers of
such shared stores step aside, so every query goes through the alias being migrated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0


@contextmanager
def migrating() -> Iterator[None]:
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1


def is_migrating() -> bool:
    return _depth > 0

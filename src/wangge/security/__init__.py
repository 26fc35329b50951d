"""Attack reproductions: every hole an outside review found, replayed against the platform.

Not an app: a test package only. Each test module under `tests/` re-enacts one attack (as the
attacker did it, through the same URLs, API calls, files and roles) and proves it now fails; the
module docstring names the attack. The tests run on SQLite and PostgreSQL like every other test.
"""

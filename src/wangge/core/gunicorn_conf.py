"""gunicorn settings `wangge serve` starts it with (`--config python:wangge.core.gunicorn_conf`).

The request line: FixMyStreet's Open311 client polls the status of all its open reports in one
GET (`requests.xml?service_request_id=a,b,c…`), about 17 bytes an id, and gunicorn refuses a
request line over 4,094 bytes by default (an HTML 400, ~237 ids), and over 8,190 whatever it is
told, except 0, which would read a line of any length into memory. So the line limit is raised
to 256 KiB (Open311's 10,000 ids fit), still a bound: past it gunicorn answers 400 before
Django runs. gunicorn caps the setting at its module constant, which is raised to match.
A reverse proxy in front needs the same room (nginx: `large_client_header_buffers 4 256k`).
"""

from __future__ import annotations

import gunicorn.http.message

LIMIT_REQUEST_LINE = 256 * 1024

if gunicorn.http.message.MAX_REQUEST_LINE < LIMIT_REQUEST_LINE:
    gunicorn.http.message.MAX_REQUEST_LINE = LIMIT_REQUEST_LINE

limit_request_line = LIMIT_REQUEST_LINE

"""Log filters wired in settings.LOGGING.

Django logs a request it answers 400 because the body cannot be parsed (a multipart body with
no boundary, a fuzzer's favourite) with the whole traceback, at WARNING: eleven in one fuzzing
run buried the log's real errors. A client's mistake is logged as one line; a 5xx keeps its
traceback.
"""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True

"""The audit log as every app calls it: `audit.record(user, action, …)`.

The log itself lives in the `wangge.audit` app and its own database store; this module keeps
the one import path the services use.
"""

from __future__ import annotations

from wangge.access.models import AuditAction
from wangge.audit.log import ChainProblem, batched, record, sequence_pending, verify_chain

__all__ = [
    "AuditAction",
    "ChainProblem",
    "batched",
    "record",
    "sequence_pending",
    "verify_chain",
]

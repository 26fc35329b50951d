"""Every change to a task: created, assigned, completed, cancelled, escalated.

Every app makes its tasks here (`create_task`, or the bulk helpers for an import batch and a
visit round), so that scope, due dates in working days, audit and escalation are decided once.
Each function takes the acting user (`None` is the system: the command line, a scheduled job,
another app's hook that has checked its own actor), checks the scope through `wangge.access`,
writes in one transaction and leaves an audit entry.

| module | holds |
|---|---|
| `single` | one task: create, read (`get_task`: a missing id and one out of scope answer alike), complete, assign, cancel |
| `rounds` | many at once: a visit round over buildings, an import batch's verification visits |
| `case_tasks` | a case's on-site check as a task of its grid, kept in step with the case |
| `escalation` | the overdue sweep: to the community, then the street |
| `common` | forms per kind, due dates in working days, where a task belongs, its audit entry |

New code may import from the concern module; the public names are re-exported here so
`services.create_task(...)` keeps working.
"""

from wangge.tasks.services.case_tasks import case_changed, reconcile_case_tasks, sync_case_task
from wangge.tasks.services.common import (
    CASE_VERIFY_WORKING_DAYS,
    FORM_CODES,
    GRID_POSTS,
    TASK_NOT_FOUND,
    VERIFY_WORKING_DAYS,
    due_date_in,
)
from wangge.tasks.services.escalation import (
    SweepResult,
    escalated_to,
    sweep_overdue,
    users_for_post,
    working_days_back,
)
from wangge.tasks.services.rounds import (
    BatchTasks,
    create_visit_round,
    tasks_after_commit,
    tasks_for_committed_batch,
    tasks_from_batch,
)
from wangge.tasks.services.single import (
    StaleTask,
    assign_task,
    cancel_task,
    complete_task,
    complete_task_for,
    create_task,
    get_task,
)

__all__ = [
    "CASE_VERIFY_WORKING_DAYS",
    "FORM_CODES",
    "GRID_POSTS",
    "TASK_NOT_FOUND",
    "VERIFY_WORKING_DAYS",
    "BatchTasks",
    "StaleTask",
    "SweepResult",
    "assign_task",
    "cancel_task",
    "case_changed",
    "complete_task",
    "complete_task_for",
    "create_task",
    "create_visit_round",
    "due_date_in",
    "escalated_to",
    "get_task",
    "reconcile_case_tasks",
    "sweep_overdue",
    "sync_case_task",
    "tasks_after_commit",
    "tasks_for_committed_batch",
    "tasks_from_batch",
    "users_for_post",
    "working_days_back",
]

"""The case loop as plain functions, one module per concern (as Zulip keeps one module per kind
of action): every state change checks the actor, writes the case with an optimistic version
check, appends a CaseEvent, records an audit entry and queues notifications for after the commit.

Functions take the acting user first; `actor=None` is the machine (the deadline sweep) or an
anonymous resident on a public channel (resident_web, open311), for which the caller has already
checked the receipt token or API key.

| module | holds |
|---|---|
| `reads` | scoped, audited reads: lists, one case, timeline, photos, counts |
| `intake` | 受理: one report from any channel, hotline files in bulk, receipt numbers |
| `routing` | region tree, responsibility table, point → grid index (cached per process) |
| `actions` | dispatch, transfer, return, sign in, handle, verify, rate, close, reopen, comment |
| `deadlines` | deadlines set at dispatch, the reminder and escalation sweep |
| `categories` | the category table (reference data), lookups and the classifier's proposals |
| `departments` | department members |
| `writing` | the version-checked write, the event, the audit entry, `Conflict` |
| `photos`, `notifications`, `common` | shared by the above |

New code imports from the concern module (`from wangge.cases.services.actions import
dispatch_case`); the public names are re-exported here so `services.submit_case(...)` keeps
working.
"""

from wangge.cases.services.actions import (
    close_case,
    comment_case,
    dispatch_case,
    rate_by_token,
    rate_case,
    record_handling,
    reopen_case,
    return_case,
    sign_in,
    transfer_case,
    verify_by_resident,
    verify_case,
)
from wangge.cases.services.categories import (
    CATEGORY_COLUMNS,
    DEFAULT_CATEGORY_FILE,
    PLAUSIBLE_SHARE,
    CategoryLoadSummary,
    load_categories,
    resolve_category,
    service_category,
    suggest_categories,
)
from wangge.cases.services.common import (
    ACTIVE,
    DEFAULT_HANDLE_WORKING_DAYS,
    DEFAULT_RESPONSE_HOURS,
    PUBLIC_CHANNELS,
)
from wangge.cases.services.deadlines import (
    SweepResult,
    deadlines_for,
    escalation_level_due,
    remind_before,
    sweep_deadlines,
)
from wangge.cases.services.departments import (
    add_department_member,
)
from wangge.cases.services.intake import (
    IntakeResult,
    InvalidPhone,
    clean_reporter_phone,
    import_hotline_file,
    intake_work_orders,
    reserve_numbers,
    submit_case,
)
from wangge.cases.services.reads import (
    COUNT_CAP,
    case_by_token,
    count_cases,
    departments_for,
    get_case,
    get_photo,
    list_cases,
    overdue_q,
    reporter_phone_for,
    shows_reporter_phone,
    timeline,
    visible_cases,
)
from wangge.cases.services.routing import (
    CaseRouter,
    CategoryInfo,
    RegionTree,
    grid_index,
)
from wangge.cases.services.writing import (
    Conflict,
)

__all__ = [
    "InvalidPhone",
    "clean_reporter_phone",
    "ACTIVE",
    "CATEGORY_COLUMNS",
    "COUNT_CAP",
    "CaseRouter",
    "CategoryInfo",
    "CategoryLoadSummary",
    "Conflict",
    "DEFAULT_CATEGORY_FILE",
    "DEFAULT_HANDLE_WORKING_DAYS",
    "DEFAULT_RESPONSE_HOURS",
    "IntakeResult",
    "MAX_PHOTOS",
    "MAX_PHOTO_BYTES",
    "PUBLIC_CHANNELS",
    "RegionTree",
    "SweepResult",
    "add_department_member",
    "case_by_token",
    "close_case",
    "comment_case",
    "count_cases",
    "deadlines_for",
    "departments_for",
    "dispatch_case",
    "escalation_level_due",
    "get_case",
    "get_photo",
    "grid_index",
    "import_hotline_file",
    "intake_work_orders",
    "list_cases",
    "load_categories",
    "overdue_q",
    "rate_by_token",
    "rate_case",
    "record_handling",
    "remind_before",
    "reopen_case",
    "reporter_phone_for",
    "reserve_numbers",
    "resolve_category",
    "return_case",
    "service_category",
    "shows_reporter_phone",
    "sign_in",
    "submit_case",
    "PLAUSIBLE_SHARE",
    "suggest_categories",
    "sweep_deadlines",
    "timeline",
    "transfer_case",
    "verify_by_resident",
    "verify_case",
    "visible_cases",
]

"""Settings come from the environment so one install serves the demo, tests and production.

Secrets (Django's signing key and the data key that encrypts personal data) are generated into
the data directory on first run, so a fresh machine needs no manual step and the keys never
enter version control.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured

# Every WANGGE_* variable is read through these helpers, in this module only, so that the
# settings table in docs/operations.md can be checked against what is really read
# (security/tests/test_settings_documented.py fails when the two disagree).
_TRUE = {"1", "true", "yes", "on"}


def _env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return value in _TRUE if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"环境变量 {name}={value!r} 不是整数") from exc


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ValueError(f"环境变量 {name}={value!r} 不是数字") from exc


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent
DATA_DIR = Path(_env_str("WANGGE_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _key_file(name: str, nbytes: int) -> str:
    """Read a key from the data directory, creating it (mode 0600) the first time.

    The web server and the worker start together on a fresh data directory, so two processes
    may create the key at once. Each writes its own key to a private file and links it into
    place; the first link wins and every process reads the winner's key. Nobody can read a
    half-written key, and the loser does not fail with "file exists".
    """
    path = DATA_DIR / name
    if not path.exists():
        draft = DATA_DIR / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(nbytes))
            os.link(draft, path)
        except FileExistsError:
            pass  # another process linked its key first; that one is the key
        finally:
            draft.unlink()
    return path.read_text().strip()


SECRET_KEY = _env_str("WANGGE_SECRET_KEY") or _key_file("secret.key", 32)
# 32 bytes: the SM4 key and the SM3-HMAC blind-index key are derived from it (access.crypto).
WANGGE_DATA_KEY = _env_str("WANGGE_DATA_KEY") or _key_file("data.key", 32)

DEBUG = _env_bool("WANGGE_DEBUG")
ALLOWED_HOSTS = _env_list("WANGGE_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = _env_list("WANGGE_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "wangge.core",
    "wangge.access",
    "wangge.audit",
    "wangge.geo",
    "wangge.addresses",
    "wangge.people",
    "wangge.fusion",
    "wangge.cases",
    "wangge.inspections",
    "wangge.tasks",
    "django_tasks",
    "django_tasks_db",
    "wangge.jobs",
    "wangge.offline",
    "wangge.forms",
]

MIDDLEWARE = [
    "wangge.core.api_errors.ErrorFormatMiddleware",  # first: sees every error answer
    "wangge.core.middleware.PageMethodsMiddleware",  # pages: GET, HEAD, POST only
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wangge.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wangge.core.middleware.StorableTextMiddleware",  # after CSRF: the form is read by then
]

ROOT_URLCONF = "wangge.urls"
CSRF_FAILURE_VIEW = "wangge.core.api_errors.csrf_failure"
WSGI_APPLICATION = "wangge.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wangge.access.context_processors.platform",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'wangge.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        _env_str("WANGGE_DATABASE_URL") or _default_db, conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while an import writes; IMMEDIATE avoids
        # "database is locked" upgrades from read to write transactions. secure_delete
        # overwrites deleted rows and dropped pages with zeros, so a copy of the file holds no
        # personal data the platform has deleted or re-encrypted (issue 12, attack 3).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536; PRAGMA secure_delete=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
# Background jobs (wangge.jobs) keep their queue, progress and heartbeats in a store of their
# own: on SQLite a second file, so a worker polling the queue or a job reporting progress never
# waits behind an import holding the data file's write lock; on PostgreSQL a second connection
# to the same database, so progress is seen while the job's own transaction is still open.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["jobs"] = {
        **DATABASES["default"],
        "NAME": str(DATA_DIR / "jobs.sqlite3"),
        "TEST": {},
    }
else:
    DATABASES["jobs"] = {**DATABASES["default"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The audit log, sessions and the database cache live in their own store (wangge.audit.routers),
# so audited reads and log-ins never wait behind a data write: on SQLite a file of their own, on
# PostgreSQL their own connection to the same database unless WANGGE_AUDIT_DATABASE_URL is set.
WANGGE_AUDIT_DATABASE_URL = _env_str("WANGGE_AUDIT_DATABASE_URL")
if WANGGE_AUDIT_DATABASE_URL:
    DATABASES["audit"] = dj_database_url.parse(WANGGE_AUDIT_DATABASE_URL, conn_max_age=60)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["audit"] = dj_database_url.parse(
        f"sqlite:///{DATA_DIR / 'wangge-audit.sqlite3'}", conn_max_age=0
    )
else:
    DATABASES["audit"] = {**DATABASES["default"]}
if DATABASES["audit"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["audit"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; "
            "PRAGMA secure_delete=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
WANGGE_AUDIT_SHARES_DEFAULT = all(
    DATABASES["audit"].get(key) == DATABASES["default"].get(key)
    for key in ("ENGINE", "HOST", "PORT", "NAME")
)
if WANGGE_AUDIT_SHARES_DEFAULT and DATABASES["audit"]["ENGINE"] == "django.db.backends.sqlite3":
    # One SQLite file has one writer: a data write would wait for its own audit entry.
    raise ImproperlyConfigured("WANGGE_AUDIT_DATABASE_URL 不能与主库是同一个 SQLite 文件")
DATABASE_ROUTERS = ["wangge.jobs.router.JobsRouter", "wangge.audit.routers.AuditRouter"]
# An entry recorded inside a data transaction that never reports its commit (rolled back, or
# the process died) is chained as "unconfirmed" after this many seconds.
WANGGE_AUDIT_OPEN_GRACE = _env_int("WANGGE_AUDIT_OPEN_GRACE", 3600)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# OWASP ASVS 2.1: at least 12 characters, not a common or all-digit password, not the username.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "wangge.access.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "core:home"
# The page "/" shows, named so core imports no app: a grid worker's workbench (tasks), else the
# regions a user's roles reach (geo).
HOME_VIEW = "wangge.tasks.views.home"
LOGOUT_REDIRECT_URL = "access:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Front-end libraries come from npm (package.json); they are served from node_modules, never
# copied into the repository.
_npm = REPO_DIR / "node_modules"
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "static"]
STATICFILES_DIRS += [
    (prefix, _npm / path)
    for prefix, path in [
        ("vendor/leaflet", "leaflet/dist"),
        ("vendor/echarts", "echarts/dist"),
        ("vendor/htmx", "htmx.org/dist"),
    ]
    if (_npm / path).is_dir()
]
# The offline workbench's bundles, built from frontend/ by scripts/install (never committed).
if (REPO_DIR / "build" / "offline").is_dir():
    STATICFILES_DIRS.append(("offline", REPO_DIR / "build" / "offline"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# One cache shared by every web worker, job worker and command, so that rate limits, lockouts
# and counters hold across processes: a table in the database by default (nothing to install),
# Redis when WANGGE_REDIS_URL is set.
WANGGE_REDIS_URL = _env_str("WANGGE_REDIS_URL")
CACHES: dict[str, dict[str, object]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": WANGGE_REDIS_URL}
        if WANGGE_REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "wangge_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    )
}

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Map tiles need the internet or a local tile server; by default the map draws only grids and
# buildings. Example: https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8
WANGGE_TILE_URL = _env_str("WANGGE_TILE_URL")
# Coordinate system of those tiles: "wgs84" (Tianditu, OSM) or "gcj02" (AMap, Tencent).
WANGGE_TILE_CRS = _env_str("WANGGE_TILE_CRS", "wgs84")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors": {"()": "wangge.core.logfilters.ClientErrorsWithoutTraceback"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors"]},
    },
    "root": {"handlers": ["console"], "level": _env_str("WANGGE_LOG_LEVEL", "WARNING")},
}

# Background jobs on Django's task API (the django-tasks backport): WANGGE_JOBS_BACKEND is
# "database" (default: the queue is a table in the jobs store, `wangge worker` runs it),
# "redis" (RQ on WANGGE_REDIS_URL) or "immediate" (run inside the request; tests, debugging).
WANGGE_JOBS_BACKEND = _env_str("WANGGE_JOBS_BACKEND", "database").lower()
if WANGGE_JOBS_BACKEND == "redis":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": WANGGE_REDIS_URL or "redis://127.0.0.1:6379/0"}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif WANGGE_JOBS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Seconds without a heartbeat after which a running job counts as dead (its worker was killed).
WANGGE_JOBS_DEAD_AFTER = _env_int("WANGGE_JOBS_DEAD_AFTER", 60)
# Hours an export's file (built by a job) stays downloadable before it is refused and deleted.
WANGGE_EXPORT_KEEP_HOURS = _env_int("WANGGE_EXPORT_KEEP_HOURS", 24)
# Periodic jobs' intervals in seconds, e.g. "case-sweep=600,audit-sequence=10".
WANGGE_JOBS_EVERY = {
    name.strip(): int(seconds)
    for name, _, seconds in (item.partition("=") for item in _env_list("WANGGE_JOBS_EVERY"))
    if name.strip() and seconds.strip().isdigit()
}

# ----------------------------------------------------------------------------- settings read
# elsewhere through django.conf.settings (defaults here, so the docs table is the whole story)
WANGGE_CASE_REMIND_HOURS = _env_int("WANGGE_CASE_REMIND_HOURS", 24)
# Tasks (wangge.tasks): a task past its date goes to the level above at once (督办 level 1) and
# two levels above after this many more working days; the workbench lists the households not
# visited for WANGGE_VISIT_INTERVAL_DAYS days.
WANGGE_TASK_ESCALATE_DAYS = _env_int("WANGGE_TASK_ESCALATE_DAYS", 3)
WANGGE_VISIT_INTERVAL_DAYS = _env_int("WANGGE_VISIT_INTERVAL_DAYS", 30)
# Seconds between scheduled retrainings of the category suggester (0: only when asked).
WANGGE_SUGGESTER_RETRAIN_EVERY = _env_int("WANGGE_SUGGESTER_RETRAIN_EVERY", 7 * 24 * 3600)
WANGGE_NOTIFY_WEBHOOK_URL = _env_str("WANGGE_NOTIFY_WEBHOOK_URL")
WANGGE_NOTIFY_SENDER = _env_str("WANGGE_NOTIFY_SENDER")
WANGGE_OPEN311_CONTACT = _env_str("WANGGE_OPEN311_CONTACT")
# Open311 jurisdiction_id values this endpoint answers to (comma list); empty = the top
# regions' codes.
WANGGE_OPEN311_JURISDICTION = _env_list("WANGGE_OPEN311_JURISDICTION")
WANGGE_IMPORT_MAX_FILE_BYTES = _env_int("WANGGE_IMPORT_MAX_FILE_BYTES", 200 * 1024 * 1024)
WANGGE_IMPORT_MAX_UNCOMPRESSED_BYTES = _env_int(
    "WANGGE_IMPORT_MAX_UNCOMPRESSED_BYTES", 1024 * 1024 * 1024
)
WANGGE_IMPORT_MAX_COMPRESSION_RATIO = _env_float("WANGGE_IMPORT_MAX_COMPRESSION_RATIO", 200.0)
# How far (metres) outside its community a registry point may lie (geocoding noise) and still be
# snapped into the nearest grid with a warning; farther points are refused with their distance.
WANGGE_REGISTRY_SNAP_METRES = _env_float("WANGGE_REGISTRY_SNAP_METRES", 30.0)
WANGGE_IMPORT_MAX_ROWS = _env_int("WANGGE_IMPORT_MAX_ROWS", 2_000_000)
WANGGE_IMPORT_MAX_CELLS = _env_int("WANGGE_IMPORT_MAX_CELLS", 40_000_000)
# A commit writes in chunks sized to hold the write lock about this long, pausing between them
# so the report page and case intake get their turn (fusion.committing): a writing request
# waits at most about one chunk, half a second (300 ms made a 1M-row commit 12 % slower, its
# chunks rewriting the same index pages more often); a commit whose writer
# stopped stamping its heartbeat this long ago counts as dead, is cleaned up and may be rerun.
WANGGE_IMPORT_CHUNK_LOCK_MS = _env_int("WANGGE_IMPORT_CHUNK_LOCK_MS", 500)
WANGGE_IMPORT_CHUNK_PAUSE_MS = _env_int("WANGGE_IMPORT_CHUNK_PAUSE_MS", 100)
WANGGE_IMPORT_STALE_AFTER = _env_int("WANGGE_IMPORT_STALE_AFTER", 60)
# How long a process trusts its last look at which tables have hidden rows (core.hidden).
WANGGE_HIDDEN_CHECK_MS = _env_int("WANGGE_HIDDEN_CHECK_MS", 500)

# ----------------------------------------------------------------------------- security
# Client address: X-Forwarded-For is believed only from these proxies (access.clientip).
WANGGE_TRUSTED_PROXIES = _env_list("WANGGE_TRUSTED_PROXIES")

# Log-in lockout (django-axes, access.authn): per (normalised username, address) and per address.
WANGGE_LOGIN_FAILURE_LIMIT = _env_int("WANGGE_LOGIN_FAILURE_LIMIT", 5)
WANGGE_LOGIN_IP_FAILURE_LIMIT = _env_int("WANGGE_LOGIN_IP_FAILURE_LIMIT", 30)
WANGGE_LOGIN_LOCKOUT_MINUTES = _env_int("WANGGE_LOGIN_LOCKOUT_MINUTES", 15)
INSTALLED_APPS += ["axes", "django_ratelimit"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "wangge.access.authn.WanggeAxesHandler"
AXES_FAILURE_LIMIT = WANGGE_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=WANGGE_LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_USERNAME_CALLABLE = "wangge.access.authn.axes_username"
AXES_CLIENT_IP_CALLABLE = "wangge.access.clientip.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "wangge.access.authn.lockout_response"
AXES_RESET_ON_SUCCESS = True  # the pair only (WanggeAxesHandler.reset_user_attempts)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # successful log-ins are in the audit log already
AXES_VERBOSE = False

# Rate limits (django-ratelimit) on the shared cache; "0" switches a limit off.
WANGGE_REPORT_RATE_LIMIT = _env_int("WANGGE_REPORT_RATE_LIMIT", 5)
WANGGE_REPORT_RATE_WINDOW = _env_int("WANGGE_REPORT_RATE_WINDOW", 600)
WANGGE_OPEN311_ANONYMOUS_POST = _env_bool("WANGGE_OPEN311_ANONYMOUS_POST")
WANGGE_API_RATE_LIMIT = _env_str("WANGGE_API_RATE_LIMIT", "600/m")
# Form submissions (wangge.forms): applied to the household file in the request ("inline", the
# sender hears of a refusal at once) or by a background job ("job": intake only stores).
WANGGE_FORMS_APPLY = _env_str("WANGGE_FORMS_APPLY", "inline")
# LibreOffice for rectification notices as PDF; empty: `soffice` or `libreoffice` on PATH.
WANGGE_SOFFICE = _env_str("WANGGE_SOFFICE", "")
# LibreOffice conversions running at once on this machine (each a process of a few hundred MB);
# a request that finds none free within 5 s is answered 503 (inspections.documents).
WANGGE_PDF_CONVERSIONS = _env_int("WANGGE_PDF_CONVERSIONS", 2)
# Exact ID-number and phone searches per user and window (wangge.access.searchguard): the one
# oracle for guessing a masked number's hidden digits. Users with reveal rights get more.
WANGGE_EXACT_SEARCH_LIMIT = _env_int("WANGGE_EXACT_SEARCH_LIMIT", 20)
WANGGE_EXACT_SEARCH_LIMIT_REVEAL = _env_int("WANGGE_EXACT_SEARCH_LIMIT_REVEAL", 60)
WANGGE_EXACT_SEARCH_WINDOW = _env_int("WANGGE_EXACT_SEARCH_WINDOW", 600)
# This many exact searches without a result within the window raise a SearchAlert.
WANGGE_SEARCH_ALERT_MISSES = _env_int("WANGGE_SEARCH_ALERT_MISSES", 10)
WANGGE_SEARCH_ALERT_WINDOW = _env_int("WANGGE_SEARCH_ALERT_WINDOW", 600)
RATELIMIT_USE_CACHE = "default"
if not WANGGE_REDIS_URL:
    # Django's DatabaseCache increments with a get and a set, not atomically across processes.
    CACHES["default"]["BACKEND"] = "wangge.core.cache.AtomicDatabaseCache"
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]  # it knows only memcached and django-redis
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The hazard ledger's covering indexes (INCLUDE grid) are for PostgreSQL; SQLite builds
    # them without the extra column, as intended, and `wangge migrate` need not warn of it.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# Request bodies: anonymous requests above this are refused from Content-Length, unread.
WANGGE_ANONYMOUS_MAX_BODY_BYTES = _env_int("WANGGE_ANONYMOUS_MAX_BODY_BYTES", 20 * 1024 * 1024)

# Sessions end with the browser, after WANGGE_SESSION_IDLE_MINUTES without a request, and
# WANGGE_SESSION_MAX_HOURS after log-in whatever happens (access.middleware).
WANGGE_SESSION_IDLE_MINUTES = _env_int("WANGGE_SESSION_IDLE_MINUTES", 30)
WANGGE_SESSION_MAX_HOURS = _env_int("WANGGE_SESSION_MAX_HOURS", 10)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = WANGGE_SESSION_MAX_HOURS * 3600
CSRF_COOKIE_HTTPONLY = True

# HTTPS behind the TLS proxy: Secure cookies and HSTS. The proxy must set X-Forwarded-Proto.
WANGGE_HTTPS = _env_bool("WANGGE_HTTPS")
WANGGE_HSTS_SECONDS = _env_int("WANGGE_HSTS_SECONDS", 365 * 24 * 3600)
if WANGGE_HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = WANGGE_HSTS_SECONDS

# Content-Security-Policy (django-csp): scripts and styles from this site only, no inline code.


def _tile_origin(url: str) -> list[str]:
    """The tile server's origin for img-src; a {s} subdomain becomes a wildcard."""
    if not url:
        return []
    parts = urlsplit(url)
    host = parts.netloc
    if "{" in host:
        host = "*." + host.split(".", 1)[1]
    return [f"{parts.scheme}://{host}"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF, "data:", "blob:", *_tile_origin(WANGGE_TILE_URL)],
        "connect-src": [csp_constants.SELF],
        "font-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "form-action": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    }
}
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "geolocation": ["self"],  # the report page's "use my location"
    "camera": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "display-capture": [],
    "fullscreen": [],
}
MIDDLEWARE.insert(1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(2, "django_permissions_policy.PermissionsPolicyMiddleware")
_after_auth = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE[_after_auth:_after_auth] = [
    "wangge.access.middleware.BodySizeLimitMiddleware",
    "wangge.access.middleware.SessionTimeoutMiddleware",
    "wangge.access.middleware.NoStoreMiddleware",
    "wangge.access.middleware.RefusalAuditMiddleware",
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
# outermost: a HEAD answer leaves with no content, whoever made it (core/middleware.py)
MIDDLEWARE.insert(0, "wangge.core.middleware.HeadWithoutBodyMiddleware")

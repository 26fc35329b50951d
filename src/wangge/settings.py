"""Settings come from the environment so one install serves the demo, tests and production.

Secrets (Django's signing key and the data key that encrypts personal data) are generated into
the data directory on first run, so a fresh machine needs no manual step and the keys never
enter version control.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("WANGGE_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _key_file(name: str, nbytes: int) -> str:
    """Read a key from the data directory, creating it (mode 0600) the first time."""
    path = DATA_DIR / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(nbytes))
    return path.read_text().strip()


SECRET_KEY = os.environ.get("WANGGE_SECRET_KEY") or _key_file("secret.key", 32)
# 32 bytes: the SM4 key and the SM3-HMAC blind-index key are derived from it (access.crypto).
WANGGE_DATA_KEY = os.environ.get("WANGGE_DATA_KEY") or _key_file("data.key", 32)

DEBUG = os.environ.get("WANGGE_DEBUG", "").lower() in {"1", "true", "yes"}
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("WANGGE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("WANGGE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

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
    "wangge.geo",
    "wangge.addresses",
    "wangge.people",
    "wangge.fusion",
    "wangge.cases",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wangge.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "wangge.urls"
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
                "wangge.core.context_processors.platform",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'wangge.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("WANGGE_DATABASE_URL", _default_db), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while an import writes; IMMEDIATE avoids
        # "database is locked" upgrades from read to write transactions.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "core:home"
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# One cache shared by every web worker, job worker and command, so that rate limits, lockouts
# and counters hold across processes: a table in the database by default (nothing to install),
# Redis when WANGGE_REDIS_URL is set.
WANGGE_REDIS_URL = os.environ.get("WANGGE_REDIS_URL", "")
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
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"

# Map tiles need the internet or a local tile server; by default the map draws only grids and
# buildings. Example: https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8
WANGGE_TILE_URL = os.environ.get("WANGGE_TILE_URL", "")
# Coordinate system of those tiles: "wgs84" (Tianditu, OSM) or "gcj02" (AMap, Tencent).
WANGGE_TILE_CRS = os.environ.get("WANGGE_TILE_CRS", "wgs84")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WANGGE_LOG_LEVEL", "WARNING")},
}

"""Netkeep settings: everything that differs between machines comes from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from csp.constants import NONCE, NONE, SELF

from netkeep.config import (
    env_addresses,
    env_bool,
    env_choice,
    env_db,
    env_float,
    env_int,
    env_list,
    env_optional_bool,
    env_optional_int,
    env_str,
    env_time_zone,
    read_env_file,
    stop,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Every variable is read through netkeep/config.py: a bad or out-of-range value
# stops the start with one line naming it. FOO_FILE may hold any FOO (secrets).
read_env_file(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env_str("NETKEEP_DATA_DIR", str(BASE_DIR / "data")))

DEV_SECRET_KEY = "django-insecure-netkeep-development-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and (
    SECRET_KEY == DEV_SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 32
):
    stop(
        "SECRET_KEY is missing or is the development key: set SECRET_KEY (or SECRET_KEY_FILE) "
        "to a random string of at least 32 characters, for example the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`, or set DEBUG=true "
        "for local development."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
TIME_ZONE = env_time_zone("TIME_ZONE", "UTC")
USE_TZ = True
USE_I18N = False
LANGUAGE_CODE = "en-us"

INSTALLED_APPS = [
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_q",
    "netkeep",
    "ipam",
    "inventory",
    "discovery",
    "backups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "netkeep.text.RefuseControlCharacters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.sessions.AuthenticationMiddleware",
    "netkeep.middleware.NoStoreMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "accounts.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "netkeep.urls"
WSGI_APPLICATION = "netkeep.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # Only the fragments drawn hundreds of times a page (netkeep/jinja.py says why).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "netkeep.jinja.environment"},
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {"default": env_db("DATABASE_URL", f"sqlite:///{DATA_DIR / 'netkeep.sqlite3'}")}
# The password may live apart from the URL (DATABASE_PASSWORD_FILE: a Docker secret
# that the postgres container reads too).
if env_str("DATABASE_PASSWORD", ""):
    DATABASES["default"]["PASSWORD"] = env_str("DATABASE_PASSWORD", "")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + busy timeout + IMMEDIATE transactions: the web process and the
    # workers write at the same time without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Kept between requests too: opening the file and running the PRAGMAs cost every
    # request 3-4 ms (docs/benchmarks.md, "PostgreSQL against SQLite, interleaved").
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # Parameters bound by the server, and psycopg prepares a query the fifth time a
        # connection runs it: a page's queries are then neither parsed nor planned again
        # (planning was most of the server's time per query: docs/benchmarks.md). Django
        # turns preparing off unless given a threshold. Set false behind a pooler in
        # transaction mode that does not keep prepared statements (PgBouncer < 1.21).
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A database-backed cache is shared by the web processes and every worker,
# on one machine or many: django-q2 keeps its cluster heartbeat there.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "netkeep_cache",
    }
}

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's ModelBackend, reading a user's permissions in one query (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.PermissionBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    # Django's checks, with messages that say what to do (accounts/passwords.py).
    {"NAME": "accounts.passwords.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.NumericPasswordValidator"},
]
NETKEEP_ADMIN_USER = env_str("NETKEEP_ADMIN_USER", "")
NETKEEP_ADMIN_PASSWORD = env_str("NETKEEP_ADMIN_PASSWORD", "")
# Login throttling: failures allowed per window, per client IP and per username.
LOGIN_THROTTLE_IP = (env_int("LOGIN_THROTTLE_IP_LIMIT", 20, low=1, high=100_000), 60)
LOGIN_THROTTLE_USER = (env_int("LOGIN_THROTTLE_USER_LIMIT", 10, low=1, high=100_000), 15 * 60)
# Behind a reverse proxy, set this to the number of proxies that append to X-Forwarded-For.
NUM_PROXIES = env_int("NUM_PROXIES", 0, low=0, high=10)

# Database sessions that carry their user's id as a column (accounts.sessions).
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int(
    "SESSION_COOKIE_AGE", 12 * 3600, low=60, high=366 * 86400, unit="seconds"
)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from <body hx-headers>, not the cookie
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, low=0, high=2 * 366 * 86400, unit="seconds")
# Only sent when SECURE_HSTS_SECONDS > 0, i.e. once the operator opted in to HSTS.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# The container health probe talks plain HTTP to the web process itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp 4): scripts, styles, images, fonts and
# requests only from this server; no inline script or style (a nonce lets a
# third-party page's own inline script run where one is needed); no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if NUM_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTAuthentication",
        "accounts.authentication.APITokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "accounts.permissions.TokenScope",
        "accounts.permissions.PasswordChanged",
        "accounts.permissions.ModelPermissions",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "netkeep.filtering.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "netkeep.api.parsers.JSONParser",
        "netkeep.api.parsers.FormParser",
        "netkeep.api.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "netkeep.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "netkeep.api.exceptions.exception_handler",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        minutes=env_int("JWT_ACCESS_MINUTES", 5, low=1, high=24 * 60, unit="minutes")
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(
        days=env_int("JWT_REFRESH_DAYS", 1, low=1, high=365, unit="days")
    ),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY", "") or SECRET_KEY,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Netkeep API",
    "DESCRIPTION": "IPAM, inventory, discovery and configuration backups.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status` with its own choices: name each set once.
    "ENUM_NAME_OVERRIDES": {
        "ImportStatusEnum": "netkeep.models.ImportStatus",
        "CheckStatusEnum": "inventory.models.CheckStatus",
        "RunStatusEnum": "netkeep.jobs.models.RunStatus",
        "HostStatusEnum": "ipam.models.HostStatus",
    },
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.PasswordChanged",
    ],
    "SERVE_AUTHENTICATION": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.JWTAuthentication",
        "accounts.authentication.APITokenAuthentication",
    ],
}

# --- Background work --------------------------------------------------------
Q_TIMEOUT = env_int("Q_TIMEOUT", 600, low=30, high=7 * 86400, unit="seconds")
Q_CLUSTER: dict[str, Any] = {
    "name": env_str("Q_CLUSTER_NAME", "netkeep"),
    "orm": "default",
    "workers": env_int("Q_WORKERS", 2, low=1, high=64),
    "timeout": Q_TIMEOUT,
    # retry must stay above the longest timeout, or a slow task runs twice at once.
    "retry": Q_TIMEOUT + 60,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 1000,
    # An idle cluster asks the ORM queue for work this often (django-q2's default):
    # a job waits at most this long to start; one cheap query per poll.
    "poll": 0.2,
    "ack_failures": True,
    "cache": "default",
    "label": "Background jobs",
}

# --- Netkeep ----------------------------------------------------------------
# Nothing is swept or port-scanned outside these networks. Empty by default.
SCAN_ALLOWED_NETWORKS = env_list("SCAN_ALLOWED_NETWORKS", [])
# Keys for secrets stored in the database (credential sets, webhook secrets):
# a comma-separated list, newest first, so keys can be rotated (MultiFernet).
NETKEEP_SECRET_KEYS = env_list("NETKEEP_SECRET_KEYS", [])
# Discovery tuning. The sweep engine paces its sends at this rate (packets per
# second), waits this long for replies and retries silent addresses this often.
NETKEEP_PING_RATE_PPS = env_int(
    "NETKEEP_PING_RATE_PPS", 20000, low=1, high=1_000_000, unit="packets per second"
)
NETKEEP_PING_TIMEOUT_S = env_float("NETKEEP_PING_TIMEOUT_S", 1.0, low=0.01, high=60, unit="seconds")
NETKEEP_PING_RETRIES = env_int("NETKEEP_PING_RETRIES", 1, low=0, high=10)
# Empty: detect (raw socket as root / CAP_NET_RAW, else ping_group_range).
NETKEEP_PING_PRIVILEGED = env_optional_bool("NETKEEP_PING_PRIVILEGED")
# Where connection tests, service checks and backups resolve names (a device's SSH
# host name, a check's URL). Empty: the system resolver.
NETKEEP_DNS_SERVERS = env_addresses("NETKEEP_DNS_SERVERS")
NETKEEP_DNS_TIMEOUT_S = env_float("NETKEEP_DNS_TIMEOUT_S", 2.0, low=0.1, high=60, unit="seconds")
NETKEEP_WEBHOOK_TIMEOUT = env_float(
    "NETKEEP_WEBHOOK_TIMEOUT", 10.0, low=0.5, high=300, unit="seconds"
)
# CSV imports: the largest upload accepted, and the most rows previewed inside the
# request; larger files are previewed and applied by a background job.
NETKEEP_IMPORT_MAX_MB = env_int("NETKEEP_IMPORT_MAX_MB", 20, low=1, high=10_000, unit="MB")
NETKEEP_IMPORT_INLINE_ROWS = env_int("NETKEEP_IMPORT_INLINE_ROWS", 1000, low=0, high=1_000_000)
# A running job whose heartbeat is this late is marked failed (worker lost).
# Empty: 30 s (heartbeats come every 3 s).
NETKEEP_STALE_RUN_S = env_optional_int("NETKEEP_STALE_RUN_S", low=30, unit="seconds")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # 403s and django.security refusals log one line, not a traceback (netkeep/logs.py).
    "filters": {"one_line_refusals": {"()": "netkeep.logs.OneLineRefusals"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["one_line_refusals"],
        }
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
    },
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# Config backups: concurrent SSH sessions overall and per site; retention (every
# version for KEEP_DAYS, then one a day until DAILY_DAYS, then one a week; always the
# last KEEP_LAST); what happens to a removed device's versions; optional git export.
NETKEEP_BACKUP_SESSIONS = env_int("NETKEEP_BACKUP_SESSIONS", 8, low=1, high=500)
NETKEEP_BACKUP_SESSIONS_PER_SITE = env_int("NETKEEP_BACKUP_SESSIONS_PER_SITE", 4, low=1, high=500)
NETKEEP_BACKUP_KEEP_DAYS = env_int("NETKEEP_BACKUP_KEEP_DAYS", 90, low=1, high=36_500, unit="days")
NETKEEP_BACKUP_DAILY_DAYS = env_int(
    "NETKEEP_BACKUP_DAILY_DAYS", 365, low=1, high=36_500, unit="days"
)
NETKEEP_BACKUP_FACTS_HOURS = env_int(
    "NETKEEP_BACKUP_FACTS_HOURS", 24, low=0, high=8_760, unit="hours"
)
NETKEEP_BACKUP_KEEP_LAST = env_int("NETKEEP_BACKUP_KEEP_LAST", 10, low=1, high=100_000)
NETKEEP_BACKUP_REMOVED_DEVICES = env_choice(
    "NETKEEP_BACKUP_REMOVED_DEVICES", "keep", ["keep", "delete"]
)
NETKEEP_BACKUP_GIT_DIR = env_str("NETKEEP_BACKUP_GIT_DIR", "")

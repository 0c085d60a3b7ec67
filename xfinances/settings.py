"""Django settings. Every value comes from an environment variable (see README, Configuration)."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from xfinances.config import env_bool, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent

# Everything XFINANCES writes at run time (SQLite files, stored PDFs, uploads, the queue).
DATA_DIR = env_path("XFINANCES_DATA_DIR", PROJECT_DIR / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = env_str("SECRET_KEY", "")
    if configured:
        return configured
    # A fresh machine gets its own random key, kept beside the data so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
BASE_URL = env_str("BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "huey.contrib.djhuey",
    "axes",
    "xfinances.core",
    "xfinances.parties",
    "xfinances.catalog",
    "xfinances.invoicing",
    "xfinances.purchases",
    "xfinances.notifications",
    "xfinances.treasury",
    "xfinances.payments",
    "xfinances.banking",
    "xfinances.accounting",
    "xfinances.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "xfinances.core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # A database that cannot be reached: 503 + Retry-After instead of a 500.
    "xfinances.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "xfinances.urls"
WSGI_APPLICATION = "xfinances.wsgi.application"

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
                "django.template.context_processors.i18n",
                "xfinances.core.context.shell",
            ],
            # Numbers and dates in the active language on every page (core/formatting.py).
            "builtins": ["xfinances.core.templatetags.formatting"],
        },
    },
]

# Forms render with Bootstrap classes from templates/django/forms and templates/core/form.html.
FORM_RENDERER = "xfinances.core.forms.BootstrapFormRenderer"

# Database: embedded SQLite by default, PostgreSQL in production (DATABASE_URL).
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'xfinances.sqlite3'}")
# Connections are kept for a minute (CONN_MAX_AGE) and checked before a request reuses one
# (CONN_HEALTH_CHECKS): after a PostgreSQL restart or failover each thread reconnects instead of
# failing its first request on a dead connection (tests/scale/test_fault_postgres_restart.py).
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of deadlocking.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock an e-mail + address pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Languages: Bulgarian first, English switchable.
LANGUAGE_CODE = "bg"
LANGUAGES = [("bg", _("Bulgarian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Sofia")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = env_path("XFINANCES_FILES_DIR", DATA_DIR / "files")
MEDIA_URL = "/files/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# E-mail: SMTP when EMAIL_HOST is set; otherwise messages are written to var/mail.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "XFINANCES <no-reply@localhost>")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")

# Cache: Redis when REDIS_URL is set (shared by all processes), else the database. The Redis
# database also holds the worker's queue, so the cache's clear() removes only its own keys.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "xfinances.core.cache.SharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "xfinances-cache",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "xfinances_cache",
        }
    }

# Background work: Huey on SQLite by default, on Redis when REDIS_URL is set.
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("HUEY_NAME", "xfinances"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "xfinances",
        "filename": str(DATA_DIR / "queue.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }
HUEY["consumer"] = {"workers": env_int("WORKER_THREADS", 2), "worker_type": "thread"}

SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "SAMEORIGIN"

# Sales documents (practice rules from shared/domain/bg-invoicing.md, kept configurable).
INVOICING_TAX_EVENT_MAX_DAYS_AFTER_ISSUE = env_int("INVOICING_TAX_EVENT_MAX_DAYS_AFTER_ISSUE", 0)
INVOICING_ANNULMENT_PROTOCOL_AFTER_DAYS = env_int("INVOICING_ANNULMENT_PROTOCOL_AFTER_DAYS", 5)
INVOICING_RENDER_PDF = env_bool("INVOICING_RENDER_PDF", True)

# Delivery: the e-mail and webhook outbox (xfinances.notifications).
NOTIFICATIONS_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", 100)
NOTIFICATIONS_GIVE_UP_HOURS = env_int("OUTBOX_GIVE_UP_HOURS", 48)
NOTIFICATIONS_MAX_BACKOFF_MINUTES = env_int("OUTBOX_MAX_BACKOFF_MINUTES", 60)
NOTIFICATIONS_STUCK_AFTER_MINUTES = env_int("OUTBOX_STUCK_AFTER_MINUTES", 10)
NOTIFICATIONS_KICK_WORKER = env_bool("OUTBOX_KICK_WORKER", True)
NOTIFICATIONS_MESSAGE_ID_DOMAIN = env_str("OUTBOX_MESSAGE_ID_DOMAIN", "")
NOTIFICATIONS_WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
NOTIFICATIONS_BOUNCE_IMAP_HOST = env_str("BOUNCE_IMAP_HOST", "")
NOTIFICATIONS_BOUNCE_IMAP_PORT = env_int("BOUNCE_IMAP_PORT", 993)
NOTIFICATIONS_BOUNCE_IMAP_SSL = env_bool("BOUNCE_IMAP_SSL", True)
NOTIFICATIONS_BOUNCE_IMAP_USER = env_str("BOUNCE_IMAP_USER", "")
NOTIFICATIONS_BOUNCE_IMAP_PASSWORD = env_str("BOUNCE_IMAP_PASSWORD", "")
NOTIFICATIONS_BOUNCE_IMAP_FOLDER = env_str("BOUNCE_IMAP_FOLDER", "INBOX")

# Supplier invoices.
PURCHASES_ATTACHMENT_MAX_MB = env_int("PURCHASES_ATTACHMENT_MAX_MB", 20)

# API tokens: how long a token lives unless revoked (0 = until revoked).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The Huey consumer adds its own handler; do not print its lines twice.
    "loggers": {"huey": {"level": "INFO", "propagate": False}, "axes": {"level": "WARNING"}},
}

# PDF printing (core/printing.py): a caller waits at most this long for one Typst compile.
PRINTING_TIME_LIMIT_SECONDS = env_int("PDF_TIME_LIMIT_SECONDS", 30)

# Security (issue 14): the site's Content-Security-Policy and safe file responses
# (core/middleware.py, core/file_responses.py); secure cookies and HSTS in production, which
# is an install served over HTTPS (BASE_URL) without DEBUG. A loopback install stays on HTTP.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "xfinances.core.middleware.SecurityHeadersMiddleware",
)
_PRODUCTION = BASE_URL.startswith("https://") and not DEBUG
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", _PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600 if _PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# The input boundary (core/readers.py, core/schemas.py, core/middleware.py; issue 14): the sane
# range of business dates, and the largest API body.
XFINANCES_MIN_DATE = env_str("XFINANCES_MIN_DATE", "2000-01-01")
XFINANCES_MAX_DATE = env_str("XFINANCES_MAX_DATE", "2099-12-31")
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)
FORM_MAX_BODY_BYTES = env_int("FORM_MAX_BODY_BYTES", 1024 * 1024)
# API paths that take a base64 file in their JSON body (up to DATA_UPLOAD_MAX_MEMORY_SIZE).
API_FILE_PATHS = ["/supplier-invoices/import-ubl"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("xfinances.core.middleware.SecurityHeadersMiddleware") + 1,
    "xfinances.core.middleware.InputBoundaryMiddleware",
)
# Sign-up for a first company in the UI (issue 11): "auto" allows it while the install has no
# company yet (a fresh install), "true" always, "false" never.
XFINANCES_ALLOW_SIGNUP = env_str("XFINANCES_ALLOW_SIGNUP", "auto").strip().lower()
# Production over HTTPS (docs/deploy.md). With SECURE_COOKIES on, the site is HTTPS-only: HSTS
# for a year, plain-HTTP requests redirected (the proxy normally does it first; the health check
# stays reachable over HTTP for load balancers). `xfinances serve` then marks every request
# HTTPS; a server of your own behind a proxy that sets X-Forwarded-Proto sets TRUST_PROXY_PROTO.
if env_bool("TRUST_PROXY_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    # Joining the browsers' HSTS preload list is the domain owner's choice (HSTS_PRELOAD).
    "security.W021",
    # The document page shows its PDF in a frame of the same origin, so SAMEORIGIN, not DENY.
    "security.W019",
]
# The address of the reverse proxy in front of `xfinances serve` ("*" for any): its
# X-Forwarded-For then gives the client's address for the audit trail and sign-in throttling.
TRUSTED_PROXY = env_str("TRUSTED_PROXY", "")

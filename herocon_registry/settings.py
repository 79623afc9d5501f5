"""Herocon Registry settings: one module, every value from the environment.

With no environment at all this runs the development setup (SQLite file, DEBUG on, a
development-only secret key). Production sets SECRET_KEY, which turns DEBUG off by default;
`.env.example` lists every variable.
"""

from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from herocon_registry.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

_DEV_SECRET_KEY = "django-insecure-herocon-development-only-never-in-production"
SECRET_KEY = env_str("SECRET_KEY")
# Without a configured secret this is a development machine, so DEBUG defaults on there
# and off everywhere a real secret exists.
DEBUG = env_bool("DEBUG", default=not SECRET_KEY)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Key of the marketing suppression hashes (consents.Suppression). Set it once and keep it:
# a new key stops old suppressions from matching. Empty falls back to SECRET_KEY (then
# rotating SECRET_KEY would lose them).
CONSENT_SUPPRESSION_KEY = env_str("CONSENT_SUPPRESSION_KEY")

INSTALLED_APPS = [
    "herocon_registry.apps.HeroconAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # allauth's session list template formats "last seen" with humanize.
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "import_export",
    "customers",
    "consents",
    "privacy",
]

MIDDLEWARE = [
    # Outermost, so every answer carries the page policy: also an error page made from an
    # exception raised in the middleware below (a 400 for a disallowed Host, say).
    "herocon_registry.middleware.SecurityHeadersMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits, before a session is counted as active.
    "customers.middleware.SessionPolicyMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "customers.middleware.StaffMFARequiredMiddleware",
    "privacy.middleware.NoticeUpdateMiddleware",
]

ROOT_URLCONF = "herocon_registry.urls"
WSGI_APPLICATION = "herocon_registry.wsgi.application"
ASGI_APPLICATION = "herocon_registry.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: a SQLite file by default, PostgreSQL (or anything dj-database-url reads)
# through DATABASE_URL.
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))
_default_db = f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or _default_db,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
        conn_health_checks=True,
    )
}
# The erasure journal (privacy/journal.py): one line per erasure, outside the database, so
# `restore` can erase again whoever a restored backup would bring back. Keep it on storage
# that survives the database (and in the backups of that storage).
ERASURE_JOURNAL_PATH = Path(
    env_str("ERASURE_JOURNAL_PATH", str(DATA_DIR / "erasure-journal.jsonl"))
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL and a busy timeout keep the development server from "database is locked".
    DATABASES["default"]["OPTIONS"].update(
        {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = env_str("REDIS_URL")
if _redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "customers.User"
AUTHENTICATION_BACKENDS = [
    # Group permissions count only while the staff member's role grant is in force.
    # It subclasses allauth's backend, which must not be listed too: that one would hand
    # out a group's permissions without looking at the grant.
    "customers.backends.RoleGrantBackend",
]
# Argon2id first: new passwords get it, and an older hash (PBKDF2) is rehashed with it at
# the next successful login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# At least 12 characters and not on the common-password list; no composition rules and no
# upper limit below Django's own, so long passphrases are welcome (ASVS 5.0 V6.2).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/portal/"

# django-allauth: email is the login and must be verified.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# Links a verified account to its customer record and writes mail in the customer's language.
ACCOUNT_ADAPTER = "customers.adapters.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Herocon] "
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
}
# The user hears of every change to their password, email addresses and two-factor
# authentication, by mail, so a change they did not make does not go unnoticed.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Signup, login and password reset answer alike whether or not the address has an account.
ACCOUNT_PREVENT_ENUMERATION = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# TOTP secrets and recovery-code seeds are encrypted in the database (customers.mfa).
MFA_ADAPTER = "customers.mfa.MFAAdapter"
# Fernet keys, comma-separated, newest first: the first encrypts, all decrypt, and
# `manage.py rotate_mfa_keys` re-encrypts everything with the first. Empty: a key derived
# from SECRET_KEY (development only; the deploy check warns).
MFA_ENCRYPTION_KEYS = env_list("MFA_ENCRYPTION_KEYS")
# A customer sees their sessions (where, when last active) at /accounts/sessions/ and can
# end the others; the last-seen time and address are what make the list useful.
USERSESSIONS_TRACK_ACTIVITY = True
MFA_TOTP_ISSUER = "Herocon Registry"

# Internationalisation: Finnish first.
LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=not DEBUG)
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SAMESITE = "Lax"
# "__Host-" cookies are sent only over HTTPS, for this host alone and the whole site, so a
# sibling subdomain cannot set or overwrite them.
LANGUAGE_COOKIE_NAME = "__Host-django_language" if SECURE_COOKIES else "django_language"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
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

# Email: printed to the console in development unless EMAIL_HOST is set; SMTP otherwise
# (to a local MTA on localhost:25 when nothing else is configured).
_email_host = env_str("EMAIL_HOST")
if DEBUG and not _email_host:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host or "localhost",
                "port": env_int("EMAIL_PORT", 587 if _email_host else 25, minimum=1),
                "username": env_str("EMAIL_HOST_USER") or None,
                "password": env_str("EMAIL_HOST_PASSWORD") or None,
                "use_tls": env_bool("EMAIL_USE_TLS", default=bool(_email_host)),
                "timeout": 20,
            },
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Herocon <noreply@herocon.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Production sets SECURE_COOKIES/SECURE_SSL_REDIRECT/SECURE_HSTS_SECONDS.
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE_COOKIES else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE_COOKIES else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", int(timedelta(hours=12).total_seconds()))
# Enforced on the server by customers.middleware.SessionPolicyMiddleware (seconds).
SESSION_IDLE_TIMEOUT_CUSTOMER = env_int("SESSION_IDLE_TIMEOUT_CUSTOMER", 30 * 60, minimum=60)
SESSION_IDLE_TIMEOUT_STAFF = env_int("SESSION_IDLE_TIMEOUT_STAFF", 15 * 60, minimum=60)
STAFF_SESSION_MAX_AGE = env_int("STAFF_SESSION_MAX_AGE", 8 * 3600, minimum=600)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
_BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", default=False)
# With TLS on, HSTS for a year with subdomains unless told otherwise.
_TLS = SECURE_SSL_REDIRECT or _BEHIND_TLS_PROXY
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", int(timedelta(days=365).total_seconds()) if _TLS else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_TLS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if _BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

# How many reverse proxies in front of the app append to X-Forwarded-For. With 0 the
# header is ignored, so a client cannot choose the address the audit log records.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
# allauth reads its own setting for rate limits and the session list's addresses.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# django-import-export: only users holding the explicit permissions may import or export.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Controller facts (the notice and the record of processing read these).
CONTROLLER_NAME = env_str("CONTROLLER_NAME", "Herocon Oy")
CONTROLLER_BUSINESS_ID = env_str("CONTROLLER_BUSINESS_ID")
CONTROLLER_ADDRESS = env_str("CONTROLLER_ADDRESS")
CONTROLLER_PHONE = env_str("CONTROLLER_PHONE")
CONTROLLER_PRIVACY_EMAIL = env_str("CONTROLLER_PRIVACY_EMAIL")
DPO_EMAIL = env_str("DPO_EMAIL", CONTROLLER_PRIVACY_EMAIL)
# The staff account that approves a DPO role grant when there is no other DPO to do it
# (separation of duties, customers.roles.NEEDS_APPROVAL); empty: only another DPO can.
STAFF_ACCESS_APPROVER_EMAIL = env_str("STAFF_ACCESS_APPROVER_EMAIL").lower()

# Retention (DESIGN.md, "Default retention"): every period in one place.
RETENTION = {
    "relationship_years": env_int("RETENTION_RELATIONSHIP_YEARS", 3, minimum=1),
    "voucher_years": env_int("RETENTION_VOUCHER_YEARS", 6, minimum=6),
    "book_years": env_int("RETENTION_BOOK_YEARS", 10, minimum=10),
    "request_years": env_int("RETENTION_REQUEST_YEARS", 5, minimum=1),
    "audit_years": env_int("RETENTION_AUDIT_YEARS", 5, minimum=1),
    "audit_address_days": env_int("RETENTION_AUDIT_ADDRESS_DAYS", 90, minimum=1),
    "consent_evidence_years": env_int("RETENTION_CONSENT_EVIDENCE_YEARS", 3, minimum=1),
    "backup_days": env_int("RETENTION_BACKUP_DAYS", 30, minimum=1),
}


def _month_day(name: str, default: str) -> tuple[int, int]:
    raw = env_str(name, default)
    try:
        month, day = (int(part) for part in raw.split("-"))
        date(2001, month, day)  # a year without 29 February: the end must exist every year
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a month and day that exist every year, as MM-DD (e.g. 12-31), "
            f"not {raw!r}"
        ) from None
    return month, day


# The last day of the financial year (tilikausi), for the bookkeeping holds.
FINANCIAL_YEAR_END = _month_day("FINANCIAL_YEAR_END", "12-31")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

"""Settings for Gemeinsam: one file, configured by environment variables only.

Every variable read here is documented in README.md's configuration table; a test fails otherwise.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


TRUE_WORDS = {"1", "true", "yes"}
FALSE_WORDS = {"0", "false", "no"}


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no setting, read strictly (as healthchecks' envbool): "ture" is an error, not
    false, so that a typo cannot switch off a safeguard unnoticed."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r}: write true or false (also 1/0, yes/no)."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("GEMEINSAM_DATA_DIR", "var")).resolve()


def _local_secret_key(data_dir: Path) -> str:
    """A key kept in the data directory, for the demo and development only.

    `gemeinsam serve` refuses to start without SECRET_KEY in the environment.
    """
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or _local_secret_key(DATA_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env_str("SITE_NAME", "Gemeinsam")

INSTALLED_APPS = [
    "gemeinsam.core.apps.CoreConfig",
    "gemeinsam.participation.apps.ParticipationConfig",
    "gemeinsam.budgeting.apps.BudgetingConfig",
    "gemeinsam.sortition.apps.SortitionConfig",
    "gemeinsam.sensors.apps.SensorsConfig",
    "gemeinsam.strategy.apps.StrategyConfig",
    "gemeinsam.knowledge.apps.KnowledgeConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "rules",
    "django_tasks_db",
    "ninja",  # its API docs page then loads Swagger UI from our static files, not a CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gemeinsam.core.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gemeinsam.core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "gemeinsam.core.statement_timeout.StatementTimeoutMiddleware",
]

ROOT_URLCONF = "gemeinsam.config.urls"
WSGI_APPLICATION = "gemeinsam.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gemeinsam.core.context_processors.site",
            ],
        },
    },
]

# Database: SQLite in the data directory unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'gemeinsam.sqlite3'}",
        # Reused connections spare each request the connect (and SQLite's PRAGMAs);
        # health checks drop one that the server has closed meanwhile.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock at
    # BEGIN so that concurrent writers queue on busy_timeout instead of failing mid-way.
    # secure_delete zeroes what is deleted or overwritten, so erased personal data does not
    # linger in free pages of the file (core/database.py checkpoints the WAL after erasure).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA secure_delete=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, for the test database: concurrency tests need WAL and busy_timeout.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-gemeinsam.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared by every app server process, so throttling counts across them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "gemeinsam_cache",
        }
    }
# Each app server process's own memory: a copy of shared entries that never change once
# written (their key holds a content version), so a hit costs no network or database trip.
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "gemeinsam-local",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
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
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:profile"
LOGOUT_REDIRECT_URL = "core:home"

# Accounts (django-allauth): e-mail login, mandatory confirmation, throttled failures.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_ADAPTER = "gemeinsam.core.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("LOGIN_FAILED_RATE", "10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}

# E-mail: EMAIL_URL like smtp://user:pass@host:587?tls=1, console:, file:///path, locmem:
EMAIL_URL = env_str("EMAIL_URL", "console:")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Gemeinsam <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
from gemeinsam.lib.csp import tile_source  # noqa: E402
from gemeinsam.lib.email_url import parse_email_url  # noqa: E402

MAILERS = parse_email_url(EMAIL_URL, DATA_DIR)

# Background work: Django's tasks framework with the database-backed worker.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# A running worker renews its lease every third of TASK_LEASE_SECONDS; a task whose worker
# was not seen for that long is queued again, up to TASK_MAX_ATTEMPTS attempts in all.
TASK_LEASE_SECONDS = env_int("TASK_LEASE_SECONDS", 30)
TASK_MAX_ATTEMPTS = env_int("TASK_MAX_ATTEMPTS", 3)
# While the database is unreachable the worker waits, doubling the pause up to this cap;
# pages answer 503 with Retry-After meanwhile.
DATABASE_RETRY_MAX_SECONDS = env_int("DATABASE_RETRY_MAX_SECONDS", 30)

# Participation: how many contributions one person may post per window (0 = no limit);
# moderators and staff are exempt. Values are (count, window in seconds).
PARTICIPATION_RATE_LIMITS = {
    "idea": (env_int("PARTICIPATION_IDEAS_PER_HOUR", 10), 3600),
    "comment": (env_int("PARTICIPATION_COMMENTS_PER_10_MINUTES", 20), 600),
    "report": (env_int("PARTICIPATION_REPORTS_PER_HOUR", 20), 3600),
}
# Budgeting voting codes are stored as HMAC-SHA256 under a pepper kept out of the database
# (empty: derived from SECRET_KEY); codes made under an old pepper work while it is listed in
# the fallbacks (as Django's SECRET_KEY_FALLBACKS, which count too when the pepper is derived).
VOTING_CODE_PEPPER = env_str("VOTING_CODE_PEPPER")
VOTING_CODE_PEPPER_FALLBACKS = env_list("VOTING_CODE_PEPPER_FALLBACKS")
# Wrong voting codes allowed per window, in allauth's rate syntax: per connection ("ip") and
# per voting process ("process"); past a limit every code is refused until the window passes.
VOTING_CODE_FAILED_RATE = env_str("VOTING_CODE_FAILED_RATE", "10/m/ip,30/h/ip,1000/h/process")
# Pages and data of a process as visitors without an account see them are cached for at
# most this many seconds, and dropped at once when the process changes (0 = no cache).
PARTICIPATION_PAGE_CACHE_SECONDS = env_int("PARTICIPATION_PAGE_CACHE_SECONDS", 300)

# Urban data hub (SensorThings API): page size when a request gives no $top, and the
# largest $top served (a larger one is cut to it, with an @iot.nextLink for the rest).
STA_DEFAULT_TOP = env_int("STA_DEFAULT_TOP", 100)
STA_MAX_TOP = env_int("STA_MAX_TOP", 10000)
# What one read may cost; past a limit the answer is a 400 naming it. The depth of $expand
# is FROST-Server's maxExpandDepth (same default). The entities of one response count every
# row fetched on every level; it equals STA_MAX_TOP so that a full page without $expand
# passes, while $top times $expand cannot multiply past it (keep it >= STA_MAX_TOP).
STA_MAX_EXPAND_DEPTH = env_int("STA_MAX_EXPAND_DEPTH", 3)
STA_MAX_EXPANDED_ENTITIES = env_int("STA_MAX_EXPANDED_ENTITIES", 10000)
STA_MAX_FILTER_NODES = env_int("STA_MAX_FILTER_NODES", 200)
STA_MAX_FILTER_NAVIGATIONS = env_int("STA_MAX_FILTER_NAVIGATIONS", 20)
STA_MAX_ORDERBY_TERMS = env_int("STA_MAX_ORDERBY_TERMS", 10)
# PostgreSQL cancels any one SQL statement of an API read (GET /api/, /sta/) after this many
# milliseconds and the request answers 503 (0 = no limit; SQLite has none).
API_STATEMENT_TIMEOUT_MS = env_int("API_STATEMENT_TIMEOUT_MS", 5000)
# The MQTT broker that the SensorThings MQTT extension publishes to and ingests from
# (mqtt://[user:password@]host[:port]); STA_MQTT_PUBLISH=false stops publishing on writes.
MQTT_BROKER_URL = env_str("MQTT_BROKER_URL", "mqtt://127.0.0.1:1883")
STA_MQTT_PUBLISH = env_bool("STA_MQTT_PUBLISH", True)
# The bridge (`gemeinsam mqtt`, also started by `gemeinsam demo` when STA_MQTT_BRIDGE) keeps
# a persistent session under this client id, so the broker holds messages while it is away.
MQTT_BRIDGE_CLIENT_ID = env_str("MQTT_BRIDGE_CLIENT_ID", "gemeinsam-sta-bridge")
# A namespace for every topic (`<prefix>/v1.1/...`); empty: the standard topics. `gemeinsam
# demo` sets one of its own, and its own client id, so two demos can share one broker.
STA_MQTT_TOPIC_PREFIX = env_str("STA_MQTT_TOPIC_PREFIX")
STA_MQTT_BRIDGE = env_bool("STA_MQTT_BRIDGE", True)
# Days the bridge remembers the messages it stored, to skip the broker's redelivery of one;
# a week, as long as the broker keeps the bridge's session (sensors/mqtt/ingest.py).
STA_MQTT_INGEST_KEY_DAYS = env_int("STA_MQTT_INGEST_KEY_DAYS", 7)
# Where the bridge reports messages it could not store (empty: only the log).
STA_MQTT_ERROR_TOPIC = env_str("STA_MQTT_ERROR_TOPIC")
# $select topics to serve (v1.1/Things?$select=name): the broker does not tell which exist;
# learning them needs Mosquitto's `log_type subscribe` with `log_dest topic`.
STA_MQTT_SELECT_TOPICS = env_list("STA_MQTT_SELECT_TOPICS")
STA_MQTT_LEARN_SELECT_TOPICS = env_bool("STA_MQTT_LEARN_SELECT_TOPICS", False)

# Internationalisation: German first, English complete.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "gemeinsam_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
# German pages and mails say "Sie", third-party texts included; django-allauth's German says
# "du". locale_overrides holds "Sie" versions of such third-party msgids only, never ours:
# makemessages rewrites locale/ from our source and would drop them there. Every LOCALE_PATHS
# catalogue wins over the apps' own, and an earlier one over a later one: ours comes first so
# that it decides everything it translates, and so that makemessages, which writes to the
# first path, never fills the overrides with our msgids.
LOCALE_PATHS = [PACKAGE_DIR / "locale", PACKAGE_DIR / "locale_overrides"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
# Off when a reverse proxy serves MEDIA_URL from MEDIA_ROOT itself.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
# Uploads are the owner's only (Django's default 0644 would override the process umask).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "gemeinsam.core.staticfiles.StaticFilesStorage"
    },
}

# Leaflet and its MarkerCluster plugin come from their XStatic packages on PyPI.
STATICFILES_DIRS = [
    ("leaflet", xstatic.pkg.leaflet.BASE_DIR),
    ("markercluster", xstatic.pkg.leaflet_markercluster.BASE_DIR),
]

# Maps: the tile server and its required attribution; where a map without districts centres.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_ATTRIBUTION = env_str(
    "MAP_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
)
MAP_CENTER = [float(v) for v in env_list("MAP_CENTER", "52.5200,13.4050")][:2]
MAP_ZOOM = env_int("MAP_ZOOM", 10)

# Content-Security-Policy on every response (Django's own middleware): scripts and styles only
# from our static files, no inline code, images also from the tile server, no framing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *filter(None, [tile_source(MAP_TILE_URL)])],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("GEMEINSAM_HTTPS", False):
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

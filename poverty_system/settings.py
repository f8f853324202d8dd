"""Settings for 精准扶贫系统, read from the environment (see README: 配置)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# pytest sets PYTEST_VERSION; tests get the same settings with a throwaway key.
TESTING = "PYTEST_VERSION" in os.environ
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
# SECRET_KEY_FILE: the key kept in a file (make run generates var/secret_key, mode 0600).
if not SECRET_KEY and env_str("SECRET_KEY_FILE"):
    try:
        SECRET_KEY = Path(env_str("SECRET_KEY_FILE")).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"无法读取 SECRET_KEY_FILE（{env_str('SECRET_KEY_FILE')}）/ "
            f"SECRET_KEY_FILE cannot be read: {exc}"
        ) from exc
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "关闭调试模式时必须设置 SECRET_KEY 或 SECRET_KEY_FILE。/ "
            "SECRET_KEY or SECRET_KEY_FILE must be set when DEBUG is off."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "mptt",
    "guardian",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "poverty_system.core",
    "villages",
    "units",
    "households",
    "archives",
    "assessment",
    "projects",
    "exchange",
    "quality",
    "stats",
    "identification",
    "monitoring",
    "reports",
    "portal.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "poverty_system.core.middleware.NoStoreMiddleware",  # after whitenoise: static files cache
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "poverty_system.core.middleware.NulCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "villages.middleware.ActorMiddleware",
    "poverty_system.replica.ReplicaReadsMiddleware",
    "poverty_system.core.middleware.ForcePasswordChangeMiddleware",
    "poverty_system.core.middleware.AccessRuleMiddleware",
]

ROOT_URLCONF = "portal.urls"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"  # the project's Chinese 403 page
WSGI_APPLICATION = "poverty_system.wsgi.application"

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
                "portal.context_processors.navigation",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL=postgres://... selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        # A kept connection is checked before a request reuses it: after a database restart
        # the next request reconnects instead of failing on a dead connection.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker and the web server read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short OLTP queries: JIT compilation costs more than it saves (1.2 s vs 0.3 s measured
    # on the region page right after a country load).
    DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off"}
# A read replica (streaming replication of the primary) for list and statistics pages, see
# poverty_system/replica.py and docs/SCALING.md. Tests define the alias as a mirror of the
# primary and turn the routing on where they check it (REPLICA_READS).
_replica_url = env_str("DATABASE_REPLICA_URL")
if _replica_url or TESTING:
    DATABASES["replica"] = (
        dj_database_url.parse(
            _replica_url,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
            conn_health_checks=True,
        )
        if _replica_url
        else dict(DATABASES["default"])
    )
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["poverty_system.replica.ReplicaRouter"]
REPLICA_READS = bool(_replica_url)
# URL names whose GET requests read from the replica (one line per list or statistics page).
REPLICA_READ_VIEWS = {
    "households:list",  # 管理贫困户信息
    "households:view",  # 查看贫困户信息
    "households:township",  # 乡镇管理贫困户
    "villages:region",  # 区域 pages with their counts
}
# After a write, the same session reads from the primary this long (replication lag).
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "villages.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "poverty_system.core.passwords.PrintableValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "poverty_system.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "poverty_system.core.passwords.CharacterClassValidator"},
    {"NAME": "poverty_system.core.passwords.NoUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "poverty_system.core.passwords.PasswordHistoryValidator"},
]
# A password older than this many days must be changed before anything else (0: never).
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous visitors hold nothing

# Login security: lockout and idle timeout (see docs/SECURITY.md). Failures are counted per
# username and client address (LOGIN_MAX_FAILURES) and per username from any address
# (LOGIN_ACCOUNT_MAX_FAILURES, against password spraying); failures older than the window
# are forgotten. The client address is REMOTE_ADDR, or the last address of CLIENT_IP_HEADER
# (e.g. HTTP_X_FORWARDED_FOR, the one the trusted proxy appended) when a trusted proxy sets it.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_ACCOUNT_MAX_FAILURES = env_int("LOGIN_ACCOUNT_MAX_FAILURES", 30)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("LOGIN_FAILURE_WINDOW_MINUTES", 60)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER")
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the 30 minutes count from the last request: an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS (see docs/DEPLOYMENT.md): off by default so that `make run` serves plain HTTP on
# localhost; a production server behind a TLS proxy sets them.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# SECURE_PROXY_SSL_HEADER: "HTTP_X_FORWARDED_PROTO=https" when the proxy sets that header
# (and strips it from clients). Never set it without such a proxy.
if env_str("SECURE_PROXY_SSL_HEADER"):
    _header, _, _value = env_str("SECURE_PROXY_SSL_HEADER").partition("=")
    if not _header or not _value:
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER 的格式为 请求头=值，例如 HTTP_X_FORWARDED_PROTO=https。/ "
            "SECURE_PROXY_SSL_HEADER must look like HTTP_X_FORWARDED_PROTO=https."
        )
    SECURE_PROXY_SSL_HEADER = (_header.strip(), _value.strip())

# SMS: a backend class like EMAIL_BACKEND. Console for development (it prints login codes to
# the terminal: `make run`/`make dev` choose it explicitly for the demo), locmem for tests,
# HTTP for production (see poverty_system/core/sms.py and docs/DEPLOYMENT.md). With DEBUG off it
# must be chosen explicitly: no silent printing of login codes on a production server.
SMS_BACKEND = env_str("SMS_BACKEND")
if not SMS_BACKEND:
    if TESTING:
        SMS_BACKEND = "poverty_system.core.sms.LocmemBackend"
    elif DEBUG:
        SMS_BACKEND = "poverty_system.core.sms.ConsoleBackend"
    else:
        raise ImproperlyConfigured(
            "关闭调试模式时必须用 SMS_BACKEND 明确选择短信后端（生产环境为 "
            "poverty_system.core.sms.HttpBackend）。/ SMS_BACKEND must be set explicitly when "
            "DEBUG is off (poverty_system.core.sms.HttpBackend in production)."
        )
SMS_FILE_PATH = Path(env_str("SMS_FILE_PATH", str(VAR_DIR / "sms")))
SMS_HTTP_URL = env_str("SMS_HTTP_URL")
SMS_HTTP_API_KEY = env_str("SMS_HTTP_API_KEY")
SMS_HTTP_SIGN_NAME = env_str("SMS_HTTP_SIGN_NAME", "精准扶贫系统")
SMS_HTTP_TEMPLATE_ID = env_str("SMS_HTTP_TEMPLATE_ID")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
SMS_CODE_VALID_SECONDS = 5 * 60
SMS_CODE_MAX_ATTEMPTS = 5
SMS_RESEND_SECONDS = 60

# Background work (exports, imports): django-tasks with the database backend.
TASKS = {
    "default": {
        # Tests run tasks inline at enqueue: an export is done when the request returns.
        "BACKEND": env_str(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
        "QUEUES": ["default"],
    }
}

# QR-code household archives (archives/). SITE_URL is printed in every QR code: set it
# to the public address of the site before printing door plates.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
EXPORT_DIR = Path(env_str("EXPORT_DIR", str(VAR_DIR / "exports")))
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 72)
# Exports of more households than this run in the task worker; smaller ones in the request.
EXPORT_INLINE_MAX = env_int("EXPORT_INLINE_MAX", 200)
# Worker processes that draw QR images during an export (0: draw them in the exporting one).
EXPORT_QR_PROCESSES = env_int("EXPORT_QR_PROCESSES", 2)
# Lookups of the public QR page per client address and minute (a miss counts 5).
QR_RATE_LIMIT = env_int("QR_RATE_LIMIT", 60)
# 一码申报 (the public hardship report of 防止返贫监测): reports per client address and hour.
MONITORING_REPORTS_PER_HOUR = env_int("MONITORING_REPORTS_PER_HOUR", 5)

# Excel uploads (imports): the file's size, its size unpacked (zip bombs: a member may not
# unpack to more than XLSX_MAX_RATIO times its packed size), data rows and columns.
XLSX_MAX_BYTES = env_int("XLSX_MAX_BYTES", 20 * 1024 * 1024)
XLSX_MAX_UNCOMPRESSED = env_int("XLSX_MAX_UNCOMPRESSED", 200 * 1024 * 1024)
XLSX_MAX_RATIO = env_int("XLSX_MAX_RATIO", 200)
XLSX_MAX_ROWS = env_int("XLSX_MAX_ROWS", 50_000)
XLSX_MAX_COLUMNS = env_int("XLSX_MAX_COLUMNS", 100)
# 部门数据比对 (exchange/department.py): a department's list of the whole county, longer than a
# household import; files up to DEPARTMENT_INLINE_ROWS rows are compared in the request.
DEPARTMENT_MAX_ROWS = env_int("DEPARTMENT_MAX_ROWS", 200_000)
DEPARTMENT_INLINE_BYTES = env_int("DEPARTMENT_INLINE_BYTES", 300 * 1024)
# 数据导入 and 导出 (exchange/): the jobs' files (uploads until read, marked workbooks and
# exports kept EXPORT_KEEP_HOURS); uploads up to EXCHANGE_IMPORT_INLINE_BYTES (about 500
# rows of the template) and exports of up to EXCHANGE_EXPORT_INLINE_MAX households run in the
# request, larger ones in the task worker with a progress page. The limits keep a request
# near a second: openpyxl writes ~1,000 rows a second here, an import checks and writes
# ~400 (the load test's village of 641 households took 9.7 s in the request under load).
EXCHANGE_DIR = Path(env_str("EXCHANGE_DIR", str(VAR_DIR / "exchange")))
EXCHANGE_IMPORT_INLINE_BYTES = env_int("EXCHANGE_IMPORT_INLINE_BYTES", 50 * 1024)
EXCHANGE_EXPORT_INLINE_MAX = env_int("EXCHANGE_EXPORT_INLINE_MAX", 300)
# Households read (and progress written) together by an export.
EXCHANGE_EXPORT_CHUNK = env_int("EXCHANGE_EXPORT_CHUNK", 2000)

# The cache: per process memory by default; with several app servers a shared one, so that
# the QR and public-form budgets count every server's requests (CACHE_URL=redis://host:6379/0,
# Django's RedisCache through redis-py; docs/SCALING.md).
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "CACHE_URL 须为 redis://、rediss:// 或 unix:// 地址。/ "
        "CACHE_URL must be a redis://, rediss:// or unix:// address."
    )
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Sessions: in the database by default. SESSION_STORE=cache keeps them in the shared cache
# (CACHE_URL, Redis) instead: no session UPDATE and COMMIT on every request (the idle timeout
# saves the session each time), and every app server sees every session. A Redis restart
# without persistence logs everyone out (nothing else is lost): docs/SCALING.md.
SESSION_STORE = env_str("SESSION_STORE", "db")
if SESSION_STORE not in ("db", "cache"):
    raise ImproperlyConfigured(
        "SESSION_STORE 须为 db 或 cache。/ SESSION_STORE must be db or cache."
    )
if SESSION_STORE == "cache" and not CACHE_URL:
    raise ImproperlyConfigured(
        "SESSION_STORE=cache 需要共享缓存 CACHE_URL（redis://…）。/ "
        "SESSION_STORE=cache needs a shared cache: set CACHE_URL (redis://…)."
    )
SESSION_ENGINE = f"django.contrib.sessions.backends.{SESSION_STORE}"

# Content Security Policy: everything from our own origin, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Files: on one machine, folders under VAR_DIR. FILE_STORAGE=s3 keeps them in a bucket of an
# S3-compatible store (MinIO, Ceph, a cloud's object storage; django-storages) that every app
# server and task worker shares: uploads (media), and the finished files of the jobs
# (STORAGES "exports": the QR archives; "exchange": imports, exports, 部门数据比对), which a
# job writes in its local EXPORT_DIR / EXCHANGE_DIR and then publishes (docs/SCALING.md).
FILE_STORAGE = env_str("FILE_STORAGE", "local")
if FILE_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured("FILE_STORAGE 须为 local 或 s3。/ FILE_STORAGE must be local or s3.")
S3_BUCKET = env_str("S3_BUCKET")
if FILE_STORAGE == "s3" and not S3_BUCKET:
    raise ImproperlyConfigured(
        "FILE_STORAGE=s3 需要 S3_BUCKET（以及 S3_ENDPOINT_URL 等）。/ "
        "FILE_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a store other than AWS)."
    )


def s3_storage(location: str, *, overwrite: bool) -> dict:
    """One prefix of the bucket (read from the environment when called: the tests' store);
    files are streamed through the app to their reader, never linked to."""
    from botocore.config import Config  # only past one machine

    prefix = env_str("S3_PREFIX").strip("/")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION", "us-east-1"),
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "location": f"{prefix}/{location}" if prefix else location,
            "file_overwrite": overwrite,
            "querystring_auth": True,
            "default_acl": None,
            "max_memory_size": 8 * 1024 * 1024,  # a download spools to disk past 8 MB
            # A store that does not answer fails the job in seconds, not minutes.
            "client_config": Config(
                connect_timeout=5, read_timeout=60, retries={"mode": "standard", "max_attempts": 3}
            ),
        },
    }


STORAGES: dict[str, dict] = {
    "default": s3_storage("media", overwrite=False)
    if FILE_STORAGE == "s3"
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if FILE_STORAGE == "s3":  # job files' names are unique: no existence check before a write
    STORAGES["exports"] = s3_storage("exports", overwrite=True)
    STORAGES["exchange"] = s3_storage("exchange", overwrite=True)
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing

# Log lines never carry a full phone, ID number, password or SMS code: the filter masks
# phone-like and ID-like digit runs in every record, whatever logger wrote it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "poverty_system.core.logmask.PersonalDataFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "poverty_system": {"level": env_str("LOG_LEVEL", "INFO")},
        "portal": {"level": env_str("LOG_LEVEL", "INFO")},
        "villages": {"level": env_str("LOG_LEVEL", "INFO")},
        "households": {"level": env_str("LOG_LEVEL", "INFO")},
        "units": {"level": env_str("LOG_LEVEL", "INFO")},
        "archives": {"level": env_str("LOG_LEVEL", "INFO")},
        "assessment": {"level": env_str("LOG_LEVEL", "INFO")},
        "projects": {"level": env_str("LOG_LEVEL", "INFO")},
    },
}

if TESTING:
    # Tests create many accounts; the production hasher is slow on purpose.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# 贫困村出列: a poor village may exit when its poverty incidence (%) is below this threshold.
POOR_VILLAGE_EXIT_THRESHOLD = env_str("POOR_VILLAGE_EXIT_THRESHOLD", "2")

# The task worker (manage.py task_worker) runs these functions every WORKER_PERIODIC_SECONDS:
# upkeep that must happen even when nobody opens a page. An app adds its own with one line.
WORKER_PERIODIC_SECONDS = env_int("WORKER_PERIODIC_SECONDS", 60)
WORKER_PERIODIC_JOBS: list[str] = [
    "exchange.files.upkeep",  # expired import/export files, jobs left by a stopped worker
    "poverty_system.core.retention.prune_daily",  # audit entries past AUDIT_RETENTION_DAYS
    "archives.export.upkeep",  # expired QR export files, QR exports left by a stopped worker
]
# A running job (import, export, 部门数据比对, QR export) beats every JOB_HEARTBEAT_SECONDS
# (poverty_system.core.jobfiles.Heartbeat); one that has not beaten for JOB_STALE_SECONDS
# lost its worker (killed, machine restarted) and the sweep above marks it 失败. The tests
# run jobs inline and beat no thread unless they ask for one.
JOB_HEARTBEAT_SECONDS = float(env_str("JOB_HEARTBEAT_SECONDS", "0" if TESTING else "10"))
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 120)
# A pause after each batch of a job (seconds): only for the fault tests (make faults), which
# kill a worker in the middle of a job; 0 in production.
JOB_BATCH_PAUSE_SECONDS = float(env_str("JOB_BATCH_PAUSE_SECONDS", "0"))

# The audit trail (安全审计 › 审计日志) is kept at least 180 days (GB/T 22239-2019 level 3:
# 审计记录留存不少于六个月); `manage.py prune_audit` (daily, from the task worker) deletes
# the entries older than this, the only way an entry ever leaves. A shorter value is refused.
AUDIT_RETENTION_MIN_DAYS = 180
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", AUDIT_RETENTION_MIN_DAYS)
if AUDIT_RETENTION_DAYS < AUDIT_RETENTION_MIN_DAYS:
    raise ImproperlyConfigured(
        f"AUDIT_RETENTION_DAYS（{AUDIT_RETENTION_DAYS}）不得少于 {AUDIT_RETENTION_MIN_DAYS} 天："
        f"审计日志至少保存六个月。/ AUDIT_RETENTION_DAYS ({AUDIT_RETENTION_DAYS}) must be at "
        f"least {AUDIT_RETENTION_MIN_DAYS} days: the audit trail is kept six months or more."
    )
# 导出 of the audit trail: at most this many entries a workbook (narrow the time range).
AUDIT_EXPORT_MAX_ROWS = env_int("AUDIT_EXPORT_MAX_ROWS", 200_000)

# 扶贫项目: the clocks of the project library (days differ by province) and the notices'
# supervision hotline. Holidays are data (projects.Holiday).
PROJECT_CLOCKS = {
    "notice_min_days": 10,
    "announce_days": 7,
    "entry_working_days": 15,
    "feedback_answer_working_days": 5,
    "idle_months": 24,
}
PROJECT_HOTLINE = env_str("PROJECT_HOTLINE", "12317")

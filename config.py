"""Configuration from the environment, one class per environment (12-factor).

Importing this module reads nothing: a configuration object reads the environment when it
is made (``config_from_environment``, called by the app factory), so a test or a command
that sets a variable first is heard.
"""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def instance_dir() -> Path:
    """The instance folder: the SQLite database and the development secret key live here."""
    return Path(os.environ.get("KNOWTRANS_INSTANCE_PATH", ROOT / "instance"))


def ensure_secret_key_file() -> str:
    """Return the instance folder's secret key, creating it on first use (development only)."""
    folder = instance_dir()
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    return key


def engine_options(url: str) -> dict:
    """Connection pool settings: pre-ping everywhere, a sized pool for server databases."""
    options: dict = {"pool_pre_ping": True}
    if not url.startswith("sqlite"):
        options |= {
            "pool_size": int(os.environ.get("DATABASE_POOL_SIZE", 5)),
            "max_overflow": int(os.environ.get("DATABASE_MAX_OVERFLOW", 10)),
            "pool_recycle": 1800,
        }
    return options


class Config:
    """The settings and their defaults; ``__init__`` takes what the environment sets."""

    ENV_NAME = "base"
    SECRET_KEY: str | None = None
    #: werkzeug hash method; scrypt with N = 2^17 by default
    PASSWORD_HASH_METHOD = "scrypt:131072:8:1"
    PASSWORD_MIN_LENGTH = 12
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: whether cookies are HTTPS-only unless SESSION_COOKIE_SECURE says otherwise
    SECURE_BY_DEFAULT = False
    #: seconds without a request after which a session ends
    SESSION_IDLE_TIMEOUT = 30 * 60
    #: seconds after sign-in after which a session ends, active or not
    SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60
    #: the cookie is sent again only when the session changes (at most once a minute, see
    #: ``auth.sessions.SEEN_RESOLUTION``): both timeouts are kept on the server side, so
    #: re-signing and re-sending an unchanged cookie with every page would buy nothing
    SESSION_REFRESH_EACH_REQUEST = False
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: failed sign-ins allowed per account and per client address
    LOGIN_LIMIT_PER_ACCOUNT = "5/minute;20/hour"
    LOGIN_LIMIT_PER_ADDRESS = "30 per minute;200 per hour"
    #: saves of learning entries, questions, confirmations and notes allowed per user
    WRITE_LIMIT_PER_USER = "30/minute;300/day"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    #: seconds browsers and shared caches keep a static file; a changed file gets a new URL
    #: (knowtrans.core.assets), every other response is sent with Cache-Control: no-store
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 60 * 60
    WTF_CSRF_TIME_LIMIT = None
    PAGE_SIZE = 25
    #: the worker's CPU priority below the web workers' (added to the nice value)
    WORKER_NICE = 10
    #: seconds a job may run before the worker stops it
    JOB_TIME_LIMIT = 15 * 60
    #: address space one worker process may use, in MB (0: no limit); a report that needs
    #: more fails alone instead of taking the machine's memory
    JOB_MEMORY_LIMIT_MB = 3072
    #: days an unused draft report stays cached
    DRAFT_KEEP_DAYS = 7
    #: rendered page parts each web process keeps while their data is unchanged, in MB
    #: (0: none)
    FRAGMENT_CACHE_MB = 32
    DEFAULT_TIMEZONE = "Europe/Berlin"

    def __init__(self) -> None:
        env = os.environ
        self.SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL") or self.default_database_url()
        self.SECRET_KEY = env.get("SECRET_KEY") or type(self).SECRET_KEY
        self.PASSWORD_HASH_METHOD = env.get("PASSWORD_HASH_METHOD", self.PASSWORD_HASH_METHOD)
        secure = env.get("SESSION_COOKIE_SECURE", "1" if self.SECURE_BY_DEFAULT else "0")
        self.SESSION_COOKIE_SECURE = secure == "1"
        #: send Strict-Transport-Security (by default when cookies are secure in production)
        hsts_default = "1" if self.SECURE_BY_DEFAULT and self.SESSION_COOKIE_SECURE else "0"
        self.HSTS = env.get("HSTS", hsts_default) == "1"
        self.SESSION_IDLE_TIMEOUT = int(env.get("SESSION_IDLE_TIMEOUT", self.SESSION_IDLE_TIMEOUT))
        self.SESSION_ABSOLUTE_TIMEOUT = int(
            env.get("SESSION_ABSOLUTE_TIMEOUT", self.SESSION_ABSOLUTE_TIMEOUT)
        )
        self.PERMANENT_SESSION_LIFETIME = self.SESSION_ABSOLUTE_TIMEOUT
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", self.RATELIMIT_STORAGE_URI)
        #: reverse proxies in front of knowtrans whose X-Forwarded-For and X-Forwarded-Proto
        #: are believed (0: none, the peer is the client)
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", 0))
        for name in ("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS", "WRITE_LIMIT_PER_USER"):
            setattr(self, name, env.get(name, getattr(self, name)))
        #: the task queue's store: sqlite:////path (default: the instance folder), redis://…
        self.TASK_QUEUE_URL = env.get("TASK_QUEUE_URL") or self.default_task_queue_url()
        #: the time zone of people who have not chosen their own (times are stored in UTC)
        self.DEFAULT_TIMEZONE = env.get("KNOWTRANS_DEFAULT_TIMEZONE", self.DEFAULT_TIMEZONE)
        self._mail_from(env)
        for name in (
            "WORKER_NICE",
            "JOB_TIME_LIMIT",
            "JOB_MEMORY_LIMIT_MB",
            "DRAFT_KEEP_DAYS",
            "FRAGMENT_CACHE_MB",
        ):
            setattr(self, name, int(env.get(name, getattr(self, name))))

    def default_task_queue_url(self) -> str:
        return f"sqlite:///{instance_dir() / 'tasks.db'}"

    #: development writes each message as a file into the instance folder's mail/
    DEFAULT_MAIL_BACKEND = "file"

    def _mail_from(self, env) -> None:
        """Flask-Mailman's settings; the worker sends (``knowtrans.core.mail``)."""
        self.MAIL_BACKEND = env.get("MAIL_BACKEND") or self.DEFAULT_MAIL_BACKEND
        self.MAIL_SERVER = env.get("MAIL_SERVER", "localhost")
        self.MAIL_PORT = int(env.get("MAIL_PORT", 25))
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_USE_TLS = env.get("MAIL_USE_TLS", "0") == "1"
        self.MAIL_USE_SSL = env.get("MAIL_USE_SSL", "0") == "1"
        self.MAIL_TIMEOUT = int(env.get("MAIL_TIMEOUT", 30))
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER", "knowtrans <knowtrans@localhost>")
        self.MAIL_FILE_PATH = env.get("MAIL_FILE_PATH") or str(instance_dir() / "mail")
        #: where people reach knowtrans: the links in e-mails
        self.BASE_URL = env.get("BASE_URL", "http://localhost:5000")

    def default_database_url(self) -> str:
        return f"sqlite:///{instance_dir() / 'knowtrans.db'}"


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    def __init__(self) -> None:
        super().__init__()
        if not self.SECRET_KEY:
            self.SECRET_KEY = ensure_secret_key_file()


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"
    #: cheap hashes keep the suite fast; production keeps the strong default
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"

    def default_database_url(self) -> str:
        return os.environ.get("KNOWTRANS_TEST_DATABASE_URL") or "sqlite://"

    def default_task_queue_url(self) -> str:
        return "immediate:"  # a job runs when it is sent, after the request's commit

    def __init__(self) -> None:
        super().__init__()
        # the suite's database, queue and mail, whatever a developer's shell has set
        self.SQLALCHEMY_DATABASE_URI = self.default_database_url()
        self.TASK_QUEUE_URL = self.default_task_queue_url()
        self.MAIL_BACKEND = "locmem"  # messages in app.extensions["mailman"].outbox
        self.BASE_URL = "https://knowtrans.example.com"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SECURE_BY_DEFAULT = True
    DEFAULT_MAIL_BACKEND = "smtp"

    def __init__(self) -> None:
        super().__init__()
        if not self.SECRET_KEY:
            raise RuntimeError(
                "SECRET_KEY is not set: knowtrans refuses to start in production without one."
            )
        if self.TASK_QUEUE_URL.startswith("immediate"):
            raise RuntimeError(
                "TASK_QUEUE_URL=immediate: runs reports inside web requests; in production "
                "use a SQLite file or Redis and run `knowtrans worker`."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> Config:
    name = os.environ.get("KNOWTRANS_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(
            f"KNOWTRANS_ENV={name!r} is unknown; use one of {', '.join(CONFIGS)}."
        ) from None

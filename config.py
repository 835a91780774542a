"""Configuration from the environment, one class per environment (12-factor)."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("KNOWTRANS_INSTANCE_PATH", ROOT / "instance"))
SECRET_KEY_FILE = INSTANCE_DIR / "secret_key"


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'knowtrans.db'}"


def ensure_secret_key_file() -> str:
    """Return the instance folder's secret key, creating it on first use (development only)."""
    if SECRET_KEY_FILE.exists():
        return SECRET_KEY_FILE.read_text().strip()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    SECRET_KEY_FILE.write_text(key + "\n")
    SECRET_KEY_FILE.chmod(0o600)
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
    ENV_NAME = "base"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_database_url()
    SECRET_KEY = os.environ.get("SECRET_KEY")
    #: werkzeug hash method; scrypt with N = 2^17 by default
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt:131072:8:1")
    PASSWORD_MIN_LENGTH = 12
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    #: seconds without a request after which a session ends
    SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", 30 * 60))
    #: seconds after sign-in after which a session ends, active or not
    SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60))
    PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_TIMEOUT
    #: send Strict-Transport-Security (set when knowtrans is served over HTTPS)
    HSTS = os.environ.get("HSTS", "0") == "1"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    #: reverse proxies in front of knowtrans whose X-Forwarded-For and X-Forwarded-Proto are
    #: believed (0: none, the peer is the client)
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    RATELIMIT_HEADERS_ENABLED = True
    #: failed sign-ins allowed per account and per client address
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5/minute;20/hour")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get(
        "LOGIN_LIMIT_PER_ADDRESS", "30 per minute;200 per hour"
    )
    #: saves of learning entries, questions, confirmations and notes allowed per user
    WRITE_LIMIT_PER_USER = os.environ.get("WRITE_LIMIT_PER_USER", "30/minute;300/day")
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    #: seconds browsers and shared caches keep a static file; a changed file gets a new URL
    #: (knowtrans.core.assets), every other response is sent with Cache-Control: no-store
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 60 * 60
    WTF_CSRF_TIME_LIMIT = None
    PAGE_SIZE = 25


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    def __init__(self) -> None:
        if not self.SECRET_KEY:
            self.SECRET_KEY = ensure_secret_key_file()


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("KNOWTRANS_TEST_DATABASE_URL") or "sqlite://"
    #: cheap hashes keep the suite fast; production keeps the strong default
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    HSTS = os.environ.get("HSTS", "1" if SESSION_COOKIE_SECURE else "0") == "1"

    def __init__(self) -> None:
        if not self.SECRET_KEY:
            raise RuntimeError(
                "SECRET_KEY is not set: knowtrans refuses to start in production without one."
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

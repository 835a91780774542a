import pytest

import config
from knowtrans import create_app


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.ProductionConfig()


def test_production_starts_with_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    assert config.ProductionConfig().SECRET_KEY == "x" * 64


def test_production_refuses_to_build_reports_inside_requests(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("TASK_QUEUE_URL", "immediate:")
    with pytest.raises(RuntimeError, match="knowtrans worker"):
        config.ProductionConfig()
    monkeypatch.setenv("TASK_QUEUE_URL", "redis://queue:6379/1")
    assert config.ProductionConfig().TASK_QUEUE_URL == "redis://queue:6379/1"


def test_the_environment_is_read_when_a_configuration_is_made(monkeypatch):
    """Not when config.py is imported: a variable set afterwards is heard."""
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("WRITE_LIMIT_PER_USER", "1/minute")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    settings = config.ProductionConfig()
    assert settings.WRITE_LIMIT_PER_USER == "1/minute"
    assert (settings.SESSION_COOKIE_SECURE, settings.HSTS) == (False, False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE")
    assert (config.ProductionConfig().SESSION_COOKIE_SECURE, config.ProductionConfig().HSTS) == (
        True,
        True,
    )
    assert config.DevelopmentConfig().SESSION_COOKIE_SECURE is False


def test_development_generates_a_secret_key_into_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("KNOWTRANS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.DevelopmentConfig().SECRET_KEY
    assert len(first) == 64
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert config.DevelopmentConfig().SECRET_KEY == first


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("KNOWTRANS_ENV", "staging-ish")
    with pytest.raises(RuntimeError, match="KNOWTRANS_ENV"):
        config.config_from_environment()


def test_dict_overrides(monkeypatch):
    monkeypatch.setenv("KNOWTRANS_ENV", "testing")
    app = create_app({"PAGE_SIZE": 7})
    assert app.config["PAGE_SIZE"] == 7
    assert app.config["TESTING"]

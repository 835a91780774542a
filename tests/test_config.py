import pytest

import config
from knowtrans import create_app


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.ProductionConfig()


def test_production_starts_with_secret_key(monkeypatch):
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "x" * 64)
    assert config.ProductionConfig().SECRET_KEY == "x" * 64


def test_development_generates_a_secret_key_into_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    monkeypatch.setattr(config, "SECRET_KEY_FILE", tmp_path / "secret_key")
    monkeypatch.setattr(config.DevelopmentConfig, "SECRET_KEY", None)
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

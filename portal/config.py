"""Defaults in code, secrets and URLs from the environment, runtime state in instance/."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    pass


def _instance_secret(instance_path: Path) -> str:
    # Local runs keep one generated key so sessions survive restarts; production must set SECRET_KEY.
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def build_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Return the configuration for an app whose instance folder is `instance_path`."""
    env = os.environ
    production = env.get("PORTAL_ENV", "development") == "production"
    config = {
        "PORTAL_ENV": "production" if production else "development",
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'portal.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLITE_BUSY_TIMEOUT_MS": 10_000,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        "BOOTSTRAP_SERVE_LOCAL": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_I18N_ENABLED": True,  # WTForms' built-in messages in the page's language
        "PAGE_SIZE": 20,
        "PASSWORD_MIN_LENGTH": 10,
        "MAX_CONTENT_LENGTH": 110 * 1024 * 1024,
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER") or str(instance_path / "uploads"),
        "DEBUG": False,
        # Number of reverse proxies in front of the portal whose X-Forwarded-* headers are trusted.
        "TRUSTED_PROXIES": int(env.get("PORTAL_TRUSTED_PROXIES", "0")),
    }
    secret = env.get("SECRET_KEY")
    if secret:
        config["SECRET_KEY"] = secret
    elif production:
        raise ConfigError("PORTAL_ENV=production requires SECRET_KEY in the environment.")
    else:
        config["SECRET_KEY"] = _instance_secret(instance_path)
    if overrides:
        config.update(overrides)
    if config["PORTAL_ENV"] == "production" and config.get("DEBUG"):
        raise ConfigError("Debug mode cannot be enabled in production.")
    return config

"""Defaults in code, secrets and URLs from the environment, runtime state in instance/."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask.helpers import get_debug_flag

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    pass


def _instance_secret(instance_path: Path, name: str = "secret_key") -> str:
    # Local runs keep one generated key so sessions survive restarts; production must set SECRET_KEY.
    path = instance_path / name
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _trusted_hosts(env, production: bool) -> list[str] | None:
    named = [h.strip() for h in (env.get("PORTAL_TRUSTED_HOSTS") or "").split(",") if h.strip()]
    if named:
        return named
    if not production:
        return None  # any host: development servers are reached by whatever name the machine has
    base = urlsplit(env.get("PORTAL_BASE_URL") or "http://127.0.0.1:5000").hostname
    return sorted({base, "127.0.0.1", "localhost"} - {None})


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


MIN_PASSWORD_LENGTH = 10  # characters; the accounts domain enforces it

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
        # Public pages as anonymous visitors see them are kept this long (portal/web/page_cache.py); 0 turns
        # the cache off. The search worker must run with the same value, or its index updates do not count.
        "PAGE_CACHE_SECONDS": int(env.get("PAGE_CACHE_SECONDS", "30")),
        # Several nodes share the cached pages, the data version they are compared with and who renders which
        # through this Redis (redis://host:6379/0); unset, each process keeps its own pages and the version is
        # a row in the database. An unreachable Redis means pages served uncached, never an error.
        "REDIS_URL": env.get("REDIS_URL") or None,
        # Portals sharing one Redis (staging beside production) need their own prefix for their keys.
        "REDIS_KEY_PREFIX": env.get("REDIS_KEY_PREFIX") or env.get("RATELIMIT_KEY_PREFIX") or "portal",
        "PASSWORD_MIN_LENGTH": MIN_PASSWORD_LENGTH,
        # A password-reset link works once, for this long (portal/accounts/reset_tokens.py).
        "PASSWORD_RESET_MAX_AGE": 30 * 60,
        # Throttling (Flask-Limiter). memory:// counts per worker process; a redis:// URL shares the
        # counts between workers and nodes. When that store is unreachable each worker counts in memory
        # rather than refusing every sign-in.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Portals sharing one Redis (staging beside production) need their own prefix: second-factor counts are
        # keyed by user id, and user 1 of one database is not user 1 of the other.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX") or "portal",
        # Failed sign-ins per typed account and per client address; reset e-mails asked for likewise.
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
        "RESET_LIMIT_PER_ACCOUNT": "3 per hour",
        "RESET_LIMIT_PER_ADDRESS": "10 per hour",
        # Registrations answered with an e-mail, per typed address and per client address.
        "REGISTER_LIMIT_PER_ACCOUNT": "3 per hour",
        "REGISTER_LIMIT_PER_ADDRESS": "10 per hour",
        # Wrong second-factor codes per account and per client address.
        "TWO_FACTOR_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
        "TWO_FACTOR_LIMIT_PER_ADDRESS": "30 per 15 minutes",
        # After a right password, how long the second step waits for its code.
        "TWO_FACTOR_PENDING_SECONDS": 5 * 60,
        # A registration link works for this long (portal/accounts/registration.py).
        "REGISTRATION_LINK_MAX_AGE": 24 * 3600,
        # A sign-in ends on the server this long after it began, whatever its cookies say; None: never.
        "SESSION_MAX_AGE": 14 * 24 * 3600,
        "MAX_CONTENT_LENGTH": 110 * 1024 * 1024,
        # Text fields may carry long rich text (a technical approach); Werkzeug's default is 500 KB.
        "MAX_FORM_MEMORY_SIZE": 4 * 1024 * 1024,
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER") or str(instance_path / "uploads"),
        # Several nodes must share one UPLOAD_FOLDER: production checks its marker file at start
        # (portal/uploads/marker.py; not for SQLite).
        "UPLOAD_FOLDER_CHECK": production,
        # Attachments (portal/uploads/): per file, and per proposal (enforced by the proposals domain).
        "UPLOAD_MAX_BYTES": 20 * 1024 * 1024,
        "UPLOAD_MAX_FILES": 5,
        # Notifications: links in e-mail are made absolute with this; SMTP when MAIL_SERVER is set,
        # otherwise each message is written as an .eml file to MAIL_OUTBOX.
        "PORTAL_BASE_URL": (env.get("PORTAL_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        # Host headers the portal answers to. Feeds, the API and e-mail build absolute links from the request's
        # host, so a forged Host would put another site's name in them (and in any proxy cache keyed without
        # it): production answers only the hosts named here, by default PORTAL_BASE_URL's and loopback's.
        "TRUSTED_HOSTS": _trusted_hosts(env, production),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT") or 25),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL")),
        "MAIL_FROM": env.get("MAIL_FROM") or "幸会·杭州 场景机会平台 <no-reply@localhost>",
        "MAIL_TIMEOUT": 10,
        "MAIL_OUTBOX": str(instance_path / "outbox"),
        "MAIL_BATCH_SIZE": 100,
        "DEBUG": False,
        # Number of reverse proxies in front of the portal whose X-Forwarded-* headers are trusted.
        "TRUSTED_PROXIES": int(env.get("PORTAL_TRUSTED_PROXIES", "0")),
        # Full-text search: each node keeps its own index, following the database's change log.
        "SEARCH_INDEX_DIR": env.get("SEARCH_INDEX_DIR") or str(instance_path / "index"),
        # An older release kept the administrators' synonym table here; it is imported into the database once
        # (portal/catalogue/synonyms_file.py) and never read again.
        "SYNONYMS_FILE": str(instance_path / "synonyms.txt"),
        "SEARCH_WRITER_TIMEOUT": 10.0,
        "SEARCH_REQUEST_TIMEOUT": 2.0,
        # Whether requests keep this node's index themselves: build it when missing, apply the change log after a
        # writing request and before a search, rebuild one of an older format. Off: the index worker
        # (`flask worker`) does all of that, a request only reads the index, and while there is none a search
        # answers from the database and says so. The tests turn it on (they create rows and search at once).
        "SEARCH_APPLY_IN_REQUESTS": _flag(env.get("SEARCH_APPLY_IN_REQUESTS")),
        "SEARCH_GAP_SECONDS": 600,
        # Applied change-log rows older than this are removed (see search.prune_log).
        "SEARCH_LOG_KEEP_DAYS": 30,
        "SEARCH_BUILD_PROCS": min(os.cpu_count() or 1, 4),
        # The nodes on one database (portal/cluster): each one's worker reports under NODE_NAME (by default the
        # host name and a digest of the instance folder) and counts as live this long after its last report;
        # the search change log is pruned only below what every live node has applied.
        "NODE_NAME": env.get("NODE_NAME") or None,
        "NODE_LIVE_SECONDS": int(env.get("NODE_LIVE_SECONDS") or 300),
        # Audit log (portal/audit). Records of sealed bids are encrypted with AUDIT_SEAL_KEY (derived from
        # SECRET_KEY when unset: set it before ever rotating SECRET_KEY, or those records become unreadable).
        "AUDIT_SEAL_KEY": env.get("AUDIT_SEAL_KEY") or None,
        # The chain's head is written here at least daily, outside the database, and e-mailed to the admins.
        "AUDIT_ANCHOR_DIR": env.get("AUDIT_ANCHOR_DIR") or str(instance_path / "audit-anchors"),
        "AUDIT_ANCHOR_MAX_AGE_HOURS": 24,
        # Whether committing an audit record writes an anchor when the newest one is older than that.
        "AUDIT_ANCHOR_AUTO": True,
    }
    secret = env.get("SECRET_KEY")
    if secret:
        config["SECRET_KEY"] = secret
    elif production:
        raise ConfigError("PORTAL_ENV=production requires SECRET_KEY in the environment.")
    else:
        config["SECRET_KEY"] = _instance_secret(instance_path)
    # The test clock moves every deadline; only the black-box suite, which probes a production-mode server,
    # may keep it, by naming that on purpose (an accidental leftover variable never suffices).
    if production and env.get("PORTAL_CLOCK_FILE") and not _flag(env.get("PORTAL_TEST_CLOCK_IN_PRODUCTION")):
        raise ConfigError("PORTAL_CLOCK_FILE moves the portal's clock for tests; unset it with PORTAL_ENV=production.")
    # The key of the audit chain's HMAC digests and anchors: never in the database, so whoever can write
    # the database still cannot rewrite the chain. Changing it makes every digest written since fail.
    audit_key = env.get("AUDIT_KEY")
    if audit_key:
        config["AUDIT_KEY"] = audit_key
    elif production:
        raise ConfigError("PORTAL_ENV=production requires AUDIT_KEY in the environment.")
    else:
        config["AUDIT_KEY"] = _instance_secret(instance_path, "audit_key")
    if overrides:
        config.update(overrides)
    # `flask run --debug` sets FLASK_DEBUG and would wrap the app in Werkzeug's interactive debugger.
    if config["PORTAL_ENV"] == "production" and (config.get("DEBUG") or get_debug_flag()):
        raise ConfigError("Debug mode cannot be enabled in production.")
    return config

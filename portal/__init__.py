"""幸会·杭州 场景机会平台 — application factory."""

import os
from pathlib import Path

from flask import Flask

from portal.config import ROOT, build_config


def create_app(test_config: dict | None = None) -> Flask:
    """Build the portal: configuration, extensions, blueprints, error handlers, commands."""
    overrides = dict(test_config or {})
    instance_path = Path(overrides.pop("INSTANCE_PATH", None) or os.environ.get("PORTAL_INSTANCE_PATH")
                         or ROOT / "instance")
    app = Flask(__name__, instance_path=str(instance_path), template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    app.config.update(build_config(instance_path, overrides))
    app.json.ensure_ascii = False  # JSON answers carry Chinese as UTF-8 text, readable as sent
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)
    from portal.web import page_cache

    page_cache.init_app(app)  # inside ProxyFix, so it sees the client's scheme and host
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    register_extensions(app)
    register_blueprints(app)
    register_templating(app)
    register_error_handlers(app)
    register_security(app)
    register_commands(app)
    register_search(app)
    register_notifications(app)
    register_unit_of_work(app)  # last: its after_request hook must run before every other one
    return app


def register_extensions(app: Flask) -> None:
    from portal import models  # noqa: F401 -- the whole schema, for SQLAlchemy and Alembic
    from portal.accounts.session import init_login
    from portal.extensions import babel, bootstrap, csrf, db, migrate
    from portal.web import sqlite
    from portal.web.i18n import select_locale

    db.init_app(app)
    sqlite.configure_sqlite(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    bootstrap.init_app(app)
    init_login(app)
    from portal.web import serving

    # Several gunicorn workers counting sign-in failures each in their own memory defeat the throttling.
    serving.check_throttle_storage(app.config, serving.gunicorn_workers(), app.logger)


def register_blueprints(app: Flask) -> None:
    from portal.accounts import bp as accounts_bp
    from portal.admin import bp as admin_bp
    from portal.catalogue import admin_bp as catalogue_admin_bp
    from portal.catalogue import bp as catalogue_bp
    from portal.catalogue import mine_bp as my_products_bp
    from portal.catalogue import review_bp as product_review_bp
    from portal.catalogue import search_bp
    from portal.main import bp as main_bp
    from portal.proposals import bp as proposals_bp
    from portal.proposals import public_bp as receipts_bp
    from portal.proposals import submissions_bp
    from portal.scenarios import bp as scenarios_bp
    from portal.scenarios import manage_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(scenarios_bp)
    app.register_blueprint(manage_bp, url_prefix="/manage")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(my_products_bp, url_prefix="/my/products")
    app.register_blueprint(product_review_bp, url_prefix="/review/products")
    app.register_blueprint(catalogue_admin_bp, url_prefix="/admin/catalogue")
    app.register_blueprint(search_bp)
    app.register_blueprint(proposals_bp)
    app.register_blueprint(submissions_bp, url_prefix="/manage")
    app.register_blueprint(receipts_bp)
    # notifications: the inbox
    from portal.notifications import bp as notifications_bp

    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    # reviews: the department's review pages and the reviewer's workspace
    from portal.reviews import manage_bp as review_manage_bp
    from portal.reviews import reviewing_bp

    app.register_blueprint(review_manage_bp, url_prefix="/manage")
    app.register_blueprint(reviewing_bp, url_prefix="/reviewing")
    # announcements: the department's decision and 公示, the public 公示 pages, objections and results
    from portal.announcements import bp as announcements_bp
    from portal.announcements import manage_bp as announcement_manage_bp

    app.register_blueprint(announcement_manage_bp, url_prefix="/manage")
    app.register_blueprint(announcements_bp)
    # follows: the sectors an enterprise follows
    from portal.follows import bp as follows_bp

    app.register_blueprint(follows_bp)
    from portal.api import bp as api_bp  # open data: read-only JSON and its OpenAPI document

    app.register_blueprint(api_bp, url_prefix="/api/v1")
    # dashboard: the public 数据看板 and the department/admin ones
    from portal import dashboard

    dashboard.register(app)


def register_templating(app: Flask) -> None:
    from portal.permissions import JINJA_GLOBALS
    from portal.web import templating

    # Templates ask the same predicates as the views (portal/permissions.py) whether to show a button.
    templating.init_app(app, extra_globals=JINJA_GLOBALS)


def register_error_handlers(app: Flask) -> None:
    from portal.api.errors import http_error_response
    from portal.web import error_pages

    # The open-data API answers in JSON, even for unknown paths.
    error_pages.init_app(app, json_errors_under={"/api/": http_error_response})
    # uploads: the 413 page says what the size limits are
    from portal.uploads import downloads

    downloads.init_app(app)


def register_security(app: Flask) -> None:
    from portal.web import security

    security.init_app(app)


def register_commands(app: Flask) -> None:
    from portal import backup, cli

    cli.init_app(app)
    backup.init_app(app)


def register_notifications(app: Flask) -> None:
    # notifications: navbar unread count, e-mail after state-changing requests, send-reminders / deliver-mail
    from portal import notifications

    notifications.init_app(app)


def register_unit_of_work(app: Flask) -> None:
    from portal.web import unit_of_work

    unit_of_work.init_app(app)


def register_search(app: Flask) -> None:
    # search is a leaf: the domains register their documents and thesaurus with it
    from portal import catalogue, scenarios, search

    search.init_app(app)
    catalogue.init_app(app)
    scenarios.init_app(app)

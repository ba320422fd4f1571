"""幸会·杭州 场景机会平台 — application factory."""

import importlib
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
    register_jobs(app)
    register_unit_of_work(app)  # last: its after_request hook must run before every other one
    from portal.uploads import marker

    marker.check_app(app)  # production: the upload folder is the one the database's files are in
    from portal.catalogue import synonyms_file

    synonyms_file.import_at_start(app)  # an older release's synonym file, once, into the database
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


# Each package's blueprints with the modules that attach views to them and their URL prefixes, in the order
# they are registered. A package's __init__ only declares its blueprints: its views load here, so importing a
# domain (for its models, say) never pulls in the web layer.
BLUEPRINTS = (
    ("main", ("routes", "health"), (("bp", None),)),
    ("accounts", ("routes", "two_factor_routes", "privacy_routes"), (("bp", None),)),
    ("scenarios", ("routes", "manage_routes"), (("bp", None), ("manage_bp", "/manage"))),
    ("admin", ("routes", "privacy_routes"), (("bp", "/admin"),)),
    ("catalogue", ("routes", "search_routes"), (("bp", None), ("mine_bp", "/my/products"),
                                               ("review_bp", "/review/products"),
                                               ("admin_bp", "/admin/catalogue"), ("search_bp", None))),
    ("proposals", ("routes", "submissions_routes", "consortium_routes"), (("bp", None), ("submissions_bp", "/manage"),
                                                     ("public_bp", None))),
    ("notifications", ("routes",), (("bp", "/notifications"),)),
    ("reviews", ("manage_routes", "reviewer_routes", "discussion_routes"),
     (("manage_bp", "/manage"), ("reviewing_bp", "/reviewing"), ("discussion_bp", "/review-discussions"))),
    ("announcements", ("manage_routes", "routes"), (("manage_bp", "/manage"), ("bp", None))),
    ("follows", ("routes",), (("bp", None),)),
    ("clarifications", ("routes",), (("bp", None), ("manage_bp", "/manage"))),  # 答疑 and the opening record
    ("amendments", ("routes",), (("bp", None), ("manage_bp", "/manage"), ("bidder_bp", None), ("admin_bp", "/admin"))),
    ("capabilities", ("routes",), (("bp", None), ("mine_bp", "/my/capabilities"),
                                   ("review_bp", "/review/capabilities"), ("invite_bp", "/manage"))),
    ("meetings", ("routes",), (("bp", "/meetings"),)),  # 对接: meetings of a department and an enterprise
    ("projects", ("routes",), (("bp", None), ("expert_bp", "/reviewing"), ("showcase_bp", None))),  # after 揭榜成功
    ("documents", ("routes",), (("bp", None),)),  # printable PDFs: 申报书 and 首台（套）推广目录
    ("api", ("routes",), (("bp", "/api/v1"),)),  # open data: read-only JSON and its OpenAPI document
    ("dashboard", ("routes",), (("bp", None), ("department_bp", "/manage"), ("admin_bp", "/admin"))),
)


def register_blueprints(app: Flask) -> None:
    for package, views, blueprints in BLUEPRINTS:
        module = importlib.import_module(f"portal.{package}")
        for name in views:
            importlib.import_module(f"portal.{package}.{name}")
        for attribute, prefix in blueprints:
            app.register_blueprint(getattr(module, attribute), url_prefix=prefix)


def register_templating(app: Flask) -> None:
    from portal.permissions import JINJA_GLOBALS
    from portal.web import templating

    # Templates ask the same predicates as the views (portal/permissions/) whether to show a button.
    templating.init_app(app, extra_globals=JINJA_GLOBALS)
    from portal import amendments

    amendments.init_app(app)  # the scenario page lists a call's files and 变更公告


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
    from portal import backup, cli, worker

    cli.init_app(app)
    backup.init_app(app)
    worker.init_app(app)  # `flask worker`: one per node, beside the web server


def register_notifications(app: Flask) -> None:
    # notifications: navbar unread count, send-reminders / deliver-mail, the reminder jobs (the worker sends mail)
    from portal import notifications

    notifications.init_app(app)


def register_jobs(app: Flask) -> None:
    # jobs is a leaf: the domains register their scheduled jobs with it (notifications did so above)
    from portal import audit, dashboard, jobs, projects, uploads
    from portal.accounts import session as sign_ins
    from portal.reviews import period as review_period

    jobs.init_app(app)
    jobs.register(app, "accounts.prune-sign-ins", sign_ins.prune_ended, jobs.daily(4))
    jobs.register(app, "reviews.deadline-reminders", review_period.send_reminders, jobs.every(minutes=10))
    audit.init_app(app)
    uploads.init_app(app)
    dashboard.init_app(app)
    projects.init_app(app)  # projects opened from final results, milestone reminders


def register_unit_of_work(app: Flask) -> None:
    from portal.web import unit_of_work

    unit_of_work.init_app(app)


def register_search(app: Flask) -> None:
    # search is a leaf: the domains register their documents and thesaurus with it
    from portal import capabilities, catalogue, clarifications, scenarios, search

    search.init_app(app)
    catalogue.init_app(app)
    scenarios.init_app(app)
    clarifications.init_app(app)  # the scenario page's 答疑 and 开标记录, the answers in the scenario feed
    capabilities.init_app(app)

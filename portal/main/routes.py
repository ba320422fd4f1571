from flask import abort, current_app, redirect, render_template, request, session, url_for

from portal.main import bp
from portal.scenarios import queries
from portal.util.redirects import safe_next


@bp.get("/")
def home():
    current = queries.latest_published_batch()
    current_scenarios, open_scenarios, closing = queries.home_scenarios(current)
    return render_template("main/home.html", current_batch=current, current_scenarios=current_scenarios,
                           open_scenarios=open_scenarios, closing=closing)


@bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for this address whatever the page says; point them at the icon."""
    return redirect(url_for("static", filename="img/favicon.svg"), code=301)


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("main.home"))

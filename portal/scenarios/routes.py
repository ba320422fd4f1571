"""Public pages of the opportunity lists, and their feeds."""

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.permissions import load_batch_or_404, load_scenario_or_404
from portal.scenarios import bp, downloads, feeds, queries
from portal.scenarios.forms import ScenarioFilterForm
from portal.util.spreadsheets import download
from portal.web.paging import page_arg


@bp.get("/batches")
def list_batches():
    batches = queries.published_batches()
    counts = queries.batch_counts([b.id for b in batches])
    return render_template("scenarios/batches.html", batches=batches, counts=counts)


@bp.get("/batches/<int:batch_id>")
def show_batch(batch_id: int):
    batch = load_batch_or_404(batch_id, current_user)
    return render_template("scenarios/batch.html", batch=batch, scenarios=queries.public_scenarios_of_batch(batch))


@bp.get("/scenarios")
def list_scenarios():
    form = ScenarioFilterForm(request.args, batches=queries.published_batch_choices())
    filters = form.filters()
    pagination = queries.paginate_public(filters, page_arg(), current_app.config["PAGE_SIZE"])
    return render_template("scenarios/list.html", form=form, filters=filters, pagination=pagination)


@bp.get("/scenarios.<any(csv, xlsx):fmt>")
def download_scenarios(fmt: str):
    """The list page's scenarios under the same filters (a batch's list with ?batch=ID), every page at once."""
    form = ScenarioFilterForm(request.args, batches=queries.published_batch_choices())
    scenarios = db.session.scalars(queries.public_scenarios_query(form.filters())).unique().all()
    header, rows = downloads.scenarios_table(scenarios)
    return download("scenarios", _("应用场景"), header, rows, fmt)


@bp.get("/scenarios/<int:scenario_id>")
def show_scenario(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user)
    return render_template("scenarios/detail.html", scenario=scenario)


@bp.get("/feeds/scenarios.atom")
def feed_atom():
    body = feeds.atom(queries.feed_scenarios(), feeds.extra_entries())
    return Response(body, mimetype="application/atom+xml")


@bp.get("/feeds/deadlines.ics")
def feed_ical():
    body = feeds.icalendar(queries.calendar_scenarios())
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    return response

"""对接: a department and an enterprise meet about a scenario — requested by either, answered by the other,
its outcome recorded once it has taken place."""

from flask import Blueprint

bp = Blueprint("meetings", __name__)

"""The call between publish and result: clarifications (答疑) while a scenario is open, and the opening record
(开标记录) once its deadline has passed.

An enterprise asks, the owning department answers in public; the asker is known to nobody but itself (the
department reads the question, never who asked it). After the deadline the scenario page says how many
proposals arrived in time and, where the scenario's terms say so, from whom.
"""

from flask import Blueprint

# An enterprise's questions on a scenario.
bp = Blueprint("clarifications", __name__)
# The owning department: the questions of its scenarios, the answers, the call's terms.
manage_bp = Blueprint("clarifications_manage", __name__)


def init_app(app) -> None:
    """The scenario page's 答疑 and 开标记录 sections, and the answers in the scenario feed."""
    from portal.clarifications import opening, queries
    from portal.scenarios import feeds

    app.jinja_env.globals.update(public_clarifications=queries.public_questions,
                                 own_clarifications=queries.own_questions,
                                 question_deadline=queries.question_deadline,
                                 call_terms=queries.terms_of,
                                 opening_record=opening.opening_record)
    feeds.add_entries(app, queries.feed_entries)

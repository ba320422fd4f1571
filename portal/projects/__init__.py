"""After 揭榜成功: the project of each winner — its 任务书 (milestones), progress reports, 验收 with expert
opinions — and the public 场景创新成果 showcase of the projects that passed.

A project exists for each winning proposal of a scenario whose result is final. The result becomes final by
server time (the end of 公示 with every objection answered, portal/announcements/models.py), with no event to
hook: projects are opened from the decision whenever their pages or the worker look (`operations.open_projects`),
and a unique proposal makes a second one impossible.
"""

from flask import Blueprint

# The project's parties: the winner's accounts and the owning department.
bp = Blueprint("projects", __name__)
# Experts invited to 验收.
expert_bp = Blueprint("project_experts", __name__)
# The public 场景创新成果 showcase.
showcase_bp = Blueprint("showcase", __name__)


def init_app(app) -> None:
    """The milestone reminders and the opening of projects, as scheduled jobs; a scenario page's 验收 results."""
    from portal import jobs
    from portal.projects import operations, queries, reminders

    app.jinja_env.globals.update(published_projects=queries.published_projects)

    jobs.register(app, "projects.open", operations.open_due_projects, jobs.every(minutes=10))
    jobs.register(app, "projects.milestone-reminders", reminders.send_reminders, jobs.every(hours=1))

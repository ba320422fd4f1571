"""The published opportunity lists as tables: what the list and batch pages show, for CSV and XLSX downloads."""

from flask import url_for
from flask_babel import gettext as _

from portal.util import clock


def _local(moment) -> str:
    local = clock.to_local(moment)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


def scenarios_table(scenarios) -> tuple[list[str], list[list]]:
    header = [_("编号"), _("场景名称"), _("清单批次"), _("发布单位"), _("领域"), _("区县市"), _("状态"),
              _("预算（万元）"), _("揭榜截止"), _("发布时间"), _("链接")]
    rows = [[s.id, s.title, s.batch.title, s.department.name, s.sector_label, s.district_label, str(s.status.label),
             float(s.budget) if s.budget is not None else _("面议"), _local(s.deadline), _local(s.published_at),
             url_for("scenarios.show_scenario", scenario_id=s.id, _external=True)]
            for s in scenarios]
    return header, rows

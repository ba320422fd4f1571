"""The dashboards as labelled figures: each figure's table and chart are drawn from the same rows."""

from dataclasses import dataclass, field

from flask_babel import gettext as _

from portal.catalogue.models import STATE_LABELS as PRODUCT_STATE_LABELS
from portal.catalogue.models import TYPE_LABELS
from portal.dashboard import snapshots, statistics
from portal.dashboard.snapshots import DAY_BOUNDS, PROPOSALS_CAP, ScenarioCounts
from portal.reference import DISTRICTS, SECTORS
from portal.scenarios.models import STATE_LABELS, ScenarioState
from portal.util import clock

MONTHS_SHOWN = 24
# Statuses as the public sees them, in the order of the lifecycle; drafts only exist inside a department.
PUBLIC_STATUSES = [s for s in ScenarioState if s != ScenarioState.DRAFT]


@dataclass
class Series:
    name: str
    values: list[int]


@dataclass
class Figure:
    key: str
    title: str
    kind: str  # bar, hbar (horizontal bars), line or doughnut
    category: str  # heading of the label column
    labels: list[str]
    series: list[Series]
    note: str = ""

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        return [(label, [s.values[i] for s in self.series]) for i, label in enumerate(self.labels)]

    def chart_data(self) -> dict:
        return {"kind": self.kind, "labels": self.labels,
                "series": [{"name": s.name, "values": s.values} for s in self.series]}


@dataclass
class Section:
    key: str
    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def _count_series(counts: dict, keys) -> Series:
    return Series(_("场景数"), [int(counts.get(key, 0)) for key in keys])


def _labelled(key, title, kind, category, labels: dict, counts: dict, note="", name=None) -> Figure:
    series = Series(name or _("场景数"), [int(counts.get(code, 0)) for code in labels])
    return Figure(key, title, kind, category, [str(label) for label in labels.values()], [series], note)


def sector_figure(counts: ScenarioCounts, key="sector", note="") -> Figure:
    return _labelled(key, _("按七端领域的场景数"), "bar", _("领域"), SECTORS, counts.sector, note)


def district_figure(counts: ScenarioCounts, key="district") -> Figure:
    return _labelled(key, _("按区县市的场景数"), "hbar", _("区县市"), DISTRICTS, counts.district)


def month_figure(counts: ScenarioCounts, key="month") -> Figure:
    months = snapshots.months(clock.local_today(), MONTHS_SHOWN)
    return Figure(key, _("每月发布的场景数（近 %(n)d 个月）", n=MONTHS_SHOWN), "line", _("月份"), months,
                  [_count_series(counts.month, months)], _("按发布时间（北京时间）所在月份统计。"))


def status_figure(counts: ScenarioCounts, statuses=PUBLIC_STATUSES, key="status") -> Figure:
    return Figure(key, _("场景当前状态"), "doughnut", _("状态"), [str(STATE_LABELS[s]) for s in statuses],
                  [_count_series(counts.status, statuses)], _("状态按服务器时间判定：截止时间已过即为“已截止”。"))


def success_share(counts: dict) -> str:
    """Share of ended scenarios (揭榜成功 or cancelled) that ended 揭榜成功."""
    final, cancelled = counts.get(ScenarioState.FINAL, 0), counts.get(ScenarioState.CANCELLED, 0)
    if not final + cancelled:
        return _("暂无已结束的场景")
    return _("%(share)s%%（%(final)d / %(ended)d）", share=f"{100 * final / (final + cancelled):.0f}",
             final=final, ended=final + cancelled)


def proposals_figure(counts: ScenarioCounts, key="proposals", note="") -> Figure:
    keys = list(range(PROPOSALS_CAP + 1))
    labels = [_("%(n)d 份", n=n) for n in keys[:-1]] + [_("%(n)d 份及以上", n=PROPOSALS_CAP)]
    return Figure(key, _("场景收到的揭榜方案数"), "bar", _("揭榜方案"), labels,
                  [_count_series(counts.histogram.scenarios_with, keys)], note)


def per_scenario_figure(rows: list[tuple[int, str, int]], key="per_scenario") -> Figure:
    return Figure(key, _("各场景收到的揭榜方案（最近发布的 %(n)d 个）", n=len(rows)), "hbar", _("场景"),
                  [title for _id, title, _n in rows], [Series(_("已提交方案"), [n for _id, _t, n in rows])],
                  _("只计已提交、未撤回的方案；截止前仅本单位可见。"))


def duration_figure(counts: ScenarioCounts, key="duration") -> Figure:
    labels, low = [], 0
    for bound in DAY_BOUNDS:
        labels.append(_("%(low)d–%(high)d 天", low=low, high=bound))
        low = bound + 1
    labels.append(_("%(low)d 天以上", low=DAY_BOUNDS[-1]))
    return Figure(key, _("从发布到结果公示的用时"), "bar", _("用时"), labels,
                  [_count_series(counts.durations.in_bucket, range(len(labels)))],
                  _("从场景发布到揭榜结果开始公示。"))


def mean_days(durations: statistics.Durations) -> str:
    if durations.mean_days is None:
        return _("暂无已公示的结果")
    return _("%(days)s 天（%(n)d 个场景）", days=f"{durations.mean_days:.1f}", n=durations.count)


def mean_proposals(histogram: statistics.ProposalHistogram) -> str:
    if not histogram.scenarios:
        return _("暂无已截止的场景")
    return _("%(mean)s 份（%(n)d 个场景共 %(total)d 份）", mean=f"{histogram.proposals / histogram.scenarios:.1f}",
             n=histogram.scenarios, total=histogram.proposals)


def catalogue_section(counts: dict) -> Section:
    by_year = {int(year): n for year, n in counts["year"].items()}
    years = [str(year) for year in range(min(by_year), max(by_year) + 1)] if by_year else []
    by_type = counts["type"]
    total = sum(by_type.values())
    return Section("catalogue", _("首台（套）产品目录"), facts=[(_("已入库产品"), str(total))], figures=[
        _labelled("product_type", _("按类型的产品数"), "doughnut", _("类型"), TYPE_LABELS,
                  by_type, name=_("产品数")),
        _labelled("product_sector", _("按七端领域的产品数"), "bar", _("领域"), SECTORS,
                  counts["sector"], name=_("产品数")),
        Figure("product_year", _("按认定年度的产品数"), "bar", _("认定年度"), years,
               [Series(_("产品数"), [int(by_year.get(int(y), 0)) for y in years])]),
    ])


def scenario_sections(counts: ScenarioCounts, statuses=PUBLIC_STATUSES, proposals_note="") -> list[Section]:
    """Scenarios, then bids and results, from the counts of one scope."""
    scenarios = Section("scenarios", _("应用场景"), facts=[(_("场景总数"), str(sum(counts.status.values())))],
                        figures=[sector_figure(counts), district_figure(counts), month_figure(counts)])
    results = Section("results", _("揭榜与结果"), facts=[
        (_("已结束场景中揭榜成功的比例"), success_share(counts.status)),
        (_("平均每个场景收到的方案"), mean_proposals(counts.histogram)),
        (_("从发布到结果公示平均用时"), mean_days(counts.durations)),
    ], figures=[status_figure(counts, statuses), proposals_figure(counts, note=proposals_note),
                duration_figure(counts)])
    return [scenarios, results]


def _public_proposals_note() -> str:
    return _("揭榜方案截止前密封，这里只统计已截止（未撤销）的场景。")


def showcase_section(counts: dict) -> Section:
    """场景创新成果: projects that passed 验收 (with or without conditions), by the scenario's sector and district."""
    by_sector, by_district = counts.get("case_sector", {}), counts.get("case_district", {})
    return Section("showcase", _("场景创新成果"), facts=[(_("通过验收的成果"), str(sum(by_sector.values())))],
                   figures=[_labelled("case_sector", _("按七端领域的成果数"), "bar", _("领域"), SECTORS, by_sector,
                                      name=_("成果数")),
                            _labelled("case_district", _("按区县市的成果数"), "hbar", _("区县市"), DISTRICTS,
                                      by_district, name=_("成果数"))])


def public_dashboard() -> list[Section]:
    catalogue = snapshots.catalogue_counts()
    return [*scenario_sections(snapshots.public_counts(), proposals_note=_public_proposals_note()),
            showcase_section(catalogue), catalogue_section(catalogue)]


def _prefixed(sections: list[Section], prefix: str, title: str) -> list[Section]:
    for section in sections:
        section.key = f"{prefix}-{section.key}"
        section.title = f"{title} · {section.title}"
        for figure in section.figures:
            figure.key = f"{prefix}-{figure.key}"
    return sections


def department_dashboard(department_id: int) -> list[Section]:
    """The department's own scenarios (with the bid counts it may see), then the city's public figures."""
    counts = snapshots.department_counts(department_id)
    own = scenario_sections(counts, statuses=list(ScenarioState),
                            proposals_note=_("含本单位揭榜中的场景（截止前只可见数量）。"))
    own[1].figures.insert(2, per_scenario_figure(counts.per_scenario))
    city = scenario_sections(snapshots.public_counts(), proposals_note=_public_proposals_note())
    return [*_prefixed(own, "own", _("本单位")), meetings_section(department_id),
            *_prefixed(city, "city", _("全市"))]


def meetings_section(department_id: int) -> Section:
    """对接 and 邀请揭榜 of the department's scenarios (read live: a handful of counts of its own rows)."""
    from portal.capabilities.queries import invitations_sent
    from portal.meetings.queries import department_counts

    counts = department_counts(department_id)
    return Section("own-meetings", _("本单位 · 对接"), facts=[
        (_("已举行的对接"), str(counts["held"])),
        (_("已确认待举行"), str(counts["accepted"])),
        (_("待确认的对接请求"), str(counts["requested"])),
        (_("发出的揭榜邀请"), str(invitations_sent(department_id))),
    ])


def platform_dashboard() -> list[Section]:
    """Every scenario of the platform, by department too, and the catalogue with its review states."""
    counts = snapshots.platform_counts()
    sections = scenario_sections(counts, statuses=list(ScenarioState),
                                 proposals_note=_("含揭榜中的场景（只计数量）。"))
    rows = counts.departments
    sections[0].figures.append(Figure(
        "department", _("各发布单位的场景"), "hbar", _("发布单位"), [name for name, _n, _f in rows],
        [Series(_("场景数"), [n for _name, n, _f in rows]), Series(_("揭榜成功"), [f for _name, _n, f in rows])]))
    products = snapshots.catalogue_counts()
    catalogue = catalogue_section(products)
    catalogue.figures.append(_labelled("product_state", _("产品审核状态"), "bar", _("状态"),
                                       PRODUCT_STATE_LABELS, products["state"], name=_("产品数")))
    return [*sections, catalogue]


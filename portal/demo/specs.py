"""The demo's data, read from the TOML files in data/ into the shapes the scheduler replays.

The files are the place to change what the demo shows; this module only knows their layout. TOML keeps the
Chinese text readable as written, and `tomllib` reads it with the standard library.
"""

import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from typing import NamedTuple


@dataclass(frozen=True)
class Department:
    key: str
    email: str
    name: str
    person: str
    district: str | None


@dataclass(frozen=True)
class Enterprise:
    email: str
    name: str
    uscc_body: str  # 17 characters; make_uscc adds the check character
    district: str
    contact: str
    phone: str
    registered: int  # days before seeding
    outcome: str  # "verified", "pending" or "rejected"
    reason: str = ""


class Interest(NamedTuple):
    """A line of a reviewer's conflict profile besides the employer."""

    kind: str
    organisation: str
    ended: int | None  # former employers only: days before seeding the employment ended
    detail: str


@dataclass(frozen=True)
class Reviewer:
    email: str
    name: str
    affiliation: str
    interests: tuple[Interest, ...] = ()
    # The 专家库 entry: fields of expertise (类别 codes of portal/catalogue/taxonomy.toml) and district.
    fields: tuple[str, ...] = ()
    district: str | None = None


@dataclass(frozen=True)
class Scene:
    title: str
    sector: str
    district: str
    budget: int | None  # 万元; None is 面议
    deadline: int | None  # days from seeding, negative in the past; 17:00 Hangzhou time
    contact: str
    phone: str
    description: tuple[str, ...]
    requirements: tuple[str, ...]


class Cancellation(NamedTuple):
    scene: int  # index in the list's scenes
    days: int  # before seeding
    reason: str


class LateDraft(NamedTuple):
    days: int  # before seeding
    scene: Scene


@dataclass(frozen=True)
class ListSpec:
    department: str
    title: str  # {year} and {n} (the department's nth list of that year) are filled in
    summary: tuple[str, ...]
    created: int  # days before seeding
    published: int | None  # days before seeding; None leaves the batch a draft
    scenes: tuple[Scene, ...]
    cancel: Cancellation | None = None
    late_drafts: tuple[LateDraft, ...] = ()  # scenes added as drafts after publication


@dataclass(frozen=True)
class Company:
    """An enterprise known only from an official 首台（套）list: it has no portal account (yet)."""

    name: str
    uscc_body: str
    district: str


@dataclass(frozen=True)
class Item:
    name: str
    model: str
    kind: str  # type label as on the official lists
    sector: str  # sector label
    level: str
    year: int
    batch: str
    specs: str
    description: str
    cases: str
    owner: str  # a demo enterprise's e-mail, or a key of COMPANIES
    via: str  # "import" (an official list), "apply" (the enterprise applied, a department approved), "pending"


class Bid(NamedTuple):
    """A proposal submitted 3 days before its scenario's deadline."""

    scenario: str  # the scene's title
    bidder: str  # the enterprise's e-mail
    title: str
    summary: str
    approach: str
    months: int
    price: str  # 万元
    team: str
    cases: str


class Draft(NamedTuple):
    """A proposal an enterprise has started on an open scenario and not submitted."""

    scenario: str
    bidder: str
    title: str
    summary: str
    months: int
    days: int  # before seeding, at 16:00


class Objection(NamedTuple):
    by: str  # the objecting enterprise's e-mail
    text: str
    answer: str


@dataclass(frozen=True)
class ReviewPlan:
    scenario: str
    reviewers: tuple[str, ...]
    scores: dict[str, tuple[tuple[str, ...], ...]]  # reviewer → per proposal, the four scores; absent: not yet
    decided: int | None = None  # days after the deadline
    objection: Objection | None = None


class Follow(NamedTuple):
    enterprise: str  # e-mail
    sectors: tuple[str, ...]


@dataclass(frozen=True)
class CapabilitySpec:
    """A capability of a demo enterprise (场景能力清单), written, submitted and (unless pending) decided."""

    owner: str  # the enterprise's e-mail
    title: str
    sector: str
    field: str
    maturity: str
    summary: str
    cases: str
    products: tuple[str, ...]  # names of the enterprise's catalogue products
    districts: tuple[str, ...]
    created: int  # days before seeding
    outcome: str  # "approved", "returned" or "pending"
    decided: int | None = None
    reviewer: str | None = None  # a department key, or "admin"
    reason: str = ""


@dataclass(frozen=True)
class MeetingSpec:
    """A 对接 meeting about a scenario; accepted and recorded when those days are given."""

    scenario: str
    by: str  # a department key, or an enterprise's e-mail
    requested: int  # days before seeding
    starts: tuple[int, int]  # days from seeding, hour
    attendees: str
    agenda: str = ""
    place: str = ""
    online_link: str = ""
    with_: str | None = None  # the enterprise a department asks
    accepted: int | None = None
    outcome: str | None = None  # recorded on the evening of the meeting
    notes: str = ""


class MilestoneSpec(NamedTuple):
    title: str
    due: int  # days before seeding (negative: ahead)
    deliverables: str
    reported: int | None = None
    report: str = ""
    marked: int | None = None
    outcome: str | None = None  # "met" or "late"
    note: str = ""


class ExpertOpinion(NamedTuple):
    email: str
    verdict: str
    opinion: str


@dataclass(frozen=True)
class AcceptanceSpec:
    opened: int
    opinions: int
    experts: tuple[ExpertOpinion, ...]
    result: int
    verdict: str
    reason: str


@dataclass(frozen=True)
class CaseSpec:
    days: int
    summary: str
    results: str
    products: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()


class ReportSpec(NamedTuple):
    days: int
    text: str


@dataclass(frozen=True)
class ProjectSpec:
    """The project of a scenario's winner after 揭榜成功: 任务书, progress, 验收 and the public case."""

    scenario: str
    opened: int
    planned: int
    agreed: int
    milestones: tuple[MilestoneSpec, ...]
    reports: tuple[ReportSpec, ...] = ()
    acceptance: AcceptanceSpec | None = None
    case: CaseSpec | None = None


def _capability(table: dict) -> CapabilitySpec:
    _known(table, {f.name for f in fields(CapabilitySpec)}, "capability")
    return CapabilitySpec(**_tuples(table))


def _meeting(table: dict) -> MeetingSpec:
    _known(table, {f.name for f in fields(MeetingSpec)} - {"with_"} | {"with"}, "meeting")
    table = _tuples(table)
    return MeetingSpec(**{("with_" if k == "with" else k): v for k, v in table.items()})


def _project(table: dict) -> ProjectSpec:
    _known(table, {"scenario", "opened", "planned", "agreed", "milestone", "report", "acceptance", "case"}, "project")
    table = _tuples(table)
    for milestone in table["milestone"]:
        _known(milestone, set(MilestoneSpec._fields), "milestone")
    acceptance, case = table.get("acceptance"), table.get("case")
    if acceptance:
        _known(acceptance, {f.name for f in fields(AcceptanceSpec)}, "acceptance")
        acceptance = AcceptanceSpec(**{**acceptance, "experts": tuple(ExpertOpinion(**e)
                                                                      for e in acceptance["experts"])})
    if case:
        _known(case, {f.name for f in fields(CaseSpec)}, "case")
        case = CaseSpec(**case)
    return ProjectSpec(scenario=table["scenario"], opened=table["opened"], planned=table["planned"],
                       agreed=table["agreed"], milestones=tuple(MilestoneSpec(**m) for m in table["milestone"]),
                       reports=tuple(ReportSpec(**r) for r in table.get("report", ())), acceptance=acceptance or None,
                       case=case or None)


def _read(name: str) -> dict:
    return tomllib.loads(resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8"))


def _tuples(value):
    """TOML arrays as tuples, all the way down, so the frozen shapes are hashable and compare as written."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _known(table: dict, keys: set[str], what: str) -> None:
    # Optional keys are read with get(), so a misspelt one would otherwise be dropped without a word.
    unknown = set(table) - keys
    if unknown:
        name = table.get("title") or table.get("scenario")
        raise ValueError(f"demo {what} {name!r}: unknown keys {sorted(unknown)}")


_SCENE_KEYS = {"title", "sector", "district", "budget", "deadline", "contact", "phone", "description", "requirements"}


def _scene(table: dict, extra: frozenset = frozenset()) -> Scene:
    _known(table, _SCENE_KEYS | extra, "scene")
    table = _tuples(table)
    return Scene(title=table["title"], sector=table["sector"], district=table["district"],
                 budget=table.get("budget"), deadline=table.get("deadline"), contact=table["contact"],
                 phone=table["phone"], description=table["description"], requirements=table["requirements"])


def _list(table: dict) -> ListSpec:
    _known(table, {"department", "title", "summary", "created", "published", "cancel", "scene", "late_draft"}, "list")
    cancel = table.get("cancel")
    return ListSpec(
        department=table["department"], title=table["title"], summary=tuple(table["summary"]),
        created=table["created"], published=table.get("published"),
        scenes=tuple(_scene(scene) for scene in table.get("scene", ())),
        cancel=Cancellation(**cancel) if cancel else None,
        late_drafts=tuple(LateDraft(draft["days"], _scene(draft, frozenset({"days"})))
                          for draft in table.get("late_draft", ())))


def _review(table: dict) -> ReviewPlan:
    _known(table, {"scenario", "reviewers", "scores", "decided", "objection"}, "review")
    objection = table.get("objection")
    return ReviewPlan(scenario=table["scenario"], reviewers=tuple(table["reviewers"]),
                      scores=_tuples(table.get("scores", {})), decided=table.get("decided"),
                      objection=Objection(**objection) if objection else None)


def _reviewer(table: dict) -> Reviewer:
    _known(table, {"email", "name", "affiliation", "interests", "fields", "district"}, "reviewer")
    return Reviewer(table["email"], table["name"], table["affiliation"],
                    tuple(Interest(**{"ended": None, **i}) for i in table.get("interests", ())),
                    tuple(table.get("fields", ())), table.get("district"))


@dataclass(frozen=True)
class DemoData:
    departments: tuple[Department, ...]
    reviewers: tuple[Reviewer, ...]
    enterprises: tuple[Enterprise, ...]
    follows: tuple[Follow, ...]
    lists: tuple[ListSpec, ...]
    companies: dict[str, Company]
    products: tuple[Item, ...]
    bids: tuple[Bid, ...]
    drafts: tuple[Draft, ...]
    review_plans: tuple[ReviewPlan, ...]
    capabilities: tuple[CapabilitySpec, ...]
    meetings: tuple[MeetingSpec, ...]
    projects: tuple[ProjectSpec, ...]


def load() -> DemoData:
    """Read every file of data/ (a missing or misspelt key fails here, before anything is seeded)."""
    accounts = _read("accounts.toml")
    catalogue = _read("catalogue.toml")
    proposals = _read("proposals.toml")
    return DemoData(
        departments=tuple(Department(**{"district": None, **d}) for d in accounts["department"]),
        reviewers=tuple(_reviewer(r) for r in accounts["reviewer"]),
        enterprises=tuple(Enterprise(**e) for e in accounts["enterprise"]),
        follows=tuple(Follow(f["enterprise"], tuple(f["sectors"])) for f in accounts["follow"]),
        lists=tuple(_list(table) for table in _read("lists.toml")["list"]),
        companies={key: Company(**c) for key, c in catalogue["company"].items()},
        products=tuple(Item(**p) for p in catalogue["product"]),
        bids=tuple(Bid(**b) for b in proposals["bid"]),
        drafts=tuple(Draft(**d) for d in proposals["draft"]),
        review_plans=tuple(_review(r) for r in _read("reviews.toml")["review"]),
        capabilities=tuple(_capability(c) for c in _read("capabilities.toml")["capability"]),
        meetings=tuple(_meeting(m) for m in _read("meetings.toml")["meeting"]),
        projects=tuple(_project(p) for p in _read("projects.toml")["project"]),
    )

"""City-scale data for the page benchmark: years of batches, scenarios, proposals, reviews and the catalogue.

    .venv/bin/python bench/data.py [--db URL] [--instance DIR] [--seed 7] [--scale 1.0] [--no-index]

Fills an empty database (a SQLite file in bench's instance folder by default, or a PostgreSQL URL) with
500 batches, 10 000 scenarios, 100 000 proposals (their versions and receipts), 20 000 products, 2 000
enterprises, 300 reviewers and 60 departments, in bulk Core inserts, the same rows for the same seed.
Scenario states follow the calendar: recent lists are open, older ones closed, under review, decided,
in 公示 or final. Then it builds the search index (`flask --app wsgi reindex` does the same later).
Every account's password is BENCH_PASSWORD.
"""

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import synthetic_rows  # noqa: E402 -- the catalogue text of the search bench

BENCH_PASSWORD = "bench-password-2026"  # noqa: S105 -- synthetic accounts of a local benchmark
DEFAULT_INSTANCE = ROOT / "instance" / "bench"
SIZES = {"batches": 500, "scenarios_per_batch": 20, "proposals": 100_000, "products": 20_000,
         "enterprises": 2_000, "reviewers": 300, "departments": 60}
CHUNK = 5_000
RUBRIC = [["技术方案", 40], ["实施能力", 30], ["报价合理性", 20], ["应用案例", 10]]

SECTOR_WEIGHTS = {"security": 22, "industrial_vision": 20, "medical_imaging": 12, "autonomous_driving": 10,
                  "smart_living": 12, "vr_metaverse": 6, "special_imaging": 8, "other": 10}
DISTRICT_WEIGHTS = {"滨江区": 18, "余杭区": 16, "西湖区": 12, "萧山区": 11, "上城区": 9, "拱墅区": 8, "钱塘区": 8,
                    "临平区": 6, "富阳区": 4, "临安区": 3, "桐庐县": 2, "淳安县": 2, "建德市": 1}
DEPARTMENTS = ["经济和信息化局", "数据资源管理局", "科学技术局", "城市管理局", "交通运输局", "卫生健康委员会",
               "生态环境局", "应急管理局", "教育局", "文化广电旅游局", "公安局", "住房和城乡建设局"]
PLACES = {"security": ["智慧社区", "地铁站", "大型商圈", "学校周边", "重点园区"],
          "industrial_vision": ["锂电产线", "汽配工厂", "纺织车间", "光伏组件厂", "半导体封测线"],
          "medical_imaging": ["区人民医院", "社区卫生服务中心", "妇幼保健院", "中医院", "体检中心"],
          "autonomous_driving": ["城市快速路", "港区", "物流园区", "景区接驳线", "公交场站"],
          "smart_living": ["政务服务中心", "未来社区", "养老服务中心", "写字楼", "图书馆"],
          "vr_metaverse": ["西湖景区", "博物馆", "职业院校", "亚运场馆", "文化街区"],
          "special_imaging": ["变电站", "化工园区", "输电线路", "森林防火区", "地下管廊"],
          "other": ["农贸市场", "河道", "水厂", "垃圾分类站", "停车场"]}
NEEDS = {"security": ["周界入侵智能识别", "人员密集度预警", "高空抛物监测", "重点车辆布控"],
         "industrial_vision": ["表面缺陷在线检测", "尺寸精密测量", "来料外观质检", "装配防错识别"],
         "medical_imaging": ["肺结节辅助诊断", "超声影像质控", "眼底筛查", "病理切片分析"],
         "autonomous_driving": ["无人驾驶接驳", "车路协同感知", "自动泊车", "无人集卡运输"],
         "smart_living": ["无感通行", "远程视频会商", "智能导办", "老人跌倒检测"],
         "vr_metaverse": ["沉浸式导览", "虚拟实训", "数字孪生展示", "VR安全教育"],
         "special_imaging": ["红外测温巡检", "气体泄漏可视化", "无人机自主巡检", "夜间火点识别"],
         "other": ["水质异常识别", "客流统计分析", "违停自动识别", "垃圾满溢检测"]}
COMPANY_WORDS = ["海康", "视联", "云瞳", "微光", "睿视", "之江", "钱塘", "西溪", "鹰眼", "数智", "光启", "天目", "澜图",
                 "芯象", "明眸", "星链", "安睿", "图灵", "湖畔", "宸光"]
COMPANY_KINDS = ["科技", "智能科技", "信息技术", "数字技术", "光电", "视觉技术", "机器人"]
INSTITUTIONS = ["浙江大学", "之江实验室", "杭州电子科技大学", "浙江工业大学", "西湖大学", "中国计量大学",
                "浙江省标准化研究院", "杭州市质量技术监督检测院", "浙江理工大学", "杭州师范大学"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚", "婷", "斌"]


def weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2])))


def uscc(n: int) -> str:
    from portal.util.uscc import ALPHABET, make_uscc

    digits = "".join(ALPHABET[(n // 31 ** k) % 31] for k in range(6))
    return make_uscc(f"91330100{digits}MA0")


class Builder:
    """Rows for every table, in memory, with explicit ids so they insert in bulk without round trips."""

    def __init__(self, seed: int, scale: float, now: datetime):
        self.rng = random.Random(seed)  # noqa: S311 -- reproducible benchmark data, not secrets
        self.now = now
        self.n = {k: max(1, round(v * scale)) if k != "scenarios_per_batch" else v for k, v in SIZES.items()}
        self.rows: dict[str, list[dict]] = {}

    def add(self, table: str, row: dict) -> None:
        self.rows.setdefault(table, []).append(row)

    def build(self) -> None:
        from werkzeug.security import generate_password_hash

        self.password_hash = generate_password_hash(BENCH_PASSWORD)
        self.organizations()
        self.batches_and_scenarios()
        self.proposals()
        self.reviews_and_decisions()
        self.products()

    def user(self, org_id: int, role: str, email: str, created: datetime) -> int:
        uid = len(self.rows.get("users", [])) + 1
        self.add("users", {"id": uid, "email": email, "password_hash": self.password_hash, "name": person(self.rng),
                           "phone": f"1{self.rng.randint(3, 9)}{self.rng.randint(0, 999_999_999):09d}", "role": role,
                           "organization_id": org_id, "active": True,
                           "created_at": created, "last_login_at": None})
        return uid

    def org(self, name: str, kind: str, district: str | None, verification: str, created: datetime,
            code: str | None = None) -> int:
        oid = len(self.rows.get("organizations", [])) + 1
        self.add("organizations", {
            "id": oid, "name": name, "uscc": code, "kind": kind, "district": district,
            "contact_name": person(self.rng), "contact_phone": f"0571-{self.rng.randint(8000_0000, 8999_9999)}",
            "verification": verification, "verified_at": created if verification == "verified" else None,
            "rejection_reason": "营业执照与填写的名称不一致。" if verification == "rejected" else None,
            "created_at": created})
        return oid

    def organizations(self) -> None:
        rng, start = self.rng, self.now - timedelta(days=6 * 365)
        admin_org = self.org("幸会·杭州 平台运营中心", "government", "上城区", "verified", start)
        self.admin_id = self.user(admin_org, "admin", "admin@bench.local", start)
        self.departments, self.department_users = [], {}
        for i in range(self.n["departments"]):
            district = list(DISTRICT_WEIGHTS)[i % len(DISTRICT_WEIGHTS)]
            prefix = "杭州市" if i < len(DEPARTMENTS) else district
            oid = self.org(f"{prefix}{DEPARTMENTS[i % len(DEPARTMENTS)]}" + (f"（{i // 24 + 1}）" if i >= 24 else ""),
                           "government", district, "verified", start)
            self.departments.append(oid)
            self.department_users[oid] = self.user(oid, "government", f"dept{i + 1}@bench.local", start)
        self.enterprises, self.enterprise_users, self.verified = [], {}, []
        for i in range(self.n["enterprises"]):
            created = start + timedelta(days=rng.randint(0, 5 * 365))
            roll = rng.random()
            verification = "verified" if roll < 0.93 else ("pending" if roll < 0.98 else "rejected")
            name = f"杭州{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_KINDS)}有限公司"
            oid = self.org(f"{name[:-4]}{i + 1}号有限公司" if i else name, "enterprise",
                           weighted(rng, DISTRICT_WEIGHTS), verification, created, code=uscc(i + 1))
            self.enterprises.append(oid)
            self.enterprise_users[oid] = self.user(oid, "enterprise", f"firm{i + 1}@bench.local", created)
            if verification == "verified":
                self.verified.append(oid)
        institutions = [self.org(name, "institution", "西湖区", "verified", start) for name in INSTITUTIONS]
        self.reviewers = [self.user(institutions[i % len(institutions)], "reviewer", f"expert{i + 1}@bench.local",
                                    start) for i in range(self.n["reviewers"])]

    def batches_and_scenarios(self) -> None:
        rng, n_batches = self.rng, self.n["batches"]
        first = self.now - timedelta(days=6 * 365)
        step = (self.now - timedelta(days=5) - first) / n_batches
        drafts = max(1, n_batches // 100)
        self.scenarios = []
        for b in range(n_batches):
            department = rng.choice(self.departments)
            published = first + step * b + timedelta(hours=rng.randint(1, 9))
            is_draft = b >= n_batches - drafts
            year = published.year
            bid = b + 1
            self.add("batches", {
                "id": bid, "title": f"{year}年第{b % 12 + 1}批 场景机会清单（{b + 1}）", "department_id": department,
                "summary_html": f"<p>本批清单由{department}号单位征集，面向视觉智能产业开放应用场景。</p>",
                "state": "draft" if is_draft else "published", "published_at": None if is_draft else published,
                "created_at": published - timedelta(days=7), "updated_at": published})
            for _k in range(self.n["scenarios_per_batch"]):
                self.scenario(bid, department, None if is_draft else published)

    def scenario(self, batch_id: int, department: int, published: datetime | None) -> None:
        rng, sid = self.rng, len(self.scenarios) + 1
        sector, district = weighted(rng, SECTOR_WEIGHTS), weighted(rng, DISTRICT_WEIGHTS)
        place, need = rng.choice(PLACES[sector]), rng.choice(NEEDS[sector])
        created = (published or self.now) - timedelta(days=10)
        deadline = (published or self.now + timedelta(days=30)) + timedelta(days=rng.randint(30, 75), hours=8)
        state = "draft" if published is None else self.state_for(deadline)
        row = {
            "id": sid, "batch_id": batch_id, "department_id": department, "title": f"{district}{place}{need}",
            "sector": sector, "district": district,
            "description_html": f"<p>{district}{place}现有人工方式效率低、覆盖不全，希望引入{need}能力，"
                                f"在{rng.randint(3, 30)}个点位先行试点，形成可复制推广的解决方案。</p>",
            "requirements_html": f"<ul><li>识别准确率不低于{rng.choice([90, 95, 98])}%</li>"
                                 f"<li>支持本地化部署，数据不出{district}</li>"
                                 f"<li>{rng.randint(2, 6)}个月内完成部署并通过验收</li></ul>",
            "budget": None if rng.random() < 0.15 else Decimal(rng.randint(20, 3000)),
            "deadline": deadline, "contact_name": person(rng),
            "contact_phone": f"0571-{rng.randint(8000_0000, 8999_9999)}", "contact_email": None,
            "state": state, "published_at": published,
            "closed_at": deadline if state not in {"draft", "published", "cancelled"} else None,
            "cancelled_at": None, "cancel_reason": None, "created_at": created,
            "updated_at": published or created}
        if state == "cancelled":
            row.update(cancelled_at=published + timedelta(days=5), cancel_reason="需求调整，本场景撤销。")
        self.add("scenarios", row)
        self.scenarios.append(row)

    def state_for(self, deadline: datetime) -> str:
        roll, days = self.rng.random(), (self.now - deadline).days
        if roll < 0.02:
            return "cancelled"
        if days < 0:
            return "published"
        if days < 7:
            return "published" if roll < 0.5 else "closed"
        if days < 25:
            return "under_review" if roll < 0.8 else "closed"
        if days < 40:
            return ["decided", "announced", "announced", "final"][int(roll * 4)]
        return "final" if roll < 0.85 else ("closed" if roll < 0.92 else "decided")

    def proposals(self) -> None:
        rng = self.rng
        public = [s for s in self.scenarios if s["published_at"] is not None and s["state"] != "cancelled"]
        weights = [rng.paretovariate(2.0) for _s in public]
        total = sum(weights)
        counts = [min(len(self.verified), max(1, round(w / total * self.n["proposals"]))) for w in weights]
        for i in range(self.n["proposals"] - sum(counts)):  # bring the total to the requested number
            j = i % len(counts)
            counts[j] = min(counts[j] + 1, len(self.verified))
        self.submitted_by_scenario: dict[int, list[dict]] = {}
        self.receipt_seq: dict[int, int] = {}
        pid = vid = 0
        for scenario, k in zip(public, counts, strict=True):
            for org in rng.sample(self.verified, k):
                pid += 1
                vid = self.proposal(pid, vid, scenario, org)

    def proposal(self, pid: int, vid: int, scenario: dict, org: int) -> int:
        from portal.proposals.receipts import content_digest, receipt_digest, receipt_number

        rng, open_ = self.rng, scenario["state"] == "published" and scenario["deadline"] > self.now
        roll = rng.random()
        state = ("draft" if roll < 0.35 else "withdrawn" if roll < 0.40 else "submitted") if open_ else (
            "draft" if roll < 0.05 else "withdrawn" if roll < 0.09 else "submitted")
        window = max((min(scenario["deadline"], self.now) - scenario["published_at"]).total_seconds(), 3600)
        created = scenario["published_at"] + timedelta(seconds=rng.uniform(0, window * 0.6))
        user = self.enterprise_users[org]
        fields = {"title": f"{scenario['title']}揭榜方案", "summary": f"基于自研算法与国产硬件，{rng.randint(3, 12)}"
                  f"个月内完成{scenario['title']}的试点部署。",
                  "approach_html": "<p>采用边缘计算与云端协同架构，前端设备实时分析，平台统一管理。</p>",
                  "plan_months": rng.randint(3, 12), "price": Decimal(rng.randint(10, 2500)),
                  "team": f"项目团队{rng.randint(5, 40)}人，其中高级工程师{rng.randint(2, 10)}人。",
                  "cases": "已在省内多个园区落地应用。"}
        versions = 0 if state == "draft" else (2 if rng.random() < 0.2 else 1)
        submitted = None
        for number in range(1, versions + 1):
            vid += 1
            submitted = created + timedelta(seconds=rng.uniform(0, window * 0.4) * number / versions)
            year = submitted.astimezone(UTC).year
            seq = self.receipt_seq[year] = self.receipt_seq.get(year, 0) + 1
            receipt = receipt_number(year, seq)
            org_row = self.rows["organizations"][org - 1]
            self.add("proposal_versions", {
                "id": vid, "proposal_id": pid, "number": number, **fields, "submitted_at": submitted,
                "submitted_by_id": user, "receipt_no": receipt, "receipt_year": year, "receipt_seq": seq,
                "content_digest": content_digest(fields, []),
                "digest": receipt_digest(receipt_no=receipt, scenario_id=scenario["id"], uscc=org_row["uscc"],
                                         version=number, submitted_at=submitted, fields=fields, attachments=[])})
        withdrawn = (submitted or created) + timedelta(hours=2) if state == "withdrawn" else None
        row = {"id": pid, "scenario_id": scenario["id"], "organization_id": org, "created_by_id": user,
               "state": state, **fields, "version_count": versions,
               "submitted_at": submitted if state == "submitted" else (submitted if versions else None),
               "withdrawn_at": withdrawn, "created_at": created,
               "updated_at": withdrawn or submitted or created}
        if state == "withdrawn" and versions == 0:
            row["state"], row["withdrawn_at"] = "draft", None
        self.add("proposals", row)
        if row["state"] == "submitted":
            self.submitted_by_scenario.setdefault(scenario["id"], []).append(row)
        return vid

    def reviews_and_decisions(self) -> None:
        rng, rid = self.rng, 0
        reviewed = {"under_review", "decided", "announced", "final"}
        for s in self.scenarios:
            if s["state"] not in reviewed:
                continue
            if s["id"] not in self.submitted_by_scenario:
                s["state"] = "closed"  # nobody bid: the list closes without a result
                continue
            bids, panel = self.submitted_by_scenario[s["id"]], rng.sample(self.reviewers, 3)
            assigned = s["deadline"] + timedelta(days=1)
            self.add("review_setups", {"scenario_id": s["id"], "blind": True, "rubric": RUBRIC,
                                       "created_at": assigned, "updated_at": assigned})
            for proposal in bids:
                for reviewer in panel:
                    rid += 1
                    done = s["state"] != "under_review" or rng.random() < 0.6
                    at = assigned + timedelta(days=rng.randint(1, 6))
                    self.add("reviews", {
                        "id": rid, "scenario_id": s["id"], "proposal_id": proposal["id"], "reviewer_id": reviewer,
                        "state": "submitted" if done else "in_progress", "assigned_at": assigned,
                        "assigned_by_id": self.department_users[s["department_id"]], "declared_at": assigned,
                        "conflict_reason": None, "opinion": "方案可行，建议关注实施风险。" if done else "",
                        "submitted_at": at if done else None, "reopened_at": None, "reopen_reason": None,
                        "updated_at": at})
                    for position, (_name, weight) in enumerate(RUBRIC):
                        self.add("review_scores", {"review_id": rid, "position": position,
                                                   "score": Decimal(rng.randint(weight, weight * 2)) / 2,
                                                   "comment": ""})
            if s["state"] != "under_review":
                self.decision(s, bids, assigned + timedelta(days=8))

    def decision(self, s: dict, bids: list[dict], decided: datetime) -> None:
        decider = self.department_users[s["department_id"]]
        row = {"scenario_id": s["id"], "rationale": "综合评分最高，技术方案成熟，报价合理。", "decided_at": decided,
               "decided_by_id": decider, "announced_at": None, "announced_by_id": None, "starts_at": None,
               "ends_at": None, "publish_scores": self.rng.random() < 0.5}
        if s["state"] == "announced":  # in 公示 now: objections are open for a few more days
            starts = self.now - timedelta(days=self.rng.randint(0, 4), hours=self.rng.randint(1, 20))
            row.update(announced_at=starts, announced_by_id=decider, starts_at=starts,
                       ends_at=starts + timedelta(days=7))
        elif s["state"] == "final":
            ends = min(decided + timedelta(days=8), self.now - timedelta(days=1))
            starts = ends - timedelta(days=7)
            row.update(announced_at=starts, announced_by_id=decider, starts_at=starts, ends_at=ends)
        self.add("decisions", row)
        self.add("decision_winners", {"scenario_id": s["id"], "proposal_id": self.rng.choice(bids)["id"]})

    def products(self) -> None:
        rng = self.rng
        for i, row in enumerate(synthetic_rows(self.n["products"], seed=rng.randint(0, 10**6))):
            created = self.now - timedelta(days=rng.randint(30, 5 * 365))
            roll = rng.random()
            state = ("approved" if roll < 0.85 else "pending" if roll < 0.93 else "rejected" if roll < 0.98
                     else "revoked")
            org = self.verified[row.pop("org") % len(self.verified)]
            decided = created + timedelta(days=rng.randint(3, 20)) if state != "pending" else None
            self.add("products", {
                "id": i + 1, **row, "organization_id": org, "district": weighted(rng, DISTRICT_WEIGHTS),
                "state": state, "source": "import" if rng.random() < 0.7 else "application",
                "reason": "材料不全。" if state in {"rejected", "revoked"} else None,
                "submitted_by_id": self.enterprise_users[org], "decided_by_id": self.admin_id if decided else None,
                "approved_at": decided if state in {"approved", "revoked"} else None, "decided_at": decided,
                "created_at": created, "updated_at": decided or created})

    def counters(self) -> list[dict]:
        return [{"year": y, "last_seq": n} for y, n in sorted(self.receipt_seq.items())]


def insert_all(builder: Builder, report) -> None:
    from sqlalchemy import text

    from portal.extensions import db

    order = ["organizations", "users", "batches", "scenarios", "proposals", "proposal_versions", "review_setups",
             "reviews", "review_scores", "decisions", "decision_winners", "products"]
    builder.rows["receipt_counters"] = builder.counters()
    tables = db.metadata.tables
    with db.engine.begin() as conn:
        for name in [*order, "receipt_counters"]:
            rows = builder.rows.get(name, [])
            started = time.perf_counter()
            for i in range(0, len(rows), CHUNK):
                conn.execute(tables[name].insert(), rows[i:i + CHUNK])
            report(f"{name}: {len(rows):,} rows in {time.perf_counter() - started:.1f} s")
        if conn.dialect.name == "postgresql":  # explicit ids leave the sequences behind
            for name in order:
                if "id" in tables[name].c:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                                      f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a SQLite file in the instance folder)")
    parser.add_argument("--instance", default=str(DEFAULT_INSTANCE), help="instance folder (index, secret key)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the city-scale counts")
    parser.add_argument("--no-index", action="store_true", help="skip the search index build")
    parser.add_argument("--reset", action="store_true", help="drop the portal's tables first")
    args = parser.parse_args()
    started = time.perf_counter()

    def report(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {message}", flush=True)

    from portal import create_app, search
    from portal.extensions import db
    from portal.util import clock

    instance = Path(args.instance).resolve()  # Flask wants an absolute instance path
    instance.mkdir(parents=True, exist_ok=True)
    url = args.db or f"sqlite:///{instance / 'portal.sqlite'}"
    app = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if args.reset:
            db.drop_all()
        db.create_all()
        if db.session.execute(db.select(db.func.count()).select_from(db.metadata.tables["scenarios"])).scalar():
            sys.exit("the database already has scenarios: pass --reset to replace them")
        db.session.remove()
        builder = Builder(args.seed, args.scale, clock.now().replace(microsecond=0))
        builder.build()
        report("rows generated: " + ", ".join(f"{k} {len(v):,}" for k, v in builder.rows.items()))
        insert_all(builder, report)
        if url.startswith("sqlite"):
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        else:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        report("statistics analysed")
        if args.no_index:
            report(f"search index skipped: PORTAL_INSTANCE_PATH={instance} DATABASE_URL={url} "
                   ".venv/bin/flask --app wsgi reindex")
        else:
            counts = search.rebuild()
            report(f"search index built: {counts}")
    report(f"done: {url}")


if __name__ == "__main__":
    main()

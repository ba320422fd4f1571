"""Search benchmark: synthetic Chinese catalogues of 10 000 and 100 000 products.

Prints one JSON object per size: {"docs", "build_docs_per_s", "query_p50_ms", "query_p95_ms", "index_mb",
"peak_rss_mb"} and more. Query latency is taken in-process through the search facade, with its reused
searcher, over a fixed mix of short, long and filtered queries:

- `cold_*`: each query once, the first time a freshly opened searcher sees it (nothing of it cached);
- `query_*`: the same mix five times more with that searcher (what a serving worker mostly does);
- `*_cpu_*`: the same timings in CPU time of this process (`time.process_time`), which a shared,
  loaded machine disturbs far less than wall time; `build_cpu_s` adds the writer processes' CPU.

    .venv/bin/python bench/search_bench.py [--sizes 10000,100000] [--per-query] [--backend postgresql]

`--backend postgresql` stores the products in a scratch PostgreSQL database (on BENCH_DATABASE_URL's server)
and searches them with SEARCH_BACKEND=postgresql. Its "cold" column is the first run of each query after the
rebuild: the bitsets of the leaves it has not met yet are read through the GIN index (what each serving
process does again after every change of the documents); the warm rounds read none.
"""

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PREFIXES = ["高精度", "智能", "超高清", "非制冷", "便携式", "国产", "车规级", "工业级", "多模态", "轻量级", "全自动",
            "高速", "低功耗", "大功率", "分布式", "一体化", "数字化", "嵌入式", "三维", "高光谱"]
CORES = ["红外热像仪", "工业相机", "激光雷达", "毫米波雷达", "内窥镜", "网络摄像机", "巡检机器人", "缺陷检测系统",
         "无人搬运车", "视频会议终端", "存储系统", "编解码芯片", "图像传感器", "手术机器人", "超声诊断仪", "域控制器",
         "VR一体机", "光学模组", "边缘计算网关", "分拣系统", "隧道掘进机", "储能变流器", "数控机床", "工业CT",
         "气体检测仪", "电力巡检吊舱", "辅助诊断软件", "算法开发平台", "数据标注平台", "导热膜"]
USES = ["用于变电站和输电线路的自主巡检", "面向锂电池极片的在线表面检测", "支持城市道路交通事件的实时发现",
        "适用于医院放射科的影像阅片", "满足智能工厂物料配送的需求", "提供高分辨率三维点云用于环境感知",
        "实现化工园区气体泄漏的可视化检测", "为远程会议提供加密和会控管理", "支持私有化部署和行业模型微调",
        "用于半导体晶圆的外观缺陷检测", "在夜间和雨雾条件下可靠报警", "为车路协同提供实时感知信息"]
FEATURES = ["内置深度学习算法", "采用国产芯片", "支持5G通信", "功耗低体积小", "检测精度达到0.05毫米",
            "支持云端模型下发", "具备防护等级IP66", "测温范围-20至650℃", "支持H.265编码", "自主可控"]
LETTERS = "ABCDEFGHKMNPRSTUVXYZ"
SECTORS = ["security", "industrial_vision", "medical_imaging", "autonomous_driving", "smart_living", "vr_metaverse",
           "special_imaging", "other"]
QUERIES = [("红外", {}), ("机器人", {}), ("检测", {}), ("热像仪", {}), ("芯片", {}), ("激光雷达", {}), ("智能", {}),
           ("高精度工业视觉缺陷检测系统", {}), ("变电站 输电线路 自主巡检 红外测温", {}), ('"表面检测"', {}),
           ("检测", {"sector": "industrial_vision"}), ("红外", {"level": "national", "year": 2023}),
           ("IR-640U", {}), ("监控摄像头", {}), ("摄像机", {"district": "滨江区"})]


def synthetic_rows(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)  # noqa: S311 -- reproducible test data, not secrets
    rows = []
    for i in range(n):
        core = rng.choice(CORES)
        rows.append({
            "name": f"{rng.choice(PREFIXES)}{rng.choice(PREFIXES)}{core}",
            "model": f"{rng.choice(LETTERS)}{rng.choice(LETTERS)}-{rng.randint(10, 9999)}",
            "product_type": rng.choice(["equipment"] * 8 + ["software", "material"]),
            "sector": rng.choice(SECTORS), "level": rng.choice(["national", "provincial", "municipal"]),
            "year": rng.randint(2016, 2025), "batch": f"第{rng.randint(1, 3)}批",
            "district": rng.choice(["滨江区", "余杭区", "钱塘区", "萧山区", "西湖区"]),
            "specs": "；".join(rng.sample(FEATURES, 2)),
            "description": "，".join([f"该{core}{rng.choice(USES)}", *rng.sample(FEATURES, 3)]) + "。",
            "cases": "",
            "org": i % max(n // 20, 1),
        })
    return rows


def run(size: int, per_query: bool = False, backend: str = "whoosh") -> dict:
    if backend == "postgresql":
        from tests.scratch_db import scratch_postgres

        server = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
        with scratch_postgres(server, "search_bench") as url:
            return _run(size, per_query, backend, url)
    return _run(size, per_query, backend, None)


def _run(size: int, per_query: bool, backend: str, url: str | None) -> dict:
    from sqlalchemy import insert, text

    from portal import create_app, search
    from portal.accounts.models import Organization, OrgKind, Verification
    from portal.catalogue.models import Product, ProductState
    from portal.extensions import db
    from portal.search.analysis import base_words
    from portal.util import clock

    tmp = Path(tempfile.mkdtemp(prefix="search-bench-"))
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench", "SEARCH_BACKEND": backend,
                      "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{tmp / 'bench.sqlite'}"})
    with app.app_context():
        db.create_all()
        now = clock.now()
        rows = synthetic_rows(size)
        orgs = max(size // 20, 1)
        db.session.execute(insert(Organization), [
            {"name": f"杭州测试{n}科技有限公司", "kind": OrgKind.ENTERPRISE, "verification": Verification.VERIFIED,
             "created_at": now} for n in range(orgs)])
        db.session.execute(insert(Product), [
            {**{k: v for k, v in row.items() if k != "org"}, "organization_id": row["org"] + 1,
             "state": ProductState.APPROVED, "source": "import", "approved_at": now, "created_at": now,
             "updated_at": now} for row in rows])
        db.session.commit()
        started, cpu = time.perf_counter(), _cpu_with_children()
        search.rebuild()
        db.session.commit()
        build_s, build_cpu = time.perf_counter() - started, _cpu_with_children() - cpu
        # Once per process, outside the timings: open the searcher (≈60 ms at 100 000), load jieba's dictionary,
        # read the synonym table and map the index files, through a search for a word the mix never uses.
        if backend == "whoosh":
            search.backend().searcher("products")
        base_words("预热")
        search.query("product", "预热", per_page=20)
        cold = [_timed(search, q, filters) for q, filters in QUERIES]
        warm = [_timed(search, q, filters) for _round in range(5) for q, filters in QUERIES]
        if per_query:
            for index, (q, filters) in enumerate(QUERIES):
                cpu_ms = sorted(w[1] for w in warm[index::len(QUERIES)])
                print(f"{size} {q} {filters or ''}: cold {cold[index][1]:.1f} ms CPU, warm {cpu_ms[0]:.1f}–"
                      f"{cpu_ms[-1]:.1f} ms CPU", file=sys.stderr)
        if backend == "whoosh":
            index_bytes = sum(f.stat().st_size for f in (tmp / "index").rglob("*") if f.is_file())
        else:
            index_bytes = db.session.scalar(text("SELECT pg_total_relation_size('search_documents')"))
        result = {
            "backend": backend,
            "docs": size,
            "build_docs_per_s": round(size / build_s),
            "query_p50_ms": _p(warm, 0, 50),
            "query_p95_ms": _p(warm, 0, 95),
            "query_cpu_p50_ms": _p(warm, 1, 50),
            "query_cpu_p95_ms": _p(warm, 1, 95),
            "cold_p50_ms": _p(cold, 0, 50),
            "cold_p95_ms": _p(cold, 0, 95),
            "cold_cpu_p50_ms": _p(cold, 1, 50),
            "cold_cpu_max_ms": round(max(c[1] for c in cold), 1),
            "build_cpu_s": round(build_cpu, 1),
            "index_mb": round(index_bytes / 2**20, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "load_avg": round(os.getloadavg()[0], 1),
        }
        db.session.remove()
        db.engine.dispose()
        return result


def _timed(search, q: str, filters: dict) -> tuple[float, float]:
    """(wall ms, CPU ms) of one search."""
    wall, cpu = time.perf_counter(), time.process_time()
    search.query("product", q, filters, per_page=20)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _p(timings: list[tuple[float, float]], which: int, percent: int) -> float:
    ordered = sorted(t[which] for t in timings)
    if percent == 50:
        return round(statistics.median(ordered), 1)
    return round(ordered[max(int(len(ordered) * percent / 100) - 1, 0)], 1)


def _cpu_with_children() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--per-query", action="store_true", help="also print each query's CPU times to stderr")
    parser.add_argument("--backend", choices=["whoosh", "postgresql"], default="whoosh")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        print(json.dumps(run(size, args.per_query, args.backend)), flush=True)


if __name__ == "__main__":
    main()

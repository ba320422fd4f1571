"""Search benchmark: synthetic Chinese catalogues of 10 000 and 100 000 products.

Prints one JSON object per size: {"docs", "build_docs_per_s", "query_p50_ms", "query_p95_ms", "index_mb",
"peak_rss_mb"}. Query latency is taken in-process through the search facade, with its reused searcher,
over a fixed mix of short, long and filtered queries.

    .venv/bin/python bench/search_bench.py [--sizes 10000,100000]
"""

import argparse
import json
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


def run(size: int) -> dict:
    from sqlalchemy import insert

    from portal import create_app, search
    from portal.accounts.models import Organization, OrgKind, Verification
    from portal.catalogue.models import Product, ProductState
    from portal.extensions import db
    from portal.util import clock

    tmp = Path(tempfile.mkdtemp(prefix="search-bench-"))
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}"})
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
        started = time.perf_counter()
        search.rebuild()
        build_s = time.perf_counter() - started
        for q, filters in QUERIES:  # warm the searcher and caches once
            search.query(search.PRODUCT, q, filters, per_page=20)
        timings = []
        for _round in range(5):
            for q, filters in QUERIES:
                t = time.perf_counter()
                search.query(search.PRODUCT, q, filters, per_page=20)
                timings.append((time.perf_counter() - t) * 1000)
        timings.sort()
        index_bytes = sum(f.stat().st_size for f in (tmp / "index").rglob("*") if f.is_file())
        return {
            "docs": size,
            "build_docs_per_s": round(size / build_s),
            "query_p50_ms": round(statistics.median(timings), 1),
            "query_p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
            "index_mb": round(index_bytes / 2**20, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        print(json.dumps(run(size)), flush=True)


if __name__ == "__main__":
    main()

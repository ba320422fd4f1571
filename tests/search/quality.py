"""nDCG@10 and recall@10 over the shared judgments, as defined in that file's "metric"."""

import json
import math
from pathlib import Path

# The project's shared data folder beside the checkout when it is there; otherwise the copy kept in tests/data.
_SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DATA = _SHARED if (_SHARED / "search_judgments.json").exists() else Path(__file__).resolve().parents[1] / "data"
CATALOGUE = DATA / "catalogue_sample.json"
JUDGMENTS = DATA / "search_judgments.json"


def load_judgments() -> list[dict]:
    return json.loads(JUDGMENTS.read_text(encoding="utf-8"))["queries"]


def ndcg_at_10(ranked: list[int], grades: dict[int, int]) -> float:
    dcg = sum((2 ** grades.get(pid, 0) - 1) / math.log2(i + 2) for i, pid in enumerate(ranked[:10]))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 1.0


def recall_at_10(ranked: list[int], grades: dict[int, int]) -> float:
    wanted = {pid for pid, g in grades.items() if g == 2}
    return len(wanted & set(ranked[:10])) / len(wanted) if wanted else 1.0

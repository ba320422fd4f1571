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


def ranked_ids(q: str, to_judged: dict[int, int]) -> list[int]:
    """The judged ids of the first page of `q` (imported lazily: this module is also read without an app)."""
    from portal import search

    return [to_judged[hit.id] for hit in search.query("product", q, per_page=10).items]


def findable(q: str, texts: list[str]) -> bool:
    """Whether any word of `q` (jieba's words, case and width folded) occurs in one of `texts`: then the
    query must find something."""
    import re

    from portal.search.analysis import base_words, clean

    haystack = clean("\n".join(texts)).lower()
    for word in base_words(q):
        if not word.isascii():
            if word in haystack:
                return True
        elif len(word) > 1 and re.search(rf"(?<![a-z0-9]){re.escape(word)}(?:s|es)?(?![a-z0-9])", haystack):
            return True  # an English word or a code whole, in either number (magnet is not in magnetic)
    return False


def measure(queries: list[dict], to_judged: dict[int, int], texts: list[str]) -> dict:
    """nDCG@10, recall@10 (of the products graded 2 or more) and the queries left without a result although a
    word of theirs is in the catalogue: overall and by half (odd and even positions in the file, from 1), so a
    change tuned on one half is checked on the other; with each query's figures."""
    rows = []
    for position, judged in enumerate(queries, start=1):
        ranked = ranked_ids(judged["q"], to_judged)
        grades = {r["id"]: r["grade"] for r in judged["relevant"]}
        wanted = {pid for pid, g in grades.items() if g >= 2}
        recall = len(wanted & set(ranked[:10])) / len(wanted) if wanted else 1.0
        rows.append({"q": judged["q"], "half": "odd" if position % 2 else "even", "ndcg": ndcg_at_10(ranked, grades),
                     "recall": recall, "empty": not ranked and findable(judged["q"], texts), "ranked": ranked})
    out = {"rows": rows}
    for name, part in (("all", rows), ("odd", rows[0::2]), ("even", rows[1::2])):
        out[name] = {"n": len(part), "ndcg": sum(r["ndcg"] for r in part) / len(part),
                     "recall": sum(r["recall"] for r in part) / len(part),
                     "empty": [r["q"] for r in part if r["empty"]]}
    return out


def summary(title: str, figures: dict) -> str:
    parts = [f"{half} ({figures[half]['n']}): nDCG@10 {figures[half]['ndcg']:.3f}, recall@10 "
             f"{figures[half]['recall']:.3f}, no result {len(figures[half]['empty'])}"
             for half in ("all", "odd", "even")]
    weak = sorted((r for r in figures["rows"] if r["ndcg"] < 0.5), key=lambda r: r["ndcg"])
    text = f"\n{title}: " + "; ".join(parts)
    if figures["all"]["empty"]:
        text += "\n  no result: " + ", ".join(figures["all"]["empty"])
    if weak:
        text += "\n  nDCG@10 < 0.5: " + ", ".join(f"{r['q']} {r['ndcg']:.2f}" for r in weak)
    return text

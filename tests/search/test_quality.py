"""Search quality over the shared judgments: nDCG@10 ≥ 0.95 and recall@10 ≥ 0.97, figures printed."""

from portal import search
from tests.search.quality import load_judgments, ndcg_at_10, recall_at_10

NDCG_FLOOR, RECALL_FLOOR = 0.95, 0.97


def test_judged_queries_rank_the_right_products_first(sample_catalogue, capsys):
    to_sample = {pid: sid for sid, pid in sample_catalogue.items()}
    queries = load_judgments()
    ndcg = recall = 0.0
    weak = []
    for judged in queries:
        results = search.query("product", judged["q"], per_page=10)
        ranked = [to_sample[hit.id] for hit in results.items]
        grades = {r["id"]: r["grade"] for r in judged["relevant"]}
        n, r = ndcg_at_10(ranked, grades), recall_at_10(ranked, grades)
        ndcg += n
        recall += r
        if n < 0.9:
            weak.append(f"{judged['q']}: nDCG@10 {n:.2f}")
    ndcg, recall = ndcg / len(queries), recall / len(queries)
    with capsys.disabled():
        print(f"\nsearch quality over {len(queries)} judged queries: nDCG@10 = {ndcg:.3f}, recall@10 = {recall:.3f}"
              + (f" (weakest: {'; '.join(weak)})" if weak else ""))
    assert ndcg >= NDCG_FLOOR, f"nDCG@10 {ndcg:.3f} below {NDCG_FLOOR}"
    assert recall >= RECALL_FLOOR, f"recall@10 {recall:.3f} below {RECALL_FLOOR}"

"""A reviewer's task list comes a page at a time: years of assignments are not drawn on one page."""

import re

from tests.reviews.helpers import assign


def task_links(html: str) -> list[str]:
    return re.findall(r'href="(/reviewing/reviews/\d+)"', html)


def test_the_task_list_is_paged(app, client, login_as, closed, reviewers, proposals):
    assign(closed, reviewers[:3])
    app.config["PAGE_SIZE"] = 2
    login_as(reviewers[0])
    first, second = client.get("/reviewing/").text, client.get("/reviewing/?page=2").text
    assert len(task_links(first)) == 2 and len(task_links(second)) == 1
    assert not set(task_links(first)) & set(task_links(second))
    assert 'href="/reviewing/?page=2"' in first
    assert "暂无评审任务" in client.get("/reviewing/?page=3").text

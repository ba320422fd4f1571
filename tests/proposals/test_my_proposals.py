"""An enterprise's own proposals, a page at a time: the newest change first, every one reachable."""

from datetime import timedelta

from portal.util import clock


def test_an_enterprise_pages_through_all_its_proposals(app, client, login_as, create_batch, create_scenario, bidder,
                                                       submit_proposal, frozen_now):
    per_page = app.config["PAGE_SIZE"]
    batch = create_batch(proposal_cap=99)
    titles = []
    for n in range(per_page + 3):
        scenario = create_scenario(batch=batch, state="published", title=f"分页场景{n:02d}",
                                   deadline=clock.now() + timedelta(days=3))
        submit_proposal(scenario, bidder)
        titles.append(scenario.title)
        frozen_now.travel(timedelta(minutes=1))
    login_as(bidder)

    first = client.get("/my/proposals")
    assert first.status_code == 200 and f"共 {per_page + 3} 份" in first.text
    on_first = [t for t in titles if t in first.text]
    assert on_first == titles[-per_page:]  # the most recently changed first: the last ones made
    assert first.text.index(titles[-1]) < first.text.index(titles[-2])
    second = client.get("/my/proposals?page=2")
    assert [t for t in titles if t in second.text] == titles[:3]
    assert client.get("/my/proposals?page=999").status_code == 200  # past the end: an empty page, not an error
    assert client.get("/my/proposals?page=abc").status_code == 200

"""The dashboards with the demo data of `flask seed-demo`."""

import pytest
from sqlalchemy import select

from portal import demo
from portal.accounts.models import User
from tests.dashboard.pages import assert_tables_match_charts, figure_table


@pytest.fixture
def seeded(module_data):
    """Seeded once for the tests of this module (tests/conftest.py MODULE_DATA)."""
    return module_data["seeded"]


def _user(db, email):
    return db.session.scalar(select(User).where(User.email == email))


def test_dashboards_show_the_demo_data(client, login_as, db, seeded):
    html = client.get("/dashboard").get_data(as_text=True)
    assert assert_tables_match_charts(html) == 11  # with the 场景创新成果 by sector and by district
    assert figure_table(html, "case_sector") and figure_table(html, "case_district")
    assert sum(n for (n,) in figure_table(html, "sector").values()) > 20
    assert figure_table(html, "status")["揭榜成功"][0] >= 1
    assert sum(n for (n,) in figure_table(html, "product_type").values()) > 20

    login_as(_user(db, "jxj@demo.hz.cn"))
    html = client.get("/manage/dashboard").get_data(as_text=True)
    assert assert_tables_match_charts(html) > 9
    assert figure_table(html, "own-per_scenario")

    login_as(_user(db, demo.ADMIN_EMAIL))
    html = client.get("/admin/dashboard").get_data(as_text=True)
    assert assert_tables_match_charts(html) > 9
    assert len(figure_table(html, "department")) >= 4

"""One paging class for every list: the same numbers, the same page of rows however it is read, and the pages
and the API agree on what page n holds."""

import pytest
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.web.paging import MAX_PAGE, MAX_SEARCH_PAGE, Page, page_arg

LINKS = [{}, {"left_edge": 1, "left_current": 2, "right_current": 2, "right_edge": 1},
         {"left_edge": 0, "left_current": 0, "right_current": 0, "right_edge": 0},
         {"left_edge": 3, "left_current": 1, "right_current": 5, "right_edge": 0}]


class _Reference(Pagination):
    """Flask-SQLAlchemy's page arithmetic, which the page links were drawn with before, without a query."""

    def __init__(self, page, per_page, total):
        self.page, self.per_page, self.total, self.items = page, per_page, total, []


def _numbers(p) -> tuple:
    return p.pages, p.has_prev, p.has_next, p.prev_num, p.next_num


def test_page_numbers_and_links_are_flask_sqlalchemys_for_every_page_of_every_size():
    for total in range(0, 45):
        for per_page in (1, 2, 3, 7, 20):
            pages = -(-total // per_page)
            for page in range(1, max(pages, 1) + 1):
                ours, theirs = Page([], total, page, per_page), _Reference(page, per_page, total)
                assert _numbers(ours) == _numbers(theirs), (total, per_page, page)
                for links in LINKS:
                    assert list(ours.iter_pages(**links)) == list(theirs.iter_pages(**links)), (total, page, links)


@pytest.mark.parametrize("links", LINKS[:2])
def test_links_name_each_page_once_in_order_with_the_current_and_both_ends(links):
    for pages in range(1, 30):
        for page in range(1, pages + 1):
            shown = list(Page([], pages * 2, page, 2).iter_pages(**links))
            numbers = [n for n in shown if n is not None]
            assert numbers == sorted(set(numbers)) and page in numbers
            assert numbers[0] == 1 and numbers[-1] == pages
            # A gap is marked once, and only where numbers are missing.
            for before, after in zip(shown, shown[1:], strict=False):
                assert not (before is None and after is None)
                if before is not None and after is not None:
                    assert after == before + 1


def test_a_page_past_the_last_is_empty_and_links_back():
    past = Page.of_sequence(list(range(5)), 9, 2)

    assert past.items == [] and past.total == 5 and past.pages == 3
    assert not past.has_next and past.prev_num == 8 and list(past.iter_pages())[-1] == 3


@pytest.mark.parametrize("page", [0, -4])
def test_a_page_below_one_is_the_first(page):
    assert Page.of_sequence(list(range(5)), page, 2) == Page([0, 1], 5, 1, 2)


def test_an_empty_list_has_no_pages_and_no_links():
    empty = Page([], 0, 1, 20)

    assert empty.pages == 0 and not empty.has_prev and not empty.has_next and list(empty.iter_pages()) == []


def test_a_select_its_ids_and_a_list_in_memory_give_the_same_pages(db, create_user):
    made = [create_user(Role.ENTERPRISE) for _ in range(7)]
    order = sorted(u.id for u in made)
    users = select(User).order_by(User.id)
    ids = select(User.id).order_by(User.id)

    def load(chosen):
        return [db.session.get(User, i) for i in chosen]

    for number in range(1, 6):
        pages = [Page.of_select(users, number, 3), Page.of_ids(ids, load, number, 3),
                 Page.of_sequence(order, number, 3, load=load)]
        expected = order[(number - 1) * 3:number * 3]
        for page in pages:
            assert [u.id for u in page.items] == expected
            assert (page.total, page.page, page.per_page, page.pages) == (7, number, 3, 3)


def test_a_select_of_several_columns_pages_whole_rows(db, create_user):
    made = [create_user(Role.ENTERPRISE) for _ in range(3)]

    page = Page.of_select(select(User.id, User.email).order_by(User.id), 1, 2, rows=True)

    assert [tuple(row) for row in page.items] == [(u.id, u.email) for u in sorted(made, key=lambda u: u.id)[:2]]
    assert page.total == 3


@pytest.mark.parametrize(("arg", "maximum", "expected"), [
    (None, MAX_PAGE, 1), ("3", MAX_PAGE, 3), ("abc", MAX_PAGE, 1), ("0", MAX_PAGE, 1), ("-3", MAX_PAGE, 1),
    ("2.5", MAX_PAGE, 1), ("99999999999999999999", MAX_PAGE, MAX_PAGE), ("501", MAX_SEARCH_PAGE, MAX_SEARCH_PAGE),
    ("٣", MAX_PAGE, 3),  # int() reads other scripts' digits; the bound still holds
])
def test_the_page_argument_is_always_a_page_within_bounds(app, arg, maximum, expected):
    query = {} if arg is None else {"page": arg}
    with app.test_request_context("/", query_string=query):
        assert page_arg(maximum) == expected


def test_the_list_page_and_the_api_hold_the_same_scenarios_on_each_page(app, client, create_batch, create_scenario):
    app.config["PAGE_SIZE"] = 2
    batch = create_batch()
    titles = [create_scenario(batch, state="published", title=f"分页一致场景{n}号").title for n in range(5)]

    assert_pages_agree(client, "/scenarios", "title", titles)


def assert_pages_agree(client, path: str, name: str, names: list[str]) -> None:
    """Page n of `path` shows exactly the rows the API gives for page n, with as many rows per page."""
    for number in range(1, 5):
        api = client.get(f"/api/v1{path}", query_string={"page": number, "per_page": 2}).json
        html = client.get(path, query_string={"page": number}).text
        shown = [item[name] for item in api["items"]]
        assert api["total"] == len(names) and api["page"] == number
        assert len(shown) == len(names[(number - 1) * 2:number * 2])
        assert [n for n in names if n in html] == [n for n in names if n in shown]

"""One page of a list: what the pages show (templates/_macros/lists.html draws the links) and the API returns.

Every list of the portal, from the database or from the search index, comes back as a `Page`, so the page
links, the API's `total`/`page`/`per_page` and the bounds on a page number are decided here once.
"""

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from flask import request
from sqlalchemy import Select, func, select

from portal.extensions import db

# Past these a person refines the filters or the query. They also bound the OFFSET a request can ask for;
# search ranks every hit up to the page asked, so its bound is lower.
MAX_PAGE = 100_000
MAX_SEARCH_PAGE = 500


def page_arg(maximum: int = MAX_PAGE) -> int:
    """The `page` query argument as a sane page number (anything odd becomes 1 or the last allowed)."""
    return min(max(request.args.get("page", 1, type=int), 1), maximum)


@dataclass
class Page:
    """Items `(page - 1) * per_page` onwards of a list of `total`; past the last page there are no items.

    `exact` is False when `total` is only a lower bound (search stops counting at a cap).
    """

    items: list
    total: int
    page: int
    per_page: int
    exact: bool = True

    def __post_init__(self):
        self.page = max(self.page, 1)

    @classmethod
    def of_select(cls, stmt: Select, page: int, per_page: int, rows: bool = False) -> "Page":
        """A page of an ordered SELECT and the count of all its rows: the entities, or whole `rows`."""
        result = db.session.execute(stmt.limit(per_page).offset(_offset(page, per_page))).unique()
        items = result.all() if rows else result.scalars().all()
        return cls(list(items), _count(stmt), page, per_page)

    @classmethod
    def of_ids(cls, ids: Select, load: Callable[[list[int]], list], page: int, per_page: int) -> "Page":
        """A page read in two steps: its ids from a narrow ordered query, then `load(ids)` for the rows.

        Deep pages and the total then cost an index walk, not a sort of every wide row of the list.
        """
        page_ids = list(db.session.scalars(ids.limit(per_page).offset(_offset(page, per_page))))
        return cls(load(page_ids), _count(ids), page, per_page)

    @classmethod
    def of_sequence(cls, values: Sequence, page: int, per_page: int, load: Callable[[list], list] | None = None,
                    exact: bool = True) -> "Page":
        """A page of a list already in memory (ranked search hits), its items passed through `load` if given."""
        start = _offset(page, per_page)
        chosen = list(values[start:start + per_page])
        return cls(load(chosen) if load else chosen, len(values), page, per_page, exact)

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total and self.per_page else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2) -> Iterator[int | None]:
        """The page numbers to link: both edges and those around the current page, None for each gap.

        The same numbers as Flask-SQLAlchemy's Pagination.iter_pages, which the page links were drawn with.
        """
        last = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or self.page - left_current <= number <= self.page + right_current
                    or number > self.pages - right_edge):
                if last + 1 != number:
                    yield None
                yield number
                last = number
        if last < self.pages:
            yield None


def _offset(page: int, per_page: int) -> int:
    return (max(page, 1) - 1) * per_page


def _count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))

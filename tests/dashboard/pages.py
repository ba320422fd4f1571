"""Reading the dashboard pages as a person or a screen reader would: each chart's data and its table."""

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Table:
    key: str
    caption: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


class _DashboardReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.charts: list[dict] = []
        self.tables: list[Table] = []
        self._table: Table | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_caption = False
        self._scopes: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-chart" in attrs:
            self.charts.append(json.loads(attrs["data-chart"]))
        if tag == "table" and "data-figure" in attrs:
            self._table = Table(attrs["data-figure"])
        elif self._table is not None:
            if tag == "caption":
                self._in_caption = True
            elif tag == "tr":
                self._row, self._scopes = [], []
            elif tag in ("th", "td"):
                self._cell = []
                self._scopes.append(attrs.get("scope"))

    def handle_endtag(self, tag):
        if self._table is None:
            return
        if tag == "caption":
            self._in_caption = False
        elif tag in ("th", "td") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr":
            if all(scope == "col" for scope in self._scopes):
                self._table.header = self._row
            else:
                assert self._scopes[0] == "row", "each data row is headed by its label"
                self._table.rows.append(self._row)
        elif tag == "table":
            self.tables.append(self._table)
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self._table.caption += data


def read_dashboard(html: str) -> tuple[list[dict], list[Table]]:
    reader = _DashboardReader()
    reader.feed(html)
    return reader.charts, reader.tables


def figure_table(html: str, key: str) -> dict[str, list[int]]:
    """The rows of one figure's table: label → its numbers."""
    _charts, tables = read_dashboard(html)
    table = next(t for t in tables if t.key == key)
    return {row[0]: [int(cell) for cell in row[1:]] for row in table.rows}


def assert_tables_match_charts(html: str) -> int:
    """Every chart has a captioned table beside it holding exactly the chart's labels and numbers."""
    charts, tables = read_dashboard(html)
    assert charts and len(charts) == len(tables)
    for chart, table in zip(charts, tables, strict=True):
        assert table.caption.strip(), table.key
        assert table.header[1:] == [series["name"] for series in chart["series"]], table.key
        assert [row[0] for row in table.rows] == chart["labels"], table.key
        for index, series in enumerate(chart["series"], start=1):
            assert [int(row[index]) for row in table.rows] == series["values"], table.key
    return len(charts)

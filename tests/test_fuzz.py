"""Fuzzing: every query string, form and path value the portal reads gets random Unicode, huge values, control
characters, NUL bytes and wrong types (repeated keys, numbers as text, huge and negative numbers); the server
never answers 5xx.

Routes come from the app's URL map, their path values from the access-control matrix's world objects, and the
parameter names from what each view actually reads (a probe request records every key looked up in
`request.args`, `request.form` and `request.files`) plus the fields of the page's own forms — so a new route or
a new filter is fuzzed without editing this file. POSTs carry a valid CSRF token, so they reach validation.

`PORTAL_FUZZ_PROFILE=fuzz-deep` runs many more examples per route.
"""

import io
import os
import re
import tempfile
from html.parser import HTMLParser
from urllib.parse import parse_qsl

import pytest
from flask import request, request_started
from flask.testing import EnvironBuilder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict

from portal import create_app
from tests.access import OK, ROLES
from tests.test_access_matrix import EXEMPT, MATRIX

settings.register_profile("fuzz", max_examples=5, deadline=None, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.large_base_example])
settings.register_profile("fuzz-deep", settings.get_profile("fuzz"), max_examples=150)
PROFILE = settings.get_profile(os.environ.get("PORTAL_FUZZ_PROFILE", "fuzz"))

# Names every list page might read, tried even where the probe saw none (a view may read them conditionally).
COMMON_PARAMS = ("page", "per_page", "sort", "order", "q", "next", "format", "limit", "offset")
# Posting these would end the very session the fuzzing runs in, or rebuild the search index each time.
NOT_FUZZED = {"accounts.logout", "catalogue_admin.rebuild_index"}


def _url_map():
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": instance,
                          "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        return [(rule.endpoint, frozenset(rule.methods), tuple(sorted(rule.arguments)))
                for rule in app.url_map.iter_rules() if rule.endpoint not in EXEMPT]


RULES = _url_map()


def _role(endpoint):
    """The first role (anonymous first) for which the matrix says the page works, so the request gets past the
    guard and reaches the view."""
    row = MATRIX.get(endpoint)
    if row is None:
        return "anonymous"
    return next((role for role in ROLES if row[2][role] == OK), None)


def _targets(method):
    targets = []
    for endpoint, methods, arguments in RULES:
        if method not in methods or endpoint in NOT_FUZZED:
            continue
        if arguments and endpoint not in MATRIX:
            continue  # its matrix row (and world object) is still to come; test_access_matrix reports it
        if _role(endpoint) is None:
            continue
        targets.append(endpoint)
    return sorted(set(targets))


# --- what to send --------------------------------------------------------------------------------------------

TEXT = st.characters(exclude_categories=("Cs",))  # lone surrogates cannot be sent as UTF-8 at all
CONTROL = st.one_of(st.characters(max_codepoint=0x1F), st.sampled_from("\x00\x7f\x85\u2028\u2029\ufeff\u200b\ufffe"))
# Huge values: 100 001 characters. In a query string only single-byte ones: percent-decoding 300 KB of
# multi-byte text costs the test client seconds, and servers refuse request lines that long anyway (gunicorn:
# 4 094 bytes); form bodies get the multi-byte ones too.
HUGE_QUERY = st.sampled_from(["9", "a", "\x00", "<", "%", "-", " ", "\x1f"]).map(lambda c: c * 100_001)
HUGE = st.one_of(HUGE_QUERY, st.sampled_from(["中", "𠀀", "é"]).map(lambda c: c * 100_001),
                 st.text(TEXT, min_size=1, max_size=4).map(lambda s: s * (100_000 // len(s) + 1)))
NUMBERS = st.one_of(
    st.integers().map(str),
    st.integers(min_value=2**31 - 2, max_value=2**80).map(str),
    st.integers(max_value=-1).map(str),
    st.floats().map(str),
    st.sampled_from(["0", "-0", "1e309", "-1e309", "NaN", "inf", "0x1F", "1_000", "１２", "٣", "1.", ".5", "00001"]),
)
SPECIAL = st.sampled_from(["", " ", "\x00", "null", "None", "[]", "{}", "true", "on", "2026-02-30", "2026-13-01T25:61",
                           "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "%00", "%", "&", "=",
                           "a@b", "@", "JB-2026-000001", "\\", "\r\n\r\n", "x" * 257])


def _values(huge):
    scalar = st.one_of(st.text(TEXT, max_size=40), st.text(CONTROL, min_size=1, max_size=12), NUMBERS, huge,
                       SPECIAL)
    return st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))  # a list is the key sent several times


QUERY_VALUE, FORM_VALUE = _values(HUGE_QUERY), _values(HUGE)


def _params(names, value):
    extra = st.dictionaries(st.text(TEXT, min_size=1, max_size=12), value, max_size=2)
    return st.tuples(st.fixed_dictionaries({}, optional=dict.fromkeys(sorted(names), value)), extra).map(
        lambda pair: {**pair[1], **pair[0]})


def _pairs(params: dict) -> list[tuple[str, str]]:
    return [(k, v) for k, values in params.items() for v in (values if isinstance(values, list) else [values])]


def _show(params: dict) -> str:
    return repr({k: (v if len(str(v)) < 80 else f"{str(v)[:40]}…({len(str(v))} chars)") for k, v in params.items()})


# --- finding the names a view reads ---------------------------------------------------------------------------


class _Recording(ImmutableMultiDict):
    """A MultiDict that notes every key a view looks up."""

    seen: set

    def _note(self, key):
        if isinstance(key, str):
            self.seen.add(key)

    def get(self, key, *args, **kwargs):
        self._note(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key, *args, **kwargs):
        self._note(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


class _FormFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.names = set()

    def handle_starttag(self, tag, attrs):
        name = dict(attrs).get("name")
        if tag in ("input", "textarea", "select") and name:
            self.names.add(name)


def _read_names(app, client, method, url, token=None):
    """The query or form keys the view at `url` reads, and the fields of the forms on the page it answers."""
    seen = set()

    def record(sender, **extra):
        current = request._get_current_object()
        for attribute in ("args", "form", "files"):
            recording = _Recording(getattr(current, attribute))
            recording.seen = seen
            setattr(current, attribute, recording)

    request_started.connect(record, app)
    try:
        response = client.open(url, method=method, data={"csrf_token": token} if token else None)
    finally:
        request_started.disconnect(record, app)
    fields = _FormFields()
    if response.mimetype == "text/html":
        fields.feed(response.get_data(as_text=True))
    response.close()
    return (seen | fields.names) - {"csrf_token"}


def _csrf_token(client, role):
    page = client.get("/login" if role == "anonymous" else "/").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token found on the page"
    return match.group(1)


def _signed_in(world, login_as, endpoint):
    role = _role(endpoint)
    if world.users[role] is not None:
        login_as(world.users[role])
    return role


def _check(response, method, url, params):
    response.close()
    assert response.status_code < 500, f"{method} {url} answered {response.status_code} to {_show(params)}"


# --- the properties -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", _targets("GET"))
def test_query_strings_never_cause_a_server_error(csrf_app, client, login_as, world, endpoint):
    _signed_in(world, login_as, endpoint)
    url, _, given_query = world.url_for(endpoint, MATRIX[endpoint][1] if endpoint in MATRIX else {}).partition("?")
    names = _read_names(csrf_app, client, "GET", url) | set(COMMON_PARAMS)

    @settings(PROFILE)
    @given(_params(names, QUERY_VALUE))
    def send(params):
        query = [*parse_qsl(given_query), *_pairs(params)]
        _check(client.get(url, query_string=query), "GET", url, params)

    send()


@pytest.mark.parametrize("endpoint", _targets("POST"))
def test_forms_never_cause_a_server_error(csrf_app, client, login_as, world, endpoint):
    role = _signed_in(world, login_as, endpoint)
    url = world.url_for(endpoint, MATRIX[endpoint][1] if endpoint in MATRIX else {})
    token = _csrf_token(client, role)
    names = _read_names(csrf_app, client, "POST", url, token)
    if any(e == endpoint and "GET" in methods for e, methods, _a in RULES):
        names |= _read_names(csrf_app, client, "GET", url)
    files = st.tuples(st.binary(max_size=64), st.text(TEXT, max_size=30)).map(lambda f: (io.BytesIO(f[0]), f[1]))

    @settings(PROFILE)
    @given(_params(names, FORM_VALUE), st.dictionaries(st.sampled_from(sorted(names) or ["file"]), files, max_size=1))
    def send(params, uploads):
        data = {**{k: v if isinstance(v, list) else [v] for k, v in params.items()}, "csrf_token": token}
        for name, upload in uploads.items():
            data[name] = [*data.get(name, []), upload]  # a file where text is expected, or next to it
        _check(_post(client, url, data), "POST", url, {**params, **uploads})

    send()


def _post(client, url, data):
    # The test client spools a large multipart body to a temporary file it never closes; close it here so the
    # run stays free of ResourceWarnings.
    builder = EnvironBuilder(client.application, path=url, method="POST", data=data)
    try:
        prepared = builder.get_request()
    finally:
        builder.close()
    try:
        return client.open(prepared)
    finally:
        prepared.environ["wsgi.input"].close()


PATH_VALUES = st.one_of(st.text(TEXT, min_size=1, max_size=30), NUMBERS, HUGE_QUERY, SPECIAL.filter(bool),
                        st.text(CONTROL, min_size=1, max_size=8))


@pytest.mark.parametrize("endpoint", sorted({e for e, _m, args in RULES if args} & set(_targets("GET"))))
def test_path_values_never_cause_a_server_error(csrf_app, client, login_as, world, endpoint):
    _signed_in(world, login_as, endpoint)
    known = {k: world.resolve(v) for k, v in MATRIX[endpoint][1].items()}
    rule = next(r for r in csrf_app.url_map.iter_rules() if r.endpoint == endpoint)

    @settings(PROFILE)
    @given(st.sampled_from(sorted(rule.arguments)), PATH_VALUES)
    def send(name, value):
        # Build the path by hand: the value need not satisfy the route's converter, that is the point.
        values = {k: str(v) for k, v in known.items()}
        values[name] = value
        path = rule.rule
        for key in rule.arguments:
            path = re.sub(rf"<(?:[^:<>]+:)?{key}>", lambda _m, k=key: _quote(values[k]), path, count=1)
        _check(client.get(path), "GET", path, {name: value})

    send()


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")

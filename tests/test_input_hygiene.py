"""Input hygiene, over every form the portal has: text fields lose control characters by their kind (a single line
loses all of them and U+2028/U+2029, a text area keeps tab and newline with CRLF and CR made LF), and every number
field refuses NaN, infinities, exponents and what else Python would read as a number, with a Chinese message on
the field and the typed text kept — through HTTP, on SQLite and PostgreSQL alike.

The forms and their fields are found by walking portal's modules, so a form added later is covered without
editing this file; a form with a number field must name the page it is on in NUMBER_PAGES.
"""

import importlib
import pkgutil
import re

import pytest
from wtforms import (
    DecimalField,
    FieldList,
    FloatField,
    FormField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import NumberRange

import portal
from portal.util import controls
from portal.web import forms as portal_forms
from tests.factories import form_values


def _form_classes():
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    from portal.reviews.forms import score_form_class

    found, todo = {}, [portal_forms.FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("portal.") and cls.__module__ != "portal.web.forms":
            found[cls.__name__] = cls
    found["ScoreForm"] = score_form_class([("技术先进性", 30), ("经济合理性", 20)])
    return found


FORMS = _form_classes()
HOSTILE_LINE = "A\x00B\x01C\x0bD\x0cE\x1bF\x1fG\x7fH\x85I\x9fJ\u2028K\u2029L\tM\r\nN\rO\nP"
CONTROL_OR_SEPARATOR = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _leaves(fields):
    for field in fields:
        if isinstance(field, FieldList):
            yield from _leaves(field.entries)
        elif isinstance(field, FormField):
            yield from _leaves(field.form)
        else:
            yield field


def _form_data(cls):
    """A value for every text field of the form, including one row of each list of sub-forms."""
    form = cls(meta={"csrf": False})
    data = {}
    for field in form:
        if isinstance(field, FieldList):
            inner = field.unbound_field.args[0] if field.unbound_field.args else None
            for name in getattr(inner, "_unbound_fields", None) or []:
                data[f"{field.name}-0-{name[0]}"] = HOSTILE_LINE
        elif isinstance(field, StringField):
            data[field.name] = HOSTILE_LINE
    return data


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_text_field_of_every_form_loses_control_characters_by_its_kind(app, db, name):
    cls = FORMS[name]
    with app.test_request_context(method="POST", data=_form_data(cls)):
        form = cls(meta={"csrf": False})
        checked = 0
        for field in _leaves(form):
            if not isinstance(field, StringField) or isinstance(field, PasswordField) or field.data is None:
                continue
            checked += 1
            if isinstance(field, TextAreaField):
                assert field.data == "ABCDEFGHIJ\nK\nL\tM\nN\nO\nP", field.name
            else:
                assert not CONTROL_OR_SEPARATOR.search(field.data), field.name
                assert field.data == "ABCDEFGHIJ K L M N O P", field.name
    assert checked or not any(isinstance(f, StringField) and not isinstance(f, PasswordField) for f in _leaves(form))


@pytest.mark.parametrize("value", [HOSTILE_LINE, "\x01", "\u2028", "a\r", "\x00\x00"])
def test_query_strings_lose_every_control_character(app, value):
    with app.test_request_context("/", query_string={"q": value, f"k{value}": "1"}):
        from flask import request

        for key, got in request.args.items(multi=True):
            assert not CONTROL_OR_SEPARATOR.search(key + got)


@pytest.mark.parametrize("char", [chr(c) for c in [*range(0x20), *range(0x7f, 0xa0)]] + ["\u2028", "\u2029"])
def test_each_control_character_alone(char):
    assert not CONTROL_OR_SEPARATOR.search(controls.clean_line(f"a{char}b"))
    multi = controls.clean_text(f"a{char}b")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", multi)
    assert multi in ("ab", "a\nb", "a\tb")
    assert "\r" not in controls.for_xml(f"a{char}b")


# --- numbers ------------------------------------------------------------------------------------------------------

HOSTILE_NUMBERS = ["NaN", "nan", "sNaN", "-sNaN", "Infinity", "-Infinity", "inf", "1e999999", "-1e999999",
                   "1E+999999999", "9e9999999999999999", "1e-999999", "1" * 400, "0x1F", "1_000", "１e3", "12abc",
                   "--1", "1.2.3", "٣", "1,000", "½"]


def _unbound_fields(cls) -> dict:
    return {name: getattr(cls, name) for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField)}


def _number_fields():
    pairs = []
    for name, cls in sorted(FORMS.items()):
        for field_name, unbound in _unbound_fields(cls).items():
            if issubclass(unbound.field_class, (IntegerField, DecimalField, FloatField)):
                pairs.append((name, field_name))
    return pairs


NUMBER_FIELDS = _number_fields()


def test_every_number_field_is_a_bounded_text_field():
    assert NUMBER_FIELDS, "the walk found no number field at all"
    for form_name, field_name in NUMBER_FIELDS:
        unbound = _unbound_fields(FORMS[form_name])[field_name]
        assert issubclass(unbound.field_class, portal_forms._BoundedNumber), (form_name, field_name)


# Where each form with a number field is filled in: who, which page, and otherwise valid values with the button.
NUMBER_PAGES = {
    "ProposalForm": ("enterprise", "/scenarios/{published_scenario}/proposal", {"save": "1"}),
    "ScenarioForm": ("department", "/manage/batches/{draft_batch}/scenarios/new",
                     {"title": "城市道路病害智能巡检", "sector": "industrial_vision", "district": "西湖区",
                      "submit": "1"}),
    "ProductForm": ("enterprise", "/my/products/new",
                    {"name": "紫外电晕成像检测仪", "product_type": "equipment", "sector": "special_imaging",
                     "level": "provincial", "year": "2023", "description": "利用日盲紫外成像发现电晕放电。",
                     "submit": "1"}),
    "PolicyForm": ("admin", "/admin/policy", {"submit": "1"}),
    "BatchForm": ("department", "/manage/batches/new", {"title": "2026年第三批场景机会清单", "submit": "1"}),
    "AmendmentForm": ("department", "/manage/scenarios/{published_scenario}/amend",
                      {"reason": "预算调整", "submit": "1"}),
    "AmendmentPolicyForm": ("admin", "/admin/amendments", {"submit": "1"}),
    # No file: the list is refused too, and the 有效期（年）as typed must still come back with its own message.
    "ImportForm": ("admin", "/admin/catalogue/import", {"submit": "1"}),
}


def test_every_form_with_a_number_field_names_its_page():
    assert {form for form, _field in NUMBER_FIELDS} == set(NUMBER_PAGES)


def _post(client, login_as, world, form_name, field_name, value):
    role, url, valid = NUMBER_PAGES[form_name]
    login_as(world.users[role])
    url = url.format(**world.objects)
    page = client.get(url)
    assert page.status_code == 200
    data = {**form_values(page.text), **valid, field_name: value}
    return client.post(url, data=data)


def _invalid_message(app, form_name, field_name) -> str:
    with app.test_request_context(method="POST"):
        return str(getattr(FORMS[form_name](meta={"csrf": False}), field_name).invalid_message)


@pytest.mark.parametrize(("form_name", "field_name"), NUMBER_FIELDS)
@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_a_number_that_is_not_a_plain_number_is_a_chinese_field_error_and_stays_as_typed(
        app, client, login_as, world, form_name, field_name, value):
    response = _post(client, login_as, world, form_name, field_name, value)

    assert response.status_code == 200, response.status_code
    assert _invalid_message(app, form_name, field_name) in response.text
    assert "Not a valid" not in response.text
    assert form_values(response.text)[field_name] == value


@pytest.mark.parametrize(("form_name", "field_name"), NUMBER_FIELDS)
def test_the_bounds_of_every_number_field_never_fail_the_database(app, client, login_as, world, form_name,
                                                                   field_name):
    with app.test_request_context(method="POST"):
        field = getattr(FORMS[form_name](meta={"csrf": False}), field_name)
        bounds = next(v for v in field.validators if isinstance(v, NumberRange))
    for value in (bounds.min, bounds.max, f"{bounds.max}.004" if not field.whole else bounds.max, "１２"):
        response = _post(client, login_as, world, form_name, field_name, str(value))
        assert response.status_code in (200, 302), (value, response.status_code)
        assert _invalid_message(app, form_name, field_name) not in response.text


def test_a_price_and_a_plan_at_their_bounds_are_stored_exactly(db, client, login_as, world):
    from decimal import Decimal

    from sqlalchemy import select

    from portal.proposals.models import Proposal

    assert _post(client, login_as, world, "ProposalForm", "price", "1000000.00").status_code == 302
    assert _post(client, login_as, world, "ProposalForm", "plan_months", "１２0").status_code == 302
    db.session.expire_all()
    proposal = db.session.scalar(select(Proposal))
    assert (proposal.price, proposal.plan_months) == (Decimal("1000000.00"), 120)


def _api_integer_params():
    from portal.api.openapi import operations

    params = [(op.path, p.name, p.location) for op in operations() for p in op.parameters if p.type == "integer"]
    assert params, "the API declares no integer parameter: the test below would check nothing"
    return params


@pytest.mark.parametrize(("path", "name", "location"), _api_integer_params())
@pytest.mark.parametrize("value", HOSTILE_NUMBERS[:12])
def test_every_integer_parameter_of_the_api_answers_400_to_what_is_not_an_integer(client, path, name, location,
                                                                                  value):
    from urllib.parse import quote

    url = "/api/v1" + re.sub(r"{\w+}", "1", path)
    if location == "path":
        response = client.get("/api/v1" + path.replace("{" + name + "}", quote(value, safe="")))
    else:
        response = client.get(url, query_string={name: value})
    assert response.status_code in (400, 404), response.status_code
    assert response.is_json and response.json["error"]


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_a_score_that_is_not_a_number_is_a_chinese_field_error(client, login_as, db, create_user,
                                                                     create_scenario, submit_proposal, value):
    from portal.accounts.models import Role
    from portal.reviews.queries import reviewed_proposals
    from tests.reviews import helpers

    bidder, reviewer = create_user(Role.ENTERPRISE), create_user(Role.REVIEWER)
    scenario, _versions = helpers.closed_scenario(create_scenario, submit_proposal, [bidder])
    proposal = reviewed_proposals(scenario)[0]
    helpers.assign(scenario, [reviewer])
    review = helpers.review_of(scenario, reviewer, proposal)
    helpers.conflicts.declare(review, reviewer, conflict=False)
    db.session.commit()
    login_as(reviewer)

    response = client.post(f"/reviewing/reviews/{review.id}", data={"score_0": value, "save": "1"})

    # The score sheet reads scores itself (reviews/scoring.py): Decimal takes "٣" as 3, a number within range.
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        return
    error = re.search(r'id="score_0-error"[^>]*>([^<]*)<', response.text)
    assert error and re.search(r"[\u4e00-\u9fff]", error.group(1)), "a Chinese message on the score field"
    assert form_values(response.text)["score_0"] == value

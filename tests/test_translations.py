"""Templates and filters translate through the request's catalogue, looked up once, and follow a forced locale."""

from decimal import Decimal

from flask import render_template_string
from flask_babel import force_locale

PAGE = "{{ _('首页') }} {{ None|money }} {{ _('共 %(n)d 个场景', n=3) }} {{ ngettext('%(num)d 份', '%(num)d 份', 2) }}"


def test_templates_follow_the_request_and_a_forced_locale(app):
    with app.test_request_context("/"):
        assert render_template_string(PAGE).startswith("首页 面议 共 3 个场景")
        with force_locale("en"):
            assert render_template_string(PAGE).startswith("Home Negotiable")
            assert render_template_string("{{ 12|money }}") == "CNY 12 × 10,000"
        assert render_template_string(PAGE).startswith("首页 面议 共 3 个场景")
    with app.test_request_context("/", headers={"Accept-Language": "en"}), force_locale("en"):
        assert render_template_string("{{ _('首页') }}") == "Home"


def test_translated_text_is_escaped_and_formatted_like_flask_babel(app):
    with app.test_request_context("/"):
        assert render_template_string("{{ _('%(amount)s 万元', amount='<b>') }}") == "&lt;b&gt; 万元"
        assert render_template_string("{{ value|money }}", value=Decimal("12.50")) == "12.5 万元"


def test_lazy_labels_and_python_gettext_follow_the_locale(app):
    from flask_babel import gettext

    from portal.scenarios.models import STATE_LABELS, ScenarioState

    label = STATE_LABELS[ScenarioState.FINAL]
    with app.test_request_context("/"):
        assert (str(label), gettext("首页")) == ("揭榜成功", "首页")
        with force_locale("en"):
            assert gettext("首页") == "Home" and str(label) != "揭榜成功"
        assert (str(label), gettext("首页")) == ("揭榜成功", "首页")
    assert str(label) == "揭榜成功"  # outside a request: the text itself

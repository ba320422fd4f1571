"""Rich text from departments is cut to safe formatting before it is stored and shown."""

import re

import pytest

from portal.accounts.models import Role
from portal.util.text import sanitize_html

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "script-unclosed": "<p>场景说明<script>alert(document.cookie)",
    "script-split": "<scr<script>ipt>alert(1)</script>",
    "script-doubled": "<<script>script>alert(1)<</script>/script>",
    "script-reassembled": "<scr<script>x</script>ipt>alert(1)</scr<script>x</script>ipt>",
    "script-reassembled-by-style": "<scr<style></style>ipt>alert(1)</scr<style></style>ipt>",
    "script-with-attributes": '<script type="text/javascript" >alert(1)</script >',
    "script-upper": "<SCRIPT SRC=//evil.example.com/x.js></SCRIPT>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-onerror-quoted": '<p>图示：<img src="x" onerror="alert(1)"></p>',
    "javascript-href": '<a href="javascript:alert(1)">点击查看</a>',
    "javascript-mixed-case": '<a href="JaVaScRiPt:alert(1)">x</a>',
    "javascript-leading-space": '<a href="  javascript:alert(1)">x</a>',
    "javascript-entities": '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    "javascript-hex-entity": '<a href="&#x6A;avascript:alert(1)">x</a>',
    "javascript-tab": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "data-url": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "svg-onload": "<svg onload=alert(1)><circle r=1></circle></svg>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "iframe": '<iframe src="https://evil.example.com"></iframe>',
    "iframe-srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "object-embed": '<object data="x.swf"></object><embed src="x.swf">',
    "style-attribute": '<p style="background:url(javascript:alert(1))">文字</p>',
    "style-tag": "<style>body{background:url(javascript:alert(1))}</style><p>文字</p>",
    "onclick-on-allowed-tag": '<p onclick="alert(1)">文字</p>',
    "onmouseover-on-link": '<a href="https://example.com" onmouseover="alert(1)">链接</a>',
    "event-on-table-cell": '<table><tr><td onmouseenter="alert(1)">1</td></tr></table>',
    "body-onload": "<body onload=alert(1)>",
    "details-ontoggle": "<details open ontoggle=alert(1)>",
    "form-action": '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base-href": '<base href="javascript:alert(1)//">',
    "math-href": '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "noscript-breakout": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "comment-breakout": "<!--><script>alert(1)</script>-->",
    "attribute-breakout": '<a href="https://example.com" title="x" onclick="alert(1)"">x</a>',
}


def assert_nothing_executable(html: str) -> None:
    lowered = html.lower()
    for tag in ("<script", "<iframe", "<svg", "<math", "<object", "<embed", "<img", "<style", "<form", "<meta",
                "<base", "<body", "<details"):
        assert tag not in lowered, f"{tag!r} survived in {html!r}"
    for markup in re.findall(r"<[^>]*>", lowered):
        for fragment in ("javascript:", "vbscript:", "data:", "style=", "onerror", "onload"):
            assert fragment not in markup, f"{fragment!r} survived in {markup!r}"
        assert not re.search(r"\son\w+\s*=", markup), f"an event handler survived in {markup!r}"
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("http://", "https://", "mailto:")), href


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_attack_payloads_leave_no_executable_markup(payload):
    assert_nothing_executable(sanitize_html(payload))


@pytest.mark.parametrize("source", [
    "<p>第一段</p>",
    "<p><strong>重点</strong>与<em>强调</em>，<b>粗体</b>、<i>斜体</i>、<u>下划线</u></p>",
    "<ul><li>识别准确率≥95%</li><li>支持车载部署</li></ul>",
    "<ol><li>一</li><li>二</li></ol>",
    "<h3>技术指标</h3><h4>小标题</h4>",
    '<table><thead><tr><th colspan="2">指标</th></tr></thead><tbody><tr><td>精度</td><td>95%</td></tr></tbody></table>',
    "<blockquote>引用</blockquote><pre><code>x = 1</code></pre>",
    "<p>第一行<br>第二行</p><hr><p>H<sub>2</sub>O 与 10<sup>3</sup></p>",
])
def test_allowed_formatting_survives_unchanged(source):
    assert sanitize_html(source) == source


@pytest.mark.parametrize("href", ["https://www.hangzhou.gov.cn/", "http://example.com/a?b=1", "mailto:jxj@hz.gov.cn"])
def test_links_are_kept_and_cannot_reach_back_to_the_portal(href):
    html = sanitize_html(f'<p>详见<a href="{href}" title="通知">通知</a></p>')

    assert f'href="{href.replace("&", "&amp;")}"' in html
    assert 'rel="nofollow noopener noreferrer"' in html
    assert 'title="通知"' in html


def test_a_bare_address_in_plain_text_becomes_a_safe_link():
    html = sanitize_html("报名见 https://www.hangzhou.gov.cn/notice 。")

    assert '<a href="https://www.hangzhou.gov.cn/notice" rel="nofollow noopener noreferrer">' in html


def test_a_link_that_tries_to_open_a_window_keeps_no_target():
    html = sanitize_html('<a href="https://example.com" target="_blank" rel="opener">x</a>')

    assert "target" not in html and 'rel="nofollow noopener noreferrer"' in html


@pytest.mark.parametrize("source", [
    "<script>alert(document.cookie)</script><p>正文</p>",
    "<style>p.MsoNormal{margin:0cm;font-family:宋体}</style><p>正文</p>",
], ids=["script", "style"])
def test_what_a_script_or_style_element_contained_is_dropped_not_shown_as_text(source):
    # Pasting from Word or WPS brings <style> blocks; their CSS must not end up as visible text.
    assert sanitize_html(source) == "<p>正文</p>"


def test_plain_text_becomes_paragraphs_with_line_breaks():
    text = "第一段第一行\n第一段第二行\n\n第二段\r\n\r\n\r\n第三段"

    assert sanitize_html(text) == "<p>第一段第一行<br>第一段第二行</p><p>第二段</p><p>第三段</p>"


def test_plain_text_is_escaped_not_interpreted():
    assert sanitize_html("精度 > 95% & 延迟 < 50ms") == "<p>精度 &gt; 95% &amp; 延迟 &lt; 50ms</p>"


@pytest.mark.parametrize("empty", [None, "", "   ", "\n\n"])
def test_empty_input_stores_nothing(empty):
    assert sanitize_html(empty) == ""


def test_sanitizing_twice_changes_nothing():
    once = sanitize_html('<p>说明 <a href="https://example.com">链接</a></p><ul><li>一</li></ul>')

    assert sanitize_html(once) == once


def test_a_payload_saved_by_a_department_is_shown_clean_on_the_public_page(client, db, create_batch, create_user,
                                                                          login_as):
    owner = create_user(Role.GOVERNMENT)
    batch = create_batch(owner)
    login_as(owner)
    description = ('<p><strong>现状</strong>：人工巡检<img src=x onerror="alert(1)"></p>'
                   '<script>alert("xss")</script><a href="javascript:alert(1)">详情</a>'
                   '<p onmouseover="alert(1)">悬停</p>')

    created = client.post(f"/manage/batches/{batch.id}/scenarios/new", data={
        "title": "富文本场景", "sector": "security", "district": "西湖区", "description": description,
        "requirements": "<ul><li>准确率≥95%</li></ul><iframe src=https://evil.example.com></iframe>",
        "budget": "80", "deadline": "2099-01-01T10:00", "contact_name": "王工", "contact_phone": "0571-87654321"})
    assert created.status_code == 302
    client.post(f"/manage/batches/{batch.id}/publish")
    scenario = batch.scenarios[0]
    db.session.refresh(scenario)
    assert scenario.state.value == "published"

    client.post("/logout")
    page = client.get(f"/scenarios/{scenario.id}").text

    rich_text = "".join(part.split("</section>", 1)[0] for part in page.split('<div class="rich-text">')[1:])
    assert_nothing_executable(rich_text)
    assert "<p><strong>现状</strong>：人工巡检</p>" in rich_text
    assert "<ul><li>准确率≥95%</li></ul>" in rich_text
    assert "悬停" in rich_text
    assert "onerror" not in page and "javascript:alert" not in page

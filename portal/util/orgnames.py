"""Organisation names compared as people write them, for conflict-of-interest (回避) checks.

Chinese company names follow 行政区划 + 字号 + 行业 + 组织形式 (企业名称登记管理规定), and the same company is
written many ways: 「杭州某某科技有限公司」, 「某某科技（杭州）有限责任公司」, 「浙江某某科技股份公司」, in full-width
or half-width characters, with or without spaces. `normalize` keeps what tells companies apart (字号 and 行业)
and drops the rest: width (NFKC), brackets, spaces and punctuation, a leading or trailing region and the form of
the company. Pure: no database, no Flask.

Matching errs on the side of a 回避: a false match costs one replacement reviewer, a missed one the review's
integrity. Two guards keep distinct bodies apart: a region is kept when what remains would be too short, or
would name a public institution by its region (浙江大学 and 南京大学, 杭州银行 and 宁波银行 stay different).
"""

import re
import unicodedata

# Company forms, longest first (a longer form contains a shorter one at its end).
COMPANY_FORMS = ("集团股份有限公司", "集团有限责任公司", "集团有限公司", "股份有限公司", "有限责任公司", "有限公司",
                 "股份公司", "集团公司", "公司", "集团")

PROVINCES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
             "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
             "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门")
PROVINCE_FULL_NAMES = ("内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
                       "香港特别行政区", "澳门特别行政区")
ZHEJIANG_CITIES = ("杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水")
OTHER_CITIES = ("深圳", "广州", "南京", "苏州", "无锡", "常州", "成都", "武汉", "西安", "合肥", "厦门", "福州", "青岛",
                "济南", "大连", "沈阳", "长春", "哈尔滨", "长沙", "郑州", "石家庄", "太原", "南昌", "南宁", "贵阳",
                "昆明", "兰州", "海口", "呼和浩特", "乌鲁木齐", "拉萨", "银川", "西宁", "东莞", "佛山", "珠海")
# Hangzhou's districts and county-level cities, only with their 区/县/市 (西湖大学 is not in 西湖区).
HANGZHOU_DISTRICTS = ("上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区", "富阳区",
                      "临安区", "桐庐县", "淳安县", "建德市")


def _regions() -> tuple[str, ...]:
    names = {*PROVINCE_FULL_NAMES, *HANGZHOU_DISTRICTS}
    for province in PROVINCES:
        names |= {province, province + ("市" if province in ("北京", "天津", "上海", "重庆") else "省")}
    for city in (*ZHEJIANG_CITIES, *OTHER_CITIES):
        names |= {city, city + "市"}
    return tuple(sorted(names, key=len, reverse=True))  # the longest first: 杭州市 before 杭州


REGIONS = _regions()
# A bracket holding only a region (or 中国) is dropped with its content: 某某科技（杭州）有限公司. In a bracket a
# district's short name is a region too, as companies write it (某某科技（滨江）有限公司): nothing else is there
# for it to be part of, unlike 西湖 in 西湖大学.
DISTRICT_SHORT_NAMES = tuple(name[:-1] for name in HANGZHOU_DISTRICTS)
BRACKETED_REGIONS = (*REGIONS, *DISTRICT_SHORT_NAMES, "中国")
# A remainder ending in one of these names a public body by its region; the region stays part of the name.
INSTITUTION_ENDINGS = ("大学", "学院", "学校", "中学", "小学", "医院", "银行", "研究院", "研究所", "实验室", "政府",
                       "委员会", "局", "厅", "协会", "学会", "商会", "法院", "检察院", "电视台", "日报", "图书馆",
                       "博物馆")
MIN_REMAINDER = 2

_OPEN, _CLOSE = "([{【〔〈《「『", ")]}】〕〉》」』"
_BRACKETED = re.compile(f"[{re.escape(_OPEN)}]([^{re.escape(_OPEN + _CLOSE)}]*)[{re.escape(_CLOSE)}]")


def _fold(name: str) -> str:
    text, previous = name or "", None
    # Repeated until stable: removing a character can bring together two that NFKC then combines.
    while text != previous:
        previous = text
        # NFKC turns full-width letters, digits and （） into their half-width forms.
        text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
        text = _BRACKETED.sub(lambda m: "" if _only_region(m.group(1)) else m.group(1), text)
        # Keep letters and digits only: spaces, punctuation, symbols and any leftover brackets go.
        text = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    return text


def _only_region(text: str) -> bool:
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    return text in BRACKETED_REGIONS


def _may_drop_region(remainder: str) -> bool:
    return len(remainder) >= MIN_REMAINDER and not remainder.endswith(INSTITUTION_ENDINGS)


def _strip_once(text: str) -> str:
    for form in COMPANY_FORMS:
        if text.endswith(form) and len(text) > len(form):
            return text[:-len(form)]
    for region in REGIONS:
        if text.startswith(region) and _may_drop_region(text[len(region):]):
            return text[len(region):]
        if text.endswith(region) and _may_drop_region(text[:-len(region)]):
            return text[:-len(region)]
    return text


def normalize(name: str) -> str:
    """The comparable core of an organisation's name (empty for a name without letters or digits)."""
    text = _fold(name)
    # Strip until nothing more comes off, so normalising twice changes nothing.
    while (shorter := _strip_once(text)) != text:
        text = shorter
    return text


def same_name(a: str, b: str) -> bool:
    """True when two names normalise to the same non-empty core."""
    core = normalize(a)
    return bool(core) and core == normalize(b)


def how_same(a_name: str, a_uscc: str | None, b_name: str, b_uscc: str | None) -> str | None:
    """"uscc" when both codes are given and equal, "name" when the names match, otherwise None.

    Equal names count even when the codes differ: a group's subsidiaries and branches each have a code of
    their own, and a reviewer's interest in one is an interest in the others.
    """
    if a_uscc and b_uscc and a_uscc.strip().upper() == b_uscc.strip().upper():
        return "uscc"
    if same_name(a_name, b_name):
        return "name"
    return None

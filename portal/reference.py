"""Reference lists of the mechanism: the 七端 sectors and Hangzhou's 13 districts."""

from flask_babel import lazy_gettext as _l

# 中国视谷 “七端” plus a catch-all; codes are stored, labels are shown.
SECTORS = {
    "security": _l("数字安防"),
    "industrial_vision": _l("工业视觉"),
    "medical_imaging": _l("医学影像"),
    "autonomous_driving": _l("自动驾驶"),
    "smart_living": _l("智能生活及办公"),
    "vr_metaverse": _l("虚拟现实及元宇宙"),
    "special_imaging": _l("特殊成像"),
    "other": _l("其他/多元"),
}

# Hangzhou's 13 county-level divisions (10 districts, 2 counties, 1 county-level city), stored by name.
DISTRICTS = {
    "上城区": _l("上城区"),
    "拱墅区": _l("拱墅区"),
    "西湖区": _l("西湖区"),
    "滨江区": _l("滨江区"),
    "萧山区": _l("萧山区"),
    "余杭区": _l("余杭区"),
    "临平区": _l("临平区"),
    "钱塘区": _l("钱塘区"),
    "富阳区": _l("富阳区"),
    "临安区": _l("临安区"),
    "桐庐县": _l("桐庐县"),
    "淳安县": _l("淳安县"),
    "建德市": _l("建德市"),
}


def sector_label(code: str) -> str:
    return str(SECTORS.get(code, code))


def district_label(name: str) -> str:
    return str(DISTRICTS.get(name, name))

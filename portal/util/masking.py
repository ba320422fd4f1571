"""Masking of contacts' personal information on public pages, the API and exports (《个人信息保护法》 第六条: no
more personal information than the purpose needs). Who sees a contact in full is decided in
portal/permissions/contacts.py.

Names keep the surname and, from three characters, the last character: 张*明, 李*, 欧阳** (a compound surname is
treated as one character plus the given name: simple, and never shows more than it should). Phones keep the
first three and last four digits of a mobile (138****1234), the area code and last four digits of a landline
(0571-****4321); e-mail keeps the first character of the local part (z***@example.com).
"""

import re

MASK = "*"
_MOBILE = re.compile(r"^(?:\+?86[\s-]?)?(1\d{2})[\s-]?(\d{4})[\s-]?(\d{4})$")
_LANDLINE = re.compile(r"^(?:\+?86[\s-]?)?\(?(0\d{2,3})\)?[\s-]?(\d{7,8})((?:-|转|ext\.?)\d{1,6})?$", re.IGNORECASE)


def mask_name(name: str | None) -> str:
    """张明 → 张*, 张三明 → 张*明, 欧阳明华 → 欧**华; Latin names keep their first letter."""
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return MASK
    if len(name) == 2:
        return name[0] + MASK
    return name[0] + MASK * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    """13812341234 → 138****1234; +86 138 1234 1234 → +86 138****1234; 0571-87654321 → 0571-****4321."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    prefix = "+86 " if phone.startswith(("+86", "86")) and len(re.sub(r"\D", "", phone)) > 11 else ""
    mobile = _MOBILE.match(phone)
    if mobile:
        return f"{prefix}{mobile.group(1)}{MASK * 4}{mobile.group(3)}"
    landline = _LANDLINE.match(phone)
    if landline:
        area, number = landline.group(1), landline.group(2)
        return f"{prefix}{area}-{MASK * (len(number) - 4)}{number[-4:]}"
    # Anything else: keep at most the last four digits, whatever was typed around them.
    digits = re.sub(r"\D", "", phone)
    return MASK * max(len(digits) - 4, 4) + digits[-4:] if len(digits) > 4 else MASK * 4


def mask_email(email: str | None) -> str:
    """zhang.ming@example.com → z***@example.com."""
    email = (email or "").strip()
    if not email:
        return ""
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return MASK * 3
    return f"{local[0]}{MASK * 3}@{domain}"


def contact(name: str | None, phone: str | None, email: str | None, *, full: bool) -> dict[str, str | None]:
    """A contact as it may be shown: in full to whoever needs it, masked to everybody else."""
    if full:
        return {"name": name or "", "phone": phone or "", "email": email or None}
    return {"name": mask_name(name), "phone": mask_phone(phone), "email": mask_email(email) or None}

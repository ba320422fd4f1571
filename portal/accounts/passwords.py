"""Password strength: long enough, mixed, and not the account's own name."""

import re

from flask import current_app
from flask_babel import gettext as _

COMMON = frozenset({"password", "12345678", "123456789", "1234567890", "qwertyuiop", "abc123456",
                    "password123", "admin12345", "iloveyou12", "1q2w3e4r5t", "a123456789"})


def password_problem(password: str, *, email: str = "") -> str | None:
    """Return why `password` is too weak, or None when it is acceptable."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("密码至少需要 %(n)d 个字符。", n=minimum)
    kinds = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if kinds < 2:
        return _("密码需包含字母、数字、符号中的至少两类。")
    if password.lower() in COMMON or len(set(password)) < 4:
        return _("密码过于常见或简单，请换一个。")
    local = email.split("@")[0].lower()
    if local and len(local) >= 4 and local in password.lower():
        return _("密码不能包含邮箱用户名。")
    return None

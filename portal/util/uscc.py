"""统一社会信用代码 (Unified Social Credit Code) per GB 32100-2015."""

import unicodedata

from flask_babel import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


class USCCError(ValueError):
    """A code that is not a valid USCC. `kind` names the fault; str() says what is wrong in the user's language,
    rendered when asked for, so one error reads right in a form, an import report or a terminal."""

    def __init__(self, kind: str, **params):
        super().__init__(kind)
        self.kind, self.params = kind, params

    def __str__(self) -> str:
        if self.kind == "length":
            return _("统一社会信用代码应为18位，当前为%(n)d位。", n=self.params["n"])
        if self.kind == "characters":
            # GB 32100-2015 leaves out I, O, Z, S, V so they cannot be confused with digits.
            return _("统一社会信用代码含有不允许的字符：%(chars)s（不使用 I、O、Z、S、V）。",
                     chars=self.params["chars"])
        return _("统一社会信用代码校验位错误：第18位应为 %(expected)s，填写的是 %(given)s。", **self.params)


def check_character(body: str) -> str:
    """Return the check character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(raw: str) -> str:
    """Return the code upper-cased and stripped, or raise USCCError naming the fault."""
    # Chinese input methods often type full-width digits and letters (９１３３…); NFKC makes them the
    # ASCII characters the standard means, before any rule is checked.
    code = unicodedata.normalize("NFKC", raw or "").strip().upper()
    if len(code) != LENGTH:
        raise USCCError("length", n=len(code))
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        raise USCCError("characters", chars="、".join(bad))
    expected = check_character(code[:17])
    if code[17] != expected:
        raise USCCError("check", expected=expected, given=code[17])
    return code


def is_valid_uscc(raw: str) -> bool:
    try:
        normalize_uscc(raw)
    except USCCError:
        return False
    return True


def make_uscc(body17: str) -> str:
    """Complete a 17-character body with its check character (used by demo data and tests)."""
    return body17 + check_character(body17)

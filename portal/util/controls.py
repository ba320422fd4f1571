"""Control characters: what input keeps of them, and what each kind of output may carry.

Nobody types a control character on purpose; they arrive in pastes (a vertical tab from a word processor, a
lone CR from an old Mac file) and in crafted requests. Input loses them once, where requests are read
(web.security.PortalRequest, web.forms.FlaskForm). Every writer still cleans what it writes, because rows written
before that, imports and the command line never passed through a form:
XML 1.0 forbids most C0 characters, openpyxl refuses them, a raw CR or LF in an iCalendar value or an e-mail
header starts a new line of the sender's choosing.

C0 is U+0000–U+001F, C1 U+0080–U+009F, with DEL (U+007F) between: Unicode's category Cc.
"""

import re

# Characters that end a line somewhere: in a single line they become a space, so words do not run together.
_BREAKS = r"\r\n|[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]"
_LINE_BREAK = re.compile(_BREAKS)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_TAB_LF_CR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NEWLINE = re.compile(r"\r\n|[\r\x85\u2028\u2029]")
_CONTROL_BUT_TAB_LF = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# XML 1.0 §2.2 Char, less the C1 range it only discourages: what an Atom reader or a spreadsheet accepts.
_NOT_XML = re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def from_request(value: str) -> str:
    """A submitted form value: every control character gone but tab, LF and CR, which a text area may hold.

    The form field decides what happens to those three (clean_line, clean_text).
    """
    return _CONTROL_BUT_TAB_LF_CR.sub("", value)


def clean_line(value: str) -> str:
    """Text for a single-line value: line breaks and tabs become spaces, other control characters go."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", _LINE_BREAK.sub(" ", value))


def blank_controls(value: str) -> str:
    """A query value: each control character (and U+2028/U+2029) becomes one space.

    Its length stays what the client sent, so a bound on a parameter's length is checked against what
    arrived, not against what is left once invisible characters are gone.
    """
    if not isinstance(value, str):
        return value
    return _UNCLEAN.sub(" ", value)


def clean_text(value: str) -> str:
    """Text for a multi-line value: every kind of line break becomes LF, tab stays, other control characters go."""
    if not isinstance(value, str):
        return value
    return _CONTROL_BUT_TAB_LF.sub("", _NEWLINE.sub("\n", value))


def for_xml(value: str) -> str:
    """Text that XML 1.0 can carry: multi-line as clean_text, and no character XML forbids (U+FFFE, surrogates)."""
    return _NOT_XML.sub("", clean_text(value))


_UNCLEAN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_control(value: str) -> bool:
    """Whether a value holds anything clean_line or clean_text would change."""
    return bool(_UNCLEAN.search(value))

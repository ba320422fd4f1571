"""Form pieces shared by every domain."""

import re
import unicodedata
from datetime import datetime
from decimal import Decimal

import wtforms
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import (
    DateTimeLocalField,
    DecimalField,
    FileField,
    IntegerField,
    PasswordField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields import HiddenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, StopValidation, ValidationError
from wtforms.widgets import TextInput

from portal.util import clock, controls


def options(pairs, blank=None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, with an optional empty first option."""
    leading = [SelectChoice("", blank)] if blank is not None else []
    return leading + [SelectChoice(str(value), label) for value, label in pairs]


class _CleanText:
    """Every text field of a form cleans what it holds of control characters (util/controls.py).

    The request has already lost all of them but tab, LF and CR (security.PortalRequest); here a text area
    turns CRLF and lone CR into LF, and a single-line field, where a browser never puts a line break, turns
    tabs, line breaks and U+2028/U+2029 into spaces. Stripped rather than refused, for the reason the
    request gives: they are invisible, and a title pasted from a document should simply be the title.
    Object data passes the same filter, so a value stored before this rule is cleaned on its next save.
    """

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        clean = _text_filter(field)
        if clean is not None:
            field.filters = (clean, *field.filters)
        return field


def _text_filter(field):
    if isinstance(field, TextAreaField):
        return controls.clean_text
    if isinstance(field, PasswordField):
        return None  # compared, never shown or written out; changing it could only lock its owner out
    if isinstance(field, StringField):
        return controls.clean_line
    return None


class Form(wtforms.Form):
    """A form nested in another (FormField): the same text cleaning as FlaskForm."""

    class Meta(_CleanText, wtforms.Form.Meta):
        pass


class _TokenWhenShown(CSRFTokenField):
    """The CSRF token, made when the form is rendered rather than when it is built.

    Making a token writes it into the session, and a session that changes is sent back as a cookie. Views
    build forms that only some visitors are shown (a reviewer's buttons on a product page, the objection form
    on an announcement): built eagerly, they handed every anonymous reader a session cookie, and with it a
    page the page cache may not keep or serve (portal/web/page_cache.py).
    """

    def process(self, *args, **kwargs):
        HiddenField.process(self, *args, **kwargs)  # not CSRFTokenField.process: no token yet

    def _value(self):
        if self.current_token is None:
            self.current_token = self.csrf_impl.generate_csrf_token(self)
        return self.current_token


class _CSRFWhenShown(_FlaskForm.Meta.csrf_class):
    field_class = _TokenWhenShown


class FlaskForm(_FlaskForm):
    """Flask-WTF's form, except that a file part reaches only a file field, and text loses control characters.

    Flask-WTF lays request.files over request.form for every field, so a crafted request with a file part
    named like a text field (or text named like a file field) handed the field the wrong type and the view
    failed with a 500. Here such a field sees no value and answers with its ordinary validation message.
    JSON bodies are not read: these are HTML forms.
    """

    class Meta(_CleanText, _FlaskForm.Meta):
        csrf_class = _CSRFWhenShown

        def wrap_formdata(self, form, formdata):
            if formdata is None or isinstance(formdata, MultiDict):  # given explicitly, e.g. request.args
                return formdata
            if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
                return None
            # Each part goes to its own kind of field; a part whose name did not parse (None) goes nowhere.
            wanted = {field.name for field in form if isinstance(field, FileField)}
            files = MultiDict([(k, v) for k, v in request.files.items(multi=True) if k in wanted])
            texts = MultiDict([(k, v) for k, v in request.form.items(multi=True)
                               if isinstance(k, str) and k not in wanted])
            return CombinedMultiDict((files, texts))


class ActionForm(FlaskForm):
    """A button that changes state: nothing but the CSRF token."""

    submit = SubmitField(_l("确认"))


class LocalDateTimeField(DateTimeLocalField):
    """A `datetime-local` input read as Asia/Shanghai wall time and kept as aware UTC in `.data`."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
                         **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        for fmt in self.format:
            try:
                naive = datetime.strptime(valuelist[0].strip(), fmt)
            except ValueError:
                continue
            self.data = naive.replace(tzinfo=clock.LOCAL_TZ).astimezone(clock.LOCAL_TZ)
            return
        self.data = None
        raise ValueError(_l("时间格式不正确，请按“年-月-日 时:分”填写。"))

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        local = clock.to_local(self.data)
        return local.strftime("%Y-%m-%dT%H:%M") if local else ""


def in_future(form, field):
    if field.data is not None and field.data <= clock.now():
        raise ValidationError(_l("截止时间必须晚于当前时间。"))


# --- numbers -----------------------------------------------------------------------------------------------

# Plain decimal notation in ASCII digits once full-width ones are folded (NFKC): Python and Decimal also read
# "NaN", "sNaN", "Infinity", "1e999999" and "1_000", which no person means and which later fail a comparison
# or the database (Numeric(12, 2) on PostgreSQL). 30 characters is more than any bounded amount needs.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)
MAX_NUMBER_CHARS = 30
INVALID_NUMBER = _l("请输入有效的数字。")
INVALID_WHOLE_NUMBER = _l("请输入整数。")


def read_number(text: str | None, *, whole: bool = False) -> Decimal | int | None:
    """The number a person typed (full-width digits and ，/。 as the decimal point accepted), or None."""
    if not isinstance(text, str):
        return None
    folded = unicodedata.normalize("NFKC", text).strip().replace("。", ".").replace("，", ".")
    if len(folded) > MAX_NUMBER_CHARS or not (_WHOLE if whole else _DECIMAL).fullmatch(folded):
        return None
    return int(folded) if whole else Decimal(folded)


class _Within(NumberRange):
    """NumberRange that ends the chain: a form's own checks of the value (validate_<field>) then see only
    values within the field's bounds, and a person reads one message, not two."""

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except ValidationError as error:
            raise StopValidation(str(error)) from error


class _BoundedNumber:
    """A number typed as text, always bounded: what is not a plain number, or is out of range, is a field error
    in Chinese, and the text stays in the box as typed (a text input, since a browser empties a number input
    that holds letters)."""

    whole = False
    widget = TextInput()

    def __init__(self, label=None, validators=None, *, minimum, maximum, range_message=None, invalid_message=None,
                 **kwargs):
        range_message = range_message or _l("请输入 %(min)s 到 %(max)s 之间的数字。", min=minimum, max=maximum)
        self.invalid_message = invalid_message or (INVALID_WHOLE_NUMBER if self.whole else INVALID_NUMBER)
        render_kw = {"inputmode": "numeric" if self.whole else "decimal", "autocomplete": "off",
                     **kwargs.pop("render_kw", {})}
        super().__init__(label, [*(validators or []), _Within(min=minimum, max=maximum, message=range_message)],
                         render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0]
        if not isinstance(text, str) or not text.strip():
            self.data = None  # empty: the Optional or InputRequired validator speaks
            return
        self.data = read_number(text, whole=self.whole)
        if self.data is None:
            raise ValueError(self.invalid_message)

    def pre_validate(self, form):
        # A value that did not read as a number has said so; a range message about nothing would only confuse.
        if self.process_errors:
            raise StopValidation()


class DecimalNumberField(_BoundedNumber, DecimalField):
    """An amount (万元, scores): a Decimal within [minimum, maximum]."""


class WholeNumberField(_BoundedNumber, IntegerField):
    """A count, a year, months: an int within [minimum, maximum]."""

    whole = True

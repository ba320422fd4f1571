"""Form pieces shared by every domain."""

from datetime import datetime

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import DateTimeLocalField, FileField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.util import clock


def options(pairs, blank=None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, with an optional empty first option."""
    leading = [SelectChoice("", blank)] if blank is not None else []
    return leading + [SelectChoice(str(value), label) for value, label in pairs]


class FlaskForm(_FlaskForm):
    """Flask-WTF's form, except that a file part reaches only a file field.

    Flask-WTF lays request.files over request.form for every field, so a crafted request with a file part
    named like a text field (or text named like a file field) handed the field the wrong type and the view
    failed with a 500. Here such a field sees no value and answers with its ordinary validation message.
    JSON bodies are not read: these are HTML forms.
    """

    class Meta(_FlaskForm.Meta):
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

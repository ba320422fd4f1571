from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms import options
from portal.reference import SECTORS


class FollowsForm(FlaskForm):
    sectors = SelectMultipleField(_l("关注的领域"), choices=options(SECTORS.items()),
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    submit = SubmitField(_l("保存"))

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget

from portal.reference import SECTORS
from portal.web.forms import FlaskForm, options


class FollowsForm(FlaskForm):
    sectors = SelectMultipleField(_l("关注的领域"), choices=options(SECTORS.items()),
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    submit = SubmitField(_l("保存"))

"""Templates' gettext without Flask-Babel's look-ups on every call.

Flask-Babel resolves the request's translations (context, locale, catalogue cache) on each `_()`; a page calls it
a few hundred times. Here the catalogue is looked up once per request and locale — `force_locale` sets another
locale object, so a block rendered under it gets its own catalogue — and each call is a dictionary look-up.
"""

from flask import Flask, g
from flask_babel import get_translations


def translations():
    """The current request's catalogue, as Flask-Babel would find it."""
    context = g.get("_flask_babel")
    locale = getattr(context, "babel_locale", None) if context is not None else None
    if locale is None:  # the locale is not chosen yet: let Flask-Babel choose and remember it
        return get_translations()
    cached = getattr(context, "portal_translations", None)
    if cached is None or cached[0] is not locale:
        cached = context.portal_translations = (locale, get_translations())
    return cached[1]


def gettext(string: str, **variables) -> str:
    """flask_babel.gettext, as cheaply: the translation, formatted with `variables` if any are given."""
    translated = translations().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ungettext(singular, plural, n)


def pgettext(context: str, string: str) -> str:
    return translations().upgettext(context, string)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations().unpgettext(context, singular, plural, n)


def init_app(app: Flask) -> None:
    """Replace the callables Flask-Babel gave Jinja (call after babel.init_app); templates are unchanged."""
    app.jinja_env.install_gettext_callables(gettext=gettext, ngettext=ngettext, pgettext=pgettext,
                                            npgettext=npgettext, newstyle=True)

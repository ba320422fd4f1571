"""gettext without Flask-Babel's look-ups on every call.

Flask-Babel resolves the request's catalogue (context, locale, domain, catalogue cache) on each `_()`, and on
each lazy label (`_l`) drawn; a page does so a few hundred times. Here the catalogue is looked up once per
request and locale — `force_locale` sets another locale object, so what is drawn under it gets its own
catalogue — and each call is a dictionary look-up. Templates get callables that go straight to it; Python's
`gettext` and lazy labels go through the application's Domain, replaced by one that keeps the catalogue.
"""

from flask import Flask, g
from flask_babel import Domain, get_translations


def _kept(context, lookup):
    """The catalogue for the context's locale, looked up once while that locale object stays."""
    locale = getattr(context, "babel_locale", None)
    if locale is None:  # the locale is not chosen yet: let Flask-Babel choose it (and remember it)
        return lookup()
    kept = getattr(context, "portal_translations", None)
    if kept is None or kept[0] is not locale:
        kept = context.portal_translations = (locale, lookup())
    return kept[1]


class RequestDomain(Domain):
    """Flask-Babel's domain, keeping the request's catalogue in its context (the `_flask_babel` namespace)."""

    def get_translations(self):
        context = g.get("_flask_babel") if g else None
        if context is None:
            return super().get_translations()
        return _kept(context, super().get_translations)


def translations():
    """The current request's catalogue, as Flask-Babel would find it."""
    context = g.get("_flask_babel")
    return get_translations() if context is None else _kept(context, get_translations)


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
    """Replace the callables Flask-Babel gave Jinja and its domain (call after babel.init_app)."""
    configuration = app.extensions["babel"]
    if not isinstance(configuration.instance.__dict__.get("domain_instance"), RequestDomain):
        configuration.instance.domain_instance = RequestDomain(domain=configuration.default_domain)
    app.jinja_env.install_gettext_callables(gettext=gettext, ngettext=ngettext, pgettext=pgettext,
                                            npgettext=npgettext, newstyle=True)

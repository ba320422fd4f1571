"""Language choice: Chinese first, English on request (remembered in the session)."""

from flask import current_app, has_request_context, request, session


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        for chosen in (session.get("lang"), request.args.get("lang")):
            if chosen in languages:
                return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]

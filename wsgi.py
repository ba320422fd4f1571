"""Entry point for `flask --app wsgi` and for gunicorn (`gunicorn wsgi:app`)."""

from portal import create_app
from portal.web.collector import freeze_long_lived

app = create_app()
freeze_long_lived(app)  # a long-lived serving process: see portal/web/collector.py

"""gunicorn reads this file when started from the project folder: the portal checks its worker count before
any worker starts (portal/web/serving.py). Settings given on the command line still apply."""

from portal.web.serving import on_starting  # noqa: F401

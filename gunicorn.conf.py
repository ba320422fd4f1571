"""gunicorn reads this file when started from the project folder: the portal checks its worker count before
any worker starts (portal/serving.py). Settings given on the command line still apply."""

from portal.serving import on_starting  # noqa: F401

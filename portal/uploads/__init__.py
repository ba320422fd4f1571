"""Uploaded files: the one way in, the checks, the store, the way out, and the housekeeping.

What a browser says about a file (its name, its Content-Type) is only a claim. The kind is read from the
bytes, the name's extension must agree with it, and content that a browser or an office suite could run or
render as something else (programs, HTML/SVG, macros, a ZIP archive hidden behind a PDF or an image) is
refused. Files are kept under random names and only ever sent as downloads.

- storage.py: accepting a file (`accept_upload`), the upload folder, stored names, discarding;
- columns.py: the columns of a row that stands for one stored file, a mixin the domains' models take;
- kinds.py and names.py: the kinds of file taken and the names they are shown and offered under;
- checks.py and ooxml.py: what a file really is, from its content; inside DOCX and XLSX packages;
- downloads.py: sending a stored file, and the answer to a request over the size limit;
- blind_copies.py: copies without the document properties that name the author, for blind reviewers;
- sweep.py: removing stored files that no row refers to (daily by the worker; `flask --app wsgi sweep-uploads`).
"""

from flask import Flask

SWEEP_AFTER_HOURS = 24.0  # the grace period of the daily sweep, as `flask sweep-uploads` by default


def init_app(app: Flask) -> None:
    """The daily sweep of unreferenced files, as a scheduled job."""
    from portal import jobs
    from portal.uploads import sweep

    jobs.register(app, "uploads.sweep", lambda: sweep.sweep(SWEEP_AFTER_HOURS), jobs.daily(5))

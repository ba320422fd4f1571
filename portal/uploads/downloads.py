"""Stored files sent as downloads, and the answer to a request over the size limit."""

from flask import Flask, Response, abort, current_app, send_file
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from portal.uploads import blind_copies
from portal.uploads.kinds import KIND_OF_MIMETYPE
from portal.uploads.names import clean_filename, content_disposition, format_size
from portal.uploads.storage import stored_path
from portal.web.error_pages import render_error


def send_attachment(stored_name: str, display_name: str, mimetype: str, *, without_properties: bool = False
                    ) -> Response:
    """Send a stored file as a download that no browser renders inline and no shared cache keeps.

    `without_properties`: send a copy without the document properties that name the author (blind review,
    see blind_copies.py); the stored file itself never changes.
    """
    path = stored_path(stored_name)
    if not path.is_file():
        current_app.logger.error("stored file %s is missing", stored_name)
        abort(404)
    if without_properties:
        path = blind_copies.blind_copy(path, KIND_OF_MIMETYPE.get(mimetype, ""))
    name = clean_filename(display_name) or "attachment"
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, conditional=True,
                         etag=True, max_age=None)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- requests over the size limit ----------------------------------------------------------------

def init_app(app: Flask) -> None:
    # No need to read the rest of the body here: measured through a rate-limited link, gunicorn 27
    # half-closes and lingers, and Chromium, curl and requests all show this page (reading the body
    # first only kept the user waiting for the whole upload). Say what the limits are.
    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error):
        return render_error(413, _("上传的内容超过大小限制：单个附件不超过 %(file)s，一次提交合计不超过 %(total)s。"
                                   "请压缩或拆分文件后重试。",
                                   file=format_size(app.config["UPLOAD_MAX_BYTES"]),
                                   total=format_size(app.config["MAX_CONTENT_LENGTH"] or 0)))

"""The columns of a row that stands for one stored file, shared by the tables of such rows.

A mixin, so that the columns are declared once: a proposal's attachments, a call's files (amendments), the
files of a progress report and the pictures of a case. Rows naming a file among other things (a product's image
and brochure, an objection's attachment) name their columns after the file and allow none, so they keep their
own. Every column naming a stored file, whichever way it is declared, is listed in references.py.
"""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column


class StoredFile:
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # the random name in the upload folder
    display_name: Mapped[str] = mapped_column(String(200))  # the name it is shown and offered under
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))  # hex, of the bytes as stored

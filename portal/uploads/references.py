"""Every column that names a stored file, in one list: the sweep keeps what they name, a backup checks that
each file they name is there, and a restore never removes one of them.

Each entry reads rows through plain SQL on any connection, so a backup asks the very snapshot it wrote
(portal/backup/database.py) and not the live database.
"""

from dataclasses import dataclass

from sqlalchemy import literal, select, union_all


@dataclass(frozen=True)
class Reference:
    """A row that names a stored file: the stored name, the name it is shown under, and where the row is."""

    stored_name: str
    display_name: str
    table: str
    row_id: int

    def describe(self) -> str:
        return f"{self.stored_name}（{self.display_name}，{self.table} #{self.row_id}）"


def file_columns() -> list[tuple]:
    """(stored-name column, display-name column, primary key) of every column naming a stored file."""
    from portal.amendments.models import ScenarioAttachment
    from portal.announcements.models import Objection
    from portal.catalogue.models import Product
    from portal.projects.models import CasePicture, ReportAttachment
    from portal.proposals.models import Attachment

    return [
        (Attachment.stored_name, Attachment.display_name, Attachment.id),
        (ScenarioAttachment.stored_name, ScenarioAttachment.display_name, ScenarioAttachment.id),
        (Objection.attachment_stored_name, Objection.attachment_name, Objection.id),
        (Product.image_stored_name, Product.name, Product.id),
        (Product.brochure_stored_name, Product.brochure_display_name, Product.id),
        (ReportAttachment.stored_name, ReportAttachment.display_name, ReportAttachment.id),
        (CasePicture.stored_name, CasePicture.display_name, CasePicture.id),
    ]


def _union():
    parts = []
    for stored, shown, key in file_columns():
        parts.append(select(stored.label("stored_name"), shown.label("display_name"),
                            literal(stored.class_.__tablename__).label("table_name"), key.label("row_id"))
                     .where(stored.is_not(None)))
    return union_all(*parts)


def referenced_files(connection) -> list[Reference]:
    """Every (row, stored file) pair the database on `connection` (or a session) holds, in a stable order."""
    rows = connection.execute(_union()).all()
    found = {Reference(row.stored_name, row.display_name or "", row.table_name, row.row_id) for row in rows}
    return sorted(found, key=lambda ref: (ref.stored_name, ref.table, ref.row_id))


def referenced_names(connection) -> set[str]:
    """Every stored name a row refers to."""
    return {ref.stored_name for ref in referenced_files(connection)}

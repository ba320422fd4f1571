"""What someone with the database file (and, in the worst case, the audit key) does to the audit log.

Run as `python -m tests.blackbox.tamper <attack>` with DATABASE_URL naming a copy of the served portal's database.
"""

import sys

from sqlalchemy import select


def attack(name: str) -> str:
    from portal.audit import AuditRecord
    from portal.audit.chain import record_digest
    from portal.audit.sealing import chain_key
    from portal.extensions import db

    rows = db.session.scalars(select(AuditRecord).where(AuditRecord.seq.is_not(None))
                              .order_by(AuditRecord.seq)).all()
    victim = rows[len(rows) // 3]
    if name == "edit":
        victim.action = "scenario.update"
    elif name == "edit-and-recompute":
        # Rewrite one record and every digest after it with the key: only the anchors outside the database tell.
        victim.action = "scenario.update"
        previous = None
        for row in rows[rows.index(victim):]:
            if previous is not None:
                row.prev_digest = previous
            row.digest = previous = record_digest(row, chain_key())
    elif name == "downgrade":
        # Without the key: claim the old plain SHA-256 scheme for the edited record and everything after it.
        from portal.audit.chain import SHA256

        victim.action = "scenario.update"
        previous = None
        for row in rows[rows.index(victim):]:
            if previous is not None:
                row.prev_digest = previous
            row.digest_scheme = SHA256
            row.digest = previous = record_digest(row)
    elif name == "truncate":
        for row in rows[len(rows) // 4:]:
            db.session.delete(row)
    elif name == "delete-one":
        db.session.delete(victim)
    db.session.commit()
    return f"{name}: record {victim.seq} of {len(rows)}"


if __name__ == "__main__":
    from portal import create_app

    app = create_app()
    with app.app_context():
        print(attack(sys.argv[1]))

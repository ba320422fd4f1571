"""Backups: a consistent snapshot of the database (the synonym table included) and the uploaded files, and its restore.

`flask --app wsgi backup DIR` writes the snapshot and a manifest with every file's SHA-256;
`flask --app wsgi restore DIR` checks the manifest first, restores into an empty instance and rebuilds
the search index (the index is a projection of the database, so it is never part of a backup).
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.backup.cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

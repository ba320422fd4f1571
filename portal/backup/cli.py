"""`flask --app wsgi backup DIR` and `flask --app wsgi restore DIR`."""

from pathlib import Path

import click

from portal.backup.manifest import BackupError
from portal.backup.restore import restore_backup
from portal.backup.snapshot import create_backup


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_command(directory):
    """Write a consistent backup (database, uploads, synonym table, manifest) into a new DIRECTORY."""
    try:
        data = create_backup(directory)
    except BackupError as error:
        raise click.ClickException(error.message) from error
    rows = sum(data["tables"].values())
    uploads = sum(1 for item in data["files"] if item["path"].startswith("uploads/"))
    click.echo(f"backup written to {directory}: {data['backend']} database "
               f"(revision {data['schema_revision'] or '-'}, {len(data['tables'])} tables, {rows} rows), "
               f"{uploads} uploaded files, manifest.json with SHA-256 of {len(data['files'])} files")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the data of an instance that is not empty.")
def restore_command(directory, force):
    """Check a backup's digests, restore it into this (empty) instance and rebuild the search index."""
    try:
        result = restore_backup(directory, force=force)
    except BackupError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"restored {sum(result.tables.values())} rows in {len(result.tables)} tables and "
               f"{result.files} uploaded files from {directory}; indexed {result.indexed.get('product', 0)} products "
               f"and {result.indexed.get('scenario', 0)} scenarios")
    for note in result.notes:
        click.echo(note)

"""`flask --app wsgi backup DIR` and `flask --app wsgi restore DIR`."""

from pathlib import Path

import click

from portal.backup.manifest import BackupError
from portal.backup.restore import restore_backup
from portal.backup.snapshot import create_backup


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--allow-missing", is_flag=True,
              help="Write a partial backup even though rows name files missing from UPLOAD_FOLDER "
                   "(the manifest lists them).")
def backup_command(directory, allow_missing):
    """Write a consistent backup (database with the synonym table, uploads, manifest) into a new DIRECTORY.

    Refuses when a row names a stored file that UPLOAD_FOLDER lacks, unless --allow-missing."""
    try:
        data = create_backup(directory, allow_missing=allow_missing)
    except BackupError as error:
        raise click.ClickException(error.message) from error
    rows = sum(data["tables"].values())
    uploads = sum(1 for item in data["files"] if item["path"].startswith("uploads/"))
    click.echo(f"backup written to {directory}: {data['backend']} database "
               f"(revision {data['schema_revision'] or '-'}, {len(data['tables'])} tables, {rows} rows), "
               f"{uploads} uploaded files, manifest.json with SHA-256 of {len(data['files'])} files")
    if data["missing_files"]:
        click.echo(f"PARTIAL backup: {len(data['missing_files'])} files named by rows were missing and are not in it:",
                   err=True)
        for item in data["missing_files"]:
            click.echo(f"  {item['stored_name']} ({item['display_name']}, {item['table']} #{item['row_id']})", err=True)


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the data of an instance that is not empty.")
@click.option("--allow-missing-files", is_flag=True,
              help="Restore even though rows of the backup name files that neither the backup nor UPLOAD_FOLDER "
                   "holds.")
def restore_command(directory, force, allow_missing_files):
    """Check a backup's digests, restore it into this (empty) instance and rebuild the search index.

    No file is deleted: files the restored rows name stay; other files not in the backup are moved to
    UPLOAD_FOLDER/.set-aside/."""
    try:
        result = restore_backup(directory, force=force, allow_missing_files=allow_missing_files)
    except BackupError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"restored {sum(result.tables.values())} rows in {len(result.tables)} tables and "
               f"{result.files} uploaded files from {directory}; indexed {result.indexed.get('product', 0)} products "
               f"and {result.indexed.get('scenario', 0)} scenarios")
    for note in result.notes:
        click.echo(note)

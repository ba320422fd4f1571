"""`flask --app wsgi import-products FILE`: load an official 首台（套）list, all or nothing."""

from pathlib import Path

import click
from flask_babel import gettext as _

from portal import search
from portal.catalogue import importer, operations, validity
from portal.errors import DomainError
from portal.extensions import db
from portal.search.cli import Progress


@click.command("import-products")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True,
              help="Import the valid rows and report the others, instead of importing nothing.")
@click.option("--validity-years", type=click.IntRange(validity.MIN_YEARS, validity.MAX_YEARS),
              default=validity.DEFAULT_YEARS, show_default=True,
              help="有效期（年）: years the list's recognitions count, from the end of each product's year.")
def import_products_command(file: Path, skip_invalid: bool, validity_years: int):
    """Import products from a CSV (UTF-8) or XLSX list; nothing is imported unless every row is valid."""
    result = importer.read(file.read_bytes(), file.name)
    for line, problem in result.problems:
        click.echo(_("第 %(n)d 行：%(problem)s", n=line, problem=problem) if line else problem, err=True)
    # A problem on line 0 or 1 (unreadable file, bad header) leaves no row to trust.
    whole_file = any(line <= 1 for line, _problem in result.problems)
    if not result.ok and (not skip_invalid or whole_file or not result.rows):
        raise click.ClickException(_("%(n)d 处错误，未导入任何产品。", n=len(result.problems)))
    if result.problems:
        click.echo(_("跳过 %(n)d 行有问题的数据，导入其余 %(rows)d 行。", n=len(result.problems),
                     rows=len(result.rows)), err=True)
    try:
        imported = operations.import_products(result.rows, None, source_name=file.name,
                                              progress=Progress(_("导入")), validity_years=validity_years)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    search.apply_pending()
    click.echo(_("新增 %(created)d 个，更新 %(updated)d 个，未变 %(unchanged)d 个；新建企业 %(orgs)d 家。",
                 created=len(imported.created), updated=len(imported.updated), unchanged=imported.unchanged,
                 orgs=imported.organizations))

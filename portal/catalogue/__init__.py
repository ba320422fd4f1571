from flask import Blueprint

bp = Blueprint("catalogue", __name__)
# A verified enterprise's own applications.
mine_bp = Blueprint("my_products", __name__)
# Departments and admins: the review queue; admins only: imports and the synonym table.
review_bp = Blueprint("product_review", __name__)
admin_bp = Blueprint("catalogue_admin", __name__)
# The search page over products and scenarios (its endpoint is search.search_page).
search_bp = Blueprint("search", __name__)


def init_app(app) -> None:
    """Products in search (documents and thesaurus), the import command, and matchmaking for templates."""
    from portal.catalogue import queries, search_documents
    from portal.catalogue.cli import import_products_command

    search_documents.register()
    app.cli.add_command(import_products_command)
    app.jinja_env.globals.update(related_products=queries.related_products,
                                 related_scenarios=queries.related_scenarios)

from flask import Blueprint

bp = Blueprint("catalogue", __name__)
# A verified enterprise's own applications.
mine_bp = Blueprint("my_products", __name__)
# Departments and admins: the review queue; admins only: imports and the synonym table.
review_bp = Blueprint("product_review", __name__)
admin_bp = Blueprint("catalogue_admin", __name__)



def init_app(app) -> None:
    """Catalogue and search commands, the index's after-request hook, and matchmaking for templates."""
    from portal import search
    from portal.catalogue import queries
    from portal.catalogue.cli import import_products_command
    from portal.search.cli import index_worker_command, reindex_command

    for command in (import_products_command, reindex_command, index_worker_command):
        app.cli.add_command(command)
    app.jinja_env.globals.update(related_products=queries.related_products,
                                 related_scenarios=queries.related_scenarios)
    search.init_app(app)


from portal.catalogue import routes  # noqa: E402,F401

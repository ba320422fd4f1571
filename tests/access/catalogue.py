"""Rows for the catalogue and search: public pages, an enterprise's applications, review, administration."""

from tests.access import FORBIDDEN, LOGIN, OK, admin_area, everyone


def verified_enterprise_area(owner=OK):
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "enterprise": owner}


def reviewers_area():
    """Departments (any of them) and admins review catalogue applications."""
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "department": OK, "other_department": OK, "admin": OK}


ROWS = {
    "catalogue.list_products": ("GET", {}, everyone(OK)),
    "catalogue.show_product": ("GET", {"product_id": "approved_product"}, everyone(OK)),
    "catalogue.show_enterprise": ("GET", {"org_id": "listed_enterprise"}, everyone(OK)),
    "catalogue.product_image": ("GET", {"product_id": "approved_product"}, everyone(OK)),
    "catalogue.product_brochure": ("GET", {"product_id": "approved_product"}, everyone(OK)),
    "my_products.my_products": ("GET", {}, verified_enterprise_area()),
    "my_products.new_product": ("GET", {}, verified_enterprise_area()),
    "my_products.edit_product": ("GET", {"product_id": "pending_product"}, verified_enterprise_area()),
    "product_review.queue": ("GET", {}, reviewers_area()),
    "product_review.approve": ("POST", {"product_id": "pending_product"}, reviewers_area()),
    "product_review.reject": ("POST", {"product_id": "pending_product"}, reviewers_area()),
    "product_review.revoke": ("POST", {"product_id": "approved_product"}, reviewers_area()),
    "product_review.classify": ("POST", {"product_id": "approved_product"}, reviewers_area()),
    "catalogue_admin.import_products": ("GET", {}, admin_area()),
    "catalogue_admin.edit_synonyms": ("GET", {}, admin_area()),
    "catalogue_admin.thesaurus": ("GET", {}, admin_area()),
    "catalogue_admin.delete_thesaurus_entry": ("POST", {"entry_id": "thesaurus_entry"}, admin_area()),
    "catalogue_admin.index_status": ("GET", {}, admin_area()),
    "catalogue_admin.rebuild_index": ("POST", {}, admin_area()),
    "catalogue_admin.correct_validity": ("POST", {"product_id": "approved_product"}, admin_area()),
    "search.search_page": ("GET", {"q": "热像仪"}, everyone(OK)),
    "api.list_products": ("GET", {"q": "热像仪"}, everyone(OK)),
}


def _product(world, state):
    from portal.accounts.models import Role
    from portal.catalogue import operations
    from tests.catalogue.conftest import PNG, product_fields, stored
    from tests.factories import MINIMAL_PDF

    db = world.fixture("db")
    admin = world.users["admin"]
    product = operations.apply_product(world.users["enterprise"], image=stored(PNG, "产品.png"),
                                       brochure=stored(MINIMAL_PDF, "产品手册.pdf"), **product_fields())
    if state == "approved":
        operations.approve_product(product, admin)
    db.session.commit()
    assert admin.role == Role.ADMIN
    return product.id


def _listed_enterprise(world):
    return world.users["enterprise"].organization_id


def _thesaurus_entry(world):
    from portal import search

    entry = search.add_thesaurus_entry("农业机械", ["插秧机", "收割机"], "hypernym", "测试")
    world.fixture("db").session.commit()
    return entry.id


BUILDERS = {
    "thesaurus_entry": _thesaurus_entry,
    "approved_product": lambda world: _product(world, "approved"),
    "pending_product": lambda world: _product(world, "pending"),
    "listed_enterprise": _listed_enterprise,
}

"""State changes of catalogue products. Each checks its rule, changes rows, audits, logs the search
change and flushes; the request (or CLI command) commits once."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit, permissions, search
from portal.accounts.models import Organization, OrgKind, Verification
from portal.catalogue import validity
from portal.catalogue.classify import classify
from portal.catalogue.lifecycle import ensure_transition
from portal.catalogue.models import Level, Product, ProductState, ProductType
from portal.catalogue.search_documents import PRODUCT
from portal.errors import InvalidInput, NotReady, PermissionDenied
from portal.extensions import db
from portal.search import synonyms
from portal.util import clock

PRODUCT_FIELDS = ("name", "model", "product_type", "sector", "category", "level", "year", "batch", "district",
                  "specs", "description", "cases")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您无权执行该操作。"))


def _clean(values: dict) -> dict:
    values = {k: v for k, v in values.items() if k in PRODUCT_FIELDS}
    for key in ("name", "model", "batch", "specs", "description", "cases"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if "product_type" in values:
        values["product_type"] = ProductType(values["product_type"])
    if "level" in values:
        values["level"] = Level(values["level"])
    if "district" in values:
        values["district"] = values["district"] or None
    if "year" in values:
        values["year"] = int(values["year"])
    return values


def _classified(values: dict) -> dict:
    """Fill 领域 and 类别 the values lack from the product's own words (portal/catalogue/classify.py)."""
    if values.get("sector") and values.get("category"):
        return values
    found = classify(values.get("name") or "", values.get("model") or "", values.get("specs") or "",
                     values.get("description") or "", product_type=getattr(values.get("product_type"), "value", None),
                     sector=values.get("sector") or None)
    return {**values, "sector": values.get("sector") or found.sector,
            "category": values.get("category") or found.category}


IMAGE_KINDS = frozenset({"png", "jpg"})
BROCHURE_KINDS = frozenset({"pdf"})


def _attach(product: Product, image, brochure) -> list[str]:
    """Point the product at newly stored files (checked by portal.uploads); return what changed."""
    changed = []
    if image is not None:
        if image.kind not in IMAGE_KINDS:
            raise NotReady(_("产品图片只能是 PNG 或 JPG 图片。"))
        product.image_stored_name, product.image_mimetype = image.stored_name, image.mimetype
        changed.append("image")
    if brochure is not None:
        if brochure.kind not in BROCHURE_KINDS:
            raise NotReady(_("产品手册只能是 PDF 文件。"))
        product.brochure_stored_name, product.brochure_mimetype = brochure.stored_name, brochure.mimetype
        product.brochure_display_name = brochure.display_name
        changed.append("brochure")
    return changed


def apply_product(actor, image=None, brochure=None, **values) -> Product:
    """Ask for a product of the actor's enterprise to be listed; it waits for approval."""
    _require(permissions.can_apply_product(actor))
    now = clock.now()
    values = _classified(_clean(values))
    product = Product(organization_id=actor.organization_id, submitted_by_id=actor.id, source="application",
                      state=ProductState.PENDING, created_at=now, updated_at=now,
                      valid_until=validity.valid_until(values["year"]), **values)
    _attach(product, image, brochure)
    db.session.add(product)
    db.session.flush()
    audit.record(actor, "product.apply", product, name=product.name)
    return product


def update_product(product: Product, actor, image=None, brochure=None, **values) -> Product:
    """Amend an application; a rejected one goes back to the reviewers."""
    _require(permissions.can_edit_product(actor, product))
    values = _clean(values)
    if "year" in values:  # an application's validity follows its year of recognition, by the default rule
        values["valid_until"] = validity.valid_until(values["year"])
    changed = _assign(product, values) + _attach(product, image, brochure)
    if product.state == ProductState.REJECTED:
        product.state = ensure_transition(product, "resubmit")
        product.reason = None
        product.decided_at = None
        product.decided_by_id = None
    audit.record(actor, "product.update", product, fields=changed)
    db.session.flush()
    return product


def _assign(product: Product, values: dict) -> list[str]:
    changed = [k for k, v in values.items() if getattr(product, k) != v]
    for key in changed:
        setattr(product, key, values[key])
    if changed:
        product.updated_at = clock.now()
    return changed


def classify_product(product: Product, actor, sector: str, category: str | None) -> Product:
    """Correct a product's 领域 and 类别; the correction is audited and reaches the index."""
    from portal.catalogue.classify import category as find_category
    from portal.reference import SECTORS

    _require(permissions.can_classify_product(actor, product))
    found = find_category(category)
    if sector not in SECTORS or (category and (found is None or found.sector != sector)):
        raise NotReady(_("领域与类别不匹配，请重新选择。"))
    before = {"sector": product.sector, "category": product.category}
    changed = _assign(product, {"sector": sector, "category": category or None})
    if changed:
        audit.record(actor, "product.classify", product, before=before,
                     after={"sector": product.sector, "category": product.category})
        search.record_change(PRODUCT, product.id)
    db.session.flush()
    return product


def correct_validity(product: Product, actor, valid_until) -> Product:
    """Set the last day a product's recognition counts, as an official notice says; audited. The next import of
    a list naming the product sets it again by that list's validity."""
    _require(permissions.can_correct_product_validity(actor, product))
    first, last = date(product.year, 1, 1), validity.valid_until(product.year, validity.MAX_YEARS)
    if not isinstance(valid_until, date) or not first <= valid_until <= last:
        raise InvalidInput(_("有效期至应在 %(first)s 到 %(last)s 之间（认定年度起 %(n)d 年内）。",
                             first=first.isoformat(), last=last.isoformat(), n=validity.MAX_YEARS))
    before = product.valid_until
    if _assign(product, {"valid_until": valid_until}):
        audit.record(actor, "product.validity", product, before=before.isoformat(), after=valid_until.isoformat())
    db.session.flush()
    return product


def approve_product(product: Product, actor) -> Product:
    """List a pending product in the public catalogue."""
    _require(permissions.can_review_product(actor, product))
    product.state = ensure_transition(product, "approve")
    now = clock.now()
    product.approved_at = now
    product.decided_at = now
    product.decided_by_id = actor.id
    product.reason = None
    audit.record(actor, "product.approve", product)
    search.record_change(PRODUCT, product.id)
    db.session.flush()
    return product


def reject_product(product: Product, actor, reason: str) -> Product:
    """Refuse an application with a reason the enterprise will see."""
    return _refuse(product, actor, reason, "reject")


def revoke_product(product: Product, actor, reason: str) -> Product:
    """Take an approved product out of the public catalogue, with a reason."""
    return _refuse(product, actor, reason, "revoke")


def _refuse(product: Product, actor, reason: str, action: str) -> Product:
    _require(permissions.can_review_product(actor, product))
    reason = (reason or "").strip()
    if not reason:
        raise NotReady(_("请填写原因。"))
    previous = product.state
    product.state = ensure_transition(product, action)
    product.reason = reason
    product.decided_at = clock.now()
    product.decided_by_id = actor.id
    audit.record(actor, f"product.{action}", product, previous=previous, reason=reason)
    if previous == ProductState.APPROVED:
        search.record_change(PRODUCT, product.id)
    db.session.flush()
    return product


@dataclass
class ImportResult:
    created: list[Product] = field(default_factory=list)
    updated: list[Product] = field(default_factory=list)
    unchanged: int = 0
    organizations: int = 0


def import_products(rows: list[dict], actor, source_name: str = "",
                    progress: Callable[[int, int], None] | None = None,
                    validity_years: int = validity.DEFAULT_YEARS) -> ImportResult:
    """Create or update the products of a checked official list; they are approved on import.

    A product is the same when its company (USCC, else name) and model (else name) are the same,
    so importing a list twice changes nothing the second time. Each product is valid for `validity_years`
    from its year of recognition (portal/catalogue/validity.py), as the list says.
    """
    from portal.catalogue.importer import identity

    # No actor: the operator at the command line.
    _require(actor is None or permissions.can_import_products(actor))
    if not validity.MIN_YEARS <= validity_years <= validity.MAX_YEARS:
        raise InvalidInput(_("有效期应为 %(low)d 到 %(high)d 年。", low=validity.MIN_YEARS, high=validity.MAX_YEARS))
    result = ImportResult()
    organizations = _organizations_for(rows, result)
    existing = {}
    for product in db.session.scalars(select(Product).where(
            Product.organization_id.in_({org.id for org in organizations.values()}))):
        existing[(product.organization_id, (product.model or product.name).replace(" ", "").lower())] = product
    now = clock.now()
    for done, row in enumerate(rows, start=1):
        org = organizations[row["uscc"] or row["company"]]
        product = existing.get((org.id, identity(row)[1]))
        values = _clean({**row, "product_type": row["type"]})
        values["valid_until"] = validity.valid_until(values["year"], validity_years)
        if product is None:
            values = _classified(values)
            product = Product(organization=org, source="import", state=ProductState.APPROVED, approved_at=now,
                              decided_at=now, decided_by_id=getattr(actor, "id", None), created_at=now,
                              updated_at=now, **values)
            db.session.add(product)
            existing[(org.id, identity(row)[1])] = product
            result.created.append(product)
        else:
            # What the list does not say is kept: a department's correction of 领域/类别 survives re-import.
            values = {k: v for k, v in values.items() if not (k in ("sector", "category") and v is None)}
            changed = _assign(product, values)
            if not changed:
                result.unchanged += 1
                continue
            result.updated.append(product)
        if progress and done < len(rows):
            progress(done, len(rows))
    db.session.flush()
    for product in result.created + result.updated:
        search.record_change(PRODUCT, product.id)
    audit.record(actor, "product.import", None, file=source_name, created=[p.id for p in result.created],
                 updated=[p.id for p in result.updated], unchanged=result.unchanged,
                 organizations=result.organizations, validity_years=validity_years)
    if progress:
        progress(len(rows), len(rows))
    db.session.flush()
    return result


def _organizations_for(rows: list[dict], result: ImportResult) -> dict[str, Organization]:
    """The enterprise of each row, found by USCC or name, created (as listed by the authority) if new."""
    usccs = {row["uscc"] for row in rows if row["uscc"]}
    names = {row["company"] for row in rows if row["company"]}
    found = db.session.scalars(select(Organization).where(
        Organization.kind == OrgKind.ENTERPRISE,
        (Organization.uscc.in_(usccs)) | (Organization.name.in_(names)))).all()
    by_uscc = {org.uscc: org for org in found if org.uscc}
    by_name = {org.name: org for org in found}
    organizations = {}
    now = clock.now()
    for row in rows:
        key = row["uscc"] or row["company"]
        if key in organizations:
            continue
        org = by_uscc.get(row["uscc"]) if row["uscc"] else None
        org = org or by_name.get(row["company"])
        if org is None:
            # Listed by the recognising authority: the enterprise exists even without a portal account.
            org = Organization(name=row["company"] or row["uscc"], uscc=row["uscc"] or None,
                               kind=OrgKind.ENTERPRISE, district=row["district"] or None,
                               verification=Verification.VERIFIED, verified_at=now, created_at=now)
            db.session.add(org)
            result.organizations += 1
            by_name[org.name] = org
            if org.uscc:
                by_uscc[org.uscc] = org
        organizations[key] = org
    db.session.flush()
    return organizations


def save_synonyms(actor, text: str) -> int:
    """Replace the administrators' synonym table, kept in the database so every node's next search uses it;
    return the number of groups. A malformed line is refused (InvalidInput naming the line), nothing saved."""
    _require(permissions.can_administer(actor))
    text = (text or "").replace("\r\n", "\n")
    try:
        synonyms.parse(text)
    except synonyms.SynonymError as error:
        raise InvalidInput(str(error)) from error
    search.save_synonym_table(text, by_id=actor.id)
    lines = synonyms.count_lines(text)
    audit.record(actor, "search.synonyms", None, groups=lines)
    return lines


def add_thesaurus_entry(actor, term: str, expands: list[str], kind: str, source: str = ""):
    """Add an administrator's thesaurus entry; every node's search uses it from its next query."""
    _require(permissions.can_administer(actor))
    try:
        entry = search.add_thesaurus_entry(term, expands, kind, source)
    except search.thesaurus.ThesaurusError as error:
        raise InvalidInput(str(error)) from error
    audit.record(actor, "search.thesaurus_add", None, entry=entry.id, term=entry.term, kind=entry.kind,
                 expands=entry.expansions)
    return entry


def delete_thesaurus_entry(actor, entry_id: int) -> None:
    """Remove an administrator's thesaurus entry."""
    _require(permissions.can_administer(actor))
    entry = search.delete_thesaurus_entry(entry_id)
    if entry is None:
        raise InvalidInput(_("该扩展词条不存在或已删除。"))
    audit.record(actor, "search.thesaurus_delete", None, entry=entry_id, term=entry.term, kind=entry.kind)


def rebuild_index(actor) -> bool:
    """Have the search index rebuilt from the database (the index is a projection, never a source): by every
    node's worker (False: requested), or here when requests keep the index themselves (True: rebuilt)."""
    _require(permissions.can_administer(actor))
    done = search.request_rebuild()
    audit.record(actor, "search.rebuild", None, rebuilt=done)
    db.session.flush()
    return done

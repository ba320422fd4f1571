"""领域 and 类别 of a product from its own words, by the keywords of taxonomy.toml.

Official lists often give no field, or give only a province's heading; the catalogue still needs a
sector for its facets and a category a buyer recognizes. `classify` is pure: the same text always
gives the same answer, and nothing here touches the database.
"""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from portal.reference import SECTORS

PATH = Path(__file__).with_name("taxonomy.toml")
# A keyword in the name says more than one in the description.
FIELD_WEIGHTS = (("name", 3), ("model", 1), ("specs", 1), ("description", 1))
SOFTWARE = frozenset({"industrial_software", "basic_software", "security_software", "platform_software"})
MATERIALS = frozenset({"metal_materials", "chemical_materials", "fiber_composites", "semiconductor_materials",
                       "energy_materials", "frontier_materials"})


class TaxonomyError(ValueError):
    """taxonomy.toml is malformed; the message says where."""


@dataclass(frozen=True)
class Category:
    code: str
    sector: str
    label: str
    label_en: str
    keywords: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Classification:
    sector: str
    category: str | None


def parse(text: str) -> tuple[Category, ...]:
    """Read and check the taxonomy: known sector codes, unique category codes, keywords present."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TaxonomyError(f"taxonomy.toml: not valid TOML: {error}") from error
    categories, codes = [], set()
    for sector in data.get("sector", []):
        code = sector.get("code")
        if code not in SECTORS:
            raise TaxonomyError(f"taxonomy.toml: sector {code!r} is not one of {sorted(SECTORS)}")
        for raw in sector.get("category", []):
            missing = {"code", "label", "label_en", "keywords", "source"} - raw.keys()
            if missing:
                raise TaxonomyError(f"taxonomy.toml: category {raw.get('code')!r} lacks {sorted(missing)}")
            if raw["code"] in codes:
                raise TaxonomyError(f"taxonomy.toml: category {raw['code']!r} appears twice")
            if not raw["keywords"] or not all(isinstance(k, str) and k.strip() for k in raw["keywords"]):
                raise TaxonomyError(f"taxonomy.toml: category {raw['code']!r} needs non-empty keywords")
            codes.add(raw["code"])
            categories.append(Category(raw["code"], code, raw["label"], raw["label_en"], tuple(raw["keywords"]),
                                       raw["source"]))
    if not categories:
        raise TaxonomyError("taxonomy.toml: no categories")
    return tuple(categories)


@cache
def taxonomy() -> tuple[Category, ...]:
    return parse(PATH.read_text(encoding="utf-8"))


@cache
def by_code() -> dict[str, Category]:
    return {c.code: c for c in taxonomy()}


def category(code: str | None) -> Category | None:
    return by_code().get(code) if code else None


def choices(sector: str | None = None) -> list[tuple[str, str]]:
    """(code, label) of the categories, of one sector when given."""
    return [(c.code, c.label) for c in taxonomy() if sector is None or c.sector == sector]


@cache
def _pattern(keyword: str) -> re.Pattern:
    # Latin abbreviations match as whole words (CT is not in "CTO"); Chinese has no word boundaries.
    if keyword.isascii():
        return re.compile(rf"(?<![A-Za-z]){re.escape(keyword)}(?![A-Za-z])", re.IGNORECASE)
    return re.compile(re.escape(keyword))


def _candidates(product_type: str | None, sector: str | None) -> list[Category]:
    chosen = [c for c in taxonomy() if sector is None or c.sector == sector]
    if product_type == "software":
        return [c for c in chosen if c.code in SOFTWARE or c.sector != "other"]
    if product_type == "material":
        return [c for c in chosen if c.code in MATERIALS]
    return [c for c in chosen if c.code not in SOFTWARE | MATERIALS]


def score(category_: Category, texts: dict[str, str]) -> int:
    """How strongly the texts speak of a category: longer keywords and the name count more."""
    total = 0
    for field, weight in FIELD_WEIGHTS:
        text = texts.get(field) or ""
        total += sum(weight * min(len(k), 4) for k in category_.keywords if _pattern(k).search(text))
    return total


def classify(name: str, model: str = "", specs: str = "", description: str = "", *,
             product_type: str | None = None, sector: str | None = None) -> Classification:
    """The (领域, 类别) the words fit best; a given sector is kept and only its categories are tried.

    With no keyword found the category is None and the sector is the given one, else 其他/多元.
    """
    texts = {"name": name, "model": model, "specs": specs, "description": description}
    best, best_score = None, 0
    for candidate in _candidates(product_type, sector if sector in SECTORS else None):
        points = score(candidate, texts)
        if points > best_score:  # ties keep the earlier category: the file's order is the priority
            best, best_score = candidate, points
    if best is None:
        return Classification(sector if sector in SECTORS else "other", None)
    return Classification(best.sector, best.code)

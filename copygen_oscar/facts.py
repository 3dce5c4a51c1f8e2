"""Product -> facts: the only picture of a product that prompts, the guard and staleness checks see.

Everything the model may state must come from here, so the record is typed (numbers stay numbers, with units),
cleaned (no HTML, bounded lengths) and stable (the same catalogue data always hashes the same).
"""

import hashlib
import html
import json
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from oscar.core.loading import get_class

MAX_TEXT = 300  # characters kept of one attribute or option value
MAX_DESCRIPTION = 2000  # characters kept of the existing description

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_UNIT_IN_NAME = re.compile(r"^(?P<name>.*?)\s*\((?P<unit>[^)]+)\)\s*$")
# Spelled-out units folded to the symbol a shopper reads on a spec sheet.
UNIT_ALIASES = {
    "grams": "g", "gram": "g", "kilograms": "kg", "kilogram": "kg", "millimetres": "mm", "millimeters": "mm",
    "metres": "m", "meters": "m", "metre": "m", "centimetres": "cm", "centimeters": "cm", "litres": "l", "liters": "l", "millilitres": "ml",
    "milliliters": "ml", "watts": "W", "watt": "W", "w": "W", "hours": "h", "hour": "h", "hrs": "h",
    "mah": "mAh", "inches": "in", "inch": "in",
}


class EmptyFacts(ValueError):
    """The product has nothing to write about (no title and no attributes)."""


@dataclass
class Attribute:
    code: str
    name: str
    type: str
    value: object
    unit: str = ""

    def as_text(self):
        value = self.value
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        return f"{value} {self.unit}".strip() if self.unit else str(value)


@dataclass
class ProductFacts:
    title: str
    product_class: str = ""
    categories: list = field(default_factory=list)  # breadcrumb strings, "Clothing > Tops"
    attributes: list = field(default_factory=list)  # [Attribute]
    options: list = field(default_factory=list)  # names of options a shopper chooses (e.g. engraving)
    price: str = ""  # decimal as string, incl. tax when known
    currency: str = ""
    in_stock: bool | None = None
    brand: str = ""
    is_child: bool = False
    parent_title: str = ""
    description: str = ""  # existing copy: context, not a source of truth for the hash
    meta_title: str = ""
    meta_description: str = ""

    # The copy fields are outputs of this project: hashing them would make publishing copy mark it stale.
    COPY_FIELDS = ("description", "meta_title", "meta_description")

    def as_dict(self):
        return asdict(self)

    @property
    def hash(self):
        data = {k: v for k, v in self.as_dict().items() if k not in self.COPY_FIELDS}
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def attribute(self, code):
        return next((a for a in self.attributes if a.code == code), None)


def clean_text(value, limit=MAX_TEXT):
    """Strip tags and entities, collapse whitespace, bound the length on a word boundary."""
    # Tags go before and after unescaping: "&lt;script&gt;" is markup too, once unescaped.
    text = _SPACE.sub(" ", _TAG.sub(" ", html.unescape(_TAG.sub(" ", str(value or ""))))).strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:-") + "…"
    return text


def split_unit(name, code=""):
    """'Weight (grams)' -> ('Weight', 'g'); units written into the attribute name are the store's own."""
    match = _UNIT_IN_NAME.match(name or "")
    if not match:
        return clean_text(name), ""
    unit = match.group("unit").strip()
    return clean_text(match.group("name")), UNIT_ALIASES.get(unit.lower(), unit)


def _typed_value(value_obj):
    attribute = value_obj.attribute
    value = value_obj.value
    if value is None or value == "":
        return None
    kind = attribute.type
    if kind == attribute.BOOLEAN:
        return bool(value)
    if kind == attribute.INTEGER:
        return int(value)
    if kind == attribute.FLOAT:
        return float(value)
    if kind == attribute.MULTI_OPTION:
        return [clean_text(str(v)) for v in value] or None
    if kind in (attribute.FILE, attribute.IMAGE, attribute.ENTITY):
        return None  # not something copy can state
    if kind in (attribute.DATE, attribute.DATETIME):
        return value.isoformat()
    text = clean_text(str(value))
    return text or None


def product_facts(product, strategy=None, category_paths=None):
    """Build the facts record of an Oscar product (a child inherits what it does not override).

    ``category_paths`` (category pk -> "A > B > C") may be shared over many products: each path costs a query.
    """
    category_paths = {} if category_paths is None else category_paths
    attributes = []
    brand = ""
    values = product.get_attribute_values()
    if not isinstance(values, list):  # not prefetched: one query instead of one per value
        values = values.select_related("attribute")
    for value_obj in sorted(values, key=lambda v: v.attribute.code):
        value = _typed_value(value_obj)
        if value is None:
            continue
        name, unit = split_unit(value_obj.attribute.name)
        attr = Attribute(code=value_obj.attribute.code, name=name, type=value_obj.attribute.type, value=value, unit=unit)
        if attr.code == "brand":
            brand = attr.as_text()
        attributes.append(attr)

    product_class = product.get_product_class()
    options = []
    if product_class is not None:
        options.extend(o.name for o in product_class.options.all())
    options.extend(o.name for o in product.product_options.all())

    own_categories = list(product.get_categories())
    for category in own_categories:
        if category.pk not in category_paths:
            category_paths[category.pk] = " > ".join(clean_text(c.name) for c in category.get_ancestors_and_self())
    categories = sorted(category_paths[category.pk] for category in own_categories)

    price, currency, in_stock = "", "", None
    if strategy is None:
        strategy = get_class("partner.strategy", "Selector")().strategy()
    if not product.is_parent:
        info = strategy.fetch_for_product(product)
        if info.price.exists:
            amount = info.price.incl_tax if info.price.is_tax_known else info.price.excl_tax
            price = str(Decimal(amount).quantize(Decimal("0.01")))
            currency = info.price.currency or ""
        in_stock = bool(info.availability.is_available_to_buy)

    facts = ProductFacts(
        title=clean_text(product.get_title(), 200),
        product_class=clean_text(product_class.name if product_class else ""),
        categories=categories,
        attributes=attributes,
        options=sorted(set(clean_text(o) for o in options)),
        price=price,
        currency=currency,
        in_stock=in_stock,
        brand=brand,
        is_child=product.is_child,
        parent_title=clean_text(product.parent.title, 200) if product.is_child else "",
        description=clean_text(product.description, MAX_DESCRIPTION),
        meta_title=clean_text(product.meta_title, 200),
        meta_description=clean_text(product.meta_description, 500),
    )
    if not facts.title and not facts.attributes:
        raise EmptyFacts("The product has no title and no attribute values, so there is nothing true to write.")
    return facts


def facts_text(facts):
    """One line per fact, in a fixed order: the exact form the model is trained and prompted with."""
    lines = [f"Product: {facts.title}"]
    if facts.product_class:
        lines.append(f"Type: {facts.product_class}")
    if facts.categories:
        lines.append(f"Category: {facts.categories[0]}")
    if facts.brand:
        lines.append(f"Brand: {facts.brand}")
    for attr in facts.attributes:
        if attr.code != "brand":
            lines.append(f"{attr.name}: {attr.as_text()}")
    if facts.options:
        lines.append(f"Options: {', '.join(facts.options)}")
    if facts.price:
        lines.append(f"Price: {facts.price} {facts.currency}".rstrip())
    return "\n".join(lines)

"""Training examples from a CSV or JSONL file of products with human-written copy, through a column mapping.

``file_examples(path, columns, kinds)`` reads the file, turns each row into ``ProductFacts`` (cleaned the way
``facts.product_facts`` cleans a catalogue product) and the row's description into training targets (cleaned by
``training.cleaning``; the short kinds cut from it by ``training.targets``), and returns the examples with a
``DropReport``. A file that cannot be read as asked stops with one ``TrainingDataError`` naming the problem; a row
that is bad on its own (no title, no description) is dropped and counted.

The mapping is our field -> the file's column (``parse_columns`` reads it from the command line):

=============  =========  ====================================================================================
field          needed     the column holds
=============  =========  ====================================================================================
title          required   the product name
description    required   the human-written copy: the target (a JSON list is read as one paragraph per item)
brand          optional   the brand or manufacturer
category       optional   a breadcrumb, "Toys > Games > Puzzles" or "Toys | Games | Puzzles"
price          optional   "19.99", "$19.99", "£4.99", "19.99 EUR" (a range such as "$5 - $9" is no price)
currency       optional   a column of ISO codes, or a literal code ("currency=GBP") when the file has no such
                          column; otherwise taken from the price's symbol
product_class  optional   the product type
attributes     optional   specifications: "Name: value | Name: value" (or one per line), a JSON object, or a
                          JSON list of "Name: value" strings. "Weight (g): 250" is 250 with the unit g, as
                          facts.split_unit reads catalogue attribute names; "Weight: 250 g" is read the same.
=============  =========  ====================================================================================

A required field left out of the mapping is read from a column of the same name ("title", "description").

Recommended mappings for the real sets in ``../shared/datasets`` (``PRESETS``; ``parse_columns`` accepts the name):

* ``AMAZON_US_2020`` (amazon_us_2020_products/products.jsonl): title, the long ``description`` as the target,
  ``category_path`` as the category, ``selling_price`` in USD and the ``specifications`` string as attributes (its
  shipping, ASIN, rank and availability entries are dropped as marketplace furniture; its de-spaced entries such
  as "ItemWeight:0.8ounces" are re-spaced). The set has no brand column. ``feature_bullets`` is not mapped: it is
  the sellers' own bullet list, not a description.
* ``AMAZON_UK_TOYS`` (amazon_uk_toys/products.csv): title, brand, ``category_path``, ``price_gbp`` in GBP and the
  description. ``tech_details`` is not mapped: it has no separators between its entries.

Files: ``.csv`` / ``.tsv`` (header row required; the delimiter is sniffed), ``.jsonl`` / ``.ndjson`` / ``.json``
(one object per line; a ``.json`` file holding one array of objects is read too), each optionally ``.gz``. The
text must be UTF-8 (a byte-order mark is allowed). Sources are "name:line" (CSV: the line the record starts on).
"""

import csv
import gzip
import io
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..facts import UNIT_ALIASES, Attribute, ProductFacts, clean_text, split_unit
from ..kinds import get_kind
from .cleaning import EMPTY_TARGET, EMPTY_TITLE, DropReport, clean_examples, clean_target, scrub_fragment
from .data import Example
from .loop import TrainingError
from .targets import targets

REQUIRED = ("title", "description")
OPTIONAL = ("brand", "category", "price", "currency", "product_class", "attributes")
FIELDS = REQUIRED + OPTIONAL

AMAZON_US_2020 = {
    "title": "title",
    "description": "description",
    "category": "category_path",
    "price": "selling_price",
    "currency": "USD",
    "attributes": "specifications",
}
AMAZON_UK_TOYS = {
    "title": "title",
    "description": "description",
    "brand": "brand",
    "category": "category_path",
    "price": "price_gbp",
    "currency": "GBP",
}
PRESETS = {"amazon_us_2020": AMAZON_US_2020, "amazon_uk_toys": AMAZON_UK_TOYS}

CSV_SUFFIXES = (".csv", ".tsv")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
MAX_TITLE = 200
MAX_ATTRIBUTES = 30
SNIFF_BYTES = 64 * 1024
MAX_FIELD = 10 * 1024 * 1024  # characters of one CSV field

# Row-level drop reasons (file-level problems raise TrainingDataError instead).
WRONG_FIELD_COUNT = "wrong number of CSV fields"
NO_TARGET_FOR_KIND = "no {kind} target in the description"

_CURRENCY_SYMBOLS = {"$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY"}
_CURRENCY = r"[$£€¥]|USD|GBP|EUR|JPY|CAD|AUD"
_PRICE = re.compile(
    rf"^\s*(?P<pre>{_CURRENCY})?\s*(?P<amount>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d.,]|\s+\d)"
    rf"\s*(?P<post>{_CURRENCY})?"
)
_PRICE_RANGE = re.compile(r"\d\s*(?:-|–|to)\s*(?:[$£€¥]\s*)?\d")
_CRUMB_SEPARATOR = re.compile(r"\s*(?:>|\||›|»)\s*")
_ISO_CURRENCY = re.compile(r"^[A-Z]{3}$")

# Specification entries that describe the marketplace, not the product.
_JUNK_SPECS = {
    "asin", "shippingweight", "domesticshipping", "internationalshipping", "shippingadvisory", "shippinginformation",
    "datefirstavailable", "datefirstlistedonamazon", "californiaresidents", "discontinuedbymanufacturer", "pricing",
    "bestsellersrank", "amazonbestsellersrank", "customerreviews", "averagecustomerreview", "upc", "ean", "isbn",
    "media", "deliverydestinations", "returns", "url", "producturl",
}
# Spec names whose spaces a scrape removed ("ItemWeight"), spelled as the marketplace prints them.
_SPEC_NAMES = {
    "productdimensions": "Product Dimensions", "packagedimensions": "Package Dimensions", "itemweight": "Item Weight",
    "itemmodelnumber": "Item model number", "manufacturerrecommendedage": "Manufacturer recommended age",
    "manufacturerpartnumber": "Manufacturer Part Number", "batteries": "Batteries", "department": "Department",
    "releasedate": "Release date", "manufacturer": "Manufacturer", "numberofitems": "Number of items",
    "numberofpieces": "Number of pieces", "materialtype": "Material type", "colour": "Colour", "color": "Color",
    "size": "Size", "brand": "Brand", "brandname": "Brand",
}
# Words a de-spaced value ran together ("14yearsandup", "3AAbatteriesrequired.(included)").
_JOINED_WORDS = [(re.compile(p), r) for p, r in (
    (r"(?<=[a-z])andup\b", " and up"), (r"(?<=\w)(batteries|battery)(?=required|included|\b)", r" \1"),
    (r"(?<=[a-z])(required|included)", r" \1"), (r"\)\(|\.\(", lambda m: m.group()[0] + " ("),
)]
_NUMBER_UNIT = re.compile(r"^(?P<number>-?\d+(?:\.\d+)?)\s*(?P<unit>[A-Za-z]{1,12})$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_UNITS = {u.lower() for u in UNIT_ALIASES} | {u.lower() for u in UNIT_ALIASES.values()} | {
    "oz", "ounce", "ounces", "lb", "lbs", "pound", "pounds", "cm", "mm", "m", "km", "g", "kg", "mg", "ml", "l", "in",
    "ft", "feet", "foot", "yd", "v", "w", "kw", "mah", "h", "min", "hz", "gb", "tb", "mb",
}


class TrainingDataError(TrainingError, ValueError):
    """A data file cannot be read as asked (missing, empty, not UTF-8, malformed, wrong mapping); the message says
    which file, where and what."""


def parse_columns(text):
    """"title=Product Name,description=About Product" (or a preset name such as "amazon_us_2020") -> mapping.

    Field names are ours (``FIELDS``); column names are the file's, kept as written (spaces inside are fine).
    """
    text = (text or "").strip()
    if not text:
        return {}
    if text.lower() in PRESETS:
        return dict(PRESETS[text.lower()])
    mapping = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, column = part.partition("=")
        name, column = name.strip().lower(), column.strip()
        if not sep or not name or not column:
            raise TrainingDataError(f"Column mapping entry {part.strip()!r} is not field=column "
                                    f"(e.g. 'title=Product Name,description=About Product').")
        if name not in FIELDS:
            raise TrainingDataError(f"Unknown field {name!r} in the column mapping; fields are {', '.join(FIELDS)}"
                                    f" (presets: {', '.join(PRESETS)}).")
        if name in mapping:
            raise TrainingDataError(f"Field {name!r} is mapped twice in the column mapping.")
        mapping[name] = column
    return mapping


def _read_text(path):
    """The file's text: checked to exist, be non-empty and be UTF-8 (gzip-compressed when it ends in .gz)."""
    if not path.exists():
        raise TrainingDataError(f"Data file {path} does not exist.")
    if not path.is_file():
        raise TrainingDataError(f"Data file {path} is not a file.")
    data = path.read_bytes()
    if path.suffix.lower() == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise TrainingDataError(f"Data file {path.name} ends in .gz but is not readable gzip data ({exc}).") \
                from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise TrainingDataError(
            f"Data file {path.name} is not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            f"(line {line}, column {column}). Save it as UTF-8 and try again."
        ) from None
    if not text.strip():
        raise TrainingDataError(f"Data file {path.name} is empty.")
    return text


def _format(path):
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    suffix = suffixes[-1] if suffixes else ""
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in JSON_SUFFIXES:
        return "json"
    raise TrainingDataError(f"Data file {path.name}: unknown format {suffix or '(no extension)'!r}; use "
                            f"{', '.join(CSV_SUFFIXES + JSON_SUFFIXES)} (optionally .gz).")


def _csv_records(name, text, report):
    # The delimiter is sniffed from the header line alone: quoted multi-line descriptions confuse the sniffer,
    # and everything else (quotes, doubled quotes) is the ordinary CSV dialect.
    first = text[:SNIFF_BYTES].split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = "\t" if name.lower().removesuffix(".gz").endswith(".tsv") else ","
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise TrainingDataError(f"Data file {name} has no header row.") from None
    except csv.Error as exc:
        raise TrainingDataError(f"Data file {name}, line 1: not readable as CSV ({exc}).") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise TrainingDataError(f"Data file {name} has no header row (its first line is empty).")
    start = reader.line_num + 1
    records = []
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            report.read += 1
            if len(row) != len(header):
                report.drop(WRONG_FIELD_COUNT, f"{name}:{line}",
                            f"{len(row)} fields, the header has {len(header)}")
                continue
            records.append((line, dict(zip(header, row))))
    except csv.Error as exc:
        raise TrainingDataError(f"Data file {name}, line {reader.line_num}: not readable as CSV ({exc}).") from None
    return header, records


def _json_records(name, text, report):
    records, keys = [], {}
    stripped = text.lstrip()
    if name.lower().removesuffix(".gz").endswith(".json") and stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TrainingDataError(f"Data file {name}: not valid JSON ({exc.msg} at line {exc.lineno}, column "
                                    f"{exc.colno}).") from None
        numbered = list(enumerate(items, start=1))
        where = "item"
    else:
        numbered = []
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                numbered.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise TrainingDataError(f"Data file {name}, line {number}: not valid JSON ({exc.msg} at column "
                                        f"{exc.colno}).") from None
        where = "line"
    for number, item in numbered:
        if not isinstance(item, dict):
            raise TrainingDataError(f"Data file {name}, {where} {number}: a JSON object was expected, found "
                                    f"{type(item).__name__}.")
        report.read += 1
        keys.update(dict.fromkeys(item))
        records.append((number, item))
    return list(keys), records


def _resolve(columns, header, name):
    """Our field -> the file's column, checked against the columns the file has; literal currency codes kept."""
    columns = dict(columns or {})
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise TrainingDataError(f"Unknown field(s) {', '.join(unknown)} in the column mapping; fields are "
                                f"{', '.join(FIELDS)}.")
    available = set(header)
    shown = ", ".join(repr(h) for h in header) or "(none)"
    for field in REQUIRED:
        columns.setdefault(field, field)
    literal_currency = None
    if "currency" in columns and columns["currency"] not in available and _ISO_CURRENCY.match(columns["currency"]):
        literal_currency = columns.pop("currency")
    missing = [f"{field}={column!r}" for field, column in columns.items() if column not in available]
    if missing:
        if all(columns[f] not in available for f in REQUIRED) and _looks_like_data(header):
            raise TrainingDataError(f"Data file {name} seems to have no header row: none of the mapped columns "
                                    f"({', '.join(missing)}) is there and its first line looks like data "
                                    f"({shown[:200]}). Add a header row naming the columns.")
        raise TrainingDataError(f"Data file {name} has no column for {', '.join(missing)}; its columns are "
                                f"{shown}.")
    return columns, literal_currency


def _looks_like_data(header):
    """A CSV "header" whose cells are long, empty, repeated or numbers is a data row."""
    cells = [h for h in header if h is not None]
    return bool(cells) and (any(len(c) > 60 or not c or _NUMBER.match(c.replace(",", "")) for c in cells)
                            or len(set(cells)) < len(cells))


def _text(value):
    """A cell as text: lists become one line per item, numbers their usual form, None nothing."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value if _text(v))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def parse_price(value):
    """(price as "0.00", ISO currency or "") from "$19.99", "£4.99", "19.99 EUR"...; ("", "") for no clear price."""
    text = clean_text(_text(value))
    if not text or _PRICE_RANGE.search(text):
        return "", ""
    match = _PRICE.match(text)
    if not match:
        return "", ""
    try:
        amount = Decimal(match.group("amount").replace(",", ""))
    except InvalidOperation:
        return "", ""
    if amount <= 0:
        return "", ""
    symbol = match.group("pre") or match.group("post") or ""
    return str(amount.quantize(Decimal("0.01"))), _CURRENCY_SYMBOLS.get(symbol, symbol)


def parse_categories(value):
    crumbs = [clean_text(c) for c in _CRUMB_SEPARATOR.split(clean_text(_text(value)))]
    crumbs = [c for c in crumbs if c]
    return [" > ".join(crumbs)] if crumbs else []


def _respace(text):
    """Undo a scrape that removed spaces: "10x7x3inches" -> "10 x 7 x 3 inches", "14yearsandup" -> "14 years and up"."""
    text = re.sub(r"(?<=\d)x(?=\d)", " x ", text)
    text = re.sub(r"(?<=[\d)])(?=[A-Za-z]{2,})", " ", text)
    text = re.sub(r"(?<=[a-z])-(?=\d)", " - ", text)
    text = re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", " ", text)
    for pattern, replacement in _JOINED_WORDS:
        text = pattern.sub(replacement, text)
    return text


def _spec_pairs(value):
    """(name, value) pairs from a JSON object, a JSON list of "Name: value", or "Name: value | Name: value"."""
    if isinstance(value, str) and value.strip().startswith(("{", "[")):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    parts = value if isinstance(value, list) else re.split(r"\s*[|\n]\s*", _text(value))
    pairs = []
    for part in parts:
        name, sep, text = _text(part).partition(":")
        if sep and name.strip() and text.strip():
            pairs.append((name, text))
    return pairs


def _attribute_code(name):
    code = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return code if code[:1].isalpha() else f"a_{code}" if code else ""


def parse_attributes(value, changes=None):
    """[Attribute] from a specifications cell (see the module docstring), sorted by code like product_facts."""
    attributes, codes = [], set()
    for raw_name, raw_value in _spec_pairs(value):
        name_text = clean_text(raw_name, 80)
        squeezed = re.sub(r"[\s_]+", "", name_text).lower()
        if not squeezed or squeezed in _JUNK_SPECS or squeezed.startswith("#"):
            continue
        if " " not in name_text:  # "ItemWeight", "Itemmodelnumber": a scrape removed the spaces
            name_text = _SPEC_NAMES.get(squeezed) or _respace(name_text)
        name, unit = split_unit(name_text)
        if isinstance(raw_value, bool):
            typed, kind = raw_value, "boolean"
        elif isinstance(raw_value, (int, float)):
            typed, kind = raw_value, "integer" if isinstance(raw_value, int) else "float"
        elif isinstance(raw_value, list):
            typed = [v for v in (scrub_fragment(clean_text(_text(v)), changes) for v in raw_value) if v] or None
            kind = "multi_option"
        else:
            text = clean_text(_text(raw_value))
            if text and " " not in text:
                text = clean_text(_respace(text))
            text = scrub_fragment(text, changes)
            typed, kind = text, "text"
            number = _NUMBER_UNIT.match(text) if not unit else None
            if number and number.group("unit").lower() in _UNITS:
                text, unit = number.group("number"), UNIT_ALIASES.get(number.group("unit").lower(),
                                                                       number.group("unit"))
            if unit and _NUMBER.match(text):
                typed, kind = (float(text), "float") if "." in text else (int(text), "integer")
        code = _attribute_code(name)
        if not name or not code or code in codes or typed in ("", None):
            continue
        codes.add(code)
        attributes.append(Attribute(code=code, name=name, type=kind, value=typed, unit=unit))
        if len(attributes) >= MAX_ATTRIBUTES:
            break
    return sorted(attributes, key=lambda a: a.code)


def row_facts(row, columns, currency="", changes=None):
    """ProductFacts of one row, cleaned like facts.product_facts (no HTML, bounded lengths, typed attributes)."""
    def cell(field):
        return row.get(columns[field]) if field in columns else None

    title = clean_text(scrub_fragment(clean_text(_text(cell("title")), 10 * MAX_TITLE), changes), MAX_TITLE)
    attributes = parse_attributes(cell("attributes"), changes) if "attributes" in columns else []
    brand = clean_text(_text(cell("brand")))
    if brand:
        attributes = sorted([a for a in attributes if a.code != "brand"]
                            + [Attribute(code="brand", name="Brand", type="text", value=brand)], key=lambda a: a.code)
    else:
        found = next((a for a in attributes if a.code == "brand"), None)
        brand = found.as_text() if found else ""
    price, price_currency = parse_price(cell("price")) if "price" in columns else ("", "")
    if "currency" in columns:
        currency = clean_text(_text(cell("currency")), 8).upper() or currency
    return ProductFacts(
        title=title,
        product_class=clean_text(_text(cell("product_class"))),
        categories=parse_categories(cell("category")) if "category" in columns else [],
        attributes=attributes,
        price=price,
        currency=(currency or price_currency) if price else "",
        brand=brand,
    )


def file_examples(path, columns, kinds=("description",), min_chars=None):
    """(examples, DropReport) from a CSV or JSONL file of products with human copy (see the module docstring).

    Each usable row gives one example per requested kind it can teach (the short kinds' targets are cut from the
    cleaned description by ``training.targets``); every example then goes through ``cleaning.clean_examples``
    (too short, duplicate, unparsable). The facts carry no description: the target never reaches a prompt.
    Raises ``TrainingDataError`` for a file that cannot be used at all, including one with no usable row.
    """
    path = Path(path)
    try:
        copy_kinds = [get_kind(kind).name for kind in kinds]
    except ValueError as exc:
        raise TrainingDataError(str(exc)) from None
    if not copy_kinds:
        raise TrainingDataError("No copy kinds asked for.")
    text = _read_text(path)
    fmt = _format(path)
    report = DropReport(unit="rows")
    header, records = (_csv_records if fmt == "csv" else _json_records)(path.name, text, report)
    if not records and not report.read:
        raise TrainingDataError(f"Data file {path.name} has a header but no rows." if fmt == "csv"
                                else f"Data file {path.name} has no records.")
    columns, currency = _resolve(columns, header, path.name)

    examples = []
    for line, row in records:
        source = f"{path.name}:{line}"
        facts = row_facts(row, columns, currency or "", report.changes)
        if not facts.title:
            report.drop(EMPTY_TITLE, source, _text(row.get(columns["description"])))
            continue
        raw = _text(row.get(columns["description"]))
        description = clean_target(raw, report.changes)
        if not description:
            report.drop(EMPTY_TARGET if not raw.strip() else "description empty after cleaning", source, raw)
            continue
        by_kind = targets(description, facts)
        for kind in copy_kinds:
            if kind in by_kind:
                examples.append(Example(facts, kind, by_kind[kind], source))
            else:
                report.drop(NO_TARGET_FOR_KIND.format(kind=kind), source, facts.title)
    kept, cleaned = clean_examples(examples, min_chars=min_chars)
    report.merge(cleaned)
    if not kept:
        summary = "; ".join(f"{reason}: {count}" for reason, count in report.dropped.most_common()) or "no rows"
        raise TrainingDataError(f"Data file {path.name} has no usable rows ({report.read} read; {summary}).")
    return kept, report

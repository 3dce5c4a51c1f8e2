"""Factual claims in copy, and whether the catalogue supports each one.

A claim is anything a shopper could hold the store to: a quantity with its unit, a price, a percentage, a colour,
a material, a certification ("waterproof", "organic"), a brand or a proper name. Each is checked against the
product's facts only: what the facts do not say, the copy may not say. Quantities are compared in base units
(1.5 m supports "150 cm"), so a changed unit is caught like a changed number.
"""

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

# unit -> (dimension, factor to the dimension's base unit)
UNITS = {
    "mm": ("length", 1), "millimetre": ("length", 1), "millimeter": ("length", 1),
    "cm": ("length", 10), "centimetre": ("length", 10), "centimeter": ("length", 10),
    "m": ("length", 1000), "metre": ("length", 1000), "meter": ("length", 1000),
    "km": ("length", 1_000_000), "in": ("length", 25.4), "inch": ("length", 25.4), '"': ("length", 25.4),
    "ft": ("length", 304.8), "foot": ("length", 304.8), "feet": ("length", 304.8),
    "g": ("mass", 1), "gram": ("mass", 1), "kg": ("mass", 1000), "kilogram": ("mass", 1000),
    "mg": ("mass", 0.001), "lb": ("mass", 453.592), "lbs": ("mass", 453.592), "pound": ("mass", 453.592),
    "oz": ("mass", 28.3495), "ounce": ("mass", 28.3495),
    "ml": ("volume", 1), "millilitre": ("volume", 1), "milliliter": ("volume", 1), "l": ("volume", 1000),
    "litre": ("volume", 1000), "liter": ("volume", 1000), "fl oz": ("volume", 29.5735), "gallon": ("volume", 3785.41),
    "w": ("power", 1), "watt": ("power", 1), "kw": ("power", 1000), "v": ("voltage", 1), "volt": ("voltage", 1),
    "mah": ("charge", 1), "ah": ("charge", 1000), "h": ("time", 1), "hr": ("time", 1), "hour": ("time", 1),
    "min": ("time", 1 / 60), "minute": ("time", 1 / 60), "day": ("time", 24), "week": ("time", 168),
    "year": ("age", 1), "month": ("age", 1 / 12), "gb": ("data", 1), "tb": ("data", 1000), "mb": ("data", 0.001),
    "hz": ("frequency", 1), "khz": ("frequency", 1000), "mhz": ("frequency", 1e6), "ghz": ("frequency", 1e9),
    "db": ("loudness", 1), "piece": ("count", 1), "pc": ("count", 1), "pack": ("count", 1), "set": ("count", 1),
    "%": ("percent", 1), "percent": ("percent", 1),
}
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
# Bounded repeats keep matching linear on hostile text ("1,1,1,..." or "1 x 1 x 1 x ...").
_NUM = r"\d{1,15}(?:[.,]\d{1,15}){0,3}(?:-\d{1,6}/\d{1,6}|/\d{1,6})?"
# "183 x 61 x 0.6 cm", "1.5 m", "20%", "9/16 in", "1-9/16\""; plural and pluralised units accepted.
_QUANTITY = re.compile(
    rf"(?<![\w.])(?P<nums>{_NUM}(?:\s*[x×]\s*{_NUM}){{0,3}})\s*(?:-\s*)?(?P<unit>(?:{_UNIT_ALT})(?:e?s)?)(?![\w])",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(rf"(?<![\w.$£€/-]){_NUM}(?![\w%])")
_PRICE = re.compile(r"(?P<cur>[$£€])\s?(?P<amount>\d+(?:,\d{3})*(?:\.\d{1,2})?)|(?P<amount2>\d+(?:\.\d{1,2})?)\s?(?P<code>GBP|USD|EUR)\b")

COLOURS = {
    "black", "white", "grey", "gray", "silver", "gold", "red", "burgundy", "maroon", "pink", "rose", "orange",
    "yellow", "mustard", "green", "olive", "khaki", "teal", "turquoise", "blue", "navy", "purple", "violet",
    "lilac", "lavender", "brown", "tan", "beige", "cream", "ivory", "sand", "charcoal", "copper", "bronze",
    "coral", "mint", "aqua", "indigo", "magenta", "champagne",
}
MATERIALS = {
    "cotton", "organic cotton", "linen", "wool", "merino", "cashmere", "silk", "leather", "suede", "denim",
    "polyester", "nylon", "acrylic", "spandex", "elastane", "fleece", "canvas", "jersey", "rubber", "silicone",
    "plastic", "abs", "tpe", "pvc", "polycarbonate", "steel", "stainless steel", "aluminium", "aluminum", "iron",
    "cast iron", "copper", "brass", "bronze", "titanium", "carbon fibre", "carbon fiber", "fiberglass",
    "fibreglass", "glass", "borosilicate glass", "ceramic", "porcelain", "stoneware", "wood", "bamboo", "oak",
    "beech", "walnut", "pine", "birch", "cork", "paper", "cardboard", "foam", "felt", "sheepskin", "wax",
    "beeswax", "marble", "granite", "concrete", "resin", "vinyl", "latex", "down", "feather",
}
# Certifications and absolute properties: a shopper relies on each of these.
CERTIFICATIONS = {
    "waterproof", "water resistant", "water-resistant", "organic", "vegan", "cruelty-free", "cruelty free",
    "bpa-free", "bpa free", "dishwasher safe", "dishwasher-safe", "machine washable", "hypoallergenic",
    "recyclable", "recycled", "biodegradable", "compostable", "fsc", "gluten-free", "non-stick", "nonstick",
    "fair trade", "fairtrade", "wireless", "rechargeable", "shatterproof", "fireproof", "oven safe",
    "microwave safe", "certified", "ce certified", "ul listed", "fda approved", "lifetime warranty",
}
# A negator directly before the phrase, in the same clause ("not waterproof", "non-stick-free" is not handled).
_NEGATION = re.compile(r"\b(not|no|non|never|isn't|aren't|without)[\s-]+$", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+(?:['&+-][a-z0-9]+)*", re.IGNORECASE)
CURRENCY_SYMBOLS = {"$": "USD", "£": "GBP", "€": "EUR"}
# Capitalised words that name nothing in particular.
COMMON_CAPITALISED = {
    "i", "we", "our", "you", "your", "it", "its", "the", "a", "an", "this", "these", "that", "those", "and", "or",
    "with", "for", "from", "made", "meet", "each", "every", "available", "suitable", "designed", "perfect", "ideal",
    "great", "new", "one", "two", "three", "uk", "us", "usa", "eu", "diy", "led", "usb", "usb-c", "hd", "ok",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "christmas", "easter",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "english", "british", "american", "european",
}


def parse_number(text):
    """'1,500' -> 1500.0, '0,5' -> 0.5, '9/16' -> 0.5625, '1-9/16' -> 1.5625; ValueError for anything else."""
    text = text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text) else text.replace(",", ".")
    try:
        if "-" in text and "/" in text:
            whole, frac = text.split("-", 1)
            value = float(int(whole) + Fraction(frac))
        elif "/" in text:
            value = float(Fraction(text))
        else:
            value = float(text)
    except (ZeroDivisionError, OverflowError) as exc:
        raise ValueError(text) from exc
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _unit(raw):
    unit = raw.lower()
    if unit in UNITS:
        return unit
    for suffix in ("es", "s"):
        if unit.endswith(suffix) and unit[: -len(suffix)] in UNITS:
            return unit[: -len(suffix)]
    return unit


@dataclass
class Quantity:
    value: float
    dimension: str

    def matches(self, other, tolerance=0.011):
        if self.dimension != other.dimension:
            return False
        if self.value == other.value:
            return True
        return abs(self.value - other.value) <= tolerance * max(abs(self.value), abs(other.value))


def quantities(text):
    """(span, raw, [Quantity]) for every number-with-unit in the text, in base units; None for unreadable ones."""
    found = []
    for match in _QUANTITY.finditer(text):
        unit = _unit(match.group("unit"))
        if unit not in UNITS:
            continue
        dimension, factor = UNITS[unit]
        numbers = re.split(r"\s*[x×]\s*", match.group("nums"))
        try:
            values = [Quantity(parse_number(n) * factor, dimension) for n in numbers]
        except ValueError:
            values = None
        found.append((match.span(), match.group(0), values))
    return found


def bare_numbers(text, skip_spans=()):
    out = []
    for match in _BARE_NUMBER.finditer(text):
        if any(a <= match.start() < b for a, b in skip_spans):
            continue
        try:
            out.append((match.group(0), parse_number(match.group(0))))
        except ValueError:
            continue
    return out


def prices(text):
    out = []
    for match in _PRICE.finditer(text):
        amount = match.group("amount") or match.group("amount2")
        currency = CURRENCY_SYMBOLS.get(match.group("cur") or "", match.group("code") or "")
        try:
            out.append((match.span(), match.group(0), parse_number(amount.replace(",", "")), currency))
        except ValueError:
            continue
    return out


def words(text):
    return [w.lower() for w in _WORD.findall(text)]


def _phrases(text, vocabulary):
    """Vocabulary phrases in the text, longest first, each position used once."""
    lowered = f" {' '.join(words(text))} "
    found = []
    for phrase in sorted(vocabulary, key=len, reverse=True):
        needle = f" {phrase.replace('-', ' ') if ' ' in phrase else phrase} "
        while needle in lowered:
            found.append(phrase)
            lowered = lowered.replace(needle, " _ ", 1)
    return found


@dataclass
class FactIndex:
    """Everything the facts say, in the forms claims are compared in."""

    text: str
    quantities: list = field(default_factory=list)
    numbers: set = field(default_factory=set)
    prices: set = field(default_factory=set)
    vocabulary: set = field(default_factory=set)
    booleans: dict = field(default_factory=dict)  # certification phrase -> True/False stated by the facts
    brands: set = field(default_factory=set)  # this product's brand(s)
    currency: str = ""  # ISO code of the product's price, when known
    vocabulary_text: str = ""  # the facts' words, space-separated, for phrase look-ups
    other_brands: set = field(default_factory=set)  # brands of the rest of the catalogue

    @classmethod
    def from_texts(cls, texts, *, booleans=None, brands=(), other_brands=(), price=None, currency=""):
        text = "\n".join(t for t in texts if t)
        index = cls(text=text, booleans=dict(booleans or {}), brands={b.lower() for b in brands if b},
                    other_brands={b.lower() for b in other_brands if b})
        spans = []
        for span, _, values in quantities(text):
            if values is None:
                continue
            index.quantities.extend(values)
            index.numbers.update(round(q.value, 6) for q in values)
            spans.append(span)
        for _, value in bare_numbers(text):
            index.numbers.add(round(value, 6))
        index.numbers.update(round(value, 6) for _, _, value, _ in prices(text))
        index.prices.update(round(value, 2) for _, _, value, _ in prices(text))
        if price:
            index.prices.add(round(float(price), 2))
            index.numbers.add(round(float(price), 6))
        index.currency = currency
        index.vocabulary = set(words(text))
        index.vocabulary_text = f" {' '.join(words(text))} "
        return index

    @classmethod
    def from_facts(cls, facts, other_brands=()):
        """Index a ProductFacts record. Boolean attributes become yes/no certifications, not loose words."""
        texts = [facts.title, facts.product_class, *facts.categories, facts.brand, *facts.options,
                 f"{facts.price} {facts.currency}" if facts.price else ""]
        booleans = {}
        for attr in facts.attributes:
            if isinstance(attr.value, bool):
                booleans[attr.name.lower()] = attr.value
                continue
            texts.append(f"{attr.name}: {attr.as_text()}")
        if facts.is_child:
            texts.append(facts.parent_title)
        return cls.from_texts(texts, booleans=booleans, brands=[facts.brand] if facts.brand else [],
                              other_brands=set(other_brands) - {facts.brand}, price=facts.price or None,
                              currency=facts.currency)

    def has_phrase(self, phrase):
        return f" {' '.join(words(phrase))} " in self.vocabulary_text

    def supports_quantity(self, quantity):
        if quantity.dimension in ("count", "age"):
            return round(quantity.value, 6) in self.numbers or any(quantity.matches(q) for q in self.quantities)
        return any(quantity.matches(q) for q in self.quantities)


@dataclass
class Claim:
    kind: str
    text: str
    supported: bool
    reason: str = ""


def check(text, index):
    """Every claim in the text with its verdict."""
    claims = []
    spans = []
    for span, raw, values in quantities(text):
        spans.append(span)
        if values is None:
            claims.append(Claim("quantity", raw, False, f"'{raw[:40]}' is not a readable number"))
            continue
        bad = [q for q in values if not index.supports_quantity(q)]
        claims.append(Claim("quantity", raw, not bad, f"'{raw}' is not in the facts" if bad else ""))
    for span, raw, value, currency in prices(text):
        spans.append(span)
        ok = round(value, 2) in index.prices and not (currency and index.currency and currency != index.currency)
        claims.append(Claim("price", raw, ok, "" if ok else f"price '{raw}' is not the product's price"))
    for raw, value in bare_numbers(text, spans):
        ok = round(value, 6) in index.numbers
        claims.append(Claim("number", raw, ok, "" if ok else f"the number {raw} is not in the facts"))

    lowered = text.lower()
    for phrase in set(_phrases(text, CERTIFICATIONS)):
        stated = next((v for k, v in index.booleans.items() if k.replace("-", " ") == phrase.replace("-", " ")), None)
        pattern = r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", phrase))
        for match in re.finditer(rf"\b{pattern}\b", lowered):
            negated = bool(_NEGATION.search(lowered[max(0, match.start() - 12) : match.start()]))
            ok = stated != negated if stated is not None else (negated or index.has_phrase(phrase))
            claims.append(Claim("certification", phrase, ok, "" if ok else f"'{phrase}' is not stated by the facts"))
    for phrase in _phrases(text, MATERIALS):
        ok = index.has_phrase(phrase)
        claims.append(Claim("material", phrase, ok, "" if ok else f"material '{phrase}' is not in the facts"))
    for phrase in _phrases(text, COLOURS - MATERIALS):
        ok = index.has_phrase(phrase)
        claims.append(Claim("colour", phrase, ok, "" if ok else f"colour '{phrase}' is not in the facts"))
    for brand in index.other_brands:
        if f" {' '.join(words(brand))} " in f" {' '.join(words(text))} " and brand not in index.brands:
            claims.append(Claim("brand", brand, False, f"'{brand}' is another brand"))
    named_brands = {c.text for c in claims if c.kind == "brand"}
    claims.extend(c for c in _names(text, index) if c.text.lower() not in named_brands)
    return claims


_SENTENCE_START = re.compile(r"(^|[.!?:;]\s+|\n)\W*$")


def _names(text, index):
    """Capitalised words inside a sentence name things (products, models, places): the facts must know them."""
    claims = []
    for match in re.finditer(r"\b[A-Z][A-Za-z0-9&'-]+\b", text):
        word = match.group(0)
        if word.lower() in COMMON_CAPITALISED or _SENTENCE_START.search(text[max(0, match.start() - 4) : match.start()]):
            continue
        if word.lower().rstrip("s") in {w.rstrip("s") for w in index.vocabulary}:
            continue
        if word.lower() in COLOURS or word.lower() in MATERIALS:
            continue  # judged above
        claims.append(Claim("name", word, False, f"'{word}' is not named in the facts"))
    return claims


def unsupported(text, index):
    return [c for c in check(text, index) if not c.supported]

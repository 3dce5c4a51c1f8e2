"""Cleaning of human copy before it becomes a training target, and the report of what was dropped and why.

Real product copy (a store's own, or a marketplace scrape such as the Amazon sets in ``../shared/datasets``) carries
markup, page furniture and contact details that a copy model must never learn to write. ``clean_target`` turns one
raw description into plain text; ``clean_examples`` cleans a list of ``Example`` and drops the ones that should not
train (too short, duplicates, rejected by their kind's parser), counting every drop in a ``DropReport``.

What ``clean_target`` does, in order:

1. Markup: scripts, styles and comments go; block tags (``<p>``, ``<br>``, ``<li>``...) become line breaks, every other
   tag goes, entities are unescaped (and tags that only appear once unescaped go too). Only real tags are removed:
   "Not for < 3 yrs" keeps its words.
2. Page furniture: "Make sure this fits by entering your model number.", "Click here ...", "Visit the X Store",
   "See more product details", "See all Product Description", "(View shipping rates and policies)",
   "Product Packaging: Standard Packaging", "California residents Click here for Proposition 65 warning" and the like
   are removed; section headings glued into the text ("Product Description", "From the Manufacturer",
   "Amazon.com Review", "Manufacturer's Description") become paragraph breaks; a variant tag at the start of a
   paragraph ("Color:Black | Size:Large Soft cotton...") is cut off; a product-information table flattened onto
   the end of a paragraph ("... Brand Name Acme Item Weight 0.8 ounces Product Dimensions ...") is cut off.
3. Contact details: every *sentence* holding an e-mail address, a URL (with a scheme, ``www.``, or a bare shop
   domain such as ``example.com/shop``) or a phone number is removed, not just the address. Such a sentence is
   almost always an instruction to the buyer ("For warranty questions call 555-010-2030 or e-mail ...") rather than
   product copy; removing only the address would leave a broken sentence ("call or e-mail"), and a placeholder
   ("[email]") would teach the model to write placeholders. The check is repeated until nothing matches, so the
   result never contains an e-mail or URL pattern.
4. Whitespace: collapsed within a paragraph; paragraphs are kept, one per line (``training.targets`` cuts the short
   kinds from the first and last paragraph).

Everything is a pure function of the input: the same data always gives the same examples, report and split.
"""

import html
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from ..kinds import get_kind
from ..kinds.base import ProseKind, UnusableOutput

MAX_SAMPLES = 3  # examples of each drop reason kept in the report
SAMPLE_CHARS = 70

# Drop reasons, shared with training.files and training.data so one report reads the same for every source.
EMPTY_TITLE = "empty title"
EMPTY_TARGET = "empty description"
TOO_SHORT = "too short after cleaning"
DUPLICATE = "duplicate of an earlier target"
CONTACT_IN_FIELD = "contact details in a labelled field"
REJECTED = "rejected by the kind's own parser"

# --- markup -------------------------------------------------------------------------------------------------------

_SCRIPT = re.compile(r"<(script|style|template)\b[^>]*>.*?(?:</\1\s*>|$)", re.S | re.I)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:br|p|div|li|ul|ol|tr|table|h[1-6]|section|article|blockquote)\b[^<>]*>", re.I)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]|[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"[^\S\n]+")  # any whitespace but a line break (incl. no-break and thin spaces)

# --- page furniture -----------------------------------------------------------------------------------------------

_BOILERPLATE = [re.compile(p, re.I) for p in (
    r"Make sure this fits by entering your model number\.?",
    r"(?:California residents:?\s*)?Click here for Proposition 65 warning\.?",
    r"\bClick here\b[^.!?\n]*[.!?]?",
    r"\bVisit the [^.!?\n|]{1,60}? Store\b\.?",
    r"\bSee (?:more|all) product (?:details|descriptions?)\b\.?",
    r"\bshow up to \d+ reviews by default\b\.?",
    r"\(?\s*View shipping rates and policies\s*\)?",
    r"\bGo to your orders and start the return\b.*?\bShip it!",
    r"\bProduct Packaging\s*:\s*(?:Standard|Frustration[- ]Free|Amazon Certified Frustration[- ]Free|Retail)?"
    r"\s*Packaging\b",
    r"\bReport incorrect product information\.?",
)]
# Headings the scrape glued into the text: a paragraph break, not words. Case-sensitive on purpose.
_HEADING = re.compile(
    r"\b(?:Product Description|From the Manufacturer|Manufacturer'?s Description|Product description"
    r"|Amazon\.com Review|Amazon\.co\.uk Review|Amazon\.com(?=\s+[A-Z\"“])|Amazon\.co\.uk(?=\s+[A-Z\"“]))\s*:?\s*"
)
# Variant tags a marketplace puts before the description: "Color:Black | Size:Large".
_VARIANT_KEY = re.compile(
    r"^(?:Size(?: Name)?|Colou?r(?: Name)?|Style(?: Name)?|Pattern(?: Name)?|Package Quantity|Item Package Quantity"
    r"|Number of Items|Flavou?r(?: Name)?|Scent(?: Name)?|Edition|Platform|Design|Theme|Product Packaging)\s*:\s*"
)
_STARTERS = {"The", "This", "These", "Those", "Our", "Your", "A", "An", "It's", "It", "We", "Meet", "Now", "Each",
             "Every", "Whether", "When", "If", "From", "Welcome", "Introducing"}
_VARIANT_PAIR = re.compile(r"^[^|\n]{0,60}?\s*\|\s*")
# Labels of a product-information table flattened into prose; three different ones in a row mark the table.
_SPEC_LABEL = re.compile(
    r"\b(?:Brand Name|Item Weight|Product Dimensions|Package Dimensions|Item model number|Manufacturer Part Number"
    r"|Number of Items|Number Of Pieces|Material Type|Item Package Quantity|Batteries Required\?|Batteries Included\?"
    r"|Assembly Required|Manufacturer recommended age|Main Language)\b"
)
_SPEC_LEAD = re.compile(r"\b(?:Brand Name|Brand|Part Number|Model)\s+\S")

# --- contact details ----------------------------------------------------------------------------------------------

EMAIL = re.compile(
    r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[\w.+-]+\s*[\[(]\s*at\s*[\])]\s*[\w-]+(?:\s*(?:[\[(]\s*dot\s*[\])]|\.)\s*\w+)+",
    re.I,
)
# Bare domains ("shop.example.com/sale") need a lower-case top-level domain: "box.It is..." is a missing space.
# Two-letter words (it, us, co, es) are left out: "love it.it" is a typo far more often than an Italian shop.
_TLDS = r"com|net|org|info|biz|io|uk|de|fr|nl|eu|ca|au|shop|store|online|site"
URL = re.compile(
    r"\b(?:https?|ftp)://\S+"
    r"|\bwww\.\S+"
    rf"|\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.(?-i:{_TLDS})\b(?:/\S*)?",
    re.I,
)
PHONE = re.compile(
    r"(?<![\w.,/])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?\d{3,4}|(?<!\()\d{2,5}[\s.-]\d{3,4})[\s.-]\d{3,4}"
    r"(?![\w.,/]?\d)"
    r"|(?<![\w.,/])\+\d{1,3}[\s.-]?\d{3,5}[\s.-]?\d{5,8}(?!\d)"
    r"|(?<![\w.,/])0\d{3,4}[\s-]?\d{6}(?!\d)"
    r"|\b(?:tel|phone|call|fax)\b\.?:?\s*\+?\(?\d[\d\s().-]{6,}\d",
    re.I,
)
CONTACT = (("e-mail address", EMAIL), ("URL", URL), ("phone number", PHONE))
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass
class DropReport:
    """What a data source gave, what was kept, and every drop by reason (with a few examples of each).

    ``read`` counts the items the source had (rows of a file, products of a store, examples given to the
    cleaner: ``unit`` says which) and ``kept`` the examples left at the end. ``changes`` counts what was removed
    from kept text without dropping it (sentences with contact details, page furniture).
    """

    read: int = 0
    kept: int = 0
    unit: str = "examples"
    dropped: Counter = field(default_factory=Counter)
    samples: dict = field(default_factory=dict)  # reason -> ["source: text..."]
    changes: Counter = field(default_factory=Counter)

    def drop(self, reason, source="", text=""):
        self.dropped[reason] += 1
        shown = self.samples.setdefault(reason, [])
        if len(shown) < MAX_SAMPLES:
            text = " ".join(str(text or "").split())
            if len(text) > SAMPLE_CHARS:
                text = text[: SAMPLE_CHARS - 1] + "…"
            shown.append(f"{source}: {text}" if source and text else source or text)

    def changed(self, what, count=1):
        if count:
            self.changes[what] += count

    def merge(self, later):
        """Add a later stage's drops and changes; ``kept`` becomes the later stage's, ``read`` stays this one's."""
        self.dropped.update(later.dropped)
        self.changes.update(later.changes)
        for reason, shown in later.samples.items():
            mine = self.samples.setdefault(reason, [])
            mine.extend(shown[: MAX_SAMPLES - len(mine)])
        self.kept = later.kept
        return self

    @property
    def total_dropped(self):
        return sum(self.dropped.values())

    def lines(self):
        out = [f"Read {self.read} {self.unit}; kept {self.kept} examples, dropped {self.total_dropped}."]
        if self.dropped:
            width = max(len(r) for r in self.dropped)
            out.append(f"  {'dropped because':<{width}}  {'count':>6}  example")
            for reason, count in sorted(self.dropped.items(), key=lambda rc: (-rc[1], rc[0])):
                sample = (self.samples.get(reason) or [""])[0]
                out.append(f"  {reason:<{width}}  {count:>6}  {sample}".rstrip())
        if self.changes:
            width = max(len(w) for w in self.changes)
            out.append(f"  {'removed from kept text':<{width}}  {'count':>6}")
            for what, count in sorted(self.changes.items(), key=lambda wc: (-wc[1], wc[0])):
                out.append(f"  {what:<{width}}  {count:>6}")
        return out

    def __str__(self):
        return "\n".join(self.lines())

    def as_dict(self):
        return {"read": self.read, "unit": self.unit, "kept": self.kept, "dropped_total": self.total_dropped,
                "dropped": dict(sorted(self.dropped.items())), "samples": {k: list(v) for k, v in
                                                                          sorted(self.samples.items())},
                "changes": dict(sorted(self.changes.items()))}


def strip_markup(text):
    """Plain text from HTML-ish text: block tags become line breaks, other tags and entities go."""
    text = str(text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _COMMENT.sub(" ", _SCRIPT.sub(" ", text))
    text = _TAG.sub(" ", _BLOCK_TAG.sub("\n", text))
    text = html.unescape(text)
    text = _TAG.sub(" ", _BLOCK_TAG.sub("\n", text))  # "&lt;b&gt;" is markup too, once unescaped
    return _INVISIBLE.sub("", text)


def _tidy(text):
    """Whitespace collapsed in each paragraph, empty paragraphs gone, one paragraph per line."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _capitalised(token):
    token = token.lstrip("\"'“‘(")
    return bool(token) and token[0].isupper()


def _lower(token):
    token = token.lstrip("\"'“‘(")
    return bool(token) and token[0].islower()


def _strip_variant(paragraph):
    """Cut a leading variant tag ("Color:Black | Size:Large ...") off a paragraph; None if nothing was cut.

    The last tag's value has no end marker ("Color:Orange/Red Scare everyone..."), so it ends, within six words,
    before the first capitalised word that starts sentences ("The", "This"...), that a lower-case word follows, or
    that follows a word ending a sentence.
    """
    if not _VARIANT_KEY.match(paragraph):
        return None
    rest = paragraph
    while True:
        key = _VARIANT_KEY.match(rest)
        if not key:
            return rest
        rest = rest[key.end():]
        pair = _VARIANT_PAIR.match(rest)
        if pair and _VARIANT_KEY.match(rest[pair.end():]):
            rest = rest[pair.end():]
            continue
        if pair:  # "Color:Red | Soft cotton..." - the bar ends the value
            return rest[pair.end():]
        break
    tokens = rest.split(" ")
    for i in range(1, min(len(tokens) - 1, 7)):
        if not _capitalised(tokens[i]):
            continue
        if (tokens[i] in _STARTERS or _lower(tokens[i + 1])
                or re.search(r"\w{3,}[.!?]$", tokens[i - 1])):
            return " ".join(tokens[i:])
    # No clear start: a short paragraph is all tag; otherwise keep the value rather than guess a cut.
    return "" if len(tokens) <= 7 else rest


def _strip_spec_table(paragraph):
    """Cut a flattened product-information table ("Brand Name X Item Weight 2 ounces ...") off a paragraph."""
    labels = list(_SPEC_LABEL.finditer(paragraph))
    if len({m.group() for m in labels}) < 3:
        return None
    start = labels[0].start()
    window_start = max(0, start - 80)
    lead = None
    for m in _SPEC_LEAD.finditer(paragraph, window_start, start):
        if not re.search(r"[.!?]\s", paragraph[m.start():start]):
            lead = m.start()
            break
    return paragraph[: lead if lead is not None else start].rstrip(" ,;:-")


def scrub_contacts(text, changes=None):
    """Remove every sentence holding an e-mail address, URL or phone number (see the module docstring).

    A match that spans sentences or lines (an obfuscated "name [at] shop. com") is cut out by itself. Repeats until
    nothing matches; ``changes`` (a Counter) gets one count per removal and kind of detail.
    """
    def count(name, n=1):
        if changes is not None and n:
            changes[f"sentence with {name}"] += n

    while True:
        found = False
        paragraphs = []
        for paragraph in text.split("\n"):
            kept = []
            for sentence in _SENTENCE_END.split(paragraph):
                hits = [name for name, pattern in CONTACT if pattern.search(sentence)]
                for name in hits:
                    count(name)
                if hits:
                    found = True
                else:
                    kept.append(sentence)
            paragraphs.append(" ".join(kept))
        text = "\n".join(paragraphs)
        for name, pattern in CONTACT:
            text, n = pattern.subn(" ", text)
            count(name, n)
            found = found or bool(n)
        text = _tidy(text)
        if not found:
            return text


def scrub_fragment(text, changes=None):
    """A short fact (a title, an attribute value) with its e-mail addresses, URLs and phone numbers cut out."""
    text = str(text or "")
    for name, pattern in CONTACT:
        text, n = pattern.subn(" ", text)
        if changes is not None and n:
            changes[f"{name} in a fact"] += n
    return " ".join(text.split()).strip(" ,;:-|")


def clean_target(text, changes=None):
    """Raw human copy -> plain training text (paragraphs one per line); ``changes`` counts what was removed.

    The steps run until the text no longer changes (removing one thing can join the pieces of another), so cleaning
    clean text is a no-op.
    """
    changes = changes if changes is not None else Counter()
    text = str(text or "")
    for _ in range(5):
        cleaned = _clean_once(text, changes)
        if cleaned == text:
            break
        text = cleaned
    return text


def _clean_once(text, changes):
    text = _SPACES.sub(" ", strip_markup(text))
    for pattern in _BOILERPLATE:
        text, n = pattern.subn(" ", text)
        if n:
            changes["page furniture"] += n
    text, n = _HEADING.subn("\n", text)
    if n:
        changes["section heading"] += n
    paragraphs = []
    for paragraph in _tidy(text).split("\n"):
        variant = _strip_variant(paragraph)
        if variant is not None:
            changes["variant tag"] += 1
            paragraph = variant.strip()
        table = _strip_spec_table(paragraph)
        if table is not None:
            changes["product-information table"] += 1
            paragraph = table
        if paragraph:
            paragraphs.append(paragraph)
    return scrub_contacts(_tidy("\n".join(paragraphs)), changes)


def _clean_fields(target):
    """A labelled target ("Headline: ...") tidied line by line; None when a line holds contact details."""
    text = _tidy(_SPACES.sub(" ", strip_markup(target)))
    if any(pattern.search(text) for _, pattern in CONTACT):
        return None
    return text


def dedupe_key(text):
    """Targets that differ only in case, spacing or punctuation are the same target."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def clean_examples(examples, min_chars=None):
    """(kept examples, DropReport): every target cleaned; too-short, duplicate and unparsable ones dropped.

    Prose kinds (description, bullets, social) go through ``clean_target``; labelled kinds (seo, banner, email,
    search ads) are tidied line by line and dropped if a line holds contact details, since removing a line would
    break their shape. ``min_chars`` is the shortest prose target kept (default: each kind's own ``min_chars``,
    the shortest output its parser accepts). A target is a duplicate when an earlier example of the same kind has
    the same words (``dedupe_key``); the first one, in input order, is kept. Every target must also pass its kind's
    own parser: a model should not be taught output that the store would then reject.
    """
    report = DropReport()
    kept, seen = [], set()
    for example in examples:
        report.read += 1
        kind = get_kind(example.kind)
        if isinstance(kind, ProseKind):
            target = clean_target(example.target, report.changes)
            shortest = kind.min_chars if min_chars is None else min_chars
            if len(target) < shortest:
                report.drop(TOO_SHORT if example.target.strip() else EMPTY_TARGET, example.source, example.target)
                continue
        else:
            target = _clean_fields(example.target)
            if target is None:
                report.drop(CONTACT_IN_FIELD, example.source, example.target)
                continue
            if not target:
                report.drop(EMPTY_TARGET, example.source, example.target)
                continue
        key = (example.kind, dedupe_key(target))
        if key in seen:
            report.drop(DUPLICATE, example.source, target)
            continue
        try:
            kind.parse(target)
        except UnusableOutput as exc:
            report.drop(f"{REJECTED} ({example.kind})", example.source, str(exc))
            continue
        seen.add(key)
        kept.append(example if target == example.target else replace(example, target=target))
    report.kept = len(kept)
    return kept, report

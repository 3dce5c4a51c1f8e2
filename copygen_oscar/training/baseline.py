"""The template baseline: the prompt's facts filled into fixed sentences, one layout per copy kind.

It answers the same ``generate(prompts, n=, max_new_tokens=)`` call as a model backend and reads nothing but the
prompt (the facts block every kind is prompted with), so the evaluator runs it through exactly the path a model
takes: parse, guard, rerank. Whatever a model scores above it is what the model adds over mail-merge copy.

The fixed words are few and plain ("the", "it is", "from"; facts are written "Name: value", and the facts know
their names): the guard refuses words the store never uses, and a baseline that fails on its own filler would
measure the guard rather than the template.
"""

from dataclasses import dataclass, field

from ..backends.base import GenerationBackend, ModelInfo
from ..kinds import KINDS
from ..kinds.channels import BannerKind

# Lines of the prompt that are not attributes (facts.facts_text and CopyKind.build_prompt write these).
_FIXED = {"product", "type", "category", "brand", "options", "price", "brand voice", "tone", "audience"}
_KIND_BY_MARKER = {kind.marker: name for name, kind in KINDS.items()}
_BOOLEAN = {"yes": True, "no": False}


@dataclass
class PromptFacts:
    """What a prompt states, read back from its facts block."""

    kind: str = ""
    title: str = ""
    product_class: str = ""
    category: str = ""  # the breadcrumb's last part ("Tops" of "Clothing > Tops")
    brand: str = ""
    price: str = ""  # "12.99 GBP", as the prompt writes it
    attributes: list = field(default_factory=list)  # [(name, value text)], in the prompt's order
    flags: list = field(default_factory=list)  # names of yes/no attributes that are "yes"

    @property
    def name(self):
        """The title without its variant ("Kettle" of "Kettle, white")."""
        return self.title.split(",")[0].strip()


def read_prompt(prompt):
    """Facts and kind from a prompt built by ``CopyKind.build_prompt``; the kind is "" for a prompt it cannot read."""
    lines = [line.strip() for line in (prompt or "").strip().split("\n") if line.strip()]
    found = PromptFacts()
    if not lines or lines[-1] not in _KIND_BY_MARKER:
        return found
    found.kind = _KIND_BY_MARKER[lines[-1]]
    for line in lines[:-1]:
        label, sep, value = line.partition(": ")
        if not sep or not value.strip():
            continue
        key, value = label.strip().lower(), value.strip().rstrip(".;")
        if key == "product" and not found.title:
            found.title = value
        elif key == "type" and not found.product_class:
            found.product_class = value
        elif key == "category" and not found.category:
            found.category = value.split(">")[-1].strip()
        elif key == "brand" and not found.brand:
            found.brand = value
        elif key == "price" and not found.price:
            found.price = value
        elif key in _FIXED:
            continue
        elif value.lower() in _BOOLEAN:
            if _BOOLEAN[value.lower()]:
                found.flags.append(label.strip())
        else:
            found.attributes.append((label.strip(), value))
    return found


def _shorten(text, limit):
    """``text`` if it fits, else its leading whole words that do; "" when not even one word fits."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[: limit + 1] else ""
    return cut.rstrip(" ,;:-")


def _pack(parts, limit, joiner=" "):
    """As many of ``parts`` as fit in ``limit`` characters, in order, skipping any that would overflow."""
    out = []
    for part in parts:
        if part and len(joiner.join(out + [part])) <= limit:
            out.append(part)
    return joiner.join(out)


def _rotate(items, j):
    return items[j % len(items):] + items[: j % len(items)] if items else []


class TemplateBaseline(GenerationBackend):
    """Facts filled into fixed sentences. Variant ``j`` of a prompt rotates which facts come first."""

    name = "template"

    def model_info(self):
        return ModelInfo(name=self.name, path="", fingerprint="template-baseline-1", base_model="")

    def generate(self, prompts, *, n, max_new_tokens=None):
        return [[self.write(prompt, j) for j in range(n)] for prompt in prompts]

    def write(self, prompt, j=0):
        """One text for the prompt (the ``j``-th layout), or "" when the prompt is not one this project builds."""
        found = read_prompt(prompt)
        if not found.kind or not found.title:
            return ""
        return getattr(self, f"_{found.kind}")(found, j)

    # -- pieces ---------------------------------------------------------------------------------------------------

    def _named_facts(self, p):
        """"Name: value" per fact; the brand among them when the title does not already say it."""
        brand = [("Brand", p.brand)] if p.brand and p.brand.lower() not in p.title.lower() else []
        return brand + p.attributes

    def _facts(self, p, j):
        """One short sentence per fact: "Weight: 450 g.", "It is waterproof."; rotated by ``j``."""
        sentences = [f"{name}: {value}." for name, value in self._named_facts(p)]
        sentences += [f"It is {flag.lower()}." for flag in p.flags]
        return _rotate(sentences, j)

    def _opening(self, p, j):
        return [f"{p.title}.", f"The {p.title}."][j % 2]

    def _price(self, p):
        return f"From {p.price}" if p.price else ""

    # -- one method per kind ----------------------------------------------------------------------------------------

    def _description(self, p, j):
        return " ".join([self._opening(p, j), *self._facts(p, j)])

    def _social(self, p, j):
        return _pack([self._opening(p, j), *self._facts(p, j)], 280)

    def _reply(self, p, j):
        return " ".join([f"Thank you for asking about the {p.title}.", *self._facts(p, j),
                         "We hope this helps."])

    def _bullets(self, p, j):
        items = [f"{name}: {value}" for name, value in self._named_facts(p)]
        items = [item for item in _rotate(items + [flag.capitalize() for flag in p.flags], j) if len(item) <= 120][:5]
        for extra in (p.title, p.product_class, self._price(p)):
            if len(items) >= 3:
                break
            if extra and len(extra) <= 120 and extra not in items:
                items.append(extra)
        return "\n".join(f"- {item}" for item in items)

    def _seo(self, p, j):
        title = _shorten(p.name, 60) or _shorten(p.title, 60)
        description = _pack([f"{p.title}." if j % 2 == 0 else f"The {p.name}.", *self._facts(p, j)], 155)
        return f"Meta title: {title}\nMeta description: {description}"

    def _banner(self, p, j):
        subline = _pack(self._facts(p, j), 90) or _shorten(p.title, 90)
        actions = BannerKind.calls_to_action
        return (f"Headline: {_shorten(p.name, 40)}\nSubline: {subline}\n"
                f"Call to action: {actions[j % len(actions)]}")

    def _search_ad(self, p, j):
        name = p.name[len(p.brand):].strip() if p.brand and p.name.lower().startswith(p.brand.lower()) else p.name
        options = [p.brand, name, self._price(p), p.product_class, p.category, *(v for _, v in p.attributes)]
        headlines = []
        for option in options:
            option = _shorten(option or "", 30)
            if not option or option.lower() in {h.lower() for h in headlines}:
                continue
            if headlines and headlines[-1].split()[-1].lower() == option.split()[0].lower():
                continue  # "Fellside" then "Fellside Kite" reads as a stutter across the lines
            headlines.append(option)
        headlines = headlines[:2] + _rotate(headlines[2:], j)[:1] if len(headlines) > 3 else headlines
        facts = self._facts(p, j)
        first = _pack(facts, 90) or _shorten(f"{p.title}.", 90)
        rest = [s for s in facts if s not in first]
        second = _pack(rest, 90) or _pack([f"The {p.name}.", self._price(p) and f"{self._price(p)}."], 90)
        return "\n".join([*(f"Headline: {h}" for h in headlines), f"Description: {first}",
                          f"Description: {second}"])

    def _email(self, p, j):
        subject = _shorten(p.name if j % 2 == 0 else p.title, 60) or _shorten(p.title, 60)
        preheader = _pack(self._facts(p, j), 100) or _shorten(p.title, 100)
        return f"Subject: {subject}\nPreheader: {preheader}"


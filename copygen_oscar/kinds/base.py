import re
from dataclasses import dataclass, field

from django.utils.html import escape

from ..facts import facts_text
from ..guard.sanitise import clean_html, plain_text


class UnusableOutput(ValueError):
    """The model's text cannot become this kind of copy (empty, too short, too long, wrong shape)."""


@dataclass
class ParsedCopy:
    body: str  # sanitised HTML, ready to store and render
    scores: dict
    fields: dict = field(default_factory=dict)  # named parts (meta title, headlines...) for the slots they fill

    @property
    def text(self):
        """The words a shopper reads, without markup or labels: what the guard checks."""
        values = [v for value in self.fields.values() for v in (value if isinstance(value, list) else [value])]
        return "\n".join(values) if values else plain_text(self.body.replace("</p>", "\n").replace("</li>", "\n"))


class CopyKind:
    """Prompt builder, limits and output parser of one kind of copy.

    Every kind prompts with the same facts block, so one model can learn them all; the marker line names the kind.
    """

    name = ""
    marker = ""  # the line after the facts that tells the model what to write; training uses the same one
    max_new_tokens = 160
    needs_coverage = False  # long copy must state facts; a subject line need not
    uses_store_vocabulary = True  # product copy speaks the catalogue's language; service replies do not
    checks_duplicates = False  # whether copy must differ from other products' copy of this kind

    def build_prompt(self, facts, *, tone="", segment="", brand=""):
        lines = [facts_text(facts)]
        if brand:
            lines.append(f"Brand voice: {brand}")
        if tone:
            lines.append(f"Tone: {tone}")
        if segment:
            lines.append(f"Audience: {segment}")
        lines.append(self.marker)
        return "\n".join(lines) + "\n"

    # Oscar's own product fields this kind is published to; kinds without one are served by copygen alone.
    oscar_fields = ()

    def parse(self, text):
        raise NotImplementedError

    def oscar_values(self, body, fields):
        """What publishing writes into ``oscar_fields``: ``{field: value}``."""
        return {}

    def editable_text(self, body, fields):
        """The copy in the form the model writes it: what an editor changes and ``parse`` reads back."""
        return plain_text(body.replace("</p>", "\n").replace("</li>", "\n"))


def sentences(text):
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


class FieldsKind(CopyKind):
    """Copy made of labelled lines ("Headline: ..."), each with a character limit and a count."""

    # (label, max characters, how many) in the order the model writes them
    parts = ()

    def parse(self, text):
        text = plain_text(text)
        found = {label: [] for label, _, _ in self.parts}
        limits = {label.lower(): (label, limit) for label, limit, _ in self.parts}
        for line in text.split("\n"):
            label, sep, value = line.partition(":")
            if not sep or label.strip().lower() not in limits:
                continue
            name, limit = limits[label.strip().lower()]
            value = value.strip()
            if not value:
                continue
            if len(value) > limit:
                raise UnusableOutput(f"{name.lower()} is {len(value)} characters, at most {limit}")
            found[name].append(value)
        for label, _, count in self.parts:
            if len(found[label]) < count:
                raise UnusableOutput(f"{count} {label.lower()} line(s) wanted, {len(found[label])} written")
            found[label] = found[label][:count]
        body = clean_html("".join(
            f"<p><strong>{escape(label)}:</strong> {escape(value)}</p>" for label, _, _ in self.parts
            for value in found[label]
        ))
        fields = {label: values if count > 1 else values[0] for (label, _, count), values in
                  zip(self.parts, found.values())}
        return ParsedCopy(body=body, scores={"chars": sum(len(v) for vs in found.values() for v in vs)}, fields=fields)

    def editable_text(self, body, fields):
        lines = []
        for label, _, _ in self.parts:
            value = fields.get(label, [])
            lines += [f"{label}: {v}" for v in (value if isinstance(value, list) else [value])]
        return "\n".join(lines) if lines else super().editable_text(body, fields)


class ProseKind(CopyKind):
    """Free text between a minimum and a maximum length, cut at the last whole sentence."""

    min_chars = 40
    max_chars = 1200
    max_paragraphs = 4

    def paragraphs(self, text):
        return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()][: self.max_paragraphs]

    def parse(self, text):
        text = plain_text(text)
        if len(text) > self.max_chars:
            cut = text[: self.max_chars]
            end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "), cut.rfind(".\n"))
            text = cut[: end + 1] if end > self.min_chars else cut.rsplit(" ", 1)[0]
        # A sentence the model did not finish is dropped rather than shown cut off.
        ends = [text.rfind(mark) for mark in (". ", "! ", "? ", ".\n", "!\n", "?\n")]
        if text and text[-1] not in ".!?" and max(ends) > 0:
            text = text[: max(ends) + 1]
        if len(text) < self.min_chars:
            raise UnusableOutput(f"too short ({len(text)} characters, at least {self.min_chars} needed)")
        body = clean_html("".join(f"<p>{escape(p)}</p>" for p in self.paragraphs(text)))
        return ParsedCopy(body=body, scores={"chars": len(text), "paragraphs": body.count("<p>")},
                          fields={"text": text})

    def editable_text(self, body, fields):
        return fields.get("text") or super().editable_text(body, fields)

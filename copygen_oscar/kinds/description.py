import re

from ..facts import facts_text
from ..guard.sanitise import clean_html, plain_text
from .base import CopyKind, ParsedCopy, UnusableOutput

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")


class DescriptionKind(CopyKind):
    """A product description: 2-4 short paragraphs of safe HTML."""

    name = "description"
    marker = "Description:"
    min_chars = 40
    max_chars = 1200
    max_paragraphs = 4

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

    def paragraphs(self, text):
        """Blank-line paragraphs, or sentences grouped into two when the model wrote one block."""
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
        if len(paragraphs) == 1:
            sentences = _SENTENCE_END.split(paragraphs[0])
            if len(sentences) >= 4:
                half = (len(sentences) + 1) // 2
                paragraphs = [" ".join(sentences[:half]), " ".join(sentences[half:])]
        return paragraphs[: self.max_paragraphs]

    def parse(self, text):
        text = plain_text(text)
        if len(text) > self.max_chars:
            cut = text[: self.max_chars]
            end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
            text = cut[: end + 1] if end > self.min_chars else cut.rsplit(" ", 1)[0]
        # A sentence the model did not finish is dropped rather than shown cut off.
        if text and text[-1] not in ".!?" and max(text.rfind(". "), text.rfind("! "), text.rfind("? ")) > 0:
            text = text[: max(text.rfind(". "), text.rfind("! "), text.rfind("? ")) + 1]
        if len(text) < self.min_chars:
            raise UnusableOutput(f"too short ({len(text)} characters, at least {self.min_chars} needed)")
        body = clean_html("".join(f"<p>{p}</p>" for p in self.paragraphs(text)))
        return ParsedCopy(body=body, scores={"chars": len(text), "paragraphs": body.count("<p>")})

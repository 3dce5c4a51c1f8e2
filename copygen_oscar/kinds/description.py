from .base import ProseKind, sentences


class DescriptionKind(ProseKind):
    """A product description: 2-4 short paragraphs of safe HTML."""

    name = "description"
    marker = "Description:"
    needs_coverage = True
    checks_duplicates = True
    oscar_fields = ("description",)

    def oscar_values(self, body, fields):
        return {"description": body}

    def paragraphs(self, text):
        """Blank-line paragraphs, or sentences grouped into two when the model wrote one block."""
        paragraphs = super().paragraphs(text)
        if len(paragraphs) == 1:
            parts = sentences(paragraphs[0])
            if len(parts) >= 4:
                half = (len(parts) + 1) // 2
                paragraphs = [" ".join(parts[:half]), " ".join(parts[half:])]
        return paragraphs

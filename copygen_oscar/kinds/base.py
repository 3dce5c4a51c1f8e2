from dataclasses import dataclass


class UnusableOutput(ValueError):
    """The model's text cannot become this kind of copy (empty, too short, wrong shape)."""


@dataclass
class ParsedCopy:
    body: str  # sanitised, ready to store and render
    scores: dict


class CopyKind:
    """Prompt builder, limits and output parser of one kind of copy."""

    name = ""
    # The marker after the facts that tells the model what to write; shared with training so both agree.
    marker = ""

    def build_prompt(self, facts, *, tone="", segment="", brand=""):
        raise NotImplementedError

    def parse(self, text):
        raise NotImplementedError

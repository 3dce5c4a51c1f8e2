"""Copy kinds: each module holds one kind's prompt, limits and parser behind the CopyKind interface."""

from .base import CopyKind, ParsedCopy, UnusableOutput
from .description import DescriptionKind

KINDS = {kind.name: kind for kind in (DescriptionKind(),)}


def get_kind(name):
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"Unknown copy kind {name!r}; known kinds: {', '.join(sorted(KINDS))}") from None

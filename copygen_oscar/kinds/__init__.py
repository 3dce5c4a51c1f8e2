"""Copy kinds: each holds its prompt, limits and parser behind the CopyKind interface."""

from .base import CopyKind, ParsedCopy, UnusableOutput
from .channels import BannerKind, BulletsKind, EmailKind, ReplyKind, SearchAdKind, SeoKind, SocialKind
from .description import DescriptionKind

KINDS = {
    kind.name: kind
    for kind in (DescriptionKind(), BulletsKind(), SeoKind(), BannerKind(), SearchAdKind(), SocialKind(), EmailKind(),
                 ReplyKind())
}
TONES = ("friendly", "premium", "playful", "technical")


def get_kind(name):
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"Unknown copy kind {name!r}; known kinds: {', '.join(sorted(KINDS))}") from None

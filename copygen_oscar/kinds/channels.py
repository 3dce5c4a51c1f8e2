"""Short copy for one slot each: search ads, social posts, e-mail, banners, Oscar's SEO fields, bullets."""

from django.utils.html import escape

from ..guard.sanitise import clean_html, plain_text
from .base import FieldsKind, ParsedCopy, ProseKind, UnusableOutput


class BulletsKind(ProseKind):
    """3-5 selling points."""

    name = "bullets"
    marker = "Bullets:"
    needs_coverage = True
    max_new_tokens = 120
    min_items, max_items, max_item_chars = 3, 5, 120

    def parse(self, text):
        items = [line.strip().lstrip("-*•").strip() for line in plain_text(text).split("\n")]
        items = [item for item in items if item]
        if len(items) < self.min_items:
            raise UnusableOutput(f"{len(items)} bullets, at least {self.min_items} wanted")
        items = items[: self.max_items]
        for item in items:
            if len(item) > self.max_item_chars:
                raise UnusableOutput(f"a bullet is {len(item)} characters, at most {self.max_item_chars}")
        body = clean_html("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")
        return ParsedCopy(body=body, scores={"chars": sum(map(len, items)), "items": len(items)},
                          fields={"bullets": items})

    def editable_text(self, body, fields):
        return "\n".join(f"- {item}" for item in fields.get("bullets", [])) or super().editable_text(body, fields)


class SeoKind(FieldsKind):
    """Oscar's own meta fields."""

    name = "seo"
    marker = "SEO:"
    max_new_tokens = 80
    parts = (("Meta title", 60, 1), ("Meta description", 155, 1))
    oscar_fields = ("meta_title", "meta_description")

    def oscar_values(self, body, fields):
        return {"meta_title": fields["Meta title"], "meta_description": fields["Meta description"]}


class BannerKind(FieldsKind):
    # The store's own buttons: the guard's vocabulary knows them, the training targets use them.
    calls_to_action = ("Shop now", "Discover more", "See the range", "Take a look")
    name = "banner"
    marker = "Banner:"
    max_new_tokens = 60
    parts = (("Headline", 40, 1), ("Subline", 90, 1), ("Call to action", 20, 1))


class SearchAdKind(FieldsKind):
    name = "search_ad"
    marker = "Search ad:"
    max_new_tokens = 110
    parts = (("Headline", 30, 3), ("Description", 90, 2))


class EmailKind(FieldsKind):
    name = "email"
    marker = "Email:"
    max_new_tokens = 60
    parts = (("Subject", 60, 1), ("Preheader", 100, 1))


class SocialKind(ProseKind):
    name = "social"
    marker = "Social post:"
    max_new_tokens = 90
    min_chars, max_chars, max_paragraphs = 20, 280, 2


class ReplyKind(ProseKind):
    """A customer-service reply; the service issue supplies its grounding (order, policies) later."""

    name = "reply"
    marker = "Reply:"
    uses_store_vocabulary = False
    max_new_tokens = 200
    min_chars, max_chars, max_paragraphs = 30, 1200, 5

from django import template

register = template.Library()


@register.inclusion_tag("copygen_oscar/banners/hero.html", takes_context=True)
def copygen_hero(context, category=None):
    """The running campaign's hero banner for this page: ``{% copygen_hero category %}`` (nothing when none)."""
    from ..banners.serving import serve

    request = context.get("request")
    return {"banner": serve(request, category or None) if request is not None else None}

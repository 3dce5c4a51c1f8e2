from django import template
from django.utils.safestring import mark_safe

from ..guard.sanitise import clean_html

register = template.Library()


@register.filter
def sanitised(html):
    """Render stored copy as HTML only through the allow-list, even though it was cleaned when stored."""
    return mark_safe(clean_html(html))  # noqa: S308  # nosec B308, B703  # clean_html is the nh3 allow-list sanitiser


@register.simple_tag(takes_context=True)
def copygen_copy(context, product, kind="description"):
    """The copy this shopper sees for ``product``: ``{% copygen_copy product "description" %}``.

    One approved variant per product, kind and segment, chosen by the bandit policy and sticky for the visitor;
    the product's own copy when there is nothing to choose or serving is unavailable. Always sanitised here.
    """
    from ..serving.arms import own_copy
    from ..serving.selection import serve

    request = context.get("request")
    html = serve(request, product, kind).html if request is not None else own_copy(product, kind)
    return mark_safe(clean_html(html))  # noqa: S308  # nosec B308, B703  # clean_html is the nh3 allow-list sanitiser

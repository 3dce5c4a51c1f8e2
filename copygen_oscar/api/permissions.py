"""Who may call what: the dashboard's rule (``copygen_oscar.permissions.allowed``: active staff with the rights),
with the rights each endpoint needs declared next to it, per viewset action."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework.permissions import BasePermission

from ..permissions import VIEW, allowed


class CopygenPermission(BasePermission):
    """Active staff holding every permission ``view.required_perms[view.action]`` names.

    OPTIONS (DRF's "metadata" action), a method the endpoint lacks and a view without actions (the schema) need
    VIEW, so only people who may see copygen at all get DRF's own answer. An action missing from the map is a
    programming error: it fails loudly instead of falling back to some default right.
    """

    def has_permission(self, request, view):
        action = getattr(view, "action", None)
        if action in (None, "metadata"):
            return allowed(request.user, VIEW)
        try:
            perms = view.required_perms[action]
        except (AttributeError, KeyError):
            raise ImproperlyConfigured(f"{type(view).__name__}.required_perms has no entry for {action!r}") from None
        return allowed(request.user, *perms)

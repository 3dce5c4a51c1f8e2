"""Which products ask for copy when saved, per product class; the settings give the rule for classes without one."""

from dataclasses import dataclass, field

from django.db.models import Q
from oscar.core.loading import get_model

from .. import app_settings

AutoRule = get_model("copygen", "AutoRule")


@dataclass
class SettingsRule:
    """The rule ``COPYGEN_AUTO_*`` settings describe, for stores that keep no rule rows."""

    kinds: list = field(default_factory=list)
    enabled: bool = True
    on_create: bool = True
    on_facts_change: bool = True
    auto_publish: bool = False
    pk = None


def rule_for(product):
    """The class's own rule, else the catch-all rule row, else the settings' rule; None when nothing applies."""
    product_class = product.get_product_class()
    rules = {rule.product_class_id: rule for rule in
             AutoRule.objects.filter(Q(product_class=product_class) | Q(product_class__isnull=True))}
    rule = rules.get(getattr(product_class, "pk", None)) or rules.get(None)
    if rule is None:
        rule = SettingsRule(kinds=list(app_settings.COPYGEN_AUTO_KINDS), enabled=app_settings.COPYGEN_AUTO_GENERATE,
                            auto_publish=app_settings.COPYGEN_AUTO_PUBLISH)
    return rule if rule.enabled and rule.kinds else None

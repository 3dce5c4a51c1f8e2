"""One row per merchant-visible action, written in the same transaction as the action itself."""

from oscar.core.loading import get_model

AuditEvent = get_model("copygen", "AuditEvent")


def record(action, *, actor=None, channel="staff", product=None, variant=None, job=None, **details):
    """Log ``action``; a variant brings its model version and prompt along, so the log shows what wrote it."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        channel=channel,
        product=product if product is not None else getattr(variant, "product", None),
        variant=variant,
        job=job,
        model_version=getattr(variant, "model_version", None),
        prompt=getattr(variant, "prompt", ""),
        details=details,
    )

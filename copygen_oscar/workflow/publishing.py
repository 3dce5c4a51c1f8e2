"""Publishing writes copy into Oscar's own product fields, so any theme shows it; every write can be reverted.

Human-written copy is never overwritten by a rule: a field is the machine's to fill only while it is empty or
still holds exactly what copygen last published there.
"""

from django.db import transaction
from oscar.core.loading import get_model

from ..kinds import get_kind
from ..receivers import auto_generation_paused
from . import WorkflowError
from .audit import record

CopyVariant = get_model("copygen", "CopyVariant")
Publication = get_model("copygen", "Publication")
Product = get_model("catalogue", "Product")


def current_values(product, kind):
    return {field: getattr(product, field) or "" for field in get_kind(kind).oscar_fields}


def machine_owned(product, kind):
    """Whether a rule may write ``kind`` into this product: its fields are empty or hold copygen's last write."""
    values = current_values(product, kind)
    if not any(value.strip() for value in values.values()):
        return True
    last = Publication.objects.filter(product=product, kind=kind).order_by("-published_at", "-pk").first()
    # A revert to the original (no variant) put a person's words back: those are not the machine's to replace.
    return last is not None and last.variant_id is not None and last.after == values and not _edited_by_hand(last)


def _edited_by_hand(publication):
    return publication.variant is not None and publication.variant.human_edited


def _write(product, kind, values, variant, user, source):
    """Write ``values`` into the product's fields, remember the old ones, and make ``variant`` the live one.

    A rule writes only while the locked row's fields are still the machine's: a person saving in between wins.
    """
    product = Product.objects.select_for_update().get(pk=product.pk)
    if source == Publication.RULE and not machine_owned(product, kind):
        raise WorkflowError("The product's copy changed by hand meanwhile; nothing published.")
    before = current_values(product, kind)
    for field, value in values.items():
        setattr(product, field, value)
    if values:
        with auto_generation_paused():  # copy fields are not facts: publishing must not ask for new copy
            product.save(update_fields=[*values, "date_updated"])
    live = CopyVariant.objects.filter(product=product, kind=kind, status=CopyVariant.LIVE)
    if variant is not None:
        live = live.exclude(pk=variant.pk)
    live.update(status=CopyVariant.APPROVED)
    if variant is not None and variant.status != CopyVariant.LIVE:
        variant.status = CopyVariant.LIVE
        variant.save(update_fields=["status", "updated_at"])
    return Publication.objects.create(product=product, kind=kind, variant=variant, before=before, after=values,
                                      source=source, published_by=user if user and user.is_authenticated else None)


def publish(variant, user, channel="staff"):
    """Put an approved variant live. Kinds with Oscar fields write them; the others are served by copygen."""
    with transaction.atomic():
        variant = CopyVariant.objects.select_for_update(of=("self",)).select_related("model_version").get(pk=variant.pk)
        if variant.status not in (CopyVariant.APPROVED, CopyVariant.LIVE):
            raise WorkflowError(f"Variant {variant.pk} is {variant.get_status_display().lower()}: approve it "
                                "before publishing.")
        kind = get_kind(variant.kind)
        values = kind.oscar_values(variant.body, variant.fields)
        publication = _write(variant.product, variant.kind, values, variant, user,
                             Publication.API if channel == "api" else Publication.STAFF)
        record("publish", actor=user, channel=channel, variant=variant, fields=sorted(values),
               publication=publication.pk)
    return publication


def auto_publish(request):
    """After generation: publish the best variant if the product's rule allows it and nothing human is in the way.

    Every stored variant passed the guard (failing candidates are never stored); the rule is off unless a merchant
    turned it on for the product's class. Returns the publication, or None.
    """
    from .rules import rule_for

    if request.source != request.AUTO:
        return None
    rule = rule_for(request.product)
    if rule is None or not rule.auto_publish:
        return None
    with transaction.atomic():
        best = (CopyVariant.objects.select_for_update(of=("self",)).filter(request=request, status=CopyVariant.DRAFT)
                .select_related("product", "model_version").order_by("index").first())
        if best is None or not best.guard.get("passed") or not machine_owned(best.product, best.kind):
            return None
        kind = get_kind(best.kind)
        try:
            publication = _write(best.product, best.kind, kind.oscar_values(best.body, best.fields), best, None,
                                 Publication.RULE)
        except WorkflowError:
            return None
        record("publish", channel="rule", variant=best, fields=sorted(publication.after),
               publication=publication.pk, rule=rule.pk)
    return publication


def history(product, kind):
    """Every version the product's ``kind`` fields have had, newest first: ``[(label, values, publication)]``.

    The oldest entry is the copy from before copygen first wrote there (the original, usually human copy).
    """
    publications = list(Publication.objects.filter(product=product, kind=kind)
                        .select_related("variant", "published_by").order_by("-published_at", "-pk"))
    versions = [(publication, publication.after) for publication in publications]
    if publications:
        versions.append((None, publications[-1].before))
    return versions


def revert(product, kind, publication, user, channel="staff"):
    """Write back the fields as they were after ``publication`` (None: as they were before copygen's first write).

    A revert is itself a publication, so it can be reverted in turn.
    """
    with transaction.atomic():
        publications = Publication.objects.filter(product=product, kind=kind)
        if publication is None:
            first = publications.order_by("published_at", "pk").first()
            if first is None:
                raise WorkflowError("Nothing was ever published here: there is nothing to revert to.")
            values, variant = first.before, None
        else:
            if publication.product_id != product.pk or publication.kind != kind:
                raise WorkflowError("That version belongs to another product or kind.")
            values, variant = publication.after, publication.variant
        if variant is not None and variant.status in (CopyVariant.REJECTED, CopyVariant.RETIRED):
            raise WorkflowError(f"Variant {variant.pk} was {variant.get_status_display().lower()} since; approve "
                                "it again before putting it back.")
        created = _write(product, kind, values, variant, user, Publication.REVERT)
        if variant is None:
            CopyVariant.objects.filter(product=product, kind=kind, status=CopyVariant.LIVE).update(
                status=CopyVariant.APPROVED)
        record("revert", actor=user, channel=channel, product=product, variant=variant, kind=kind,
               to_publication=publication.pk if publication else None, publication=created.pk)
    return created

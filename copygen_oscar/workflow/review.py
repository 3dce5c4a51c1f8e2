"""Approve, reject and edit drafts. Nothing here touches the product: publishing is a separate step."""

from django.db import transaction
from oscar.core.loading import get_model

from ..facts import EmptyFacts, product_facts
from ..guard import FactIndex, store_vocabulary
from ..kinds import UnusableOutput, get_kind
from ..slots import UnfilledSlot
from . import WorkflowError
from .audit import record

CopyVariant = get_model("copygen", "CopyVariant")
MAX_EDIT_CHARS = 5000


def _locked(variant):
    return CopyVariant.objects.select_for_update(of=("self",)).select_related("product", "model_version").get(pk=variant.pk)


def approve(variant, user, channel="staff"):
    with transaction.atomic():
        variant = _locked(variant)
        if variant.status not in (CopyVariant.DRAFT, CopyVariant.REJECTED):
            raise WorkflowError(f"Variant {variant.pk} is {variant.get_status_display().lower()}; only drafts and "
                                "rejected variants can be approved.")
        variant.status = CopyVariant.APPROVED
        variant.save(update_fields=["status", "updated_at"])
        record("approve", actor=user, channel=channel, variant=variant)
    return variant


def reject(variant, user, channel="staff", reason=""):
    with transaction.atomic():
        variant = _locked(variant)
        if variant.status == CopyVariant.LIVE:
            raise WorkflowError(f"Variant {variant.pk} is live: revert or publish another variant first.")
        if variant.status == CopyVariant.REJECTED:
            return variant
        variant.status = CopyVariant.REJECTED
        variant.save(update_fields=["status", "updated_at"])
        record("reject", actor=user, channel=channel, variant=variant, reason=str(reason)[:500])
    return variant


def edit(variant, text, user, channel="staff"):
    """Replace a draft's copy with the editor's ``text``, read by the kind's own parser (its limits hold).

    The guard runs again and its verdict is stored, so a reviewer sees when an edit states something the catalogue
    does not; an edit is a person's decision, so it is kept either way, marked human-edited.
    """
    text = str(text or "")
    if not text.strip():
        raise WorkflowError("The edited copy is empty.")
    if len(text) > MAX_EDIT_CHARS:
        raise WorkflowError(f"The edited copy is {len(text)} characters; at most {MAX_EDIT_CHARS}.")
    with transaction.atomic():
        variant = _locked(variant)
        if variant.status not in (CopyVariant.DRAFT, CopyVariant.APPROVED):
            raise WorkflowError(f"Variant {variant.pk} is {variant.get_status_display().lower()}; only drafts and "
                                "approved variants can be edited.")
        kind = get_kind(variant.kind)
        from ..requests import catalogue_brands, judge  # the same check generation uses

        try:
            facts = product_facts(variant.product)
            index = FactIndex.from_facts(facts, catalogue_brands())
            parsed, verdict = judge(kind, facts, index, text, store_vocabulary())
        except (UnusableOutput, UnfilledSlot) as exc:
            raise WorkflowError(f"The edited copy does not fit a {kind.name}: {exc}") from None
        except EmptyFacts as exc:
            raise WorkflowError(str(exc)) from None
        before = variant.body
        variant.body, variant.fields = parsed.body, parsed.fields
        variant.guard = {**verdict.as_dict(), "edited": True}
        variant.human_edited, variant.edited_by = True, user if user and user.is_authenticated else None
        # Approved copy is served to shoppers: changed words go back to review, and start a new record there.
        variant.status = CopyVariant.DRAFT
        variant.save(update_fields=["body", "fields", "guard", "human_edited", "edited_by", "status", "updated_at"])
        record("edit", actor=user, channel=channel, variant=variant, before=before, after=variant.body,
               guard_passed=verdict.passed)
    return variant

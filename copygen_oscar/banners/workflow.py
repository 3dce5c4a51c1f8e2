"""A merchant's actions on campaigns and their banners: the dashboard and the API both call these.

Every action is audited (``AuditEvent`` with the campaign and banner ids in ``details``) in its own transaction.
"""

from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from ..guard import store_vocabulary
from ..kinds import UnusableOutput, get_kind
from ..requests import catalogue_brands
from ..slots import UnfilledSlot
from ..workflow import WorkflowError
from ..workflow.audit import record
from . import serving
from .facts import campaign_facts, discount_facts
from .generation import KIND, CampaignError, check_dates, judge, request_banners

BannerCampaign = get_model("copygen", "BannerCampaign")
BannerVariant = get_model("copygen", "BannerVariant")
MAX_EDIT_CHARS = 500


def validate(data, now=None):
    """Check a campaign's fields before saving: ``data`` holds name, goal, offer, range, category, product,
    starts_at, ends_at. Returns a list of ``(field or None, message)``."""
    now = now or timezone.now()
    errors = []
    targets = [key for key in ("offer", "range", "category", "product") if data.get(key)]
    if len(targets) != 1:
        errors.append((None, "Choose exactly one of an offer, a range, a category or a product."))
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if ends and ends <= now:
        errors.append(("ends_at", "The end date is in the past: a campaign must still be running."))
    if starts and ends and ends <= starts:
        errors.append(("ends_at", "The campaign must end after it starts."))
    offer = data.get("offer")
    if data.get("goal") == BannerCampaign.FREE_SHIPPING:
        if offer is None or not any("free" in d for d in discount_facts(offer)):
            errors.append(("goal", "A free shipping campaign needs an offer that gives free shipping."))
    if offer is not None and getattr(offer, "end_datetime", None) and offer.end_datetime <= now:
        errors.append(("offer", "The offer has ended."))
    return errors


def create_campaign(data, user, channel="staff"):
    errors = validate(data)
    if errors:
        raise WorkflowError("; ".join(message for _, message in errors))
    with transaction.atomic():
        campaign = BannerCampaign.objects.create(created_by=user if user and user.is_authenticated else None,
                                                 **data)
        record("campaign_create", actor=user, channel=channel, campaign=campaign.pk, name=campaign.name)
    return campaign


def generate(campaign, user, channel="staff", n=None, tone=None):
    try:
        with transaction.atomic():
            created = request_banners(campaign, n=n, tone=tone, user=user)
            if created:
                record("campaign_generate", actor=user, channel=channel, campaign=campaign.pk, n=campaign.n_variants)
    except CampaignError as exc:
        raise WorkflowError(str(exc)) from exc
    return created


def _locked(variant):
    return BannerVariant.objects.select_for_update().select_related("campaign").get(pk=variant.pk)


def approve(variant, user, channel="staff"):
    with transaction.atomic():
        variant = _locked(variant)
        if variant.status not in (BannerVariant.DRAFT, BannerVariant.REJECTED):
            raise WorkflowError(f"Banner {variant.pk} is {variant.get_status_display().lower()}; only drafts and "
                                "rejected banners can be approved.")
        if variant.render_status != BannerVariant.RENDERED:
            reason = variant.render_reason or "it has not been rendered yet"
            raise WorkflowError(f"Banner {variant.pk} cannot be approved: {reason}")
        if not (variant.guard or {}).get("passed", False):
            raise WorkflowError(f"Banner {variant.pk} did not pass the guard: "
                                f"{'; '.join((variant.guard or {}).get('reasons', [])) or 'not checked'}")
        variant.status = BannerVariant.APPROVED
        variant.save(update_fields=["status", "updated_at"])
        record("banner_approve", actor=user, channel=channel, campaign=variant.campaign_id, banner=variant.pk)
    serving.invalidate(variant.campaign_id)
    return variant


def reject(variant, user, channel="staff"):
    return _set_status(variant, user, channel, BannerVariant.REJECTED, "banner_reject")


def retire_variant(variant, user, channel="staff"):
    return _set_status(variant, user, channel, BannerVariant.RETIRED, "banner_retire")


def _set_status(variant, user, channel, status, action):
    with transaction.atomic():
        variant = _locked(variant)
        if variant.status == status:
            return variant
        variant.status = status
        variant.save(update_fields=["status", "updated_at"])
        record(action, actor=user, channel=channel, campaign=variant.campaign_id, banner=variant.pk)
    serving.invalidate(variant.campaign_id)
    return variant


def edit(variant, text, user, channel="staff"):
    """A person's own wording for a banner ("Headline: ...", "Subline: ...", "Call to action: ..." lines), guarded
    like the model's, as a new draft next to the one it rewrites; rendering follows on the CPU queue."""
    return write(variant.campaign, text, user, channel, based_on=variant)


def write(campaign, text, user, channel="staff", based_on=None):
    """A new human-written banner for ``campaign``; refused with the guard's reasons when it states what the
    campaign's facts do not."""
    if len(text or "") > MAX_EDIT_CHARS:
        raise WorkflowError(f"At most {MAX_EDIT_CHARS} characters.")
    facts = campaign_facts(campaign)
    try:
        parsed, verdict = judge(get_kind(KIND), facts, facts.index(catalogue_brands()), text, store_vocabulary())
    except (UnusableOutput, UnfilledSlot) as exc:
        raise WorkflowError(f"Not a banner: {exc}") from exc
    if not verdict.passed:
        raise WorkflowError(f"The guard refused it: {'; '.join(verdict.reasons)}")
    with transaction.atomic():
        new = BannerVariant.objects.create(
            campaign=campaign, index=based_on.index if based_on else 0,
            model_version=based_on.model_version if based_on else None, fields=parsed.fields, body=parsed.body,
            prompt=based_on.prompt if based_on else "", facts_hash=facts.hash, scores=parsed.scores,
            guard=verdict.as_dict(), human_edited=True, created_by=user if user and user.is_authenticated else None)
        record("banner_edit", actor=user, channel=channel, campaign=campaign.pk, banner=new.pk,
               edited=based_on.pk if based_on else None)
        from .tasks import enqueue_render

        transaction.on_commit(lambda: enqueue_render([new.pk]))
    return new


def schedule(campaign, user, channel="staff", starts_at=None, ends_at=None):
    """Put the campaign on the storefront for its dates (it shows while they run and it has an approved banner)."""
    with transaction.atomic():
        campaign = BannerCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status == BannerCampaign.RETIRED:
            raise WorkflowError("The campaign is retired.")
        campaign.starts_at = starts_at or campaign.starts_at
        campaign.ends_at = ends_at if ends_at is not None else campaign.ends_at
        try:
            check_dates(campaign)
        except CampaignError as exc:
            raise WorkflowError(str(exc)) from exc
        if not campaign.variants.filter(status=BannerVariant.APPROVED, render_status=BannerVariant.RENDERED).exists():
            raise WorkflowError("Approve a rendered banner before scheduling the campaign.")
        campaign.status = BannerCampaign.SCHEDULED
        campaign.save(update_fields=["status", "starts_at", "ends_at", "updated_at"])
        record("campaign_schedule", actor=user, channel=channel, campaign=campaign.pk,
               starts_at=campaign.starts_at.isoformat(), ends_at=campaign.ends_at.isoformat() if campaign.ends_at
               else None)
    serving.invalidate(campaign.pk)
    return campaign


def retire(campaign, user, channel="staff"):
    with transaction.atomic():
        campaign = BannerCampaign.objects.select_for_update().get(pk=campaign.pk)
        campaign.status = BannerCampaign.RETIRED
        campaign.save(update_fields=["status", "updated_at"])
        record("campaign_retire", actor=user, channel=channel, campaign=campaign.pk)
    serving.invalidate(campaign.pk)
    return campaign

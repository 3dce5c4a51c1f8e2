"""Demo banner campaign: an Oscar range and a 20% offer on the demo catalogue's outerwear, a campaign for it, banner
copy (the model's when it writes some that passes the guard, else a merchant's own wording, guarded the same way),
every size rendered, the best banner approved and the campaign scheduled, so the storefront shows its hero.
Running it again changes nothing that exists. ``--docs docs/banners`` also writes the README's images."""

import io
import shutil
from datetime import timedelta
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from copygen_oscar.banners import generation, workflow
from copygen_oscar.banners.tasks import render_variant
from copygen_oscar.workflow import WorkflowError

BannerCampaign = get_model("copygen", "BannerCampaign")
BannerVariant = get_model("copygen", "BannerVariant")
Benefit = get_model("offer", "Benefit")
Category = get_model("catalogue", "Category")
Condition = get_model("offer", "Condition")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Range = get_model("offer", "Range")

NAME = "Summer outerwear sale"
# A merchant's own wording, used when the model wrote nothing that passed: guarded like the model's.
MERCHANT_COPY = ("Headline: Summer sale: 20% off outerwear\n"
                 "Subline: Rain jackets from our outerwear range, now 20% off. Ends {ends}.\n"
                 "Call to action: See the range")
README_SIZES = ("hero", "social", "square", "medium_rectangle", "leaderboard")


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--no-model", action="store_true", help="Skip the model; use the merchant's wording.")
        parser.add_argument("--docs", default="", help="Folder to copy the approved banner's PNGs into.")

    def handle(self, *args, no_model=False, docs="", **options):
        call_command("copygen_demo_catalogue", stdout=io.StringIO())
        campaign = self.campaign()
        if not campaign.variants.filter(status=BannerVariant.APPROVED).exists():
            if not no_model and not campaign.variants.exists():
                self.generate(campaign)
            variants = [render_variant(v) for v in campaign.variants.filter(status=BannerVariant.DRAFT)]
            # The demo puts up a banner that states the offer; the model's others stay drafts for the merchant.
            usable = [v for v in variants if v.render_status == BannerVariant.RENDERED and v.guard.get("passed")
                      and v.scores.get("states_offer")]
            if not usable:
                usable = [self.merchant_banner(campaign)]
            workflow.approve(usable[0], None, channel="demo")
        if campaign.status != BannerCampaign.SCHEDULED:
            workflow.schedule(campaign, None, channel="demo")
        approved = campaign.variants.filter(status=BannerVariant.APPROVED).order_by("pk").first()
        self.stdout.write(f"Campaign #{campaign.pk} '{campaign.name}' is scheduled with banner #{approved.pk}: "
                          f"{approved.fields}")
        if docs:
            folder = Path(docs)
            folder.mkdir(parents=True, exist_ok=True)
            for size in README_SIZES:
                with default_storage.open(approved.renders[size]["png"], "rb") as source, \
                        open(folder / f"banner-{size.replace('_', '-')}.png", "wb") as target:
                    shutil.copyfileobj(source, target)
            self.stdout.write(f"README images written to {folder}")

    @transaction.atomic
    def campaign(self):
        outerwear = Category.objects.filter(name="Outerwear").first()
        rng, _ = Range.objects.get_or_create(slug="demo-outerwear", defaults={"name": "Outerwear",
                                                                              "is_public": True})
        if outerwear is not None:
            rng.included_categories.add(outerwear)
        offer = ConditionalOffer.objects.filter(name=NAME).first()
        if offer is None:
            offer = ConditionalOffer.objects.create(
                name=NAME, offer_type=ConditionalOffer.SITE, description="20% off outerwear.",
                benefit=Benefit.objects.create(range=rng, type=Benefit.PERCENTAGE, value=20),
                condition=Condition.objects.create(range=rng, type=Condition.COUNT, value=1))
        campaign = BannerCampaign.objects.filter(name=NAME).exclude(status=BannerCampaign.RETIRED).first()
        now = timezone.now()
        if campaign is None:
            campaign = workflow.create_campaign(dict(
                name=NAME, goal=BannerCampaign.SALE, offer=offer, starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=60), n_variants=3), None, channel="demo")
        elif campaign.ends_at and campaign.ends_at <= now:
            campaign.ends_at = now + timedelta(days=60)
            campaign.save(update_fields=["ends_at", "updated_at"])
        return campaign

    def generate(self, campaign):
        try:
            workflow.generate(campaign, None, channel="demo")
            generation.process_pending()
        except WorkflowError as exc:
            self.stdout.write(f"No model copy: {exc}")
            return
        campaign.refresh_from_db()
        self.stdout.write(f"Model copy: {campaign.get_generation_status_display()}"
                          f"{': ' + campaign.generation_reason if campaign.generation_reason else ''}")

    def merchant_banner(self, campaign):
        facts = generation.campaign_facts(campaign)
        return render_variant(workflow.write(campaign, MERCHANT_COPY.format(ends=facts.ends), None, channel="demo"))

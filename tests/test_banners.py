"""Banner campaigns end to end: facts from Oscar's offers, the guard, real generation, rendering into storage, the
dashboard and API with their rights, and the storefront hero with impressions, clicks and conversions counted."""

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import (BenefitFactory, ConditionalOfferFactory, ConditionFactory, RangeFactory,
                                  UserFactory, create_basket, create_order, create_product, create_product_image,
                                  create_stockrecord)
from PIL import Image

from copygen_oscar.banners import generation, serving, workflow
from copygen_oscar.banners.facts import campaign_facts, campaign_products, discount_facts
from copygen_oscar.banners.render import SIZES
from copygen_oscar.banners.tasks import render_variant
from copygen_oscar.kinds import get_kind
from copygen_oscar.serving.events import flush
from copygen_oscar.serving.rewards import attribute

BannerCampaign = get_model("copygen", "BannerCampaign")
BannerVariant = get_model("copygen", "BannerVariant")
BasketEvent = get_model("copygen", "BasketEvent")
Impression = get_model("copygen", "Impression")
Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
Category = get_model("catalogue", "Category")
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def banner_settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.COPYGEN_BANNER_LOGO = str(ROOT / "shop_demo" / "banner-logo.png")
    settings.COPYGEN_EVENT_BUFFER = "copygen_oscar.serving.events.FileBuffer"
    settings.VAR_DIR = tmp_path
    from copygen_oscar.serving import events

    events._buffers.clear()
    cache.clear()
    yield settings
    events._buffers.clear()


def png_upload(name="jacket.png", size=(640, 480), colour=(180, 40, 40)):
    data = io.BytesIO()
    Image.new("RGB", size, colour).save(data, "PNG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/png")


def offer(products, benefit_type=Benefit.PERCENTAGE, value=20, count=1):
    rng = RangeFactory(products=products, is_public=True)
    return ConditionalOfferFactory( benefit=BenefitFactory(type=benefit_type, value=value, range=rng),
        condition=ConditionFactory(type=Condition.COUNT, value=count, range=rng))


@pytest.fixture
def jacket():
    product = create_product(title="Northmoor Rain Jacket", price=Decimal("80.00"), num_in_stock=10)
    return product


@pytest.fixture
def campaign(jacket, admin_user):
    return workflow.create_campaign(dict(
        name="Summer rain sale", goal=BannerCampaign.SALE, offer=offer([jacket]), starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(days=30), n_variants=2), admin_user)


def banner(campaign, headline="Summer sale: 20% off", subline="The Northmoor Rain Jacket, now 20% off.",
           cta="Shop now", status=BannerVariant.DRAFT):
    facts = campaign_facts(campaign)
    text = f"Headline: {headline}\nSubline: {subline}\nCall to action: {cta}"
    from copygen_oscar.guard import store_vocabulary
    from copygen_oscar.requests import catalogue_brands

    parsed, verdict = generation.judge(get_kind("banner"), facts, facts.index(catalogue_brands()), text,
                                       store_vocabulary())
    return BannerVariant.objects.create(campaign=campaign, fields=parsed.fields, body=parsed.body,
                                        guard=verdict.as_dict(), status=status)


# ------------------------------------------------------------------------------------------------------ facts


def test_discount_facts_are_taken_from_the_offer(jacket):
    assert discount_facts(offer([jacket], Benefit.PERCENTAGE, 20)) == ["20% off"]
    assert discount_facts(offer([jacket], Benefit.PERCENTAGE, 50)) == ["50% off", "half price"]
    assert discount_facts(offer([jacket], Benefit.MULTIBUY, 0, count=3)) == ["3 for 2"]
    assert discount_facts(offer([jacket], Benefit.FIXED_PRICE, 100, count=3)) == ["3 for £100"]
    assert discount_facts(offer([jacket], Benefit.FIXED, Decimal("7.50"))) == ["£7.50 off"]
    assert discount_facts(offer([jacket], Benefit.SHIPPING_FIXED_PRICE, 0))[0] == "free shipping"
    assert discount_facts(offer([jacket], Benefit.PERCENTAGE, 0)) == []  # an offer with no discount
    assert discount_facts(None) == []


def test_campaign_facts_cover_dates_products_and_the_prompt(campaign, jacket):
    facts = campaign_facts(campaign)
    assert facts.discounts == ["20% off"] and facts.product.title == "Northmoor Rain Jacket"
    assert list(campaign_products(campaign)) == [jacket]
    prompt = generation.build_prompt(get_kind("banner"), facts)
    assert "Product: Northmoor Rain Jacket" in prompt and "Offer: 20% off" in prompt
    assert prompt.rstrip().endswith("Banner:") and f"Ends: {facts.ends}" in prompt


def test_the_guard_holds_banner_copy_to_the_campaign_facts(campaign, jacket, admin_user):
    ok = banner(campaign)
    assert ok.guard["passed"], ok.guard
    invented = banner(campaign, headline="Summer sale: 30% off")
    assert not invented.guard["passed"] and "'30%' is not in the facts" in invented.guard["reasons"]
    plain = workflow.create_campaign(dict(name="Rain jackets", goal=BannerCampaign.NEW_ARRIVAL, product=jacket,
                                          starts_at=timezone.now()), admin_user)
    assert campaign_facts(plain).discounts == []
    promised = banner(plain, headline="Save on rain jackets", subline="The Northmoor Rain Jacket.")
    assert not promised.guard["passed"]
    assert any("campaign's offer gives none" in reason for reason in promised.guard["reasons"])
    assert banner(plain, headline="Northmoor Rain Jacket", subline="The Northmoor Rain Jacket.").guard["passed"]


def test_bad_campaigns_are_refused_with_reasons(jacket, admin_user):
    past = timezone.now() - timedelta(days=2)
    errors = workflow.validate(dict(name="Old", goal="sale", product=jacket, starts_at=past - timedelta(days=5),
                                    ends_at=past))
    assert any("in the past" in message for _, message in errors)
    errors = workflow.validate(dict(name="Ship", goal="free_shipping", offer=offer([jacket]),
                                    starts_at=timezone.now()))
    assert any("free shipping" in message for _, message in errors)
    errors = workflow.validate(dict(name="Two", goal="sale", product=jacket, category=Category.add_root(name="C"),
                                    starts_at=timezone.now()))
    assert any("exactly one" in message for _, message in errors)
    campaign = workflow.create_campaign(dict(name="Late", goal="sale", product=jacket, starts_at=timezone.now(),
                                             ends_at=timezone.now() + timedelta(days=1)), admin_user)
    BannerCampaign.objects.filter(pk=campaign.pk).update(ends_at=past)
    campaign.refresh_from_db()
    with pytest.raises(workflow.WorkflowError, match="ended"):
        workflow.generate(campaign, admin_user)


# ------------------------------------------------------------------------------------------------- generation


def test_real_generation_for_a_campaign_through_its_request_row(campaign, settings, admin_user):
    """The shipped default model, a durable request row, claimed and processed in-process: whatever it wrote
    passed the guard against the campaign's facts, or the campaign failed with the reasons."""
    settings.COPYGEN_MODEL_PATH = str(ROOT / "copygen_oscar" / "default_model")
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 4
    settings.COPYGEN_SEED = 7
    assert workflow.generate(campaign, admin_user) is True
    assert workflow.generate(campaign, admin_user) is False  # one waiting request per campaign
    campaign.refresh_from_db()
    assert campaign.generation_status == BannerCampaign.PENDING
    generation.process_pending()
    campaign.refresh_from_db()
    assert campaign.generation_status in (BannerCampaign.DONE, BannerCampaign.FAILED), campaign.generation_reason
    assert campaign.facts.get("discounts") == ["20% off"]
    variants = list(campaign.variants.all())
    if campaign.generation_status == BannerCampaign.FAILED:
        assert "candidates were rejected" in campaign.generation_reason and not variants
        return
    assert 1 <= len(variants) <= 2
    facts = campaign_facts(campaign)
    for variant in variants:
        assert variant.guard["passed"] and variant.model_version is not None
        assert set(variant.fields) == {"Headline", "Subline", "Call to action"}
        assert "Offer: 20% off" in variant.prompt
        assert facts.discount_reasons(" ".join(variant.fields.values())) == []


def test_a_lost_worker_claim_comes_back_through_the_sweep(campaign, admin_user):
    workflow.generate(campaign, admin_user)
    claimed = generation.claim("dead-worker")
    assert [c.pk for c in claimed] == [campaign.pk]
    BannerCampaign.objects.filter(pk=campaign.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    report = generation.sweep()
    assert report["requeued"] == 1
    campaign.refresh_from_db()
    assert campaign.generation_status == BannerCampaign.PENDING
    assert generation.finish(campaign, "dead-worker", BannerCampaign.DONE) is False  # its result is dropped


# -------------------------------------------------------------------------------------------------- rendering


def test_rendering_stores_every_size_as_png_and_webp_with_measured_boxes(campaign, jacket):
    create_product_image(jacket, original=png_upload())
    variant = render_variant(banner(campaign))
    assert variant.render_status == BannerVariant.RENDERED, variant.render_reason
    assert set(variant.renders) == set(SIZES)
    for size, entry in variant.renders.items():
        for fmt in ("png", "webp"):
            with default_storage.open(entry[fmt]) as handle:
                image = Image.open(handle)
                assert image.format == fmt.upper() and image.size == (SIZES[size].width, SIZES[size].height)
        assert entry["min_contrast"] >= 4.5
        for box in entry["boxes"]:
            (x0, y0, x1, y1), (a0, b0, a1, b1) = box["box"], box["area"]
            assert a0 <= x0 and b0 <= y0 and x1 <= a1 and y1 <= b1
    with default_storage.open(variant.renders["hero"]["png"]) as handle:
        first = handle.read()
    render_variant(variant, force=True)
    with default_storage.open(variant.renders["hero"]["png"]) as handle:
        assert handle.read() == first  # deterministic


def test_bad_pictures_and_unfittable_text_are_reported_not_rendered_badly(campaign, jacket, settings, tmp_path):
    settings.COPYGEN_BANNER_LOGO = str(tmp_path / "missing-logo.png")
    huge = Image.new("1", (4000, 3000))
    data = io.BytesIO()
    huge.save(data, "PNG")
    create_product_image(jacket, original=SimpleUploadedFile("huge.png", data.getvalue(), content_type="image/png"))
    settings.COPYGEN_BANNER_MAX_IMAGE_PIXELS = 5_000_000
    variant = render_variant(banner(campaign))
    assert variant.render_status == BannerVariant.RENDERED
    assert "logo file not found" in variant.render_reason and "too large" in variant.render_reason

    unfittable = render_variant(banner(campaign, headline="Northmoorrainjacketsummersale20offnowhere"[:40]))
    assert unfittable.render_status == BannerVariant.RENDER_FAILED
    assert "does not fit" in unfittable.render_reason and "minimum font size" in unfittable.render_reason
    with pytest.raises(workflow.WorkflowError, match="does not fit"):
        workflow.approve(unfittable, None)


# -------------------------------------------------------------------- merchant flow, storefront, closed loop


def live_banner(campaign, user):
    plain = {} if campaign.offer_id else {"headline": "Northmoor Rain Jacket", "subline": "The Northmoor Rain Jacket."}
    variant = render_variant(banner(campaign, **plain))
    workflow.approve(variant, user)
    workflow.schedule(campaign, user)
    return variant


def test_merchant_creates_approves_schedules_and_the_storefront_counts_it(client, admin_user, jacket):
    the_offer = offer([jacket])
    client.force_login(admin_user)
    response = client.post(reverse("copygen_dashboard:copygen-campaign-create"), {
        "name": "Summer rain sale", "goal": "sale", "offer": the_offer.pk,
        "starts_at": (timezone.localtime() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"), "n_variants": 2})
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = BannerCampaign.objects.get(name="Summer rain sale")
    page = client.get(reverse("copygen_dashboard:copygen-campaign", args=[campaign.pk])).content.decode()
    assert "20% off" in page and "No banners yet" in page

    variant = render_variant(banner(campaign))
    page = client.get(reverse("copygen_dashboard:copygen-campaign", args=[campaign.pk])).content.decode()
    assert page.count('class="col-md-6 mb-3 copygen-preview"') == len(SIZES)
    download = client.get(reverse("copygen_dashboard:copygen-banner-download", args=[variant.pk]),
                          {"size": "square", "format": "webp"})
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content)[:4] == b"RIFF"
    assert client.post(reverse("copygen_dashboard:copygen-campaign-action", args=[campaign.pk, "schedule"]),
                       follow=True).content.decode().count("Approve a rendered banner") == 1
    client.post(reverse("copygen_dashboard:copygen-banner-action", args=[variant.pk, "approve"]))
    client.post(reverse("copygen_dashboard:copygen-campaign-action", args=[campaign.pk, "schedule"]))
    campaign.refresh_from_db()
    variant.refresh_from_db()
    assert variant.status == BannerVariant.APPROVED and campaign.status == BannerCampaign.SCHEDULED

    # A shopper on the home page (Oscar's catalogue index) sees the hero and is logged once.
    shopper = client.__class__()
    home = shopper.get(reverse("catalogue:index")).content.decode()
    assert f'data-banner="{variant.pk}"' in home and variant.renders["hero"]["png"] in home
    assert shopper.get(reverse("catalogue:index")).status_code == 200
    assert flush()["impressions"] == 1
    impression = Impression.objects.get(kind=serving.KIND)
    assert impression.context["campaign"] == campaign.pk and impression.arm == str(variant.pk)
    assert impression.product_id is None and impression.probability == 1.0

    click = shopper.get(reverse("copygen-banner-click", args=[campaign.pk, variant.pk]))
    assert click.status_code == 302 and click["Location"] == the_offer.get_absolute_url()
    shopper.get(reverse("copygen-banner-click", args=[campaign.pk, variant.pk]))
    variant.refresh_from_db()
    assert variant.clicks == 1  # once per visitor

    basket = create_basket(empty=True)
    create_stockrecord(jacket, price=Decimal("80.00"), num_in_stock=5) if not jacket.stockrecords.exists() else None
    basket.add_product(jacket)
    order = create_order(basket=basket)
    BasketEvent.objects.create(event_id="00000000-0000-0000-0000-000000000001", at=timezone.now(),
                               visitor=impression.visitor, basket_id=order.basket_id, product=jacket)
    assert attribute(order) == 1
    assert attribute(order) == 0  # an order counts once
    impression.refresh_from_db()
    assert impression.reward == Impression.CONVERTED and impression.order_number == str(order.number)

    page = client.get(reverse("copygen_dashboard:copygen-campaign", args=[campaign.pk])).content.decode()
    assert 'class="copygen-impressions">1<' in page and 'class="copygen-clicks">1<' in page
    assert 'class="copygen-conversions">1<' in page and "copygen-campaign-live" in page

    client.post(reverse("copygen_dashboard:copygen-campaign-action", args=[campaign.pk, "retire"]))
    assert "data-banner=" not in client.__class__().get(reverse("catalogue:index")).content.decode()


def test_an_order_of_other_products_does_not_reward_the_banner(client, admin_user, campaign):
    variant = live_banner(campaign, admin_user)
    client.get(reverse("catalogue:index"))
    flush()
    impression = Impression.objects.get(kind=serving.KIND)
    other = create_product(title="Fellside Wool Hat", price=Decimal("20.00"), num_in_stock=5)
    basket = create_basket(empty=True)
    basket.add_product(other)
    order = create_order(basket=basket)
    BasketEvent.objects.create(event_id="00000000-0000-0000-0000-000000000002", at=timezone.now(),
                               visitor=impression.visitor, basket_id=order.basket_id, product=other)
    assert attribute(order) == 0
    impression.refresh_from_db()
    assert impression.reward is None and impression.arm == str(variant.pk)


def test_category_pages_show_their_own_campaign(client, admin_user, jacket):
    outdoor = Category.add_root(name="Outdoor")
    jacket.categories.add(outdoor)
    home_campaign = workflow.create_campaign(dict(name="Everything", goal="seasonal", product=jacket,
                                                  starts_at=timezone.now() - timedelta(hours=1)), admin_user)
    category_campaign = workflow.create_campaign(dict(name="Outdoor", goal="seasonal", category=outdoor,
                                                      starts_at=timezone.now() - timedelta(hours=2)), admin_user)
    home_variant = live_banner(home_campaign, admin_user)
    category_variant = live_banner(category_campaign, admin_user)
    assert f'data-banner="{home_variant.pk}"' in client.get(reverse("catalogue:index")).content.decode()
    page = client.get(outdoor.get_absolute_url()).content.decode()
    assert f'data-banner="{category_variant.pk}"' in page


def test_shown_text_is_escaped(client, admin_user, jacket):
    campaign = workflow.create_campaign(dict(name='<script>alert("x")</script>', goal="seasonal", product=jacket,
                                             starts_at=timezone.now() - timedelta(hours=1)), admin_user)
    variant = live_banner(campaign, admin_user)
    BannerVariant.objects.filter(pk=variant.pk).update(fields={**variant.fields, "Headline": '"><img onerror=x>'})
    serving.invalidate(campaign.pk)
    client.force_login(admin_user)
    page = client.get(reverse("copygen_dashboard:copygen-campaign", args=[campaign.pk])).content.decode()
    assert '<script>alert("x")' not in page and "&lt;script&gt;" in page
    home = client.get(reverse("catalogue:index")).content.decode()
    assert "<img onerror" not in home and "&quot;&gt;&lt;img onerror=x&gt;" in home


# ---------------------------------------------------------------------------------------------------- rights


@pytest.mark.parametrize("name,args", [("copygen-campaigns", []), ("copygen-campaign-create", []),
                                       ("copygen-campaign", [1])])
def test_campaign_pages_are_for_staff_with_the_rights(client, name, args):
    url = reverse(f"copygen_dashboard:{name}", args=args)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(UserFactory(is_staff=False))
    assert client.get(url).status_code in (302, 403)
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403


def test_viewing_campaigns_does_not_allow_changing_them(client, campaign):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_bannercampaign"),
                               Permission.objects.get(codename="view_copyvariant"))
    client.force_login(staff)
    assert client.get(reverse("copygen_dashboard:copygen-campaigns")).status_code == 200
    assert client.get(reverse("copygen_dashboard:copygen-campaign", args=[campaign.pk])).status_code == 200
    assert client.post(reverse("copygen_dashboard:copygen-campaign-action",
                               args=[campaign.pk, "retire"])).status_code == 403
    variant = banner(campaign)
    assert client.post(reverse("copygen_dashboard:copygen-banner-action",
                               args=[variant.pk, "approve"])).status_code == 403
    assert client.get(reverse("copygen_dashboard:copygen-campaign-create")).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == BannerCampaign.DRAFT


def test_api_creates_campaigns_and_reviews_banners(client, admin_user, jacket):
    the_offer = offer([jacket])
    client.force_login(admin_user)
    url = reverse("copygen_api:campaign-list")
    past = client.post(url, {"name": "Old", "goal": "sale", "offer": the_offer.pk,
                             "starts_at": "2020-01-01T00:00:00Z", "ends_at": "2020-02-01T00:00:00Z"},
                       content_type="application/json")
    assert past.status_code == 400 and "ends_at" in past.json()
    created = client.post(url, {"name": "Rain sale", "goal": "sale", "offer": the_offer.pk,
                                "starts_at": timezone.now().isoformat()}, content_type="application/json")
    assert created.status_code == 201, created.content
    campaign = BannerCampaign.objects.get(pk=created.json()["id"])
    variant = render_variant(banner(campaign))
    listed = client.get(reverse("copygen_api:banner-list"), {"campaign": campaign.pk}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["id"] for row in rows] == [variant.pk]
    assert rows[0]["renders"]["hero"]["png_url"].endswith("hero.png")
    approved = client.post(reverse("copygen_api:banner-approve", args=[variant.pk]))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    scheduled = client.post(reverse("copygen_api:campaign-schedule", args=[campaign.pk]))
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled"
    edited = client.post(reverse("copygen_api:banner-edit", args=[variant.pk]),
                         {"text": "Headline: 90% off today\nSubline: x\nCall to action: Shop now"},
                         content_type="application/json")
    assert edited.status_code == 400 and "90%" in edited.json()["detail"]

    client.force_login(UserFactory(is_staff=False))
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code in (401, 403)

"""The dashboard's copy pages: every action through its page, with CSRF, permissions and escaping."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory, create_product

from copygen_oscar import permissions as perms

AuditEvent = get_model("copygen", "AuditEvent")
BulkJob = get_model("copygen", "BulkJob")
CopyVariant = get_model("copygen", "CopyVariant")
GenerationRequest = get_model("copygen", "GenerationRequest")
ModelVersion = get_model("copygen", "ModelVersion")
Publication = get_model("copygen", "Publication")

pytestmark = pytest.mark.django_db
BODY = "<p>A warm wool scarf for cold days, knitted in the Scottish borders.</p>"


def staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="copygen", codename__in=[
        name.split(".")[1] for name in codenames]))
    return user


@pytest.fixture
def merchant():
    """Staff with every copygen right (copy, jobs, models, audit, campaigns, service replies)."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="copygen"))
    return user


def dashboard_urls():
    """Every URL pattern of the copygen dashboard, with its arguments filled in."""
    resolver = next(p for p in get_resolver().url_patterns
                    if isinstance(p, URLResolver) and p.namespace == "copygen_dashboard")
    product = create_product(title="Walked Product")
    variant = CopyVariant.objects.create(product=product, kind="description", body=BODY)
    job = BulkJob.objects.create(description="walk", kinds=["description"])
    version = ModelVersion.objects.create(name="walk", path="/nowhere", fingerprint="f" * 64)
    values = {"pk": {"copygen-variant": variant.pk, "copygen-job": job.pk, "copygen-job-progress": job.pk,
                     "copygen-job-cancel": job.pk, "copygen-model-status": version.pk}, "action": "approve"}
    urls = []
    for pattern in resolver.url_patterns:
        assert isinstance(pattern, URLPattern)
        kwargs = {name: (values[name].get(pattern.name, product.pk) if name == "pk" else values[name])
                  for name in pattern.pattern.converters}
        urls.append(reverse(f"copygen_dashboard:{pattern.name}", kwargs=kwargs))
    return urls


def test_every_page_and_action_is_closed_to_customers_and_to_staff_without_the_rights(client, merchant):
    urls = dashboard_urls()
    assert len(urls) >= 13
    for user in (UserFactory(is_staff=False), UserFactory(is_staff=True)):
        client.force_login(user)
        for url in urls:
            for method in (client.get, client.post):
                assert method(url).status_code == 403, (user.is_staff, method.__name__, url)
    client.force_login(merchant)
    for url in urls:
        # The rights open every page (404: past the rights check, the walk's id is not that object's).
        assert client.get(url).status_code in (200, 404, 405), url
    client.logout()
    assert all(client.get(url).status_code == 302 for url in urls)  # anonymous: to the login page


def test_reviewing_does_not_give_the_right_to_publish(client):
    reviewer = staff_with(perms.VIEW, perms.REVIEW)
    product = create_product(title="Borders Wool Scarf")
    draft = CopyVariant.objects.create(product=product, kind="description", body=BODY)
    client.force_login(reviewer)
    page = client.get(reverse("copygen_dashboard:copygen-product", args=[product.pk])).content.decode()
    assert "copygen-approve" in page and "copygen-publish" not in page
    assert client.post(reverse("copygen_dashboard:copygen-variant", args=[draft.pk, "approve"])).status_code == 302
    assert client.post(reverse("copygen_dashboard:copygen-variant", args=[draft.pk, "publish"])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == CopyVariant.APPROVED


def test_state_changes_need_the_csrf_token(merchant):
    product = create_product(title="Borders Wool Scarf")
    draft = CopyVariant.objects.create(product=product, kind="description", body=BODY)
    client = Client(enforce_csrf_checks=True)
    client.force_login(merchant)
    url = reverse("copygen_dashboard:copygen-variant", args=[draft.pk, "approve"])
    assert client.post(url).status_code == 403
    draft.refresh_from_db()
    assert draft.status == CopyVariant.DRAFT
    page = client.get(reverse("copygen_dashboard:copygen-product", args=[product.pk])).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == CopyVariant.APPROVED


def test_the_whole_loop_in_the_dashboard(client, merchant):
    product = create_product(title="Borders Wool Scarf")
    product.description = "<p>The owner's scarf copy.</p>"
    product.save()
    client.force_login(merchant)
    page_url = reverse("copygen_dashboard:copygen-product", args=[product.pk])

    response = client.post(reverse("copygen_dashboard:copygen-generate", args=[product.pk]),
                           {"kind": "description", "tone": "premium", "segment": "gift buyers", "n": 3})
    assert response.status_code == 302
    request = GenerationRequest.objects.get(product=product, source="staff")
    assert (request.tone, request.segment, request.n_variants) == ("premium", "gift buyers", 3)
    bad = client.post(reverse("copygen_dashboard:copygen-generate", args=[product.pk]), {"kind": "poem", "n": 11},
                      follow=True)
    assert "Nothing generated" in bad.content.decode(), re.findall(r'alert[^>]*>[^<]*', bad.content.decode())
    assert GenerationRequest.objects.filter(product=product, source="staff").count() == 1

    draft = CopyVariant.objects.create(product=product, kind="description", body=BODY, request=request,
                                       fields={"text": "A warm wool scarf for cold days, knitted in the Scottish borders."})
    page = client.get(page_url).content.decode()
    # Side by side: the live copy's words struck out on the left, the variant's new words on the right.
    live = re.search(r'<div class="copygen-diff-live">(.*?)</div>', page).group(1)
    variant_side = re.search(r'<div class="copygen-diff-variant">(.*?)</div>', page).group(1)
    assert "<del>owner&#x27;s</del>" in live and "<ins>" not in live
    assert "<ins>warm wool</ins>" in variant_side and "<del>" not in variant_side and "scarf" in variant_side
    assert "A warm wool scarf for cold days" in page  # the edit box holds the copy as the model writes it

    variant_url = lambda action: reverse("copygen_dashboard:copygen-variant", args=[draft.pk, action])  # noqa: E731
    client.post(variant_url("edit"), {"text": "A warm wool scarf for cold days. Knitted by hand in the borders."})
    client.post(variant_url("approve"))
    client.post(variant_url("publish"))
    product.refresh_from_db(), draft.refresh_from_db()
    assert draft.human_edited and draft.status == CopyVariant.LIVE
    assert product.description == draft.body and "Knitted by hand" in product.description
    page = client.get(page_url).content.decode()
    assert "human-edited" in page and "Original copy, before copygen" in page

    client.post(reverse("copygen_dashboard:copygen-revert", args=[product.pk]),
                {"kind": "description", "publication": "original"})
    product.refresh_from_db()
    assert product.description == "<p>The owner's scarf copy.</p>"
    response = client.post(reverse("copygen_dashboard:copygen-revert", args=[product.pk]),
                           {"kind": "description", "publication": "12345"}, follow=True)
    assert "No such version" in response.content.decode()

    audit = client.get(reverse("copygen_dashboard:copygen-audit") + f"?product={product.pk}").content.decode()
    for action in ("generate", "edit", "approve", "publish", "revert"):
        assert f"action-{action}" in audit
    assert merchant.get_username() in audit


def test_bulk_generation_page_starts_a_job_with_progress_and_cancel(client, merchant):
    products = [create_product(title=f"Wool Sock {i}") for i in range(4)]
    GenerationRequest.objects.all().delete()
    client.force_login(merchant)
    form = client.get(reverse("copygen_dashboard:copygen-job-create") + "?q=Wool+Sock").content.decode()
    assert form.count('class="copygen-product-box"') == 4

    response = client.post(reverse("copygen_dashboard:copygen-job-create"), {
        "mode": "products", "products": [p.pk for p in products[:3]], "kinds": ["description", "seo"], "n": 2})
    job = BulkJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("copygen_dashboard:copygen-job",
                                                                           args=[job.pk])
    assert job.total == 6 and job.created_by == merchant
    progress = client.get(reverse("copygen_dashboard:copygen-job-progress", args=[job.pk])).json()
    assert (progress["total"], progress["pending"], progress["percent"], progress["status"]) == (6, 6, 0, "running")
    page = client.get(reverse("copygen_dashboard:copygen-job", args=[job.pk])).content.decode()
    assert 'id="copygen-progress"' in page and page.count("copygen-product-link") == 6

    client.post(reverse("copygen_dashboard:copygen-job-cancel", args=[job.pk]))
    progress = client.get(reverse("copygen_dashboard:copygen-job-progress", args=[job.pk])).json()
    assert (progress["cancelled"], progress["percent"], progress["status"]) == (6, 100, "cancelled")

    refused = client.post(reverse("copygen_dashboard:copygen-job-create"), {"mode": "products", "kinds": ["seo"],
                                                                             "n": 2})
    assert refused.status_code == 200 and "Choose at least one product" in refused.content.decode()
    assert BulkJob.objects.count() == 1
    listing = client.get(reverse("copygen_dashboard:copygen-jobs")).content.decode()
    assert "3 selected products" in listing


def test_a_planted_script_is_shown_as_text_everywhere(client, merchant):
    product = create_product(title='<script>document.title="pwned"</script>Scarf')
    CopyVariant.objects.create(product=product, kind="description", body=BODY)
    product.description = '<p>Old</p><img src=x onerror="alert(1)">'
    product.save()
    client.force_login(merchant)
    for url in (reverse("copygen_dashboard:copygen-product", args=[product.pk]),
                reverse("copygen_dashboard:copygen-overview"), reverse("copygen_dashboard:copygen-job-create")):
        page = client.get(url).content.decode()
        assert '<script>document.title="pwned"' not in page and "onerror" not in page, url

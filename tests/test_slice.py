"""The vertical slice, end to end: product save -> request row -> broker -> real worker -> draft in the dashboard."""

import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from tests.helpers import demo_products_cleared, finished

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def test_save_generates_a_draft_through_a_real_worker(celery_worker_process, tiny_model, wait_until, client,
                                                     admin_user):
    (product,) = demo_products_cleared(1)
    request = GenerationRequest.objects.get(product=product)
    assert request.source == GenerationRequest.AUTO  # the row exists as soon as the save returns

    wait_until(lambda: finished(request), message="the worker to finish the request")
    assert request.status == GenerationRequest.DONE, request.reason
    assert request.attempts == 1

    variants = list(CopyVariant.objects.filter(request=request).order_by("index"))
    # Candidates the guard refuses are dropped (and counted in the notes); the best two are kept.
    assert 1 <= len(variants) <= request.n_variants == 2
    assert request.reason == "" or "candidates rejected" in request.reason
    for variant in variants:
        assert variant.status == CopyVariant.DRAFT
        assert variant.product == product and variant.kind == "description"
        assert variant.body.startswith("<p>") and len(variant.body) > 40
        assert variant.prompt.startswith(f"Product: {product.title}\n")
        assert variant.guard["passed"] and variant.guard["coverage"] >= 0.25 and variant.scores["candidates"] == 16
        assert variant.model_version.path == str(tiny_model)
        assert variant.facts_hash == request.facts_hash != ""
    # Drafts are for staff: the product's own copy is untouched until someone publishes.
    product.refresh_from_db()
    assert product.description == ""

    client.force_login(admin_user)
    page = client.get(reverse("copygen_dashboard:copygen-product", args=[product.pk]))
    assert page.status_code == 200
    assert variants[0].body in page.content.decode()


def test_saving_in_the_oscar_dashboard_asks_for_copy(celery_worker_process, wait_until, django_app, admin_user):
    (product,) = demo_products_cleared(1, offset=3, clear=False)
    assert product.description and not GenerationRequest.objects.exists()

    edit_page = django_app.get(reverse("dashboard:catalogue-product", kwargs={"pk": product.pk}), user=admin_user)
    copy_url = reverse("copygen_dashboard:copygen-product", args=[product.pk])
    assert edit_page.html.find(id="copygen-copy-link")["href"] == copy_url
    form = edit_page.forms["create_update_product_form"]
    form["description"] = ""  # the merchant deletes the old copy and saves
    response = form.submit()
    assert response.status_code == 302, response.context["category_formset"].non_form_errors()
    response = response.follow()
    assert response.status_code == 200

    request = GenerationRequest.objects.get(product=product)
    wait_until(lambda: finished(request), message="the worker to finish the dashboard request")
    assert request.status == GenerationRequest.DONE, request.reason
    page = django_app.get(copy_url, user=admin_user)
    assert f"Product: {product.title}" in page.text
    bodies = [v.body for v in CopyVariant.objects.filter(request=request)]
    assert bodies and all(body in page.text for body in bodies)

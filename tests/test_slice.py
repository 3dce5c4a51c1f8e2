"""The vertical slice, end to end: product save -> request row -> broker -> real worker -> draft in the dashboard."""

import pytest
from django.urls import reverse
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model
from oscar.test.factories import create_product

from tests.helpers import finished

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")
ProductCategory = get_model("catalogue", "ProductCategory")

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def test_save_generates_a_draft_through_a_real_worker(celery_worker_process, tiny_model, wait_until, client,
                                                     admin_user):
    product = create_product(title="Harbour Lane Field Rain jacket, navy", price=89, num_in_stock=4,
                             attributes={"colour": "navy", "material": "recycled nylon"})
    request = GenerationRequest.objects.get(product=product)
    assert request.source == GenerationRequest.AUTO  # the row exists as soon as the save returns

    wait_until(lambda: finished(request), message="the worker to finish the request")
    assert request.status == GenerationRequest.DONE, request.reason
    assert request.attempts == 1

    variants = list(CopyVariant.objects.filter(request=request).order_by("index"))
    # A variant the parser refuses is dropped (and said so in the reason); at least one must make it.
    assert 1 <= len(variants) <= request.n_variants == 2
    assert (len(variants) == 2) == (request.reason == ""), request.reason
    for variant in variants:
        assert variant.status == CopyVariant.DRAFT
        assert variant.product == product and variant.kind == "description"
        assert variant.body.startswith("<p>") and len(variant.body) > 40
        assert "Product: Harbour Lane Field Rain jacket, navy" in variant.prompt
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
    product = create_product(title="Fellside Studio Slipper, grey", price=25, num_in_stock=2,
                             attributes={"colour": "grey"})
    ProductCategory.objects.create(product=product, category=create_from_breadcrumbs("Footwear > Casual"))
    GenerationRequest.objects.all().delete()

    edit_page = django_app.get(reverse("dashboard:catalogue-product", kwargs={"pk": product.pk}), user=admin_user)
    copy_url = reverse("copygen_dashboard:copygen-product", args=[product.pk])
    assert edit_page.html.find(id="copygen-copy-link")["href"] == copy_url
    form = edit_page.forms["create_update_product_form"]
    form["title"] = "Fellside Studio Slipper, charcoal"
    response = form.submit()
    assert response.status_code == 302, response.context["category_formset"].non_form_errors()
    response = response.follow()
    assert response.status_code == 200

    request = GenerationRequest.objects.get(product=product)
    wait_until(lambda: finished(request), message="the worker to finish the dashboard request")
    assert request.status == GenerationRequest.DONE, request.reason
    page = django_app.get(copy_url, user=admin_user)
    assert "Product: Fellside Studio Slipper, charcoal" in page.text
    bodies = [v.body for v in CopyVariant.objects.filter(request=request)]
    assert bodies and all(body in page.text for body in bodies)

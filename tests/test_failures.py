"""Generation that cannot succeed ends as a visible failed request with its reason; the product save never fails."""

import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import create_product

from copygen_oscar import receivers
from copygen_oscar.requests import process_pending
from tests.helpers import demo_products_cleared, finished

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")
Product = get_model("catalogue", "Product")


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_empty_facts_fail_with_reason_through_the_worker(celery_worker_process, wait_until, client, admin_user):
    product = create_product(title="")
    request = GenerationRequest.objects.get(product=product)
    wait_until(lambda: finished(request), message="the worker to fail the request")
    assert request.status == GenerationRequest.FAILED
    assert "no title and no attribute values" in request.reason
    assert not CopyVariant.objects.filter(product=product).exists()

    client.force_login(admin_user)
    page = client.get(reverse("copygen_dashboard:copygen-overview") + "?status=failed").content.decode()
    assert "no title and no attribute values" in page


@pytest.mark.django_db
def test_missing_or_broken_model_fails_every_request_with_reason(tiny_model, settings, tmp_path):
    first = create_product(title="Tidewater Pro Kite, mustard")
    settings.COPYGEN_MODEL_PATH = str(tmp_path / "nowhere")
    assert process_pending() == 0
    request = GenerationRequest.objects.get(product=first)
    assert request.status == GenerationRequest.FAILED
    assert request.reason.startswith("Model unavailable: No model at") and "nowhere" in request.reason

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    settings.COPYGEN_MODEL_PATH = str(broken)
    second = create_product(title="Tidewater Pro Kite, navy")
    process_pending()
    request = GenerationRequest.objects.get(product=second)
    assert request.status == GenerationRequest.FAILED
    assert request.reason.startswith("Model unavailable: Could not load the model")


@pytest.mark.django_db
def test_only_the_request_at_fault_fails_in_a_batch(tiny_model, settings):
    settings.COPYGEN_BACKEND = "tests.backends.FaultyBackend"
    settings.COPYGEN_SEED = 7
    good = demo_products_cleared(3, offset=10)
    bad = create_product(title="EXPLODE Lip balm")
    junk = create_product(title="GARBAGE Lip balm")
    assert process_pending() >= 1

    # The good requests are judged on their own copy only: done, or refused by the guard, never by the fault.
    for product in good:
        request = GenerationRequest.objects.get(product=product)
        assert request.status == GenerationRequest.DONE or "candidates were rejected" in request.reason, request.reason
        assert "index out of range" not in request.reason
    bad_request = GenerationRequest.objects.get(product=bad)
    assert bad_request.status == GenerationRequest.FAILED
    assert "index out of range" in bad_request.reason
    junk_request = GenerationRequest.objects.get(product=junk)
    assert junk_request.status == GenerationRequest.FAILED
    assert junk_request.reason.startswith("All 16 candidates were rejected: 16x too short")
    assert not CopyVariant.objects.filter(product__in=[bad, junk]).exists()


@pytest.mark.django_db
def test_a_copygen_error_never_breaks_the_product_save(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("copygen_oscar.requests.request_generation", broken)
    product = create_product(title="Northmoor Studio Hoodie, black")
    assert Product.objects.filter(pk=product.pk).exists()
    assert not GenerationRequest.objects.exists()


@pytest.mark.django_db
def test_unknown_kind_is_refused_with_the_known_ones():
    from copygen_oscar.requests import request_generation

    with receivers.auto_generation_paused():
        product = create_product(title="Fellside Pro Football")
    with pytest.raises(ValueError, match="Unknown copy kind 'poem'; known kinds: banner, bullets, description, email, reply, search_ad, seo, social"):
        request_generation(product, kind="poem")
    assert not GenerationRequest.objects.exists()

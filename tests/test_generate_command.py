import io

import pytest
from django.core.management import CommandError, call_command
from oscar.core.loading import get_model

from tests.helpers import demo_products_cleared

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("copygen_generate", *args, stdout=out, verbosity=0)
    return out.getvalue()


def test_dry_run_prints_guarded_copy_and_stores_nothing(tiny_model, settings):
    settings.COPYGEN_SEED = 7
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 4
    products = demo_products_cleared(2, offset=30)
    GenerationRequest.objects.all().delete()
    output = run(*[str(p.pk) for p in products], "--dry-run")
    for product in products:
        assert f"# {product.pk} {product.title}" in output
    assert "<p>" in output and "(score " in output
    assert not GenerationRequest.objects.exists() and not CopyVariant.objects.exists()


def test_generating_a_category_records_requests_and_processes_them(tiny_model, settings):
    settings.COPYGEN_SEED = 7
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 4
    demo_products_cleared(0)
    output = run("--category", "Running", "--variants", "1")
    footwear = GenerationRequest.objects.filter(product__categories__name="Running")
    assert footwear.count() == GenerationRequest.objects.count() >= 5
    assert set(footwear.values_list("source", flat=True)) == {"staff"}
    done = footwear.filter(status="done").count()
    assert output.startswith(f"{done} generated") and done > 0
    assert CopyVariant.objects.filter(request__in=footwear).count() == done  # one variant each


def test_a_selection_is_required_and_must_match():
    with pytest.raises(CommandError, match="Choose products"):
        run()
    with pytest.raises(CommandError, match="No category named 'Nope'"):
        run("--category", "Nope")

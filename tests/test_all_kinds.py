"""Every copy kind, generated end to end through the transformers backend (the tiny model trained here)."""

import pytest
from oscar.core.loading import get_model

from copygen_oscar.management.commands.copygen_train import TRAINED_KINDS
from copygen_oscar.requests import process_pending, request_generation
from tests.helpers import demo_products_cleared

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")


@pytest.mark.django_db
def test_every_trained_kind_generates_guarded_copy_within_its_limits(tiny_model, settings):
    settings.COPYGEN_SEED = 7
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 16  # a tiny model needs more tries to fit every slot's limits
    (product,) = demo_products_cleared(1, offset=2)
    GenerationRequest.objects.all().delete()
    for kind in TRAINED_KINDS:
        request_generation(product, kind=kind, n=1, source=GenerationRequest.STAFF, tone="friendly",
                           segment="gift buyers")
    process_pending()
    outcome = {r.kind: (r.status, r.reason) for r in GenerationRequest.objects.all()}
    done = [kind for kind, (status, _) in outcome.items() if status == "done"]
    assert len(done) >= len(TRAINED_KINDS) - 1, outcome  # a tiny model may miss one slot's format
    for variant in CopyVariant.objects.filter(kind__in=done):
        assert variant.guard["passed"] and "Tone: friendly\nAudience: gift buyers\n" in variant.prompt
        for value in variant.fields.values():
            assert not any("[" in v for v in (value if isinstance(value, list) else [value]))
    for variant in CopyVariant.objects.filter(kind="seo"):
        assert len(variant.fields["Meta title"]) <= 60 and len(variant.fields["Meta description"]) <= 155
    for variant in CopyVariant.objects.filter(kind="search_ad"):
        assert len(variant.fields["Headline"]) == 3 and all(len(h) <= 30 for h in variant.fields["Headline"])

"""The model shipped inside the package: it serves when nothing else is configured and writes true copy."""

import json

import pytest
from oscar.core.loading import get_model

from copygen_oscar import registry
from copygen_oscar.kinds import KINDS
from copygen_oscar.requests import process_pending, request_generation
from tests.helpers import demo_products_cleared

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")

pytestmark = pytest.mark.django_db


def test_the_default_model_ships_small_and_in_half_precision():
    folder = registry.DEFAULT_MODEL
    assert (folder / "config.json").is_file(), "run `make default-model`"
    assert sum(p.stat().st_size for p in folder.iterdir()) <= 20 * 1024 * 1024
    config = json.loads((folder / "config.json").read_text())
    assert config["dtype"] == "float16"
    report = json.loads((folder / "training_report.json").read_text())
    assert report["data"]["examples"] >= 20_000 and set(report["data"]["kinds"]) == set(KINDS)


def test_with_nothing_configured_the_shipped_model_writes_guarded_copy_of_every_kind(settings):
    settings.COPYGEN_MODEL_PATH = None
    settings.COPYGEN_SEED = 3
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 8  # as the demo store serves
    assert registry.serving_path() == str(registry.DEFAULT_MODEL)
    products = demo_products_cleared(3, offset=5)
    GenerationRequest.objects.all().delete()
    for product in products:
        for kind in KINDS:
            request_generation(product, kind=kind, n=1, source=GenerationRequest.STAFF)
    process_pending()
    outcome = {(r.product_id, r.kind): (r.status, r.reason) for r in GenerationRequest.objects.all()}
    done = {key for key, (status, _) in outcome.items() if status == "done"}
    assert len(done) >= 0.8 * len(outcome), outcome
    assert {kind for _, kind in done} == set(KINDS), outcome
    for variant in CopyVariant.objects.all():
        assert variant.guard["passed"] and variant.model_version.path == str(registry.DEFAULT_MODEL)
        assert "[" not in variant.body and "<script" not in variant.body

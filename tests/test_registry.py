"""The model registry: versions, one active at a time, picked up by workers between batches, staff-only activation."""

import io
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from copygen_oscar import registry
from copygen_oscar.requests import claim_batch, process_claimed, request_generation
from tests.helpers import demo_products_cleared

ModelVersion = get_model("copygen", "ModelVersion")
GenerationRequest = get_model("copygen", "GenerationRequest")

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_models(tiny_model, tmp_path):
    """The tiny model and a second folder with other weights (a retrained model)."""
    import torch
    from safetensors.torch import load_file, save_file

    other = tmp_path / "retrained"
    shutil.copytree(tiny_model, other)
    weights = load_file(other / "model.safetensors")
    save_file({k: v + 0.001 * torch.randn_like(v) for k, v in weights.items()}, other / "model.safetensors",
              metadata={"format": "pt"})
    return tiny_model, other


def test_one_version_is_active_and_activation_retires_the_previous(two_models, admin_user):
    first, second = (registry.register(path) for path in two_models)
    assert first.status == second.status == ModelVersion.CANDIDATE and first.fingerprint != second.fingerprint
    assert registry.register(two_models[0]).pk == first.pk  # same files: same version

    registry.activate(first)
    registry.activate(second, user=admin_user)
    first.refresh_from_db()
    assert (first.status, second.status) == (ModelVersion.RETIRED, ModelVersion.ACTIVE)
    assert first.status_changed_by == second.status_changed_by == admin_user  # who took it off, and when
    assert ModelVersion.objects.filter(status=ModelVersion.ACTIVE).count() == 1
    assert registry.serving_path() == second.path


def test_serving_falls_back_from_active_version_to_setting_to_shipped_model(two_models, settings):
    settings.COPYGEN_MODEL_PATH = str(two_models[0])
    assert registry.serving_path() == str(two_models[0])
    version = registry.activate(registry.register(two_models[1]))
    assert registry.serving_path() == version.path
    registry.retire(version)
    assert registry.serving_path() == str(two_models[0])
    settings.COPYGEN_MODEL_PATH = None
    shipped = (registry.DEFAULT_MODEL / "config.json").is_file()
    assert registry.serving_path() == (str(registry.DEFAULT_MODEL) if shipped else None)


def test_a_folder_changed_since_registration_or_not_a_model_is_refused(two_models, tmp_path):
    version = registry.register(two_models[1])
    (two_models[1] / "model.safetensors").write_bytes(b"changed")
    with pytest.raises(registry.RegistryError, match="changed since"):
        registry.activate(version)
    version.refresh_from_db()
    assert version.status == ModelVersion.CANDIDATE
    (tmp_path / "empty").mkdir()
    with pytest.raises(registry.RegistryError, match="config.json missing"):
        registry.register(tmp_path / "empty")


def test_workers_pick_up_the_activated_version_with_their_next_batch(two_models, settings):
    settings.COPYGEN_MODEL_PATH = str(two_models[0])
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 8
    first, second = demo_products_cleared(2)
    process_claimed(claim_batch("w1"), "w1")
    served = first.copygen_variants.get(index=0).model_version
    assert served.path == str(two_models[0])

    version = registry.activate(registry.register(two_models[1]))
    request, _ = request_generation(second, kind="description", source=GenerationRequest.STAFF)
    process_claimed(claim_batch("w1"), "w1")
    assert request.variants.exists() and {v.model_version_id for v in request.variants.all()} == {version.pk}


def test_models_command_lists_activates_and_explains_errors(two_models):
    out = io.StringIO()
    call_command("copygen_models", "register", str(two_models[1]), stdout=out)
    version = ModelVersion.objects.get()
    call_command("copygen_models", "activate", str(version.pk), stdout=out)
    call_command("copygen_models", "list", stdout=out)
    assert f"Version {version.pk} is now active" in out.getvalue() and f"Serving now: {version.path}" in out.getvalue()
    with pytest.raises(CommandError, match="No model version 999"):
        call_command("copygen_models", "activate", "999")


def test_activation_from_the_dashboard_needs_the_change_permission(client, two_models, admin_user):
    version = registry.register(two_models[1], metrics={
        "validation_loss": 0.7, "eval": {"systems": {"model": {"overall": {"chrf": 44.64, "kept": 0.914,
                                                                             "halluc_guarded": 0.0}}}}})
    url = reverse("copygen_dashboard:copygen-model-status", args=[version.pk, "activate"])
    client.force_login(UserFactory(is_staff=True))
    assert client.post(url).status_code == 403
    client.force_login(admin_user)
    page = client.get(reverse("copygen_dashboard:copygen-models")).content.decode()
    assert f'id="copygen-model-{version.pk}"' in page and "Activate" in page
    assert "chrF 44.6" in page and "validation_loss: 0.700" in page
    response = client.post(url, follow=True)
    assert "is now active" in response.content.decode()
    version.refresh_from_db()
    assert version.status == ModelVersion.ACTIVE and version.status_changed_by == admin_user
    assert client.get(url).status_code == 405  # a link can never switch models


def test_train_command_registers_a_candidate_and_leaves_the_active_model_alone(two_models, tmp_path):
    active = registry.activate(registry.register(two_models[0]))
    call_command("copygen_demo_catalogue", stdout=io.StringIO())
    out = io.StringIO()
    call_command("copygen_train", "--output", str(tmp_path / "new"), "--steps", "4", "--eval-every", "2",
                 "--layers", "1", "--width", "32", "--heads", "2", "--vocab", "400", "--kinds", "description",
                 stdout=out)
    new = ModelVersion.objects.exclude(pk=active.pk).get()
    assert new.status == ModelVersion.CANDIDATE and new.training_summary["data"]["examples"] > 50
    assert "validation_loss" in new.metrics and "Registered as model version" in out.getvalue()
    assert registry.serving_path() == active.path
    with pytest.raises(CommandError, match="already holds a model"):
        call_command("copygen_train", "--output", str(tmp_path / "new"), "--steps", "2", stdout=io.StringIO())
    with pytest.raises(CommandError, match="not a causal language model|config.json missing"):
        call_command("copygen_train", "--output", str(tmp_path / "x"), "--base", str(tmp_path / "nowhere"),
                     stdout=io.StringIO())
    assert registry.serving_path() == active.path

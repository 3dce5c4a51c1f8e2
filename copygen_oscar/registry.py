"""The model registry: which trained model serves, decided by a person, picked up by workers between batches.

Every trained or configured model is a ``ModelVersion`` row (path, weights fingerprint, training summary, metrics).
At most one is active. Workers resolve the model to serve on every batch: the active version, else
``COPYGEN_MODEL_PATH``, else the default model shipped inside this package, so activating a version takes effect
without restarting anything, and a store that configured nothing still generates.
"""

import os
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from . import app_settings

ModelVersion = get_model("copygen", "ModelVersion")

# Trained by `make default-model` (manage.py copygen_train --corpus builtin); shipped in the wheel.
DEFAULT_MODEL = Path(__file__).resolve().parent / "default_model"


class RegistryError(ValueError):
    """A version cannot be registered or activated; the message says why and nothing changed."""


def check_model_folder(path):
    """Cheap checks a web request can afford (no weights loaded): a local causal LM folder with a tokenizer."""
    from transformers import AutoConfig
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    path = os.fspath(path)
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise RegistryError(f"No model at {path} (config.json missing)")
    try:
        config = AutoConfig.from_pretrained(path, local_files_only=True)  # nosec B615  # local folder only
    except Exception as exc:  # noqa: BLE001  (any unreadable config is the folder's problem)
        raise RegistryError(f"Unreadable model config in {path}: {exc}") from exc
    if config.model_type not in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
        raise RegistryError(f"{path} holds a {config.model_type!r} model, not a causal language model")
    if not any(os.path.isfile(os.path.join(path, name)) for name in ("tokenizer.json", "tokenizer_config.json")):
        raise RegistryError(f"No tokenizer in {path}")
    if not any(p.suffix in (".safetensors", ".bin") for p in Path(path).iterdir()):
        raise RegistryError(f"No weights in {path}")


def register(path, *, name="", base_model="", training_summary=None, metrics=None):
    """The version for the model in ``path`` as it is on disk now (a candidate unless it was registered before)."""
    from .backends.transformers import fingerprint

    path = os.fspath(Path(path).resolve())
    check_model_folder(path)
    version, created = ModelVersion.objects.get_or_create(
        path=path, fingerprint=fingerprint(path),
        defaults={"name": name or Path(path).name, "base_model": base_model,
                  "training_summary": training_summary or {}, "metrics": metrics or {}},
    )
    if not created and (training_summary or metrics):
        version.training_summary = training_summary or version.training_summary
        version.metrics = {**version.metrics, **(metrics or {})}
        version.save(update_fields=["training_summary", "metrics"])
    return version


def activate(version, user=None):
    """Make ``version`` the one that serves; the previously active one is retired. Refuses a folder that changed.

    Once committed, a CPU worker is asked to train the version's realism discriminator (``training.discriminator``).
    """
    from .backends.transformers import fingerprint

    check_model_folder(version.path)
    if fingerprint(version.path) != version.fingerprint:
        raise RegistryError(f"The files in {version.path} changed since version {version.pk} was registered; "
                            f"register the folder again to make a new version")
    now = timezone.now()
    with transaction.atomic():
        previous = ModelVersion.objects.select_for_update().filter(status=ModelVersion.ACTIVE).exclude(pk=version.pk)
        for old in previous:
            _set_status(old, ModelVersion.RETIRED, user, now)
        _set_status(version, ModelVersion.ACTIVE, user, now)
        transaction.on_commit(_retrain_discriminator, robust=True)  # errors logged, never raised
    return version


def _retrain_discriminator():
    """Once the activation is committed: a CPU worker trains the new model's realism discriminator if it lacks one."""
    from .training.discriminator import enqueue_training

    enqueue_training()  # never raises: a broker that is down is logged, the activation stands


def retire(version, user=None):
    """Take ``version`` out of service; with no active version, workers fall back to the configured model."""
    _set_status(version, ModelVersion.RETIRED, user, timezone.now())
    return version


def _set_status(version, status, user, now):
    version.status, version.status_changed_at, version.status_changed_by = status, now, user
    version.save(update_fields=["status", "status_changed_at", "status_changed_by"])


def serving_path():
    """The folder workers serve right now: active version, else ``COPYGEN_MODEL_PATH``, else the shipped model."""
    active = ModelVersion.objects.filter(status=ModelVersion.ACTIVE).values_list("path", flat=True).first()
    if active:
        return active
    if app_settings.COPYGEN_MODEL_PATH:
        return os.fspath(app_settings.COPYGEN_MODEL_PATH)
    if (DEFAULT_MODEL / "config.json").is_file():
        return str(DEFAULT_MODEL)
    return None

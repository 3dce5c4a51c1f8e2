"""Tuning the serving generator on the store's conversions, as a periodic job or a command.

A run that finds too little evidence, or evidence it already tuned on, says so and does nothing: the periodic task
may run far more often than the log grows. Whatever it finds goes into the audit log.
"""

import logging
import os
from datetime import datetime, timezone
from pathlib import Path

from celery import shared_task

from .. import app_settings

logger = logging.getLogger(__name__)


def tune_from_conversions(*, output=None, min_rows=None, steps=None, dry_run=False, log=None):
    """Build preference data for the serving model and, with enough new evidence, KTO-tune it into a candidate.

    Returns a JSON-ready result: ``status`` is "dry-run", "not enough evidence", "already tuned", "not configured"
    or "tuned" (with ``version``), beside ``reason`` and the data ``summary``.
    """
    from ..backends.transformers import fingerprint
    from ..registry import ModelVersion, serving_path
    from .kto import KTOTuneConfig, tune_generator
    from .preferences import build_preferences

    base = serving_path()
    if not base:
        return {"status": "not configured", "reason": "no model serves: nothing to tune"}
    data = build_preferences(base, min_rows=min_rows)
    result = {"base": os.fspath(base), "summary": data.summary, "reason": data.reason}
    if dry_run:
        return {"status": "dry-run", "enough": data.enough, **result}
    if not data.enough:
        return {"status": "not enough evidence", **result}
    base_fp = fingerprint(base)
    done = (ModelVersion.objects.filter(training_summary__data_digest=data.digest(),
                                        training_summary__base_fingerprint=base_fp).order_by("pk").first())
    if done is not None:
        return {"status": "already tuned", **result, "version": done.pk,
                "reason": f"version {done.pk} was tuned from this model on the same evidence"}
    folder = app_settings.COPYGEN_TUNED_MODELS_DIR
    if output is None and not folder:
        return {"status": "not configured", **result,
                "reason": "set COPYGEN_TUNED_MODELS_DIR (where tuned models are written) or pass an output folder"}
    output = output or Path(folder) / f"kto-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}"
    config = KTOTuneConfig() if steps is None else KTOTuneConfig(steps=steps)
    report = tune_generator(base, data, output, config, log=log or logger.info)
    return {"status": "tuned", **result, "version": report["version"], "output": os.fspath(output),
            "steps": report["steps"], "seconds": report["seconds"], "held_out": report["held_out"]}


@shared_task(name="copygen.tune_generator", ignore_result=True)
def tune_generator():
    """Periodic (CPU queue, or a GPU worker for large models): a candidate version tuned on the latest conversions."""
    from ..registry import RegistryError
    from ..training.loop import TrainingError
    from ..workflow.audit import record

    try:
        result = tune_from_conversions()
    except (TrainingError, RegistryError) as exc:  # a base that cannot be tuned, a full disk: logged and audited, never retried blindly
        logger.warning("copygen: generator tuning failed: %s", exc)
        result = {"status": "failed", "reason": str(exc)}
    record("tune_generator", channel="rule", **result)
    logger.info("copygen: generator tuning: %s %s", result["status"], result.get("reason") or "")
    return result["status"]

"""Celery tasks. Messages carry no data: the database rows are the work, tasks only go and get it."""

import logging

from celery import shared_task

from . import requests
from .tuning import tasks as tuning_tasks  # noqa: F401  (registers copygen.tune_generator)

logger = logging.getLogger(__name__)


# acks_late + reject_on_worker_lost: a wake-up whose worker died goes back to the broker (Redis, AMQP); the
# claimed rows themselves come back through their lease and the sweep, whatever the broker does.
@shared_task(name="copygen.process_requests", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def process_requests():
    """Drain pending generation requests in batches (GPU queue, one solo worker per device)."""
    return requests.process_pending()


@shared_task(name="copygen.sweep_requests", ignore_result=True)
def sweep_requests():
    """Periodic: recover stale claims and re-send lost wake-ups (CPU queue, run by beat)."""
    return requests.sweep()


@shared_task(name="copygen.train_discriminator", ignore_result=True)
def train_discriminator(limit=None):
    """Train the serving model's realism discriminator if it has none or a stale one (CPU queue: the default one).

    Enqueued when a version is activated (``registry.activate``); ``manage.py copygen_discriminator`` does the same.
    """
    from .training.discriminator import DEFAULT_LIMIT, DiscriminatorError, ensure_discriminator

    try:
        report = ensure_discriminator(limit=limit or DEFAULT_LIMIT)
    except DiscriminatorError as exc:
        logger.warning("copygen: no discriminator trained: %s", exc)
        return None
    if "skipped" in report:
        logger.info("copygen: discriminator for %s not trained: %s", report["model_path"], report["skipped"])
    else:
        logger.info("copygen: discriminator for %s trained (held-out accuracy %s, AUC %s)", report["model_path"],
                    report["metrics"]["held_out_accuracy"], report["metrics"]["held_out_auc"])
    return None


@shared_task(name="copygen.flush_events", ignore_result=True)
def flush_events():
    """Periodic: buffered impressions, basket events and orders into the database, orders attributed (CPU queue)."""
    from .serving.rewards import flush_and_attribute

    return flush_and_attribute()


@shared_task(name="copygen.tune_policy", ignore_result=True)
def tune_policy():
    """Periodic: close attribution windows, rebuild the cached allocations, retire losers, ask for challengers."""
    from .tuning.policy import tune_policy as run

    report = run()
    return {key: value if isinstance(value, int) else len(value) for key, value in report.items()}


@shared_task(name="copygen.train_reward_model", ignore_result=True)
def train_reward_model():
    """Periodic (daily): refit the reward model on the decision log once there is enough evidence (CPU queue)."""
    from .tuning.reward_training import train_reward_model as train

    report = train()
    logger.info("copygen: reward model: %s", report.get("skipped") or f"trained on {report['pairs']} pairs")
    return None

"""Celery tasks. Messages carry no data: the database rows are the work, tasks only go and get it."""

from celery import shared_task

from . import requests


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

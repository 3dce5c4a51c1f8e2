"""Celery tasks of the service replies. Messages carry no data: the message rows are the work."""

from celery import shared_task


@shared_task(name="copygen.draft_service_replies", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def draft_replies():
    """Draft every waiting service message (default queue unless COPYGEN_SERVICE_QUEUE names one)."""
    from .drafts import process_pending

    return process_pending()


@shared_task(name="copygen.sweep_service_messages", ignore_result=True)
def sweep_messages():
    """Periodic (add it to the beat schedule): wake a worker when a message waits or a claim's lease ran out."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone
    from oscar.core.loading import get_model

    from .drafts import wake

    ServiceMessage = get_model("copygen", "ServiceMessage")
    now = timezone.now()
    waiting = ServiceMessage.objects.filter(
        Q(draft_status=ServiceMessage.PENDING, updated_at__lt=now - timedelta(seconds=10))
        | Q(draft_status=ServiceMessage.RUNNING, lease_expires_at__lt=now)).exists()
    return bool(waiting and wake())

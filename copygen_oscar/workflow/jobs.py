"""Bulk jobs: copy for a selection of products, as ordinary requests the workers claim in batches.

A job of thousands of products is thousands of rows written in chunks and a few wake-ups; workers take them
``COPYGEN_BATCH_SIZE`` at a time. Progress is counted from the rows, so it is right whatever crashed in between.
"""

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from oscar.core.loading import get_model

from .. import app_settings
from ..kinds import TONES, get_kind
from ..observability import log_event
from ..requests import MAX_VARIANTS, wake_workers
from . import WorkflowError
from .audit import record

BulkJob = get_model("copygen", "BulkJob")
GenerationRequest = get_model("copygen", "GenerationRequest")
Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
ProductClass = get_model("catalogue", "ProductClass")

MODES = ("products", "category", "product_class", "missing")
MAX_PRODUCTS = 20000
CHUNK = 500


def select_products(selection):
    """``(queryset, description)`` for a selection: ``{"mode": "products", "ids": [...]}``, ``{"mode":
    "category", "category": id}``, ``{"mode": "product_class", "product_class": id}`` or ``{"mode": "missing"}``
    (every product without a description). Children are left out: their parent's copy is what shoppers read."""
    mode = selection.get("mode")
    products = Product.objects.filter(parent__isnull=True)
    if mode == "products":
        ids = selection.get("ids") or []
        if not ids or not all((isinstance(i, int) and not isinstance(i, bool)) or (isinstance(i, str) and i.isdigit())
                              for i in ids):
            raise WorkflowError("Choose at least one product (a list of product ids).")
        ids = sorted({int(i) for i in ids})
        if not 0 < ids[0] <= ids[-1] < 2**31:
            raise WorkflowError("Product ids are positive whole numbers.")
        if len(ids) > MAX_PRODUCTS:
            raise WorkflowError(f"At most {MAX_PRODUCTS} products per job.")
        found = products.filter(pk__in=ids)
        missing = sorted(set(ids) - set(found.values_list("pk", flat=True)))
        if missing:
            raise WorkflowError(f"No such product (or a child product): {', '.join(map(str, missing[:10]))}")
        return found, f"{len(ids)} selected product{'s' if len(ids) != 1 else ''}"
    if mode == "category":
        category = Category.objects.filter(pk=_id(selection.get("category"), "category")).first()
        if category is None:
            raise WorkflowError("No such category.")
        tree = Category.get_tree(category)
        return products.filter(categories__in=tree).distinct(), f"category {category.full_name}"
    if mode == "product_class":
        product_class = ProductClass.objects.filter(pk=_id(selection.get("product_class"), "product class")).first()
        if product_class is None:
            raise WorkflowError("No such product class.")
        return products.filter(product_class=product_class), f"product class {product_class.name}"
    if mode == "missing":
        return products.filter(Q(description="") | Q(description__isnull=True)), "every product without a description"
    raise WorkflowError(f"Unknown selection {mode!r}; choose one of: {', '.join(MODES)}")


def _id(value, what):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise WorkflowError(f"Choose a {what}.") from None


def create_job(selection, *, kinds, tone="", segment="", n=None, user=None, channel="staff"):
    """Record a job and its requests, then wake the workers it has batches for. Returns the job."""
    kinds = list(dict.fromkeys(kinds or []))
    if not kinds:
        raise WorkflowError("Choose at least one kind of copy.")
    for kind in kinds:
        try:
            get_kind(kind)
        except ValueError as exc:
            raise WorkflowError(str(exc)) from None
    if tone and tone not in TONES:
        raise WorkflowError(f"Unknown tone {tone!r}; known tones: {', '.join(TONES)}")
    segment = str(segment or "")[:64]
    n = app_settings.COPYGEN_VARIANTS_PER_REQUEST if n in (None, "") else n
    if not isinstance(n, int) or not 1 <= n <= MAX_VARIANTS:
        raise WorkflowError(f"Variants per product must be between 1 and {MAX_VARIANTS}.")
    products, description = select_products(selection)
    ids = list(products.order_by("pk").values_list("pk", flat=True)[: MAX_PRODUCTS + 1])
    if not ids:
        raise WorkflowError(f"No products match: {description}.")
    if len(ids) > MAX_PRODUCTS:
        raise WorkflowError(f"{description} is more than {MAX_PRODUCTS} products; split it into several jobs.")
    source = GenerationRequest.API if channel == "api" else GenerationRequest.STAFF
    creator = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        job = BulkJob.objects.create(description=description, selection=selection, kinds=kinds, tone=tone,
                                     segment=segment, n_variants=n, created_by=creator)
        for kind in kinds:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                # A product already waiting for this copy joins the job with its waiting request (the debounce).
                GenerationRequest.objects.filter(
                    product_id__in=chunk, kind=kind, tone=tone, segment=segment,
                    status=GenerationRequest.PENDING, job__isnull=True,
                ).update(job=job, n_variants=n)
                GenerationRequest.objects.bulk_create(
                    [GenerationRequest(product_id=pk, kind=kind, tone=tone, segment=segment, n_variants=n,
                                       source=source, created_by=creator, job=job) for pk in chunk],
                    ignore_conflicts=True,  # the one-pending-request rule: those rows are already waiting
                )
        job.total = job.requests.count()
        job.save(update_fields=["total"])
        record("bulk_generate", actor=user, channel=channel, job=job, description=description, kinds=kinds,
               products=len(ids), requests=job.total, n=n, tone=tone, segment=segment)
        total = job.total
        transaction.on_commit(lambda: wake_workers(total))  # one worker per batch the job fills, up to the fan-out
    log_event("copygen.job.created", job=job.pk, description=description, kinds=kinds, products=len(ids),
              requests=job.total, n=n, tone=tone, segment=segment, channel=channel,
              user=creator.pk if creator else None)
    return job


def progress(job):
    """``{"total", "done", "failed", "cancelled", "pending", "running", "percent", "status", "errors"}``."""
    counts = dict(job.requests.values_list("status").annotate(n=Count("pk")))
    finished = sum(counts.get(s, 0) for s in GenerationRequest.FINISHED)
    total = job.total or sum(counts.values())
    if job.status == BulkJob.RUNNING and total and finished >= total:
        BulkJob.objects.filter(pk=job.pk, status=BulkJob.RUNNING).update(status=BulkJob.DONE,
                                                                      finished_at=timezone.now())
        job.refresh_from_db(fields=["status", "finished_at"])
    errors = list(job.requests.filter(status=GenerationRequest.FAILED).select_related("product")
                  .order_by("pk")[:50])
    return {
        "total": total,
        **{status: counts.get(status, 0) for status, _ in GenerationRequest.STATUS_CHOICES},
        "percent": round(100 * finished / total) if total else 100,
        "status": job.status,
        "errors": [{"request": r.pk, "product": r.product_id, "title": r.product.get_title(), "kind": r.kind,
                    "reason": r.reason} for r in errors],
    }


def cancel(job, user, channel="staff"):
    """Stop a job: requests not yet finished end as cancelled (a batch in a worker's hands drops its results)."""
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job.pk)
        if job.status != BulkJob.RUNNING:
            raise WorkflowError(f"Job {job.pk} is already {job.get_status_display().lower()}.")
        now = timezone.now()
        stopped = job.requests.filter(status__in=[GenerationRequest.PENDING, GenerationRequest.RUNNING]).update(
            status=GenerationRequest.CANCELLED, reason="Cancelled with its job.", finished_at=now,
            lease_expires_at=None, updated_at=now)
        job.status, job.finished_at = BulkJob.CANCELLED, now
        job.save(update_fields=["status", "finished_at"])
        record("cancel_job", actor=user, channel=channel, job=job, stopped=stopped)
    log_event("copygen.job.cancelled", job=job.pk, stopped=stopped, channel=channel,
              user=user.pk if user is not None and user.is_authenticated else None)
    return job

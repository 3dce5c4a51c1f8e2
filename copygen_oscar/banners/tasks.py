"""Celery tasks of banner campaigns. Rendering runs on the CPU queue (the default one), never in a request."""

import hashlib
import json
import logging
from datetime import timedelta
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from oscar.core.loading import get_model

from .. import app_settings
from . import render as renderer
from .facts import featured_product

logger = logging.getLogger(__name__)
RENDER_RESEND_AFTER = 60  # seconds a banner waits for its render before the sweep sends it again
BannerVariant = get_model("copygen", "BannerVariant")
RENDERER_VERSION = "1"


def brand():
    colours = {**renderer.Brand().__dict__, **app_settings.COPYGEN_BANNER_COLOURS}
    return renderer.Brand(background=colours["background"], text=colours["text"], accent=colours["accent"],
                          accent_text=colours["accent_text"], logo=logo_path(),
                          min_contrast=float(app_settings.COPYGEN_BANNER_MIN_CONTRAST),
                          max_image_pixels=int(app_settings.COPYGEN_BANNER_MAX_IMAGE_PIXELS))


def logo_path():
    logo = app_settings.COPYGEN_BANNER_LOGO
    if not logo:
        return None
    path = Path(logo)
    if not path.is_absolute():
        path = Path(getattr(settings, "BASE_DIR", ".")) / path
    return path


def product_image_path(product):
    """The file of the product's primary image, or None (Oscar's placeholder is not a product picture)."""
    if product is None:
        return None
    image = product.primary_image()
    original = getattr(image, "original", None)
    if not getattr(image, "pk", None) or not original:
        return None
    try:
        return Path(original.path)
    except (NotImplementedError, ValueError):  # remote storage: no local path
        return original


def storage_name(variant, size, fmt):
    return f"{app_settings.COPYGEN_BANNER_STORAGE_PREFIX}/{variant.campaign_id}/{variant.pk}/{size}.{fmt}"


def _fingerprint(path):
    if path is None:
        return ""
    try:
        stat = Path(path).stat()
        return f"{Path(path).name}:{stat.st_size}:{int(stat.st_mtime)}"
    except (OSError, TypeError):
        return str(path)


def render_hash(variant, brand_, image_path):
    data = {"fields": variant.fields, "brand": {k: str(v) for k, v in brand_.__dict__.items() if k != "logo"},
            "logo": _fingerprint(brand_.logo), "image": _fingerprint(image_path),
            "sizes": list(app_settings.COPYGEN_BANNER_SIZES), "renderer": RENDERER_VERSION}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def render_variant(variant, force=False):
    """Render every size of one variant in PNG and WebP into the default storage; record boxes, contrast and
    notes per size. Any size that cannot be rendered readably fails the variant, with the reason."""
    campaign = variant.campaign
    brand_ = brand()
    image_path = product_image_path(featured_product(campaign))
    fingerprint = render_hash(variant, brand_, image_path)
    if not force and variant.render_status == BannerVariant.RENDERED and variant.render_hash == fingerprint:
        return variant
    notes = []
    logo, note = renderer.load_image(brand_.logo, "logo", brand_.max_image_pixels)
    if note and brand_.logo:
        notes.append(note)
    image, note = renderer.load_image(image_path, "product image", brand_.max_image_pixels)
    if note and image_path:
        notes.append(note)
    text = renderer.BannerText.from_fields(variant.fields or {})
    try:
        done, failed = renderer.render_all(text, brand_, image, logo, app_settings.COPYGEN_BANNER_SIZES)
    except renderer.BannerError as exc:
        done, failed = {}, {"all": str(exc)}
    renders = {}
    for name, result in done.items():
        entry = result.report()
        entry["notes"] = notes + entry["notes"]
        for fmt in renderer.FORMATS:
            path = storage_name(variant, name, fmt)
            if default_storage.exists(path):
                default_storage.delete(path)
            entry[fmt] = default_storage.save(path, ContentFile(result.encode(fmt)))
        renders[name] = entry
    variant.renders = renders
    variant.render_hash = fingerprint
    if failed:
        variant.render_status = BannerVariant.RENDER_FAILED
        variant.render_reason = "; ".join(failed.values())
    else:
        variant.render_status = BannerVariant.RENDERED
        variant.render_reason = "; ".join(dict.fromkeys(notes))
    variant.save(update_fields=["renders", "render_hash", "render_status", "render_reason", "updated_at"])
    return variant


def enqueue_render(variant_ids):
    """Ask the CPU queue to render; with the broker down the variants stay pending for the banner sweep."""
    from ..requests import publish

    try:
        publish(render_banners, args=[list(variant_ids)])
    except Exception as exc:  # noqa: BLE001
        logger.warning("copygen: broker unavailable, banners wait for the sweep (%s)", exc)
        return False
    return True


@shared_task(name="copygen.render_banners", ignore_result=True)
def render_banners(variant_ids, force=False):
    """Render the given banner variants (CPU queue)."""
    rendered = 0
    for pk in variant_ids:
        try:
            with transaction.atomic():
                # One renderer per banner: a duplicate message (the sweep re-sent it) skips a banner in progress,
                # and finds it rendered afterwards (render_variant returns early on the same inputs).
                locked = BannerVariant.objects.select_for_update(of=("self",))
                if connection.features.has_select_for_update_skip_locked:
                    locked = locked.select_for_update(skip_locked=True, of=("self",))
                variant = locked.select_related("campaign").filter(pk=pk).first()
                if variant is None:
                    continue
                render_variant(variant, force=force)
            rendered += 1
        except Exception:  # noqa: BLE001  (one variant's problem never stops the others)
            logger.exception("copygen: rendering banner %s failed", pk)
            BannerVariant.objects.filter(pk=pk).update(
                render_status=BannerVariant.RENDER_FAILED, render_reason="Rendering failed unexpectedly; see logs.")
    return rendered


@shared_task(name="copygen.generate_banners", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def generate_banners():
    """Drain pending banner campaigns (GPU queue, like product copy)."""
    from .generation import process_pending

    return process_pending()


@shared_task(name="copygen.sweep_banners", ignore_result=True)
def sweep_banners():
    """Periodic: recover stale campaign claims, re-wake waiting generation, re-send lost render work."""
    from .generation import sweep

    report = sweep()
    # Only work that waited a while: a render queued a moment ago is not sent twice.
    waited = timezone.now() - timedelta(seconds=RENDER_RESEND_AFTER)
    pending = list(BannerVariant.objects.filter(render_status=BannerVariant.NOT_RENDERED, updated_at__lt=waited)
                   .values_list("pk", flat=True)[:200])
    if pending:
        enqueue_render(pending)
    report["render"] = len(pending)
    return report

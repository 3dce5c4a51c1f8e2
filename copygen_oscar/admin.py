from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from . import app_settings
from . import permissions as perms
from .workflow import WorkflowError
from .workflow.jobs import create_job
from .workflow.publishing import publish

AuditEvent = get_model("copygen", "AuditEvent")
AutoRule = get_model("copygen", "AutoRule")
BulkJob = get_model("copygen", "BulkJob")
CopyVariant = get_model("copygen", "CopyVariant")
GenerationRequest = get_model("copygen", "GenerationRequest")
ModelVersion = get_model("copygen", "ModelVersion")
Product = get_model("catalogue", "Product")
Publication = get_model("copygen", "Publication")


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is written by copygen itself; the admin shows it and never edits it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GenerationRequest)
class GenerationRequestAdmin(admin.ModelAdmin):
    list_display = ("pk", "product", "kind", "source", "status", "attempts", "job", "created_at", "reason")
    list_filter = ("status", "kind", "source")
    raw_id_fields = ("product", "created_by", "job")
    readonly_fields = ("status", "claimed_by", "lease_expires_at", "attempts", "facts_hash", "finished_at")


@admin.register(CopyVariant)
class CopyVariantAdmin(admin.ModelAdmin):
    list_display = ("pk", "product", "kind", "status", "human_edited", "model_version", "created_at")
    list_filter = ("status", "kind", "human_edited")
    raw_id_fields = ("product", "request", "edited_by")
    # Status and words change only through review and publishing (rights, guard, audit): the dashboard or the API.
    readonly_fields = ("status", "body", "fields", "human_edited", "edited_by", "prompt", "facts_hash", "scores",
                       "guard", "model_version")


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "fingerprint", "path", "created_at")
    list_filter = ("status",)


@admin.register(AutoRule)
class AutoRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "enabled", "kinds", "on_create", "on_facts_change", "auto_publish")
    list_filter = ("enabled", "auto_publish")


@admin.register(BulkJob)
class BulkJobAdmin(ReadOnlyAdmin):
    list_display = ("pk", "description", "kinds", "status", "total", "created_by", "created_at")
    list_filter = ("status",)


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ("product", "kind", "variant", "source", "published_by", "published_at")
    list_filter = ("kind", "source")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "channel", "action", "product", "variant", "job", "model_version")
    list_filter = ("action", "channel")


class CopygenProductActions:
    """Actions added to the product admin already registered (Oscar's, or the store's own)."""

    @admin.action(description=_("Generate copy"), permissions=["copygen_generate"])
    def generate_copy(self, request, queryset):
        try:
            job = create_job({"mode": "products", "ids": list(queryset.values_list("pk", flat=True))},
                             kinds=list(app_settings.COPYGEN_AUTO_KINDS), user=request.user)
        except WorkflowError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, format_html(
            _('Job {} started: {} requests. <a href="{}">Watch its progress</a>.'), job.pk, job.total,
            reverse("copygen_dashboard:copygen-job", args=[job.pk])), messages.SUCCESS)

    @admin.action(description=_("Publish approved copy"), permissions=["copygen_publish"])
    def publish_approved_copy(self, request, queryset):
        """Per product and kind, the best-scored approved variant goes live; products with none are listed."""
        published, without = 0, []
        for product in queryset:
            approved = CopyVariant.objects.filter(product=product, status=CopyVariant.APPROVED)
            best = {}
            for variant in sorted(approved, key=lambda v: (v.scores or {}).get("score") or 0, reverse=True):
                best.setdefault(variant.kind, variant)
            if not best:
                without.append(product.get_title())
            for variant in best.values():
                try:
                    publish(variant, request.user)
                    published += 1
                except WorkflowError as exc:
                    self.message_user(request, f"{product.get_title()}: {exc}", messages.ERROR)
        self.message_user(request, _("%(n)s variant(s) published.") % {"n": published}, messages.SUCCESS)
        if without:
            self.message_user(request, _("No approved copy for: %(titles)s") % {"titles": ", ".join(without[:20])},
                              messages.WARNING)

    def has_copygen_generate_permission(self, request):
        return perms.allowed(request.user, perms.GENERATE)

    def has_copygen_publish_permission(self, request):
        return perms.allowed(request.user, perms.PUBLISH)


if admin.site.is_registered(Product):
    _product_admin = type(admin.site.get_model_admin(Product))
    admin.site.unregister(Product)

    @admin.register(Product)
    class ProductAdmin(CopygenProductActions, _product_admin):
        actions = [*(_product_admin.actions or []), "generate_copy", "publish_approved_copy"]

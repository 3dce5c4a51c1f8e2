from django.contrib import admin
from oscar.core.loading import get_model

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")
ModelVersion = get_model("copygen", "ModelVersion")


@admin.register(GenerationRequest)
class GenerationRequestAdmin(admin.ModelAdmin):
    list_display = ("pk", "product", "kind", "source", "status", "attempts", "created_at", "reason")
    list_filter = ("status", "kind", "source")
    raw_id_fields = ("product", "created_by")
    readonly_fields = ("claimed_by", "lease_expires_at", "attempts", "facts_hash", "finished_at")


@admin.register(CopyVariant)
class CopyVariantAdmin(admin.ModelAdmin):
    list_display = ("pk", "product", "kind", "status", "human_edited", "model_version", "created_at")
    list_filter = ("status", "kind", "human_edited")
    raw_id_fields = ("product", "request")
    readonly_fields = ("prompt", "facts_hash", "scores", "guard", "model_version")


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "fingerprint", "path", "created_at")
    list_filter = ("status",)

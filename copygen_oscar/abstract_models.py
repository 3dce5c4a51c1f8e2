"""Abstract models, so a store can fork and extend them the way it extends Oscar's."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AbstractModelVersion(models.Model):
    """A model that served (or may serve) generation: where it lives and what it is."""

    CANDIDATE, ACTIVE, RETIRED = "candidate", "active", "retired"
    STATUS_CHOICES = [(CANDIDATE, _("Candidate")), (ACTIVE, _("Active")), (RETIRED, _("Retired"))]

    name = models.CharField(max_length=200)
    path = models.CharField(max_length=500)
    # Content fingerprint of the weights: the same folder retrained is a new version.
    fingerprint = models.CharField(max_length=64)
    base_model = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=CANDIDATE)
    training_summary = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who put the version live or took it off, and when (activation is a staff decision, never automatic).
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+")

    class Meta:
        abstract = True
        app_label = "copygen"
        constraints = [
            models.UniqueConstraint(fields=["path", "fingerprint"], name="copygen_model_path_fingerprint"),
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="active"),
                                    name="copygen_one_active_model"),
        ]
        verbose_name = _("model version")

    def __str__(self):
        return f"{self.name} ({self.fingerprint[:8]})"


class AbstractGenerationRequest(models.Model):
    """Durable unit of work. The row is the truth; Celery messages only wake workers up."""

    PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
    STATUS_CHOICES = [(PENDING, _("Pending")), (RUNNING, _("Running")), (DONE, _("Done")), (FAILED, _("Failed"))]
    AUTO, STAFF, API = "auto", "staff", "api"
    SOURCE_CHOICES = [(AUTO, _("Automatic on save")), (STAFF, _("Staff")), (API, _("API"))]

    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="copygen_requests")
    kind = models.CharField(max_length=32, default="description")
    tone = models.CharField(max_length=32, blank=True)
    segment = models.CharField(max_length=64, blank=True)
    n_variants = models.PositiveSmallIntegerField(default=1)
    source = models.CharField(max_length=16, choices=SOURCE_CHOICES, default=AUTO)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=PENDING, db_index=True)
    reason = models.TextField(blank=True, help_text=_("Why the request failed, for the merchant."))
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    facts_hash = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        app_label = "copygen"
        ordering = ["-created_at"]
        constraints = [
            # Debounce: a burst of saves shares one waiting request per product and kind.
            models.UniqueConstraint(
                fields=["product", "kind", "tone", "segment"],
                condition=models.Q(status="pending"),
                name="copygen_one_pending_request",
            )
        ]
        indexes = [models.Index(fields=["status", "lease_expires_at"], name="copygen_req_status_lease")]
        verbose_name = _("generation request")

    def __str__(self):
        return f"#{self.pk} {self.kind} for product {self.product_id} ({self.status})"


class AbstractCopyVariant(models.Model):
    """One generated (or human-edited) piece of copy, with everything needed to audit it."""

    DRAFT, APPROVED, LIVE, REJECTED, RETIRED = "draft", "approved", "live", "rejected", "retired"
    STATUS_CHOICES = [
        (DRAFT, _("Draft")),
        (APPROVED, _("Approved")),
        (LIVE, _("Live")),
        (REJECTED, _("Rejected")),
        (RETIRED, _("Retired")),
    ]

    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="copygen_variants")
    kind = models.CharField(max_length=32)
    request = models.ForeignKey(
        "copygen.GenerationRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="variants"
    )
    index = models.PositiveSmallIntegerField(default=0, help_text=_("Position among the request's variants."))
    model_version = models.ForeignKey(
        "copygen.ModelVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="variants"
    )
    body = models.TextField(help_text=_("Sanitised copy, safe to render."))
    fields = models.JSONField(default=dict, blank=True, help_text=_("Named parts: meta title, headlines, bullets."))
    prompt = models.TextField(blank=True)
    facts_hash = models.CharField(max_length=64, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    guard = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=DRAFT, db_index=True)
    human_edited = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        app_label = "copygen"
        ordering = ["-created_at", "index"]
        constraints = [
            # Idempotent results: a request re-run after a crash cannot store its variants twice.
            models.UniqueConstraint(fields=["request", "index"], name="copygen_variant_request_index")
        ]
        verbose_name = _("copy variant")

    def __str__(self):
        return f"{self.kind} #{self.pk} for product {self.product_id} ({self.status})"

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

    PENDING, RUNNING, DONE, FAILED, CANCELLED = "pending", "running", "done", "failed", "cancelled"
    STATUS_CHOICES = [(PENDING, _("Pending")), (RUNNING, _("Running")), (DONE, _("Done")), (FAILED, _("Failed")),
                      (CANCELLED, _("Cancelled"))]
    FINISHED = (DONE, FAILED, CANCELLED)
    AUTO, STAFF, API, TUNING = "auto", "staff", "api", "tuning"
    SOURCE_CHOICES = [(AUTO, _("Automatic on save")), (STAFF, _("Staff")), (API, _("API")),
                      (TUNING, _("Challenger for a live experiment"))]

    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="copygen_requests")
    kind = models.CharField(max_length=32, default="description")
    tone = models.CharField(max_length=32, blank=True)
    segment = models.CharField(max_length=64, blank=True)
    n_variants = models.PositiveSmallIntegerField(default=1)
    source = models.CharField(max_length=16, choices=SOURCE_CHOICES, default=AUTO)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    job = models.ForeignKey("copygen.BulkJob", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="requests")

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
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        app_label = "copygen"
        ordering = ["-created_at", "index"]
        # Publishing writes to the product itself: a separate right from reviewing drafts.
        permissions = [("publish_copyvariant", _("Can publish copy variants to products"))]
        constraints = [
            # Idempotent results: a request re-run after a crash cannot store its variants twice.
            models.UniqueConstraint(fields=["request", "index"], name="copygen_variant_request_index")
        ]
        verbose_name = _("copy variant")

    def __str__(self):
        return f"{self.kind} #{self.pk} for product {self.product_id} ({self.status})"


class AbstractBulkJob(models.Model):
    """Copy for many products at once: its requests are ordinary rows that point back here."""

    RUNNING, DONE, CANCELLED = "running", "done", "cancelled"
    STATUS_CHOICES = [(RUNNING, _("Running")), (DONE, _("Done")), (CANCELLED, _("Cancelled"))]

    description = models.CharField(max_length=300, help_text=_("Which products, in words."))
    selection = models.JSONField(default=dict, blank=True)
    kinds = models.JSONField(default=list)
    tone = models.CharField(max_length=32, blank=True)
    segment = models.CharField(max_length=64, blank=True)
    n_variants = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=RUNNING, db_index=True)
    total = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        app_label = "copygen"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("bulk job")

    def __str__(self):
        return f"Job #{self.pk}: {self.description}"


class AbstractPublication(models.Model):
    """One write of copy into a product's own fields, with what was there before: the history reverts walk."""

    STAFF, API, RULE, REVERT = "staff", "api", "rule", "revert"
    SOURCE_CHOICES = [(STAFF, _("Staff")), (API, _("API")), (RULE, _("Automatic rule")), (REVERT, _("Revert"))]

    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="copygen_publications")
    kind = models.CharField(max_length=32)
    variant = models.ForeignKey("copygen.CopyVariant", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="publications")
    before = models.JSONField(default=dict, help_text=_("The product's fields before this write."))
    after = models.JSONField(default=dict, help_text=_("The product's fields as written."))
    source = models.CharField(max_length=16, choices=SOURCE_CHOICES, default=STAFF)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        app_label = "copygen"
        ordering = ["-published_at", "-pk"]
        verbose_name = _("publication")

    def __str__(self):
        return f"{self.kind} of product {self.product_id} at {self.published_at:%Y-%m-%d %H:%M}"


class AbstractAuditEvent(models.Model):
    """Who generated, edited, approved, published or reverted what, with which model version and prompt."""

    ACTIONS = ["generate", "bulk_generate", "cancel_job", "edit", "approve", "reject", "publish", "revert", "retire",
               "activate_model", "retire_model", "tune_generator"]

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    # "staff", "api" or "rule": how the actor acted (a rule acts without a person).
    channel = models.CharField(max_length=16)
    action = models.CharField(max_length=32, choices=[(a, a.replace("_", " ")) for a in ACTIONS], db_index=True)
    product = models.ForeignKey("catalogue.Product", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    variant = models.ForeignKey("copygen.CopyVariant", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="audit_events")
    job = models.ForeignKey("copygen.BulkJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    model_version = models.ForeignKey("copygen.ModelVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    prompt = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        app_label = "copygen"
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.channel} {self.action}"


class AbstractAutoRule(models.Model):
    """When saving a product asks for copy, per product class (no class: every class without its own rule)."""

    product_class = models.OneToOneField("catalogue.ProductClass", null=True, blank=True, on_delete=models.CASCADE,
                                         related_name="copygen_rule")
    enabled = models.BooleanField(default=True)
    kinds = models.JSONField(default=list, help_text=_('Copy kinds to request, e.g. ["description", "seo"].'))
    on_create = models.BooleanField(default=True, help_text=_("Ask for copy when a product is created."))
    on_facts_change = models.BooleanField(
        default=True, help_text=_("Ask again when a saved product's facts change (its facts hash)."))
    auto_publish = models.BooleanField(
        default=False, help_text=_("Publish the best variant without review when every guard check passed and "
                                   "the product's field holds no human copy. Off unless a merchant turns it on."))

    class Meta:
        abstract = True
        app_label = "copygen"
        verbose_name = _("automatic copy rule")

    def __str__(self):
        return f"Rule for {self.product_class or _('every product class')}"


class AbstractImpression(models.Model):
    """One serving decision: which copy a visitor was shown for a product, with what probability, and its reward.

    Logged in the form off-policy evaluation needs (context, action, probability, reward), one row per visitor,
    product, kind and segment within the attribution window (the choice is sticky, so later page views are the same
    decision). ``variant`` is null for the product's own copy (the control arm), or when the variant was deleted.
    """

    CONVERTED, NOT_CONVERTED = 1, -1

    event_id = models.UUIDField(unique=True, help_text=_("Set when buffered: flushing twice stores it once."))
    shown_at = models.DateTimeField(db_index=True)
    visitor = models.CharField(max_length=64, db_index=True)
    product = models.ForeignKey("catalogue.Product", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    kind = models.CharField(max_length=32)
    segment = models.CharField(max_length=64, blank=True)
    variant = models.ForeignKey("copygen.CopyVariant", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="impressions")
    arm = models.CharField(max_length=32, help_text=_('The variant id shown, or "own" for the product\'s own copy.'))
    probability = models.FloatField()
    arms = models.JSONField(default=dict, help_text=_("Every arm offered with its probability: {arm: p}."))
    context = models.JSONField(default=dict, blank=True)
    reward = models.SmallIntegerField(null=True, blank=True, db_index=True)
    order_number = models.CharField(max_length=128, blank=True)
    rewarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        app_label = "copygen"
        ordering = ["-shown_at", "-pk"]
        indexes = [models.Index(fields=["product", "kind", "segment", "arm"], name="copygen_impression_arm")]
        verbose_name = _("impression")


class AbstractBasketEvent(models.Model):
    """A product added to a basket by a visitor: how an order finds the visitor whose decisions it rewards."""

    event_id = models.UUIDField(unique=True)
    at = models.DateTimeField()
    visitor = models.CharField(max_length=64)
    basket_id = models.IntegerField(db_index=True)
    product = models.ForeignKey("catalogue.Product", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        abstract = True
        app_label = "copygen"
        verbose_name = _("basket event")


class AbstractAttributedOrder(models.Model):
    """An order whose conversions were counted: the same order attributed twice counts once."""

    order = models.OneToOneField("order.Order", on_delete=models.CASCADE, related_name="+")
    attributed_at = models.DateTimeField(auto_now_add=True)
    impressions = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        app_label = "copygen"
        verbose_name = _("attributed order")


class AbstractEventCounter(models.Model):
    """Counters that must survive restarts and be visible: events lost while the buffer was down, and the like."""

    name = models.CharField(max_length=64, unique=True)
    value = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        app_label = "copygen"
        verbose_name = _("event counter")

    def __str__(self):
        return f"{self.name}={self.value}"

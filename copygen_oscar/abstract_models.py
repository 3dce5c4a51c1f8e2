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
               "activate_model", "retire_model", "tune_generator", "campaign_create", "campaign_generate",
               "campaign_schedule", "campaign_retire", "banner_edit", "banner_approve"]

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


class AbstractBannerCampaign(models.Model):
    """A promotion with banners: what it is for (an offer, a range, a category or one product), when it runs, the
    facts its copy may state (taken from the offer itself, so copy cannot invent a discount) and, like a generation
    request, the durable state of its copy generation (``generation_status``: the row is the work)."""

    SALE, NEW_ARRIVAL, SEASONAL, CLEARANCE, FREE_SHIPPING = "sale", "new_arrival", "seasonal", "clearance", "free_shipping"
    GOAL_CHOICES = [(SALE, _("Sale")), (NEW_ARRIVAL, _("New arrival")), (SEASONAL, _("Seasonal")),
                    (CLEARANCE, _("Clearance")), (FREE_SHIPPING, _("Free shipping"))]
    DRAFT, SCHEDULED, RETIRED = "draft", "scheduled", "retired"
    STATUS_CHOICES = [(DRAFT, _("Draft")), (SCHEDULED, _("Scheduled")), (RETIRED, _("Retired"))]
    IDLE, PENDING, RUNNING, DONE, FAILED = "idle", "pending", "running", "done", "failed"
    GENERATION_CHOICES = [(IDLE, _("Not requested")), (PENDING, _("Pending")), (RUNNING, _("Running")),
                          (DONE, _("Done")), (FAILED, _("Failed"))]

    name = models.CharField(max_length=200)
    goal = models.CharField(max_length=16, choices=GOAL_CHOICES, default=SALE)
    offer = models.ForeignKey("offer.ConditionalOffer", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="copygen_campaigns")
    range = models.ForeignKey("offer.Range", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="copygen_campaigns")
    category = models.ForeignKey("catalogue.Category", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="copygen_campaigns")
    product = models.ForeignKey("catalogue.Product", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="copygen_campaigns")
    featured_product = models.ForeignKey(
        "catalogue.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Whose picture and facts the banners use (default: the campaign's product, else the first one)."))
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=DRAFT, db_index=True)
    tone = models.CharField(max_length=32, blank=True)
    n_variants = models.PositiveSmallIntegerField(default=3)
    facts = models.JSONField(default=dict, blank=True, help_text=_("The campaign facts the last generation used."))
    facts_hash = models.CharField(max_length=64, blank=True)

    generation_status = models.CharField(max_length=16, choices=GENERATION_CHOICES, default=IDLE, db_index=True)
    generation_reason = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        app_label = "copygen"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("banner campaign")

    def __str__(self):
        return self.name


class AbstractBannerVariant(models.Model):
    """One headline / subline / call to action for a campaign, its guard verdict and its rendered images.

    Not a ``CopyVariant``: those belong to one product and are published into its fields; a banner belongs to a
    campaign that may cover a whole range, and is served per campaign, not per product.
    """

    DRAFT, APPROVED, REJECTED, RETIRED = "draft", "approved", "rejected", "retired"
    STATUS_CHOICES = [(DRAFT, _("Draft")), (APPROVED, _("Approved")), (REJECTED, _("Rejected")),
                      (RETIRED, _("Retired"))]
    NOT_RENDERED, RENDERING, RENDERED, RENDER_FAILED = "pending", "rendering", "rendered", "failed"
    RENDER_CHOICES = [(NOT_RENDERED, _("Not rendered")), (RENDERING, _("Rendering")), (RENDERED, _("Rendered")),
                      (RENDER_FAILED, _("Failed"))]

    campaign = models.ForeignKey("copygen.BannerCampaign", on_delete=models.CASCADE, related_name="variants")
    index = models.PositiveSmallIntegerField(default=0)
    model_version = models.ForeignKey("copygen.ModelVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    fields = models.JSONField(default=dict, help_text=_('{"Headline", "Subline", "Call to action"}'))
    body = models.TextField(blank=True, help_text=_("Sanitised copy, safe to render."))
    prompt = models.TextField(blank=True)
    facts_hash = models.CharField(max_length=64, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    guard = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=DRAFT, db_index=True)
    human_edited = models.BooleanField(default=False)
    render_status = models.CharField(max_length=16, choices=RENDER_CHOICES, default=NOT_RENDERED)
    render_reason = models.TextField(blank=True)
    renders = models.JSONField(default=dict, blank=True,
                               help_text=_("Per size: file names, measured text boxes, contrast, notes."))
    render_hash = models.CharField(max_length=64, blank=True)
    clicks = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        app_label = "copygen"
        ordering = ["campaign", "-created_at", "index"]
        verbose_name = _("banner variant")

    def __str__(self):
        return f"Banner #{self.pk} of campaign {self.campaign_id} ({self.status})"


class AbstractServiceMessage(models.Model):
    """A customer's message to the store (storefront form, import, API) and the durable state of its draft.

    ``order`` is set only when the sender proved it is theirs (signed in as its customer, or its number together with
    its e-mail address): nothing of an order that is not set here ever reaches a prompt. Like a generation request,
    the row is the work: ``draft_status`` pending rows are claimed by a worker, which writes a ``ServiceDraft``.
    """

    STOREFRONT_ORDER, STOREFRONT, IMPORT, API = "order_page", "contact_form", "import", "api"
    CHANNEL_CHOICES = [(STOREFRONT_ORDER, _("Order page")), (STOREFRONT, _("Contact form")), (IMPORT, _("Import")),
                       (API, _("API"))]
    ORDER_STATUS, DELIVERY, RETURN, EXCHANGE, PRODUCT, DISCOUNT, COMPLAINT, OTHER = (
        "order_status", "delivery_problem", "return_refund", "exchange_size", "product_question", "discount_code",
        "complaint", "other")
    INTENT_CHOICES = [(ORDER_STATUS, _("Order status")), (DELIVERY, _("Delivery problem")),
                      (RETURN, _("Return or refund")), (EXCHANGE, _("Exchange or size")),
                      (PRODUCT, _("Product question")), (DISCOUNT, _("Discount code")), (COMPLAINT, _("Complaint")),
                      (OTHER, _("Other"))]
    OPEN, ANSWERED, DISCARDED = "open", "answered", "discarded"
    STATUS_CHOICES = [(OPEN, _("Open")), (ANSWERED, _("Answered")), (DISCARDED, _("Discarded"))]
    PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
    DRAFT_CHOICES = [(PENDING, _("Pending")), (RUNNING, _("Running")), (DONE, _("Done")), (FAILED, _("Failed"))]

    channel = models.CharField(max_length=16, choices=CHANNEL_CHOICES, default=STOREFRONT)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="copygen_service_messages")
    email = models.EmailField(help_text=_("Where the reply goes."))
    name = models.CharField(max_length=100, blank=True)
    order = models.ForeignKey("order.Order", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="copygen_service_messages",
                              help_text=_("Set only when the sender proved the order is theirs."))
    claimed_order_number = models.CharField(
        max_length=64, blank=True, help_text=_("The order number the sender typed (shown to staff, never prompted)."))
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(help_text=_("Plain text as received (tags stripped); rendered escaped."))
    external_id = models.CharField(max_length=200, blank=True, help_text=_("Id in the system it was imported from."))
    intent = models.CharField(max_length=32, choices=INTENT_CHOICES, blank=True, db_index=True)
    intent_confidence = models.FloatField(null=True, blank=True)
    product_ids = models.JSONField(default=list, blank=True, help_text=_("Catalogue products the message is about."))
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=OPEN, db_index=True)
    draft_status = models.CharField(max_length=16, choices=DRAFT_CHOICES, default=PENDING, db_index=True)
    draft_reason = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField(null=True, blank=True, help_text=_("When the source says it was sent."))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        app_label = "copygen"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], condition=~models.Q(external_id=""),
                                    name="copygen_service_message_external_id"),
        ]
        verbose_name = _("service message")

    def __str__(self):
        return f"Message #{self.pk} ({self.intent or 'unclassified'}, {self.status})"


class AbstractServiceDraft(models.Model):
    """A reply to a service message: the draft as written (model or template), the context it was grounded on, the
    guard's verdict, and what staff did with it. Sent drafts are the accept/edit record and the training pairs."""

    MODEL, TEMPLATE, STAFF = "model", "template", "staff"
    SOURCE_CHOICES = [(MODEL, _("Model")), (TEMPLATE, _("Grounded template")), (STAFF, _("Written by staff"))]
    DRAFT, SENT, DISCARDED = "draft", "sent", "discarded"
    STATUS_CHOICES = [(DRAFT, _("Draft")), (SENT, _("Sent")), (DISCARDED, _("Discarded"))]

    message = models.ForeignKey("copygen.ServiceMessage", on_delete=models.CASCADE, related_name="drafts")
    source = models.CharField(max_length=16, choices=SOURCE_CHOICES, default=TEMPLATE)
    model_version = models.ForeignKey("copygen.ModelVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    text = models.TextField(help_text=_("The reply as plain text (what is e-mailed; rendered escaped)."))
    body = models.TextField(blank=True, help_text=_("Sanitised HTML of the reply, safe to render."))
    original_text = models.TextField(blank=True, help_text=_("The reply as drafted, before any staff edit."))
    intent = models.CharField(max_length=32, blank=True)
    context = models.JSONField(default=dict, blank=True, help_text=_("The verified facts the draft was grounded on."))
    prompt = models.TextField(blank=True)
    scores = models.JSONField(default=dict, blank=True)
    guard = models.JSONField(default=dict, blank=True)
    handover = models.BooleanField(default=False, help_text=_("The draft hands the customer over to a person."))
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=DRAFT, db_index=True)
    edited = models.BooleanField(default=False)
    auto_sent = models.BooleanField(default=False)
    training_pair = models.JSONField(default=dict, blank=True,
                                     help_text=_("Masked context, message and reply, once sent (for training)."))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        app_label = "copygen"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("service reply draft")

    def __str__(self):
        return f"Reply draft #{self.pk} for message {self.message_id} ({self.status})"

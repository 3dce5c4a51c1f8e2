"""What the API shows and what it accepts.

Output serializers are read-only views of the rows. Input serializers check the shape and ranges of a body before
a service function sees it, with the same words the services use; the services then check the state of things.
"""

from django.db import connection
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema_field
from oscar.core.loading import get_model
from rest_framework import serializers

from ..kinds import KINDS, TONES
from ..requests import MAX_VARIANTS
from ..workflow import jobs
from ..workflow.review import MAX_EDIT_CHARS

BulkJob = get_model("copygen", "BulkJob")
Category = get_model("catalogue", "Category")
CopyVariant = get_model("copygen", "CopyVariant")
GenerationRequest = get_model("copygen", "GenerationRequest")
ModelVersion = get_model("copygen", "ModelVersion")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
Publication = get_model("copygen", "Publication")


def unknown_choice(choices, what):
    """The refusal of a value outside ``choices``, listing the valid ones like the services' own messages do."""
    return {"invalid_choice": f'Unknown {what} "{{input}}"; known: {", ".join(choices)}.'}


def choice_field(choices, what, **kwargs):
    return serializers.ChoiceField(choices=choices, error_messages=unknown_choice(choices, what), **kwargs)


class KindField(serializers.ChoiceField):
    """A copy kind. The schema names its choice set once, as ``CopyKind``, for lone kinds and lists of them alike."""

    def __init__(self, **kwargs):
        choices = sorted(KINDS)
        super().__init__(choices=choices, error_messages=unknown_choice(choices, "copy kind"), **kwargs)


class KindFieldExtension(OpenApiSerializerFieldExtension):
    """Without it drf-spectacular names the same enum twice (``KindEnum``, ``KindsEnum``) and warns about it."""

    target_class = KindField

    def map_serializer_field(self, auto_schema, direction):
        component = ResolvedComponent(name="CopyKind", type=ResolvedComponent.SCHEMA, object="CopyKind",
                                      schema={"type": "string", "enum": sorted(KINDS)})
        auto_schema.registry.register_on_missing(component)
        return component.ref


def tone_field():
    return choice_field(TONES, "tone", allow_blank=True, default="")


def id_field(model, **kwargs):
    """An id the database can hold: ``pk__in`` lookups do not clamp out-of-range numbers, they fail in the query."""
    _, largest = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
    return serializers.IntegerField(min_value=1, max_value=largest, **kwargs)


def variants_field(**kwargs):
    message = f"Variants per product must be between 1 and {MAX_VARIANTS}."
    return serializers.IntegerField(min_value=1, max_value=MAX_VARIANTS, required=False,
                                    error_messages={"min_value": message, "max_value": message}, **kwargs)


def segment_field():
    return serializers.CharField(max_length=64, allow_blank=True, default="",
                                 help_text="The audience the copy speaks to, in a few words.")


class ModelVersionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = ["id", "name"]


class CopyVariantSerializer(serializers.ModelSerializer):
    model_version = ModelVersionRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CopyVariant
        fields = ["id", "product", "kind", "request", "index", "status", "body", "fields", "human_edited", "scores",
                  "guard", "model_version", "prompt", "created_at", "updated_at"]
        read_only_fields = fields


class PublicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Publication
        fields = ["id", "product", "kind", "variant", "before", "after", "source", "published_by", "published_at"]
        read_only_fields = fields


class GenerationRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = GenerationRequest
        fields = ["id", "product", "kind", "tone", "segment", "n_variants", "source", "status", "reason", "attempts",
                  "job", "created_by", "created_at", "updated_at", "finished_at"]
        read_only_fields = fields


class JobErrorSerializer(serializers.Serializer):
    request = serializers.IntegerField()
    product = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    reason = serializers.CharField()


class JobProgressSerializer(serializers.Serializer):
    """The shape of ``workflow.jobs.progress``: request counts per status, counted from the rows."""

    total = serializers.IntegerField()
    pending = serializers.IntegerField()
    running = serializers.IntegerField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    percent = serializers.IntegerField()
    # A plain string: the job's status enum is documented once, on the job.
    status = serializers.CharField(help_text="The job's status.")
    errors = JobErrorSerializer(many=True, help_text="The first failed requests, with why they failed.")


class BulkJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = BulkJob
        fields = ["id", "description", "selection", "kinds", "tone", "segment", "n_variants", "status", "total",
                  "progress", "created_by", "created_at", "finished_at"]
        read_only_fields = fields

    @extend_schema_field(JobProgressSerializer)
    def get_progress(self, job):
        return jobs.progress(job)


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = ["id", "name", "path", "fingerprint", "base_model", "status", "metrics", "training_summary",
                  "created_at", "status_changed_at", "status_changed_by"]
        read_only_fields = fields


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# Input


class RequestCreateSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(),
        error_messages={"does_not_exist": "No such product: {pk_value}.",
                        "incorrect_type": "A product is given by its id (a number), not {data_type}."})
    kind = KindField(default="description")
    n = variants_field(help_text="Variants to write; the store's default when left out.")
    tone = tone_field()
    segment = segment_field()

    def validate_product(self, product):
        # Shoppers read a child's parent's copy; jobs leave children out for the same reason.
        if product.is_child:
            raise serializers.ValidationError(
                f"Product {product.pk} is a child product: ask for its parent's ({product.parent_id}) copy.")
        return product


class SelectionSerializer(serializers.Serializer):
    """Which products a job covers; only the key the mode needs is kept, so the job stores what was used."""

    NEEDS = {"products": "ids", "category": "category", "product_class": "product_class"}

    mode = choice_field(jobs.MODES, "selection")
    ids = serializers.ListField(child=id_field(Product), required=False, allow_empty=False,
                                max_length=jobs.MAX_PRODUCTS, help_text='Product ids, for mode "products".')
    category = id_field(Category, required=False, help_text='For mode "category": the category and its subcategories.')
    product_class = id_field(ProductClass, required=False, help_text='For mode "product_class".')

    def validate(self, data):
        key = self.NEEDS.get(data["mode"])
        if key is None:
            return {"mode": data["mode"]}
        if key not in data:
            raise serializers.ValidationError({key: f'A "{data["mode"]}" selection needs "{key}".'})
        return {"mode": data["mode"], key: data[key]}


class JobCreateSerializer(serializers.Serializer):
    selection = SelectionSerializer()
    kinds = serializers.ListField(child=KindField(), allow_empty=False, max_length=len(KINDS))
    n = variants_field(help_text="Variants per product and kind; the store's default when left out.")
    tone = tone_field()
    segment = segment_field()


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, default="")


class EditSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_EDIT_CHARS,
                                 help_text="The copy as the model writes it; the kind's parser and the guard read it.")


class RevertSerializer(serializers.Serializer):
    kind = KindField()
    publication = serializers.PrimaryKeyRelatedField(
        queryset=Publication.objects.all(), allow_null=True,
        error_messages={"does_not_exist": "No such publication: {pk_value}."},
        help_text="Put back the copy as this publication wrote it; null: the copy from before copygen's first write.")


# List filters (query parameters)


class VariantFilterSerializer(serializers.Serializer):
    product = id_field(Product, required=False)
    kind = KindField(required=False)
    status = serializers.ChoiceField(choices=CopyVariant.STATUS_CHOICES, required=False)


class PublicationFilterSerializer(serializers.Serializer):
    product = id_field(Product, required=False)
    kind = KindField(required=False)


class RequestFilterSerializer(serializers.Serializer):
    product = id_field(Product, required=False)
    kind = KindField(required=False)
    status = serializers.ChoiceField(choices=GenerationRequest.STATUS_CHOICES, required=False)
    job = id_field(BulkJob, required=False)

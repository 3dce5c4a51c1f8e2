from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView
from oscar.core.loading import get_model

from .. import permissions as perms
from ..facts import EmptyFacts, facts_text, product_facts
from ..kinds import get_kind
from ..registry import RegistryError, activate, retire, serving_path
from ..requests import request_generation
from ..workflow import WorkflowError
from ..workflow.audit import record
from ..workflow.jobs import cancel, create_job, progress
from ..workflow.publishing import current_values, history, publish, revert
from ..workflow.review import approve, edit, reject
from .diff import word_diff
from .forms import BulkJobForm, GenerateForm

AuditEvent = get_model("copygen", "AuditEvent")
BulkJob = get_model("copygen", "BulkJob")
CopyVariant = get_model("copygen", "CopyVariant")
GenerationRequest = get_model("copygen", "GenerationRequest")
Impression = get_model("copygen", "Impression")
ModelVersion = get_model("copygen", "ModelVersion")
Publication = get_model("copygen", "Publication")
Product = get_model("catalogue", "Product")

# Pages showing work in flight reload themselves so a merchant sees the draft arrive.
REFRESH_SECONDS = 3
PRODUCTS_ON_BULK_PAGE = 200


class OverviewView(ListView):
    """Recent requests with their outcome, newest first."""

    template_name = "copygen_oscar/dashboard/overview.html"
    context_object_name = "requests"
    paginate_by = 25

    def get_queryset(self):
        queryset = (
            GenerationRequest.objects.select_related("product")
            .annotate(n_drafts=Count("variants"))
            .order_by("-created_at", "-pk")
        )
        status = self.request.GET.get("status")
        if status in dict(GenerationRequest.STATUS_CHOICES):
            queryset = queryset.filter(status=status)
        return queryset

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        counts = dict(GenerationRequest.objects.values_list("status").annotate(n=Count("pk")))
        ctx["status_counts"] = [(key, label, counts.get(key, 0)) for key, label in GenerationRequest.STATUS_CHOICES]
        ctx["current_status"] = self.request.GET.get("status", "")
        in_flight = counts.get(GenerationRequest.PENDING, 0) + counts.get(GenerationRequest.RUNNING, 0)
        ctx["refresh_seconds"] = REFRESH_SECONDS if in_flight else None
        return ctx


class ProductCopyView(TemplateView):
    """One product: its facts as the model sees them, and per kind its live copy, history and variants."""

    template_name = "copygen_oscar/dashboard/product.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        product = get_object_or_404(Product, pk=self.kwargs["pk"])
        try:
            facts = product_facts(product)
            ctx["facts_text"], ctx["facts_hash"] = facts_text(facts), facts.hash
        except EmptyFacts as exc:
            ctx["facts_error"] = str(exc)
        requests = list(product.copygen_requests.all()[:20])
        variants = list(product.copygen_variants.select_related("model_version", "edited_by")
                        .order_by("kind", "-created_at", "index")[:200])
        sections = OrderedDict()
        for variant in variants:
            sections.setdefault(variant.kind, []).append(variant)
        user = self.request.user
        ctx.update(
            product=product,
            requests=requests,
            sections=[self.section(product, kind, kind_variants) for kind, kind_variants in sections.items()],
            generate_form=GenerateForm(),
            can_generate=perms.allowed(user, perms.GENERATE),
            can_review=perms.allowed(user, perms.REVIEW),
            can_publish=perms.allowed(user, perms.PUBLISH),
            refresh_seconds=REFRESH_SECONDS
            if any(r.status in (GenerationRequest.PENDING, GenerationRequest.RUNNING) for r in requests)
            else None,
        )
        return ctx

    def section(self, product, kind_name, variants):
        """The live copy of one kind (Oscar's fields, or the live variant for kinds served by copygen alone)."""
        kind = get_kind(kind_name)
        live_variant = next((v for v in variants if v.status == CopyVariant.LIVE), None)
        if kind.oscar_fields:
            live = current_values(product, kind_name)
            # Oscar's fields may hold anything a person typed: the template renders this through the sanitiser.
            live_html = "".join(live.values()) if len(live) == 1 else "".join(
                f"<p><strong>{escape(field.replace('_', ' '))}:</strong> {escape(value)}</p>"
                for field, value in live.items())
        else:
            live_html = live_variant.body if live_variant else ""
        for variant in variants:
            variant.diff = word_diff(live_html, variant.body) if live_html else None
            variant.editable_text = kind.editable_text(variant.body, variant.fields)
        return {"kind": kind_name, "variants": variants, "live_html": live_html, "fields": kind.oscar_fields,
                "history": history(product, kind_name)}


class GenerateView(View):
    """POST: "generate N more" for one product, with kind, tone and segment."""

    def post(self, request, pk):
        product = get_object_or_404(Product, pk=pk)
        form = GenerateForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Nothing generated: %(errors)s") % {"errors": _form_errors(form)})
            return redirect("copygen_dashboard:copygen-product", pk=pk)
        data = form.cleaned_data
        try:
            generation, created = request_generation(
                product, kind=data["kind"], tone=data["tone"], segment=data["segment"], n=data["n"],
                source=GenerationRequest.STAFF, user=request.user)
        except ValueError as exc:
            messages.error(request, str(exc))
            return redirect("copygen_dashboard:copygen-product", pk=pk)
        record("generate", actor=request.user, product=product, request=generation.pk, kind=data["kind"],
               n=data["n"], tone=data["tone"], segment=data["segment"], joined=not created)
        messages.success(request, _("Asked for %(n)s %(kind)s variant(s); they appear here when ready.") % {
            "n": data["n"], "kind": data["kind"]})
        return redirect("copygen_dashboard:copygen-product", pk=pk)


class VariantActionView(View):
    """POST: approve, reject, edit (REVIEW) or publish (PUBLISH) one variant."""

    needs = {"approve": perms.REVIEW, "reject": perms.REVIEW, "edit": perms.REVIEW, "publish": perms.PUBLISH}

    def post(self, request, pk, action):
        if action not in self.needs:
            raise Http404
        if not perms.allowed(request.user, self.needs[action]):
            raise PermissionDenied
        variant = get_object_or_404(CopyVariant, pk=pk)
        try:
            if action == "approve":
                approve(variant, request.user)
            elif action == "reject":
                reject(variant, request.user, reason=request.POST.get("reason", ""))
            elif action == "edit":
                edit(variant, request.POST.get("text", ""), request.user)
            else:
                publish(variant, request.user)
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            done = {"approve": _("approved"), "reject": _("rejected"), "edit": _("saved as human-edited"),
                    "publish": _("published")}[action]
            messages.success(request, _("Variant %(pk)s %(done)s.") % {"pk": variant.pk, "done": done})
        return redirect(reverse("copygen_dashboard:copygen-product", args=[variant.product_id])
                        + f"#kind-{variant.kind}")


class RevertView(View):
    """POST: put back an earlier version of a product's copy (``publication`` id, or "original")."""

    def post(self, request, pk):
        product = get_object_or_404(Product, pk=pk)
        kind, target = request.POST.get("kind", ""), request.POST.get("publication", "")
        publication = None
        if target != "original":
            publication = Publication.objects.filter(pk=target if target.isdigit() else None, product=product,
                                                     kind=kind).first()
            if publication is None:
                messages.error(request, _("No such version of this product's %(kind)s.") % {"kind": kind})
                return redirect("copygen_dashboard:copygen-product", pk=pk)
        try:
            revert(product, kind, publication, request.user)
        except (WorkflowError, ValueError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The %(kind)s is back to the chosen version.") % {"kind": kind})
        return redirect(reverse("copygen_dashboard:copygen-product", args=[pk]) + f"#kind-{kind}")


class JobListView(ListView):
    template_name = "copygen_oscar/dashboard/jobs.html"
    context_object_name = "jobs"
    paginate_by = 25

    def get_queryset(self):
        return BulkJob.objects.select_related("created_by").annotate(
            finished=Count("requests", filter=Q(requests__status__in=GenerationRequest.FINISHED)),
            failed=Count("requests", filter=Q(requests__status=GenerationRequest.FAILED)),
        )


class JobCreateView(FormView):
    """Bulk generation: ticked products, a category, a product class, or every product missing copy."""

    template_name = "copygen_oscar/dashboard/job_form.html"
    form_class = BulkJobForm

    def get_initial(self):
        ids = [int(i) for i in self.request.GET.get("ids", "").split(",") if i.strip().isdigit()]
        return {"products": ids} if ids else {}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()
        products = Product.objects.filter(parent__isnull=True).select_related("product_class").order_by("title")
        if query:
            products = products.filter(Q(title__icontains=query) | Q(upc__iexact=query))
        ctx["products"] = products[:PRODUCTS_ON_BULK_PAGE]
        ctx["query"] = query
        ctx["chosen"] = set(self.get_form().initial.get("products", []) if not self.request.POST
                            else ctx["form"].data.getlist("products"))
        return ctx

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            job = create_job(form.selection(), kinds=data["kinds"], tone=data["tone"], segment=data["segment"],
                             n=data["n"], user=self.request.user)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Job %(pk)s started: %(n)s requests.") % {"pk": job.pk, "n": job.total})
        return redirect("copygen_dashboard:copygen-job", pk=job.pk)


class JobDetailView(DetailView):
    """A job's live progress bar, its per-product results and errors, and a cancel button."""

    template_name = "copygen_oscar/dashboard/job.html"
    context_object_name = "job"
    model = BulkJob

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["progress"] = progress(self.object)
        ctx["requests"] = (self.object.requests.select_related("product").annotate(n_drafts=Count("variants"))
                           .order_by("pk")[:500])
        ctx["can_cancel"] = perms.allowed(self.request.user, perms.CANCEL_JOB)
        return ctx


class JobProgressView(View):
    """GET: the job's progress as JSON, polled by the job page's progress bar."""

    def get(self, request, pk):
        return JsonResponse(progress(get_object_or_404(BulkJob, pk=pk)))


class JobCancelView(View):
    def post(self, request, pk):
        job = get_object_or_404(BulkJob, pk=pk)
        try:
            cancel(job, request.user)
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Job %(pk)s cancelled.") % {"pk": job.pk})
        return redirect("copygen_dashboard:copygen-job", pk=pk)


class AuditLogView(ListView):
    """Who generated, edited, approved, published or reverted what, with which model version and prompt."""

    template_name = "copygen_oscar/dashboard/audit.html"
    context_object_name = "events"
    paginate_by = 50

    def get_queryset(self):
        events = AuditEvent.objects.select_related("actor", "product", "variant", "model_version", "job")
        action = self.request.GET.get("action")
        if action in AuditEvent.ACTIONS:
            events = events.filter(action=action)
        product = self.request.GET.get("product", "")
        if product.isdigit():
            events = events.filter(product_id=int(product))
        return events

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["actions"], ctx["current_action"] = AuditEvent.ACTIONS, self.request.GET.get("action", "")
        return ctx


class ExperimentsView(TemplateView):
    """Impressions, conversions and rates per variant with credible intervals, chance of being best, and the
    policy's uplift over each product's own copy."""

    template_name = "copygen_oscar/dashboard/experiments.html"

    def get_context_data(self, **kwargs):
        from ..serving.events import LOST, counter
        from .report import experiments, overall_chart

        ctx = super().get_context_data(**kwargs)
        product = self.request.GET.get("product", "")
        report = experiments(int(product) if product.isdigit() else None)
        logged = Impression.objects.filter(product__isnull=False)
        if product.isdigit():
            logged = logged.filter(product_id=int(product))
        totals = logged.aggregate(shown=Count("pk"), decided=Count("pk", filter=Q(reward__isnull=False)),
                                  converted=Count("pk", filter=Q(reward=1)))
        decided, converted = totals["decided"], totals["converted"]
        with_own = [e for e in report if e["uplift"] is not None]
        ctx["overall_chart"] = overall_chart(report)
        ctx.update(
            experiments=report, decided=decided, converted=converted,
            rate=converted / decided if decided else None, shown=totals["shown"],
            mean_uplift=sum(e["uplift"] for e in with_own) / len(with_own) if with_own else None,
            events_lost=counter(LOST), product_filter=product,
        )
        return ctx


class ModelListView(ListView):
    """The model registry: every version with its training summary and metrics, and which one serves."""

    template_name = "copygen_oscar/dashboard/models.html"
    context_object_name = "versions"

    def get_queryset(self):
        return ModelVersion.objects.select_related("status_changed_by").annotate(n_variants=Count("variants")) \
            .order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["serving_path"] = serving_path()
        ctx["can_change"] = perms.allowed(self.request.user, perms.CHANGE_MODELS)
        return ctx


class ModelStatusView(PermissionRequiredMixin, View):
    """POST only: activate or retire a version. Putting a model in front of shoppers is a staff decision."""

    permission_required = perms.CHANGE_MODELS
    raise_exception = True
    actions = {"activate": activate, "retire": retire}

    def post(self, request, pk, action):
        version = get_object_or_404(ModelVersion, pk=pk)
        if action not in self.actions:
            raise Http404
        try:
            self.actions[action](version, user=request.user)
        except RegistryError as exc:
            messages.error(request, str(exc))
        else:
            record(f"{action}_model", actor=request.user, version=version.pk, name=version.name)
            messages.success(request, _("Model version %(pk)s is now %(status)s.") % {
                "pk": version.pk, "status": version.get_status_display().lower()})
        return redirect("copygen_dashboard:copygen-models")


def _form_errors(form):
    return "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView
from oscar.core.loading import get_model

from ..facts import EmptyFacts, facts_text, product_facts
from ..registry import RegistryError, activate, retire, serving_path

GenerationRequest = get_model("copygen", "GenerationRequest")
ModelVersion = get_model("copygen", "ModelVersion")
Product = get_model("catalogue", "Product")

# Pages showing work in flight reload themselves so a merchant sees the draft arrive.
REFRESH_SECONDS = 3


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
    """One product: its facts as the model sees them, its requests and its generated variants."""

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
        ctx.update(
            product=product,
            requests=requests,
            variants=product.copygen_variants.select_related("model_version", "request")[:50],
            refresh_seconds=REFRESH_SECONDS
            if any(r.status in (GenerationRequest.PENDING, GenerationRequest.RUNNING) for r in requests)
            else None,
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
        ctx["can_change"] = self.request.user.has_perm("copygen.change_modelversion")
        return ctx


class ModelStatusView(PermissionRequiredMixin, View):
    """POST only: activate or retire a version. Putting a model in front of shoppers is a staff decision."""

    permission_required = "copygen.change_modelversion"
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
            messages.success(request, _("Model version %(pk)s is now %(status)s.") % {
                "pk": version.pk, "status": version.get_status_display().lower()})
        return redirect("copygen_dashboard:copygen-models")

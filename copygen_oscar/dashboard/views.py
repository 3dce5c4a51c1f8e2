from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.views.generic import ListView, TemplateView
from oscar.core.loading import get_model

from ..facts import EmptyFacts, facts_text, product_facts

GenerationRequest = get_model("copygen", "GenerationRequest")
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

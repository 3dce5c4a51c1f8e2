"""Banner campaigns in the dashboard: list, create, generate, preview every size, approve, schedule, retire,
download. Every action goes through ``copygen_oscar.banners.workflow`` (the API calls the same functions)."""

from django import forms
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView
from oscar.core.loading import get_model

from .. import permissions as perms
from ..banners import permissions as rights
from ..banners import render as renderer
from ..banners import serving, workflow
from ..banners.facts import campaign_facts
from ..kinds import TONES, get_kind
from ..workflow import WorkflowError

BannerCampaign = get_model("copygen", "BannerCampaign")
BannerVariant = get_model("copygen", "BannerVariant")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Range = get_model("offer", "Range")
Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
REFRESH_SECONDS = 3


class CampaignForm(forms.ModelForm):
    starts_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    tone = forms.ChoiceField(choices=[("", _("Brand default"))] + [(t, t) for t in TONES], required=False)
    product = forms.IntegerField(required=False, min_value=1, label=_("Product id"))
    featured_product = forms.IntegerField(required=False, min_value=1, label=_("Featured product id"))

    class Meta:
        model = BannerCampaign
        fields = ["name", "goal", "offer", "range", "category", "starts_at", "ends_at", "tone", "n_variants"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = ConditionalOffer.objects.order_by("name")
        self.fields["range"].queryset = Range.objects.order_by("name")
        self.fields["category"].queryset = Category.objects.order_by("path")
        self.fields["n_variants"].min_value = 1
        self.fields["n_variants"].max_value = 10

    def _product(self, name):
        pk = self.cleaned_data.get(name)
        if not pk:
            return None
        product = Product.objects.filter(pk=pk).first()
        if product is None:
            raise forms.ValidationError(_("No product with id %(pk)s."), params={"pk": pk})
        return product

    def clean_product(self):
        return self._product("product")

    def clean_featured_product(self):
        return self._product("featured_product")

    def clean(self):
        data = super().clean()
        for field, message in workflow.validate(data):
            self.add_error(field, message)
        return data

    def campaign_data(self):
        data = {k: self.cleaned_data.get(k) for k in ("name", "goal", "offer", "range", "category", "product",
                                                      "featured_product", "starts_at", "ends_at", "n_variants")}
        data["tone"] = self.cleaned_data.get("tone") or ""
        return data


class CampaignListView(ListView):
    template_name = "copygen_oscar/dashboard/campaigns.html"
    context_object_name = "campaigns"
    paginate_by = 25

    def get_queryset(self):
        return BannerCampaign.objects.select_related("offer", "range", "category", "product").order_by("-created_at",
                                                                                                      "-pk")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_create"] = perms.allowed(self.request.user, rights.ADD_CAMPAIGN)
        ctx["now"] = timezone.now()
        return ctx


class CampaignCreateView(FormView):
    template_name = "copygen_oscar/dashboard/campaign_form.html"
    form_class = CampaignForm

    def get_initial(self):
        return {"starts_at": timezone.localtime().replace(second=0, microsecond=0), "n_variants": 3}

    def form_valid(self, form):
        try:
            campaign = workflow.create_campaign(form.campaign_data(), self.request.user)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Campaign created. Generate banners for it next."))
        return redirect("copygen_dashboard:copygen-campaign", pk=campaign.pk)


class CampaignDetailView(TemplateView):
    template_name = "copygen_oscar/dashboard/campaign.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        campaign = get_object_or_404(BannerCampaign.objects.select_related("offer", "range", "category", "product"),
                                     pk=self.kwargs["pk"])
        variants = list(campaign.variants.select_related("model_version").order_by("-created_at", "index"))
        counts = serving.stats(campaign)
        banner_kind = get_kind("banner")
        for variant in variants:
            variant.stats = counts.get(variant.pk, {})
            variant.editable_text = banner_kind.editable_text(variant.body, variant.fields or {})
            variant.previews = [
                {"name": name, "label": renderer.SIZES[name].label, **entry,
                 "png_url": default_storage.url(entry["png"]) if entry.get("png") else "",
                 "webp_url": default_storage.url(entry["webp"]) if entry.get("webp") else ""}
                for name, entry in (variant.renders or {}).items() if name in renderer.SIZES]
        user = self.request.user
        try:
            facts = campaign_facts(campaign)
            ctx["facts_lines"] = facts.lines()
            ctx["discounts"] = facts.discounts
        except Exception as exc:  # noqa: BLE001  (a broken target still shows its campaign)
            ctx["facts_error"] = str(exc)
        running = campaign.generation_status in (BannerCampaign.PENDING, BannerCampaign.RUNNING) or any(
            v.render_status in (BannerVariant.NOT_RENDERED, BannerVariant.RENDERING) for v in variants)
        ctx.update(campaign=campaign, variants=variants, can_change=perms.allowed(user, rights.CHANGE_CAMPAIGN),
                   can_review=perms.allowed(user, rights.REVIEW_BANNERS), refresh_seconds=REFRESH_SECONDS
                   if running else None, live=campaign.status == BannerCampaign.SCHEDULED
                   and campaign.starts_at <= timezone.now() and (not campaign.ends_at
                                                                  or campaign.ends_at > timezone.now()))
        return ctx


class CampaignActionView(View):
    """POST generate / schedule / retire."""

    def post(self, request, pk, action):
        campaign = get_object_or_404(BannerCampaign, pk=pk)
        try:
            if action == "generate":
                if workflow.generate(campaign, request.user):
                    messages.success(request, _("Banner copy requested; the page refreshes until it arrives."))
                else:
                    messages.info(request, _("Banner copy is already being written for this campaign."))
            elif action == "schedule":
                workflow.schedule(campaign, request.user)
                messages.success(request, _("Campaign scheduled: it shows on the storefront while its dates run."))
            elif action == "retire":
                workflow.retire(campaign, request.user)
                messages.success(request, _("Campaign retired."))
            else:
                raise Http404
        except WorkflowError as exc:
            messages.error(request, str(exc))
        return redirect("copygen_dashboard:copygen-campaign", pk=campaign.pk)


class BannerActionView(View):
    """POST approve / reject / retire / edit / render on one banner."""

    def post(self, request, pk, action):
        variant = get_object_or_404(BannerVariant.objects.select_related("campaign"), pk=pk)
        try:
            if action == "approve":
                workflow.approve(variant, request.user)
                messages.success(request, _("Banner approved."))
            elif action == "reject":
                workflow.reject(variant, request.user)
            elif action == "retire":
                workflow.retire_variant(variant, request.user)
            elif action == "edit":
                workflow.edit(variant, request.POST.get("text", ""), request.user)
                messages.success(request, _("Your wording was saved as a new draft; it is being rendered."))
            elif action == "render":
                from ..banners.tasks import enqueue_render

                BannerVariant.objects.filter(pk=variant.pk).update(render_status=BannerVariant.NOT_RENDERED)
                enqueue_render([variant.pk])
            else:
                raise Http404
        except WorkflowError as exc:
            messages.error(request, str(exc))
        return redirect("copygen_dashboard:copygen-campaign", pk=variant.campaign_id)


class BannerDownloadView(View):
    """One rendered image as a download: ``?size=hero&format=png``."""

    def get(self, request, pk):
        variant = get_object_or_404(BannerVariant, pk=pk)
        size, fmt = request.GET.get("size", ""), request.GET.get("format", "png")
        entry = (variant.renders or {}).get(size)
        if size not in renderer.SIZES or fmt not in renderer.FORMATS or not entry or not entry.get(fmt):
            raise Http404
        if not default_storage.exists(entry[fmt]):
            raise Http404
        return FileResponse(default_storage.open(entry[fmt], "rb"), as_attachment=True,
                            filename=f"campaign-{variant.campaign_id}-banner-{variant.pk}-{size}.{fmt}")

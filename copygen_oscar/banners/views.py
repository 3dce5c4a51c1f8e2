"""Storefront side of banners: the click redirect (counted once per visitor and banner, then to the campaign's
landing page: never to a URL taken from the request)."""

from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views import View
from oscar.core.loading import get_model

from . import serving

BannerCampaign = get_model("copygen", "BannerCampaign")


class BannerClickView(View):
    def get(self, request, campaign, variant):
        campaign = get_object_or_404(BannerCampaign, pk=campaign)
        if getattr(request, "copygen_known_visitor", False):  # a browser that was shown the banner, not a bot's hit
            serving.count_click(request.copygen_visitor, campaign.pk, variant)
        return HttpResponseRedirect(serving.landing_url(campaign))

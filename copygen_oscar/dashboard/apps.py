from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig
from oscar.core.loading import get_class

from .. import permissions as perms
from ..banners import permissions as banner_rights


class CopygenDashboardConfig(OscarDashboardConfig):
    label = "copygen_dashboard"
    name = "copygen_oscar.dashboard"
    verbose_name = _("Copy generation dashboard")
    namespace = "copygen_dashboard"
    # Oscar dashboard apps are open to anyone unless they say otherwise: every page needs staff + the copygen right
    # of what it does (copygen_oscar.permissions; the API checks the same ones).
    default_permissions = ["is_staff", perms.VIEW]
    permissions_map = {
        "copygen-generate": ["is_staff", perms.GENERATE],
        "copygen-job-create": ["is_staff", perms.GENERATE],
        "copygen-job-cancel": ["is_staff", perms.CANCEL_JOB],
        "copygen-revert": ["is_staff", perms.PUBLISH],
        "copygen-models": ["is_staff", perms.VIEW_MODELS],
        "copygen-model-status": ["is_staff", perms.CHANGE_MODELS],
        "copygen-audit": ["is_staff", perms.VIEW_AUDIT],
        # Customer-service replies (copygen_oscar.dashboard.service).
        "copygen-service": ["is_staff", perms.SERVICE_VIEW],
        "copygen-service-message": ["is_staff", perms.SERVICE_VIEW],
        "copygen-service-action": ["is_staff", perms.SERVICE_REPLY],
        "copygen-service-pairs": ["is_staff", perms.SERVICE_VIEW],
        # Banner campaigns (copygen_oscar.banners.permissions).
        "copygen-campaigns": ["is_staff", banner_rights.VIEW_CAMPAIGNS],
        "copygen-campaign-create": ["is_staff", banner_rights.ADD_CAMPAIGN],
        "copygen-campaign": ["is_staff", banner_rights.VIEW_CAMPAIGNS],
        "copygen-campaign-action": ["is_staff", banner_rights.CHANGE_CAMPAIGN],
        "copygen-banner-action": ["is_staff", banner_rights.REVIEW_BANNERS],
        "copygen-banner-download": ["is_staff", banner_rights.VIEW_CAMPAIGNS],
    }

    def ready(self):
        views = "copygen_dashboard.views"
        self.overview_view = get_class(views, "OverviewView")
        self.product_view = get_class(views, "ProductCopyView")
        self.generate_view = get_class(views, "GenerateView")
        self.variant_action_view = get_class(views, "VariantActionView")
        self.revert_view = get_class(views, "RevertView")
        self.job_list_view = get_class(views, "JobListView")
        self.job_create_view = get_class(views, "JobCreateView")
        self.job_detail_view = get_class(views, "JobDetailView")
        self.job_progress_view = get_class(views, "JobProgressView")
        self.job_cancel_view = get_class(views, "JobCancelView")
        self.audit_view = get_class(views, "AuditLogView")
        self.experiments_view = get_class(views, "ExperimentsView")
        self.model_list_view = get_class(views, "ModelListView")
        self.model_status_view = get_class(views, "ModelStatusView")
        service = "copygen_dashboard.service"
        self.service_queue_view = get_class(service, "ServiceQueueView")
        self.service_message_view = get_class(service, "ServiceMessageView")
        self.service_action_view = get_class(service, "ServiceActionView")
        self.service_pairs_view = get_class(service, "ServicePairsView")
        campaigns = "copygen_dashboard.campaigns"
        self.campaign_list_view = get_class(campaigns, "CampaignListView")
        self.campaign_create_view = get_class(campaigns, "CampaignCreateView")
        self.campaign_detail_view = get_class(campaigns, "CampaignDetailView")
        self.campaign_action_view = get_class(campaigns, "CampaignActionView")
        self.banner_action_view = get_class(campaigns, "BannerActionView")
        self.banner_download_view = get_class(campaigns, "BannerDownloadView")

    def get_urls(self):
        urls = [
            path("", self.overview_view.as_view(), name="copygen-overview"),
            path("products/<int:pk>/", self.product_view.as_view(), name="copygen-product"),
            path("products/<int:pk>/generate/", self.generate_view.as_view(), name="copygen-generate"),
            path("products/<int:pk>/revert/", self.revert_view.as_view(), name="copygen-revert"),
            # approve / reject / edit need REVIEW, publish needs PUBLISH: checked in the view, per action.
            path("variants/<int:pk>/<slug:action>/", self.variant_action_view.as_view(), name="copygen-variant"),
            path("jobs/", self.job_list_view.as_view(), name="copygen-jobs"),
            path("jobs/new/", self.job_create_view.as_view(), name="copygen-job-create"),
            path("jobs/<int:pk>/", self.job_detail_view.as_view(), name="copygen-job"),
            path("jobs/<int:pk>/progress/", self.job_progress_view.as_view(), name="copygen-job-progress"),
            path("jobs/<int:pk>/cancel/", self.job_cancel_view.as_view(), name="copygen-job-cancel"),
            path("audit/", self.audit_view.as_view(), name="copygen-audit"),
            path("experiments/", self.experiments_view.as_view(), name="copygen-experiments"),
            path("models/", self.model_list_view.as_view(), name="copygen-models"),
            path("models/<int:pk>/<slug:action>/", self.model_status_view.as_view(), name="copygen-model-status"),
            path("service/", self.service_queue_view.as_view(), name="copygen-service"),
            path("service/pairs.jsonl", self.service_pairs_view.as_view(), name="copygen-service-pairs"),
            path("service/<int:pk>/", self.service_message_view.as_view(), name="copygen-service-message"),
            path("service/<int:pk>/<slug:action>/", self.service_action_view.as_view(), name="copygen-service-action"),
            path("campaigns/", self.campaign_list_view.as_view(), name="copygen-campaigns"),
            path("campaigns/new/", self.campaign_create_view.as_view(), name="copygen-campaign-create"),
            path("campaigns/<int:pk>/", self.campaign_detail_view.as_view(), name="copygen-campaign"),
            path("campaigns/<int:pk>/<slug:action>/", self.campaign_action_view.as_view(),
                 name="copygen-campaign-action"),
            path("banners/<int:pk>/download/", self.banner_download_view.as_view(), name="copygen-banner-download"),
            path("banners/<int:pk>/<slug:action>/", self.banner_action_view.as_view(), name="copygen-banner-action"),
        ]
        return self.post_process_urls(urls)

from django.urls import path

from .views import BannerClickView

urlpatterns = [
    path("banners/<int:campaign>/<int:variant>/click/", BannerClickView.as_view(), name="copygen-banner-click"),
]

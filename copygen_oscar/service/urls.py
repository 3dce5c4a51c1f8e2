"""Storefront URLs: include them before Oscar's own (``path("contact/", include("copygen_oscar.service.urls"))``)."""

from django.urls import path

from . import views

app_name = "copygen_service"

urlpatterns = [
    path("", views.ContactView.as_view(), name="contact"),
    path("sent/", views.SentView.as_view(), name="sent"),
    path("order/<str:order_number>/", views.OrderQuestionView.as_view(), name="order-question"),
]

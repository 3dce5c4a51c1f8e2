"""Storefront pages: "Contact us" for everyone and "Ask about this order" on a signed-in customer's order page.

Both are rate-limited per client address (``COPYGEN_SERVICE_FORM_RATE``) and answer a wrong order number/e-mail pair
with one message that does not say which half was wrong.
"""

import hashlib

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from oscar.core.loading import get_model

from .. import app_settings
from .context import normalise_number, verified_order
from .forms import ContactForm, QuestionForm
from .intake import IntakeError, receive

Order = get_model("order", "Order")
ServiceMessage = get_model("copygen", "ServiceMessage")


def client_address(request):
    """The client's address: ``REMOTE_ADDR``, or behind a proxy the header it sets (``COPYGEN_SERVICE_CLIENT_IP_HEADER``,
    e.g. "HTTP_X_REAL_IP"; with X-Forwarded-For the last hop, the one the proxy added), so one client cannot use up
    every customer's allowance."""
    header = app_settings.COPYGEN_SERVICE_CLIENT_IP_HEADER
    if header:
        value = request.META.get(header, "").split(",")[-1].strip()
        if value:
            return value
    return request.META.get("REMOTE_ADDR", "")


def client_key(request):
    address = client_address(request) or "unknown"
    return "copygen:service:rate:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def over_limit(request):
    """Count this POST against the client's window; True once it is over the configured rate."""
    count, seconds = app_settings.COPYGEN_SERVICE_FORM_RATE
    key = client_key(request)
    if cache.add(key, 1, timeout=seconds):
        return False
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds)
        return False
    return used > count


def too_many(request, template, context):
    context["rate_limited"] = True
    return render(request, template, context, status=429)


class ContactView(View):
    template_name = "copygen_oscar/service/contact.html"

    def get(self, request):
        initial = {}
        if request.user.is_authenticated:
            initial = {"email": request.user.email, "name": request.user.get_full_name()}
        number = normalise_number(request.GET.get("order", ""))
        if number:
            initial["order_number"] = number
        return render(request, self.template_name, {"form": ContactForm(initial=initial)})

    def post(self, request):
        form = ContactForm(request.POST)
        if over_limit(request):
            return too_many(request, self.template_name, {"form": form})
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        data = form.cleaned_data
        order = None
        if data["order_number"]:
            order = verified_order(data["order_number"], email=data["email"], user=request.user)
            if order is None:
                form.add_error("order_number", _("We could not find an order with this number for this e-mail "
                                                 "address. Check both, or leave the order number empty."))
                return render(request, self.template_name, {"form": form}, status=400)
        try:
            receive(email=data["email"], body=data["message"], channel=ServiceMessage.STOREFRONT,
                    user=request.user, order=order, order_number=data["order_number"], subject=data["subject"],
                    name=data["name"])
        except IntakeError as exc:
            form.add_error(None, str(exc))
            return render(request, self.template_name, {"form": form}, status=400)
        return redirect("copygen_service:sent")


class OrderQuestionView(LoginRequiredMixin, View):
    """POST from the order page: the order is the signed-in customer's own or the page is a 404."""

    template_name = "copygen_oscar/service/order_question.html"

    def order(self, request, order_number):
        return get_object_or_404(Order, number=order_number, user=request.user)

    def get(self, request, order_number):
        order = self.order(request, order_number)
        return render(request, self.template_name, {"form": QuestionForm(), "order": order})

    def post(self, request, order_number):
        order = self.order(request, order_number)
        form = QuestionForm(request.POST)
        if over_limit(request):
            return too_many(request, self.template_name, {"form": form, "order": order})
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "order": order}, status=400)
        email = order.email or request.user.email
        try:
            receive(email=email, body=form.cleaned_data["message"], channel=ServiceMessage.STOREFRONT_ORDER,
                    user=request.user, order=order, subject=form.cleaned_data["subject"],
                    name=request.user.get_full_name())
        except IntakeError as exc:
            form.add_error(None, str(exc))
            return render(request, self.template_name, {"form": form, "order": order}, status=400)
        messages.success(request, _("Thank you: we have your question about order %(number)s and will reply by "
                                    "e-mail.") % {"number": order.number})
        return redirect("customer:order", order_number=order.number)


class SentView(View):
    def get(self, request):
        return render(request, "copygen_oscar/service/sent.html", {})

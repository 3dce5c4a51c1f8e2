"""Dashboard: the approval queue of customer-service replies.

Staff see the customer's message (escaped), the context the draft was grounded on, the draft with the guard's verdict,
and edit, send, discard, close or ask for a new draft. Rights: SERVICE_VIEW to look, SERVICE_REPLY to act.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView
from oscar.core.loading import get_model

from .. import permissions as perms
from ..service.sending import ServiceError, close_message, discard_draft, rates, redraft, send_draft, training_jsonl

ServiceMessage = get_model("copygen", "ServiceMessage")
ServiceDraft = get_model("copygen", "ServiceDraft")
REFRESH_SECONDS = 3


class ServiceQueueView(ListView):
    """Open messages first, newest first; filters by status and intent; accept and edit rates per intent."""

    template_name = "copygen_oscar/dashboard/service.html"
    context_object_name = "service_messages"
    paginate_by = 25

    def get_queryset(self):
        queryset = ServiceMessage.objects.select_related("order", "customer").order_by("-created_at", "-pk")
        status = self.request.GET.get("status", ServiceMessage.OPEN)
        if status in dict(ServiceMessage.STATUS_CHOICES):
            queryset = queryset.filter(status=status)
        intent = self.request.GET.get("intent", "")
        if intent in dict(ServiceMessage.INTENT_CHOICES):
            queryset = queryset.filter(intent=intent)
        return queryset

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        counts = dict(ServiceMessage.objects.values_list("status").annotate(n=Count("pk")))
        ctx["status_counts"] = [(key, label, counts.get(key, 0)) for key, label in ServiceMessage.STATUS_CHOICES]
        ctx["current_status"] = self.request.GET.get("status", ServiceMessage.OPEN)
        ctx["intents"], ctx["current_intent"] = ServiceMessage.INTENT_CHOICES, self.request.GET.get("intent", "")
        ctx["rates"] = rates()
        waiting = ServiceMessage.objects.filter(draft_status__in=(ServiceMessage.PENDING, ServiceMessage.RUNNING),
                                                status=ServiceMessage.OPEN).exists()
        ctx["refresh_seconds"] = REFRESH_SECONDS if waiting else None
        return ctx


class ServiceMessageView(TemplateView):
    template_name = "copygen_oscar/dashboard/service_message.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        message = get_object_or_404(ServiceMessage.objects.select_related("order", "customer"), pk=self.kwargs["pk"])
        drafts = list(message.drafts.select_related("decided_by", "model_version").order_by("-created_at", "-pk"))
        current = next((d for d in drafts if d.status == ServiceDraft.DRAFT), None)
        ctx.update(
            message=message, drafts=drafts, draft=current,
            context_lines=(current or (drafts[0] if drafts else None)).context.get("lines", []) if drafts else [],
            can_reply=perms.allowed(self.request.user, perms.SERVICE_REPLY),
            refresh_seconds=REFRESH_SECONDS if message.draft_status in (ServiceMessage.PENDING,
                                                                        ServiceMessage.RUNNING) else None,
        )
        return ctx


class ServiceActionView(View):
    """POST: send (optionally edited text), discard (the draft), close (the message, no reply), redraft."""

    actions = ("send", "discard", "close", "redraft")

    def post(self, request, pk, action):
        if action not in self.actions:
            raise Http404
        if not perms.allowed(request.user, perms.SERVICE_REPLY):
            raise PermissionDenied
        message = get_object_or_404(ServiceMessage, pk=pk)
        try:
            if action in ("send", "discard"):
                draft = message.drafts.filter(pk=request.POST.get("draft") if str(request.POST.get("draft", "")).isdigit()
                                              else None).first()
                if draft is None:
                    raise ServiceError(_("No such draft for this message."))
                if action == "send":
                    draft = send_draft(draft, request.user, text=request.POST.get("text"))
                    done = _("Reply sent to %(email)s%(edited)s.") % {
                        "email": message.email, "edited": _(" (edited)") if draft.edited else ""}
                else:
                    discard_draft(draft, request.user)
                    done = _("Draft discarded; the message stays open.")
            elif action == "close":
                close_message(message)
                done = _("Message closed without a reply.")
            else:
                redraft(message)
                done = _("A new draft is being written.")
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
        return redirect("copygen_dashboard:copygen-service-message", pk=pk)


class ServicePairsView(View):
    """GET: every sent reply as a masked training pair, one JSON object per line."""

    def get(self, request):
        response = StreamingHttpResponse(training_jsonl(), content_type="application/x-ndjson; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="service_reply_pairs.jsonl"'
        return response

"""Customer-service replies: intake, verified grounding, drafts through the engine, approval queue, API, import."""

import json
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import ShippingAddressFactory, UserFactory, create_order, create_product

from copygen_oscar.service.context import build_context, verified_order
from copygen_oscar.service.drafts import fixed_texts, judge_reply, process_pending, reply_vocabulary
from copygen_oscar.service.intake import IntakeError, receive
from copygen_oscar.service.masking import mask
from copygen_oscar.service.sending import ServiceError, discard_draft, rates, send_draft, training_pairs

ServiceMessage = get_model("copygen", "ServiceMessage")
ServiceDraft = get_model("copygen", "ServiceDraft")
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "copygen_oscar" / "default_model"

pytestmark = pytest.mark.django_db
INTENTS = [key for key, _ in ServiceMessage.INTENT_CHOICES]


def make_customer_order(number="100041", first="Alice", email="alice@example.com", street="1 Rabbit Lane",
                        product_title="Linen Shirt", guest=False):
    """A real Oscar order (factories) with a shipping address; guests get ``guest_email`` instead of a user."""
    address = ShippingAddressFactory(first_name=first, last_name="Liddell" if not guest else "Tables", line1=street,
                                     line4="Wonderland" if not guest else "Victimville", phone_number="+447700900123")
    user = None if guest else UserFactory(first_name=first, email=email)
    from oscar.apps.partner.strategy import Default
    from oscar.test.factories import create_stockrecord

    basket = get_model("basket", "Basket").objects.create()
    basket.strategy = Default()
    product = create_product(title=product_title)
    create_stockrecord(product, num_in_stock=10, price="24.00")
    basket.add_product(product, quantity=2)
    extra = {"guest_email": email} if guest else {}
    order = create_order(number=number, user=user, basket=basket, shipping_address=address, **extra)
    return order


@pytest.fixture
def no_model(settings):
    """No model candidates: every draft is the grounded template (fast; the model path has its own tests)."""
    settings.COPYGEN_SERVICE_CANDIDATES = 0


def staff(*codenames):
    user = UserFactory(is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="copygen"))
    return user


# -- masking -------------------------------------------------------------------------------------------------------

def test_masking_hides_emails_phones_and_cards_but_keeps_orders_prices_and_dates():
    text = ("Mail jo.doe+x@mail.example.com or call +44 (0)20 7946 0958 / 07911 123456; card 4111 1111 1111 1111, "
            "4111-1111-1111-1111. Order 100042 of 2024-05-01 cost £12.50.")
    masked = mask(text)
    assert "@" not in masked and "7946" not in masked and "123456" not in masked and "4111" not in masked
    assert masked.count("[email]") == 1 and masked.count("[phone]") == 2 and masked.count("[card]") == 2
    assert "100042" in masked and "2024-05-01" in masked and "£12.50" in masked


# -- verification and grounding ------------------------------------------------------------------------------------

def test_an_order_is_verified_by_its_owner_or_by_number_and_email_together():
    own = make_customer_order()
    other = make_customer_order(number="100042", first="Robert", email="bob.victim@example.org", guest=True,
                                street="99 Secret Street")
    assert verified_order("100041", user=own.user) == own
    assert verified_order("#100041", email="ALICE@example.com ") == own
    assert verified_order("100042", email="bob.victim@example.org") == other
    assert verified_order("100042", user=own.user) is None  # someone else's order, even signed in
    assert verified_order("100042", email="alice@example.com", user=own.user) is None
    assert verified_order("100042", email="") is None
    assert verified_order("999999", email="bob.victim@example.org") is None


def test_the_context_holds_the_customers_own_order_and_policy_and_nothing_private(settings):
    settings.COPYGEN_SERVICE_SHIPPING_TIMES = {"Free shipping": "2-4 working days"}
    order = make_customer_order()
    get_model("order", "ShippingEvent").objects.create(
        order=order, event_type=get_model("order", "ShippingEventType").objects.create(name="Dispatched"))
    message, _ = receive(email="alice@example.com", body="where is it?", channel="contact_form", order=order,
                         draft=False)
    context = build_context(message)
    text = context.text()
    for expected in ("Order number: 100041", "Order status:", "Item: Linen Shirt (quantity 2)",
                     "Shipping method: Free shipping", "Delivery time: Free shipping: 2-4 working days",
                     "Shipping country: UNITED KINGDOM", "Order event: Dispatched on", "Returns window: 30 days",
                     "Product: Linen Shirt"):
        assert expected in text, expected
    assert context.customer_name == "Alice"
    # The street, the phone number and the e-mail address are the customer's own, yet no reply needs them.
    assert "Rabbit" not in text and "7700" not in text and "alice@" not in text


def test_an_unverified_order_number_is_kept_for_staff_but_never_grounds_a_reply(no_model):
    make_customer_order(number="100042", first="Robert", email="bob.victim@example.org", guest=True)
    message, _ = receive(email="mallory@example.net", body="where is my order?", order_number="100042",
                         channel="contact_form")
    assert message.order is None and message.claimed_order_number == "100042"
    process_pending()
    draft = message.drafts.get()
    assert "100042" not in draft.text and "100042" not in draft.prompt
    assert "order number and the e-mail address" in draft.text


# -- drafts --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("intent", INTENTS)
def test_every_intent_gets_a_grounded_template_that_passes_the_guard(no_model, intent):
    order = make_customer_order()
    message, _ = receive(email="alice@example.com", body="a question about Linen Shirt", channel="order_page",
                         order=order, user=order.user, draft=False)
    ServiceMessage.objects.filter(pk=message.pk).update(intent=intent, intent_confidence=0.9,
                                                        draft_status="pending")
    assert process_pending() == 1
    draft = message.drafts.get()
    assert draft.source == ServiceDraft.TEMPLATE and draft.scores["template"] is True
    assert draft.guard["passed"], draft.guard["reasons"]
    assert draft.text.startswith("Hello Alice,") and "Kind regards" in draft.text
    assert draft.handover == (intent in ("complaint", "other"))
    assert ("get back to you personally" in draft.text) == draft.handover
    if intent in ("order_status", "delivery_problem"):
        assert "100041" in draft.text and "Free shipping" in draft.text
    if intent == "return_refund":
        assert "30 days" in draft.text
    if intent == "product_question":
        assert "Linen Shirt" in draft.text and "24.00" in draft.text


def test_low_confidence_hands_over_to_a_person(no_model):
    message, _ = receive(email="zed@example.com", body="hmm", channel="contact_form", draft=False)
    ServiceMessage.objects.filter(pk=message.pk).update(intent="discount_code", intent_confidence=0.2)
    process_pending()
    assert message.drafts.get().handover


def test_the_guard_refuses_claims_the_context_does_not_hold(no_model):
    order = make_customer_order()
    message, _ = receive(email="alice@example.com", body="hi", channel="order_page", order=order, draft=False)
    context = build_context(message)
    index, vocabulary = context.index(fixed_texts(context)), reply_vocabulary()
    good = "Hello Alice,\n\nYour order 100041 is on its way by Free shipping.\n\nKind regards,\nThe customer service team"
    verdict = judge_reply(good, context, message.body, index, vocabulary)
    assert verdict["passed"], verdict["reasons"]
    for bad in ("Your order 100041 arrives in 2 days.", "You get a 50% refund.", "Your order costs £99.00.",
                "Contact Robert at bob.victim@example.org.", "See https://evil.example/x for details.",
                "Your other order 100042 has shipped."):
        verdict = judge_reply(f"Hello Alice,\n\n{bad}\n\nKind regards", context, message.body, index, vocabulary)
        assert not verdict["passed"], bad


def test_the_shipped_model_drafts_through_the_real_path_within_seconds(settings):
    settings.COPYGEN_MODEL_PATH = str(DEFAULT_MODEL)
    settings.COPYGEN_SEED = 3
    order = make_customer_order()
    message, _ = receive(email="alice@example.com", body="When will my order arrive?", channel="order_page",
                         order=order, user=order.user, draft=False)
    started = time.monotonic()
    assert process_pending() == 1
    elapsed = time.monotonic() - started
    message.refresh_from_db()
    draft = message.drafts.get()
    assert message.draft_status == "done" and message.intent  # classified by the shipped intent weights
    assert draft.scores["candidates"] == 4 and "model_error" not in draft.scores  # the model really wrote 4
    assert draft.guard["passed"] and draft.source in (ServiceDraft.MODEL, ServiceDraft.TEMPLATE)
    assert "Reply:" in draft.prompt and "Order number: 100041" in draft.prompt
    assert elapsed < 60, elapsed  # includes loading the encoder and the model on a shared 2-core machine


def test_a_broken_model_still_gets_every_message_a_template(settings):
    settings.COPYGEN_MODEL_PATH = "/nonexistent/model"
    message, _ = receive(email="zed@example.com", body="do you ship abroad", channel="contact_form", draft=False)
    ServiceMessage.objects.filter(pk=message.pk).update(intent="other", intent_confidence=0.9)
    assert process_pending() == 1
    draft = message.drafts.get()
    assert draft.source == "template" and "No model" in draft.scores["model_error"]


def test_a_claim_whose_lease_ran_out_is_drafted_by_the_next_worker(no_model):
    from datetime import timedelta

    from django.utils import timezone

    message, _ = receive(email="zed@example.com", body="hello", channel="contact_form", draft=False)
    ServiceMessage.objects.filter(pk=message.pk).update(
        intent="other", draft_status="running", claimed_by="dead-worker", attempts=1,
        lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert process_pending(worker_id="live") == 1
    message.refresh_from_db()
    assert message.draft_status == "done" and message.attempts == 2


# -- sending, rates, training pairs ---------------------------------------------------------------------------------

def test_send_as_drafted_and_send_edited_record_rates_and_masked_pairs(no_model):
    order = make_customer_order()
    first, _ = receive(email="alice@example.com", body="Where is my order? Call me on 07911 123456",
                       channel="order_page", order=order, draft=False, subject="Order")
    second, _ = receive(email="alice@example.com", body="where is it", channel="order_page", order=order,
                        draft=False)
    third, _ = receive(email="alice@example.com", body="where?", channel="order_page", order=order, draft=False)
    ServiceMessage.objects.update(intent="order_status", intent_confidence=0.9)
    process_pending()
    user = staff("change_servicedraft")
    sent = send_draft(first.drafts.get(), user)
    assert not sent.edited and sent.status == "sent" and sent.decided_by == user
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
    assert mail.outbox[0].subject == "Re: Order" and "100041" in mail.outbox[0].body
    edited = send_draft(second.drafts.get(), user, text="Hello Alice,\n\nIt ships today. Write to me at "
                                                         "support-person@example.com.\n\nBest")
    assert edited.edited and edited.original_text != edited.text and "edited" in edited.guard
    discard_draft(third.drafts.get(), user)
    with pytest.raises(ServiceError):
        send_draft(first.drafts.get(), user)  # already sent
    with pytest.raises(ServiceError):
        send_draft(third.drafts.get(), user, text="   ")

    row = next(r for r in rates() if r["intent"] == "order_status")
    assert (row["accepted"], row["edited"], row["discarded"], row["decided"]) == (1, 1, 1, 3)
    assert row["accept_rate"] == pytest.approx(0.333, abs=0.001)
    pairs = list(training_pairs())
    assert len(pairs) == 2 and {p["kind"] for p in pairs} == {"reply"}
    blob = json.dumps(pairs)
    assert "07911" not in blob and "support-person@" not in blob and "[phone]" in blob and "[email]" in blob
    assert all(p["prompt"].endswith("Reply:\n") and p["target"] for p in pairs)


def test_auto_send_is_off_by_default_and_only_for_chosen_intents(no_model, settings):
    order = make_customer_order()
    message, _ = receive(email="alice@example.com", body="where", channel="order_page", order=order, draft=False)
    ServiceMessage.objects.update(intent="order_status", intent_confidence=0.9)
    process_pending()
    assert message.drafts.get().status == "draft" and not mail.outbox
    settings.COPYGEN_SERVICE_AUTO_SEND_INTENTS = ("order_status",)
    again, _ = receive(email="alice@example.com", body="where now", channel="order_page", order=order, draft=False)
    ServiceMessage.objects.filter(pk=again.pk).update(intent="order_status", intent_confidence=0.9)
    process_pending()
    draft = again.drafts.get()
    assert draft.status == "sent" and draft.auto_sent and len(mail.outbox) == 1


# -- intake --------------------------------------------------------------------------------------------------------

def test_intake_refuses_bad_input_with_clear_errors():
    with pytest.raises(IntakeError, match="email"):
        receive(email="not-an-address", body="hi", channel="import")
    with pytest.raises(IntakeError, match="empty"):
        receive(email="a@example.com", body="<b></b>  ", channel="import")
    with pytest.raises(IntakeError, match="channel"):
        receive(email="a@example.com", body="hi", channel="carrier-pigeon")
    message, _ = receive(email="a@example.com", body="<p>Hi <script>alert(1)</script>there</p>", channel="import")
    assert "<" not in message.body and "Hi" in message.body


def test_import_command_reads_jsonl_skips_repeats_and_reports_bad_rows(tmp_path, no_model):
    order = make_customer_order()
    path = tmp_path / "mailbox.jsonl"
    rows = [{"id": "m1", "email": "alice@example.com", "body": "Where is my order?", "order_number": "100041",
             "received_at": "2024-05-01T10:00:00Z"},
            {"id": "m2", "email": "broken", "body": "x"},
            {"id": "m1", "email": "alice@example.com", "body": "Where is my order?"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    import io

    out, err = io.StringIO(), io.StringIO()
    call_command("copygen_import_messages", str(path), "--draft-now", stdout=out, stderr=err)
    assert "imported 1 message(s), 1 already imported, 1 refused" in out.getvalue()
    assert "mailbox.jsonl:2: email" in err.getvalue()
    message = ServiceMessage.objects.get(external_id="m1")
    assert message.order == order and message.channel == "import" and message.drafts.count() == 1
    bad = tmp_path / "bad.json"
    bad.write_text("[{oops")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("copygen_import_messages", str(bad))
    with pytest.raises(CommandError, match="No such file"):
        call_command("copygen_import_messages", str(tmp_path / "missing.json"))


# -- storefront ----------------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def test_a_guest_proves_the_order_with_number_and_email(client):
    order = make_customer_order(number="100042", first="Robert", email="bob@example.org", guest=True)
    url = reverse("copygen_service:contact")
    assert client.get(url).status_code == 200
    wrong = client.post(url, {"email": "mallory@example.net", "order_number": "100042", "message": "status?"})
    assert wrong.status_code == 400 and b"could not find an order" in wrong.content
    assert not ServiceMessage.objects.exists()
    right = client.post(url, {"email": "bob@example.org", "order_number": "100042", "message": "status?"})
    assert right.status_code == 302 and right.url == reverse("copygen_service:sent")
    assert ServiceMessage.objects.get().order == order
    general = client.post(url, {"email": "someone@example.net", "message": "Do you ship abroad?"})
    assert general.status_code == 302 and ServiceMessage.objects.get(email="someone@example.net").order is None


def test_the_public_form_is_rate_limited(client, settings):
    settings.COPYGEN_SERVICE_FORM_RATE = (2, 600)
    url = reverse("copygen_service:contact")
    for _ in range(2):
        assert client.post(url, {"email": "a@example.com", "message": "hello there"}).status_code == 302
    limited = client.post(url, {"email": "a@example.com", "message": "hello there"})
    assert limited.status_code == 429 and b"copygen-rate-limited" in limited.content
    assert ServiceMessage.objects.count() == 2


def test_a_signed_in_customer_asks_from_their_own_order_page_only(client):
    order = make_customer_order()
    other = make_customer_order(number="100042", first="Robert", email="bob@example.org", guest=True)
    client.force_login(order.user)
    page = client.get(reverse("customer:order", kwargs={"order_number": order.number}))
    assert page.status_code == 200 and b"copygen-order-question" in page.content
    url = reverse("copygen_service:order-question", kwargs={"order_number": order.number})
    response = client.post(url, {"subject": "Size", "message": "Can I swap it for a bigger size?"})
    assert response.status_code == 302
    message = ServiceMessage.objects.get()
    assert message.order == order and message.customer == order.user and message.channel == "order_page"
    assert message.email == order.user.email
    foreign = reverse("copygen_service:order-question", kwargs={"order_number": other.number})
    assert client.post(foreign, {"message": "show me this order"}).status_code == 404
    client.logout()
    assert client.post(url, {"message": "hello"}).status_code == 302  # to the login page
    assert ServiceMessage.objects.count() == 1


# -- dashboard -----------------------------------------------------------------------------------------------------

def test_staff_review_the_context_edit_and_send_from_the_dashboard(client, no_model):
    order = make_customer_order()
    message, _ = receive(email="alice@example.com", body="Where is my order? <b>now</b>", channel="order_page",
                         order=order, draft=False)
    ServiceMessage.objects.update(intent="order_status", intent_confidence=0.9)
    process_pending()
    queue, detail = reverse("copygen_dashboard:copygen-service"), reverse(
        "copygen_dashboard:copygen-service-message", args=[message.pk])
    assert client.get(queue).status_code == 302  # anonymous
    client.force_login(staff())  # staff without the service right
    assert client.get(queue).status_code in (302, 403)
    viewer = staff("view_servicemessage")
    client.force_login(viewer)
    assert b"Where is my order?" in client.get(queue).content
    page = client.get(detail).content.decode()
    assert "Order number" in page and "100041" in page and "copygen-send-form" not in page
    send = reverse("copygen_dashboard:copygen-service-action", args=[message.pk, "send"])
    draft = message.drafts.get()
    assert client.post(send, {"draft": draft.pk}).status_code in (302, 403)
    draft.refresh_from_db()
    assert draft.status == "draft"

    client.force_login(staff("view_servicemessage", "change_servicedraft"))
    page = client.get(detail).content.decode()
    assert "copygen-send-form" in page and "copygen-service-context" in page
    response = client.post(send, {"draft": draft.pk, "text": draft.text + "\nP.S. Thanks!"})
    assert response.status_code == 302
    draft.refresh_from_db()
    message.refresh_from_db()
    assert draft.status == "sent" and draft.edited and message.status == "answered" and len(mail.outbox) == 1
    assert b"order_status" in client.get(queue + "?status=answered").content
    pairs = client.get(reverse("copygen_dashboard:copygen-service-pairs"))
    assert pairs.status_code == 200 and b'"kind": "reply"' in b"".join(pairs.streaming_content)


# -- API -----------------------------------------------------------------------------------------------------------

def test_api_imports_lists_and_sends_with_rights_per_action(client, no_model):
    make_customer_order()
    url = reverse("copygen_api:service-message-list")
    body = {"email": "alice@example.com", "body": "where is my order", "order_number": "100041",
            "external_id": "api-1"}
    assert client.post(url, body, content_type="application/json").status_code in (401, 403)
    client.force_login(staff("view_servicemessage"))
    assert client.get(url).status_code == 200
    assert client.post(url, body, content_type="application/json").status_code == 403
    client.force_login(staff("view_servicemessage", "add_servicemessage", "change_servicedraft"))
    created = client.post(url, body, content_type="application/json")
    assert created.status_code == 201 and created.json()["order"] == "100041"
    assert client.post(url, body, content_type="application/json").status_code == 200  # same external id
    bad = client.post(url, {"email": "nope", "body": ""}, content_type="application/json")
    assert bad.status_code == 400 and set(bad.json()) == {"email", "body"}
    process_pending()
    message = client.get(reverse("copygen_api:service-message-detail", args=[created.json()["id"]])).json()
    draft = message["draft"]
    assert draft and draft["guard"]["passed"] and draft["context"]["order_number"] == "100041"
    sent = client.post(reverse("copygen_api:service-draft-send", args=[draft["id"]]), {},
                       content_type="application/json")
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    again = client.post(reverse("copygen_api:service-draft-send", args=[draft["id"]]), {},
                        content_type="application/json")
    assert again.status_code == 400 and "already sent" in again.json()["detail"]
    pairs = client.get(reverse("copygen_api:service-draft-training-pairs"))
    assert pairs.status_code == 200 and len(b"".join(pairs.streaming_content).splitlines()) == 1


def test_behind_a_proxy_the_rate_limit_counts_each_client_not_the_proxy(rf, settings):
    from copygen_oscar.service.views import client_address

    request = rf.get("/contact/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_address(request) == "10.0.0.1"
    settings.COPYGEN_SERVICE_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    assert client_address(request) == "203.0.113.9"  # the hop the proxy added, not one the client could forge

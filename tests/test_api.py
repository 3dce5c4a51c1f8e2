"""The REST API: the merchant loop over HTTP, who may call what, and what it refuses (with a message, never a 500)."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory, create_product
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from copygen_oscar import permissions
from copygen_oscar.api import urls as api_urls
from copygen_oscar.api.parsers import MAX_BODY_BYTES
from copygen_oscar.registry import DEFAULT_MODEL, register

AuditEvent = get_model("copygen", "AuditEvent")
BulkJob = get_model("copygen", "BulkJob")
CopyVariant = get_model("copygen", "CopyVariant")
GenerationRequest = get_model("copygen", "GenerationRequest")
ModelVersion = get_model("copygen", "ModelVersion")
Publication = get_model("copygen", "Publication")

pytestmark = pytest.mark.django_db

ALL_RIGHTS = (permissions.VIEW, permissions.GENERATE, permissions.REVIEW, permissions.PUBLISH, permissions.CANCEL_JOB,
              permissions.VIEW_MODELS, permissions.CHANGE_MODELS)
ORIGINAL = "<p>Written by the shop.</p>"


def url(name, *args):
    return reverse(f"copygen_api:{name}", args=args)


def user_with(*perms, is_staff=True):
    user = UserFactory(is_staff=is_staff)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def client_for(user):
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def api(admin_user):
    return client_for(admin_user)


def draft(product, text="Warm, light and waterproof: a jacket for every trail."):
    return CopyVariant.objects.create(product=product, kind="description", body=f"<p>{text}</p>",
                                      fields={"text": text}, guard={"passed": True}, status="draft")


def message(response):
    """Every message in an error body, whatever its shape ({"detail": ...} or field errors), as one string."""
    return json.dumps(response.json())


# The merchant loop


def test_approve_publish_and_revert_write_the_product_and_the_audit_log(api, admin_user):
    product = create_product(title="Oakmere Trail Jacket", description=ORIGINAL)
    variant = draft(product)

    refused = api.post(url("variant-publish", variant.pk))
    assert refused.status_code == 400 and "approve it before publishing" in refused.json()["detail"]

    approved = api.post(url("variant-approve", variant.pk))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    published = api.post(url("variant-publish", variant.pk))
    assert published.status_code == 201
    assert published.json()["before"] == {"description": ORIGINAL}
    assert published.json()["after"] == {"description": variant.body} and published.json()["source"] == "api"
    product.refresh_from_db()
    assert product.description == variant.body
    shown = api.get(url("variant-detail", variant.pk)).json()
    assert shown["status"] == "live" and shown["body"] == variant.body and shown["human_edited"] is False

    history = api.get(url("publication-list"), {"product": product.pk, "kind": "description"}).json()
    assert [p["id"] for p in history["results"]] == [published.json()["id"]]

    reverted = api.post(url("product-revert", product.pk), {"kind": "description", "publication": None},
                        format="json")
    assert reverted.status_code == 201 and reverted.json()["after"] == {"description": ORIGINAL}
    product.refresh_from_db()
    variant.refresh_from_db()
    assert product.description == ORIGINAL and variant.status == "approved"
    log = AuditEvent.objects.filter(product=product).order_by("pk").values_list("action", "channel", "actor")
    assert list(log) == [("approve", "api", admin_user.pk), ("publish", "api", admin_user.pk),
                         ("revert", "api", admin_user.pk)]


def test_edit_marks_copy_human_edited_and_reject_keeps_the_reason(api, admin_user):
    product = create_product(title="Copperleaf Studio Kettle")
    variant = draft(product)
    text = "The Copperleaf Studio Kettle boils water for tea.\n\nIt keeps a tidy kitchen counter."

    edited = api.patch(url("variant-edit", variant.pk), {"text": text}, format="json")
    assert edited.status_code == 200
    assert edited.json()["human_edited"] is True and edited.json()["guard"]["edited"] is True
    assert edited.json()["fields"]["text"] == text
    variant.refresh_from_db()
    assert variant.human_edited and variant.edited_by == admin_user and "Copperleaf Studio Kettle" in variant.body

    blank = api.post(url("variant-edit", variant.pk), {"text": "  "}, format="json")
    assert blank.status_code == 400 and "may not be blank" in message(blank)

    rejected = api.post(url("variant-reject", variant.pk), {"reason": "Too plain."}, format="json")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert AuditEvent.objects.get(action="reject", variant=variant).details == {"reason": "Too plain."}

    too_late = api.post(url("variant-edit", variant.pk), {"text": text}, format="json")
    assert too_late.status_code == 400 and "only drafts and approved variants" in too_late.json()["detail"]


def test_asking_for_copy_queues_one_request_and_logs_it(api, admin_user):
    product = create_product(title="Oakmere Pro Kite")
    body = {"product": product.pk, "kind": "seo", "n": 3, "tone": "friendly", "segment": "beginners"}

    response = api.post(url("request-list"), body, format="json")
    assert response.status_code == 202
    row = GenerationRequest.objects.get(pk=response.json()["id"])
    assert (row.kind, row.n_variants, row.tone, row.segment, row.source, row.created_by) == (
        "seo", 3, "friendly", "beginners", "api", admin_user)
    event = AuditEvent.objects.get(action="generate")
    assert (event.channel, event.product, event.details) == ("api", product, {"request": row.pk, "kind": "seo"})

    again = api.post(url("request-list"), {**body, "n": 5}, format="json")
    assert again.status_code == 202 and again.json()["id"] == row.pk and again.json()["n_variants"] == 5

    listed = api.get(url("request-list"), {"product": product.pk, "kind": "seo", "status": "pending"}).json()
    assert [r["id"] for r in listed["results"]] == [row.pk]


def test_a_job_queues_its_products_reports_progress_and_cancels(api):
    products = [create_product(title=f"Oakmere Kite {i}") for i in range(2)]
    ids = [p.pk for p in products]
    response = api.post(url("job-list"), {"selection": {"mode": "products", "ids": ids, "category": 7},
                                          "kinds": ["description", "seo"], "n": 2}, format="json")
    assert response.status_code == 201
    job = response.json()
    assert job["selection"] == {"mode": "products", "ids": ids}  # keys the mode does not use are not stored
    assert job["total"] == 4 and job["progress"]["pending"] == 4 and job["status"] == "running"

    progress = api.get(url("job-progress", job["id"])).json()
    assert (progress["total"], progress["pending"], progress["percent"], progress["status"]) == (4, 4, 0, "running")

    cancelled = api.post(url("job-cancel", job["id"]))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["progress"]["cancelled"] == 4
    assert not GenerationRequest.objects.filter(job_id=job["id"]).exclude(status="cancelled").exists()
    again = api.post(url("job-cancel", job["id"]))
    assert again.status_code == 400 and again.json()["detail"] == f"Job {job['id']} is already cancelled."


def test_models_are_activated_and_retired_through_the_registry(api, admin_user):
    moved = ModelVersion.objects.create(name="moved", path="/nonexistent/model", fingerprint="0" * 64)
    refused = api.post(url("model-activate", moved.pk))
    assert refused.status_code == 400 and "No model at /nonexistent/model" in refused.json()["detail"]
    moved.refresh_from_db()
    assert moved.status == "candidate" and not AuditEvent.objects.filter(action="activate_model").exists()

    shipped = register(DEFAULT_MODEL)
    activated = api.post(url("model-activate", shipped.pk))
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    retired = api.post(url("model-retire", shipped.pk))
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    log = AuditEvent.objects.order_by("pk").values_list("action", "channel", "actor", "details")
    assert list(log) == [("activate_model", "api", admin_user.pk, {"version": shipped.pk}),
                         ("retire_model", "api", admin_user.pk, {"version": shipped.pk})]
    listed = api.get(url("model-list")).json()
    assert [v["id"] for v in listed["results"]] == [shipped.pk, moved.pk]


# Authentication and rights


def test_scripts_authenticate_with_a_token_and_need_no_csrf_token(admin_user):
    variant = draft(create_product(title="Oakmere Tent"))
    client = APIClient(enforce_csrf_checks=True)
    assert client.get(url("variant-list")).status_code == 403
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(url("variant-list")).status_code == 403  # session auth comes first, so DRF says 403, not 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin_user).key}")
    assert client.get(url("variant-list")).json()["count"] == 1
    assert client.post(url("variant-approve", variant.pk)).status_code == 200


def endpoints():
    """``(url, method)`` for every route the API's URLconf has, router routes and schema views alike.

    Ids are made up: rights are checked before any lookup, so a route added later is covered without a fixture.
    """
    for pattern in api_urls.urlpatterns:
        kwargs = {"pk": 1} if "pk" in pattern.pattern.regex.groupindex else {}
        methods = set(getattr(pattern.callback, "actions", {"get": None})) | {"options"}
        for method in sorted(methods):
            yield reverse(f"copygen_api:{pattern.name}", kwargs=kwargs), method


@pytest.mark.parametrize("who", ["anonymous", "customer with every right", "staff without rights"])
def test_every_endpoint_refuses_people_without_the_right(who):
    client = APIClient()
    if who != "anonymous":
        client.force_login(user_with(*ALL_RIGHTS, is_staff=False) if who.startswith("customer") else user_with())
    answers = {(path, method): getattr(client, method)(path).status_code for path, method in endpoints()}
    assert len(answers) >= 40 and (url("variant-approve", 1), "post") in answers
    assert {answer for answer in answers.values()} == {403}, answers


def test_each_action_needs_its_own_right():
    variant = draft(create_product(title="Oakmere Lantern"))
    reviewer = client_for(user_with(permissions.VIEW, permissions.REVIEW))
    assert reviewer.get(url("variant-list")).status_code == 200
    assert reviewer.post(url("variant-approve", variant.pk)).status_code == 200
    assert reviewer.post(url("variant-publish", variant.pk)).status_code == 403
    assert reviewer.post(url("request-list"), {"product": variant.product_id}, format="json").status_code == 403
    assert reviewer.get(url("model-list")).status_code == 403

    publisher = client_for(user_with(permissions.PUBLISH))
    assert publisher.post(url("variant-publish", variant.pk)).status_code == 201
    assert publisher.post(url("variant-reject", variant.pk)).status_code == 403
    assert publisher.get(url("variant-list")).status_code == 403


# Input checks


@pytest.mark.parametrize("change,expected", [
    ({"kind": "poem"}, 'Unknown copy kind \\"poem\\"; known: banner, bullets, description'),
    ({"n": 0}, "Variants per product must be between 1 and 10."),
    ({"n": 11}, "Variants per product must be between 1 and 10."),
    ({"n": "many"}, "A valid integer is required."),
    ({"tone": "angry"}, 'Unknown tone \\"angry\\"'),
    ({"segment": "x" * 65}, "no more than 64 characters"),
    ({"product": 999999999}, "No such product: 999999999."),
    ({"product": 10**30}, "No such product"),
    ({"product": "first"}, "A product is given by its id (a number), not str."),
    ({"product": None}, "This field may not be null."),
])
def test_request_input_is_checked(api, change, expected):
    product = create_product(title="Oakmere Kite")
    response = api.post(url("request-list"), {"product": product.pk, **change}, format="json")
    assert response.status_code == 400 and expected in message(response)
    assert not GenerationRequest.objects.filter(source="api").exists()


def test_child_products_are_refused(api):
    parent = create_product(title="Oakmere Jacket", structure="parent")
    child = create_product(title="Oakmere Jacket, large", parent=parent)
    response = api.post(url("request-list"), {"product": child.pk}, format="json")
    assert response.status_code == 400 and f"ask for its parent's ({parent.pk}) copy" in message(response)


@pytest.mark.parametrize("body,status,expected", [
    ('{"product": ', 400, "JSON parse error"),
    ("[" * 20000, 400, "nested too deeply"),
    ("[1, 2]", 400, "Expected a dictionary"),
    (json.dumps({"product": 1, "segment": "x" * MAX_BODY_BYTES}), 413, "over 64 KiB"),
])
def test_bodies_that_are_not_small_json_objects_are_refused(api, body, status, expected):
    response = api.post(url("request-list"), body, content_type="application/json")
    assert response.status_code == status and expected in message(response)


def test_form_bodies_are_not_accepted(api):
    response = api.post(url("request-list"), {"product": 1})  # multipart, as a browser form would send it
    assert response.status_code == 415


@pytest.mark.parametrize("change,expected", [
    ({"selection": {"mode": "products", "ids": [999999999]}}, "No such product (or a child product): 999999999"),
    ({"selection": {"mode": "products", "ids": [10**30]}}, "less than or equal to"),
    ({"selection": {"mode": "products"}}, 'A \\"products\\" selection needs \\"ids\\".'),
    ({"selection": {"mode": "products", "ids": []}}, "This list may not be empty."),
    ({"selection": {"mode": "category", "category": 999999999}}, "No such category."),
    ({"selection": {"mode": "everything"}}, 'Unknown selection \\"everything\\"'),
    ({"selection": "all"}, "Expected a dictionary"),
    ({"kinds": []}, "This list may not be empty."),
    ({"kinds": ["description", "poem"]}, 'Unknown copy kind \\"poem\\"'),
    ({"n": 11}, "Variants per product must be between 1 and 10."),
])
def test_job_input_is_checked(api, change, expected):
    product = create_product(title="Oakmere Kite")
    body = {"selection": {"mode": "products", "ids": [product.pk]}, "kinds": ["description"], **change}
    response = api.post(url("job-list"), body, format="json")
    assert response.status_code == 400 and expected in message(response)
    assert not BulkJob.objects.exists()


@pytest.mark.parametrize("query,expected", [
    ({"product": "abc"}, "A valid integer is required."),
    ({"kind": "poem"}, 'Unknown copy kind \\"poem\\"'),
    ({"status": "gone"}, '\\"gone\\" is not a valid choice.'),
])
def test_list_filters_are_checked(api, query, expected):
    response = api.get(url("variant-list"), query)
    assert response.status_code == 400 and expected in message(response)


def test_revert_input_is_checked(api):
    product = create_product(title="Oakmere Tent", description=ORIGINAL)
    elsewhere = Publication.objects.create(product=create_product(title="Oakmere Stove"), kind="description")
    revert = url("product-revert", product.pk)
    cases = [
        ({"kind": "description", "publication": None}, "Nothing was ever published here"),
        ({"kind": "description", "publication": elsewhere.pk}, "belongs to another product or kind"),
        ({"kind": "description", "publication": 999999999}, "No such publication: 999999999."),
        ({"kind": "description"}, "This field is required."),
        ({"kind": "poem", "publication": None}, 'Unknown copy kind \\"poem\\"'),
    ]
    for body, expected in cases:
        response = api.post(revert, body, format="json")
        assert response.status_code == 400 and expected in message(response), body
    assert api.post(url("product-revert", 999999999), cases[0][0], format="json").status_code == 404
    assert api.post(url("variant-approve", 999999999)).status_code == 404
    product.refresh_from_db()
    assert product.description == ORIGINAL and Publication.objects.count() == 1


def test_generating_is_throttled_per_user(api, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"copygen_generate": "2/minute"})
    cache.clear()
    product = create_product(title="Oakmere Kite")
    asks = [api.post(url("request-list"), {"product": product.pk}, format="json").status_code for _ in range(3)]
    job = {"selection": {"mode": "products", "ids": [product.pk]}, "kinds": ["seo"]}
    try:
        assert asks == [202, 202, 429]
        assert api.post(url("job-list"), job, format="json").status_code == 429  # one budget for both
        assert api.get(url("request-list")).status_code == 200  # reading is not throttled
    finally:
        cache.clear()


# Schema


def test_the_schema_is_a_valid_openapi_document_for_staff(api):
    response = api.get(url("schema"), {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert {"/api/copygen/variants/{id}/approve/", "/api/copygen/jobs/{id}/cancel/",
            "/api/copygen/products/{id}/revert/"} <= set(schema["paths"])
    assert api.get(url("docs")).status_code == 200

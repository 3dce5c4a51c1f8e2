"""Review, publish, revert, automatic rules and bulk jobs, through the functions every surface calls."""

import pytest
from django.contrib.auth.models import Permission
from oscar.core.loading import get_model
from oscar.test.factories import ProductClassFactory, UserFactory, create_product

from copygen_oscar.requests import claim_batch, process_claimed
from copygen_oscar.workflow import WorkflowError
from copygen_oscar.workflow.jobs import cancel, create_job, progress
from copygen_oscar.workflow.publishing import auto_publish, machine_owned, publish, revert
from copygen_oscar.workflow.review import approve, edit, reject

AuditEvent = get_model("copygen", "AuditEvent")
AutoRule = get_model("copygen", "AutoRule")
CopyVariant = get_model("copygen", "CopyVariant")
GenerationRequest = get_model("copygen", "GenerationRequest")
Publication = get_model("copygen", "Publication")
Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="copygen"))
    return user


def variant(product, body="<p>A warm wool scarf for cold days, knitted in the Scottish borders.</p>", kind="description",
            status=CopyVariant.DRAFT, **extra):
    return CopyVariant.objects.create(product=product, kind=kind, body=body, status=status,
                                      guard={"passed": True}, prompt="Product: x\nDescription:\n", **extra)


def test_approve_publish_and_revert_walk_the_history(editor):
    product = create_product(title="Borders Wool Scarf")
    product.description = "<p>Written by the shop owner.</p>"
    product.save()
    first, second = variant(product), variant(product, body="<p>Second take on the scarf, soft and warm.</p>")

    with pytest.raises(WorkflowError, match="approve it before publishing"):
        publish(first, editor)
    approve(first, editor)
    publish(first, editor)
    product.refresh_from_db()
    assert product.description == first.body
    first.refresh_from_db()
    assert first.status == CopyVariant.LIVE

    approve(second, editor)
    publish(second, editor)
    first.refresh_from_db(), second.refresh_from_db(), product.refresh_from_db()
    assert (first.status, second.status) == (CopyVariant.APPROVED, CopyVariant.LIVE)  # one live copy per field
    assert product.description == second.body

    with pytest.raises(WorkflowError, match="is live"):
        reject(second, editor)

    revert(product, "description", None, editor)  # back to the owner's words
    product.refresh_from_db()
    assert product.description == "<p>Written by the shop owner.</p>"
    assert not CopyVariant.objects.filter(product=product, status=CopyVariant.LIVE).exists()

    to_first = Publication.objects.filter(product=product, variant=first).get()
    revert(product, "description", to_first, editor)
    product.refresh_from_db(), first.refresh_from_db()
    assert product.description == first.body and first.status == CopyVariant.LIVE
    assert Publication.objects.filter(product=product).count() == 4  # reverts are publications too
    actions = list(AuditEvent.objects.filter(product=product).order_by("pk").values_list("action", flat=True))
    assert actions == ["approve", "publish", "approve", "publish", "revert", "revert"]
    published = AuditEvent.objects.filter(action="publish").first()
    assert published.actor == editor and published.prompt.startswith("Product: x")
    # Publishing is not a facts change: it asks for no new copy.
    assert not GenerationRequest.objects.filter(product=product).exclude(source="auto").exists()


def test_seo_copy_is_published_to_oscars_meta_fields(editor):
    product = create_product(title="Borders Wool Scarf")
    seo = variant(product, kind="seo", body="<p>...</p>", status=CopyVariant.APPROVED,
                  fields={"Meta title": "Borders Wool Scarf", "Meta description": "Soft wool scarf."})
    publish(seo, editor)
    product.refresh_from_db()
    assert (product.meta_title, product.meta_description) == ("Borders Wool Scarf", "Soft wool scarf.")
    assert Publication.objects.get(product=product).before == {"meta_title": "", "meta_description": ""}


def test_an_edit_is_parsed_guarded_sanitised_and_marked(editor):
    product = create_product(title="Borders Wool Scarf")
    draft = variant(product)
    with pytest.raises(WorkflowError, match="too short"):
        edit(draft, "Tiny.", editor)
    edit(draft, "A titanium scarf <script>alert(1)</script> that keeps you warm on the coldest of winter walks.",
         editor)
    draft.refresh_from_db()
    assert draft.human_edited and draft.edited_by == editor
    assert "<script>" not in draft.body and "titanium" in draft.body
    assert draft.guard["passed"] is False and draft.guard["edited"]  # the reviewer sees the unsupported claim
    assert AuditEvent.objects.get(action="edit").details["guard_passed"] is False
    approve(draft, editor)
    edit(draft, "A warm scarf, knitted by hand, that keeps you warm on the coldest of winter walks.", editor)
    draft.refresh_from_db()
    assert draft.status == CopyVariant.DRAFT  # approved words changed: back to review before shoppers see them
    draft.status = CopyVariant.LIVE
    draft.save()
    with pytest.raises(WorkflowError, match="only drafts and approved"):
        edit(draft, "Anything at all, long enough to be a description of the scarf.", editor)


def test_machine_owned_copy_is_empty_or_copygens_own(editor):
    product = create_product(title="Borders Wool Scarf")
    assert machine_owned(product, "description")
    published = variant(product, status=CopyVariant.APPROVED)
    publish(published, editor)
    product.refresh_from_db()
    assert machine_owned(product, "description")
    product.description = "<p>The owner rewrote it.</p>"
    product.save()
    assert not machine_owned(product, "description")

    # Put back by a revert to the original, a person's words are theirs again: no rule may replace them.
    owned = create_product(title="Owner Scarf")
    owned.description = "<p>The owner's words.</p>"
    owned.save()
    publish(variant(owned, status=CopyVariant.APPROVED), editor)
    assert machine_owned(Product.objects.get(pk=owned.pk), "description")
    revert(owned, "description", None, editor)
    assert not machine_owned(Product.objects.get(pk=owned.pk), "description")


def test_rules_per_product_class_decide_what_a_save_asks_for():
    scarves, kettles = ProductClassFactory(name="Scarves"), ProductClassFactory(name="Kettles")
    AutoRule.objects.create(product_class=scarves, kinds=["description", "seo"], on_create=False)
    AutoRule.objects.create(product_class=kettles, kinds=["description"], enabled=False)

    scarf = create_product(title="Borders Wool Scarf", product_class=scarves)
    assert not GenerationRequest.objects.filter(product=scarf).exists()  # on_create is off for scarves
    scarf.save()  # a later save: the worker compares facts hashes
    assert sorted(GenerationRequest.objects.filter(product=scarf).values_list("kind", flat=True)) == \
        ["description", "seo"]
    scarf.save()  # a burst of saves shares the waiting requests
    assert GenerationRequest.objects.filter(product=scarf).count() == 2

    kettle = create_product(title="Copper Kettle", product_class=kettles)
    assert not GenerationRequest.objects.filter(product=kettle).exists()

    other = create_product(title="Plain Mug", product_class=ProductClassFactory(name="Mugs"))
    assert list(GenerationRequest.objects.filter(product=other).values_list("kind", flat=True)) == ["description"]

    human = create_product(title="Hand Written", product_class=scarves)
    human.description = "<p>Mine.</p>"
    human.save()
    assert list(GenerationRequest.objects.filter(product=human).values_list("kind", flat=True)) == ["seo"]


def _done_request(product, source=GenerationRequest.AUTO):
    request = GenerationRequest.objects.filter(product=product).first() or GenerationRequest.objects.create(
        product=product, source=source)
    GenerationRequest.objects.filter(pk=request.pk).update(status=GenerationRequest.DONE, source=source)
    request.refresh_from_db()
    variant(product, request=request)
    return request


def test_auto_publish_is_off_by_default_and_never_overwrites_human_copy():
    product = create_product(title="Borders Wool Scarf")
    request = _done_request(product)
    assert auto_publish(request) is None  # the settings' rule: off

    AutoRule.objects.create(kinds=["description"], auto_publish=True)
    publication = auto_publish(request)
    product.refresh_from_db()
    assert publication.source == Publication.RULE and product.description.startswith("<p>A warm wool scarf")
    assert AuditEvent.objects.get(action="publish").channel == "rule"

    owned = create_product(title="Owner Scarf")
    owned.description = "<p>The owner's words.</p>"
    owned.save()
    assert auto_publish(_done_request(owned)) is None
    owned.refresh_from_db()
    assert owned.description == "<p>The owner's words.</p>"

    staff_asked = create_product(title="Staff Scarf")
    GenerationRequest.objects.filter(product=staff_asked).delete()
    assert auto_publish(_done_request(staff_asked, source=GenerationRequest.STAFF)) is None  # people review theirs


def test_bulk_jobs_select_products_track_progress_and_cancel(editor):
    socks = Category.add_root(name="Socks")
    in_category = [create_product(title=f"Sock {i}") for i in range(3)]
    for product in in_category:
        product.categories.add(socks)
    others = [create_product(title=f"Hat {i}") for i in range(2)]
    GenerationRequest.objects.all().delete()
    pending = GenerationRequest.objects.create(product=in_category[0], kind="description")

    job = create_job({"mode": "category", "category": socks.pk}, kinds=["description"], n=2, user=editor)
    assert job.total == 3 and job.description == "category Socks"
    pending.refresh_from_db()
    assert pending.job == job  # the waiting request joined instead of doubling up
    assert set(job.requests.values_list("product_id", flat=True)) == {p.pk for p in in_category}

    claimed = claim_batch("w1", limit=1)
    GenerationRequest.objects.filter(pk=claimed[0].pk).update(status=GenerationRequest.FAILED, reason="bad facts")
    state = progress(job)
    assert (state["failed"], state["pending"], state["total"], state["percent"]) == (1, 2, 3, 33)
    assert state["errors"][0]["reason"] == "bad facts"

    running = claim_batch("w2", limit=1)
    cancel(job, editor)
    state = progress(job)
    assert (state["status"], state["cancelled"], state["percent"]) == ("cancelled", 2, 100)
    assert process_claimed(running, "w2") == 0  # the worker's claim was cancelled: nothing is written
    assert not CopyVariant.objects.exists()
    with pytest.raises(WorkflowError, match="already cancelled"):
        cancel(job, editor)

    by_ids = create_job({"mode": "products", "ids": [others[0].pk, str(others[1].pk)]}, kinds=["seo", "bullets"],
                        n=1, user=editor)
    assert by_ids.total == 4
    assert list(AuditEvent.objects.filter(action="bulk_generate").order_by("pk").values_list("job", flat=True)) == [job.pk, by_ids.pk]


@pytest.mark.parametrize("selection,kinds,n,message", [
    ({"mode": "products", "ids": []}, ["description"], 1, "at least one product"),
    ({"mode": "products", "ids": [999999]}, ["description"], 1, "No such product"),
    ({"mode": "products", "ids": ["1; drop"]}, ["description"], 1, "at least one product"),
    ({"mode": "category", "category": "x"}, ["description"], 1, "Choose a category"),
    ({"mode": "everything"}, ["description"], 1, "Unknown selection"),
    ({"mode": "missing"}, [], 1, "at least one kind"),
    ({"mode": "missing"}, ["poem"], 1, "Unknown copy kind"),
    ({"mode": "missing"}, ["description"], 11, "between 1 and 10"),
    ({"mode": "missing"}, ["description"], 0, "between 1 and 10"),
])
def test_bad_job_requests_are_refused_with_a_reason(editor, selection, kinds, n, message):
    create_product(title="Any Product")
    with pytest.raises(WorkflowError, match=message):
        create_job(selection, kinds=kinds, n=n, user=editor)
    assert not get_model("copygen", "BulkJob").objects.exists()


def test_product_admin_actions_generate_and_publish(client, editor, admin_user):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.urls import reverse

    scarf, hat = create_product(title="Borders Wool Scarf"), create_product(title="Wool Hat")
    GenerationRequest.objects.all().delete()
    url = reverse("admin:catalogue_product_changelist")
    client.force_login(admin_user)
    response = client.post(url, {"action": "generate_copy", ACTION_CHECKBOX_NAME: [scarf.pk, hat.pk]}, follow=True)
    job = get_model("copygen", "BulkJob").objects.get()
    assert job.total == 2 and f"Job {job.pk} started" in response.content.decode()

    best = variant(scarf, status=CopyVariant.APPROVED, scores={"score": 0.9})
    variant(scarf, body="<p>A weaker take on the scarf, still long enough.</p>", status=CopyVariant.APPROVED,
            scores={"score": 0.2})
    response = client.post(url, {"action": "publish_approved_copy", ACTION_CHECKBOX_NAME: [scarf.pk, hat.pk]},
                           follow=True)
    scarf.refresh_from_db()
    assert scarf.description == best.body
    assert "1 variant(s) published" in response.content.decode() and "No approved copy for: Wool Hat" in \
        response.content.decode()

    # Staff who may edit products in the admin but lack the copygen rights do not see the actions.
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_product", "change_product"]))
    client.force_login(clerk)
    page = client.get(url).content.decode()
    assert "generate_copy" not in page and "publish_approved_copy" not in page
    response = client.post(url, {"action": "publish_approved_copy", ACTION_CHECKBOX_NAME: [hat.pk]})
    assert not Publication.objects.filter(product=hat).exists()

import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory, create_product

GenerationRequest = get_model("copygen", "GenerationRequest")

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name,args", [("copygen-overview", []), ("copygen-product", [1])])
def test_copy_pages_are_for_staff_only(client, name, args):
    url = reverse(f"copygen_dashboard:{name}", args=args)
    assert client.get(url).status_code == 302  # anonymous: to the dashboard login
    client.force_login(UserFactory(is_staff=False))
    assert client.get(url).status_code in (302, 403)


def test_overview_filters_by_status_and_refreshes_while_work_is_in_flight(client, admin_user):
    waiting = create_product(title="Oakmere Pro Kite")
    failed = create_product(title="Oakmere Pro Football")
    GenerationRequest.objects.filter(product=failed).update(status="failed", reason="Model unavailable: test")
    client.force_login(admin_user)
    page = client.get(reverse("copygen_dashboard:copygen-overview") + "?status=failed").content.decode()
    assert "Oakmere Pro Football" in page and "Model unavailable: test" in page
    assert "Oakmere Pro Kite" not in page
    assert 'http-equiv="refresh"' in page  # one request is still pending

    GenerationRequest.objects.filter(product=waiting).update(status="done")
    page = client.get(reverse("copygen_dashboard:copygen-overview")).content.decode()
    assert 'http-equiv="refresh"' not in page


def test_copy_is_sanitised_again_when_shown(client, admin_user):
    from copygen_oscar.models import CopyVariant

    product = create_product(title="Copperleaf Studio Kettle")
    CopyVariant.objects.create(product=product, kind="description", body='<p>Hot<script>alert("x")</script></p>')
    client.force_login(admin_user)
    page = client.get(reverse("copygen_dashboard:copygen-product", args=[product.pk])).content.decode()
    assert "<p>Hot</p>" in page and "alert(" not in page
    assert "Product: Copperleaf Studio Kettle" in page  # the facts as the model sees them

import io

import pytest
from django.core.management import call_command
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
StockRecord = get_model("partner", "StockRecord")
GenerationRequest = get_model("copygen", "GenerationRequest")


def snapshot():
    return (
        sorted(Product.objects.values_list("upc", "title", "description", "product_class__name", "date_updated")),
        sorted((v.product.upc, v.attribute.code, str(v.value)) for v in
               ProductAttributeValue.objects.select_related("product", "attribute")),
        sorted(StockRecord.objects.values_list("partner_sku", "price", "num_in_stock")),
        sorted(Product.objects.values_list("upc", "categories__name")),
    )


@pytest.mark.django_db
def test_demo_catalogue_is_rich_and_loading_it_twice_changes_nothing():
    call_command("copygen_demo_catalogue", stdout=io.StringIO())
    assert Product.objects.count() >= 150
    assert ProductClass.objects.count() >= 6
    for product_class in ProductClass.objects.all():
        types = set(product_class.attributes.values_list("type", flat=True))
        assert len(types) >= 2, f"{product_class} has untyped attributes only"
        assert product_class.products.count() >= 20
    with_copy = Product.objects.exclude(description="").count()
    assert 0.3 < with_copy / Product.objects.count() < 0.8, "some products need copy, some carry human copy"
    assert StockRecord.objects.filter(price__gt=0).count() == Product.objects.count()
    assert not Product.objects.filter(categories=None).exists()
    assert not GenerationRequest.objects.exists(), "a bulk import must not flood the queue"

    before = snapshot()
    out = io.StringIO()
    call_command("copygen_demo_catalogue", stdout=out)
    assert "0 products created" in out.getvalue()
    assert snapshot() == before

import pytest
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model
from oscar.test.factories import create_product

from copygen_oscar import receivers
from copygen_oscar.facts import EmptyFacts, clean_text, facts_text, product_facts, split_unit

ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductCategory = get_model("catalogue", "ProductCategory")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_auto_generation():
    with receivers.auto_generation_paused():
        yield


def typed_product(**kwargs):
    product = create_product(title="Lumen Works Pro Power bank, black", product_class="Electronics", price=29.99,
                             num_in_stock=5, **kwargs)
    product_class = product.product_class
    for code, name, kind in [("capacity", "Capacity (mAh)", "integer"), ("cable_length", "Cable length (metres)", "float"),
                             ("waterproof", "Waterproof", "boolean"), ("brand", "Brand", "text"),
                             ("notes", "Notes", "text")]:
        ProductAttribute.objects.create(product_class=product_class, code=code, name=name, type=kind)
    product.refresh_from_db()
    product.attr.capacity = 10000
    product.attr.cable_length = 1.5
    product.attr.waterproof = False
    product.attr.brand = "Lumen Works"
    product.attr.notes = "  <b>Ships</b>&nbsp;with a   pouch  "
    product.save()
    ProductCategory.objects.create(product=product, category=create_from_breadcrumbs("Electronics > Chargers"))
    return product


def test_facts_are_typed_cleaned_and_complete():
    facts = product_facts(typed_product())
    assert facts.title == "Lumen Works Pro Power bank, black"
    assert facts.product_class == "Electronics"
    assert facts.categories == ["Electronics > Chargers"]
    assert facts.brand == "Lumen Works"
    assert facts.price == "29.99" and facts.currency == "GBP" and facts.in_stock is True
    by_code = {a.code: a for a in facts.attributes}
    assert by_code["capacity"].value == 10000 and by_code["capacity"].unit == "mAh"
    assert by_code["cable_length"].value == 1.5 and by_code["cable_length"].unit == "m"
    assert by_code["waterproof"].value is False and by_code["waterproof"].as_text() == "no"
    assert by_code["notes"].value == "Ships with a pouch"
    text = facts_text(facts)
    assert "Capacity: 10000 mAh" in text and "Cable length: 1.5 m" in text and "Brand: Lumen Works" in text


def test_hash_is_stable_tracks_facts_and_ignores_copy_fields():
    product = typed_product()
    first = product_facts(product).hash
    assert product_facts(product).hash == first
    product.description = "<p>Published copy must not make the product look stale.</p>"
    product.meta_title = "A title"
    product.save()
    assert product_facts(product).hash == first
    product.attr.capacity = 20000
    product.save()
    assert product_facts(product).hash != first


def test_child_inherits_parent_title_class_and_categories():
    parent = typed_product(structure="parent")
    child = create_product(title="", parent=parent, price=31, num_in_stock=0)
    facts = product_facts(child)
    assert facts.is_child and facts.title == facts.parent_title == parent.title
    assert facts.product_class == "Electronics" and facts.categories == ["Electronics > Chargers"]
    assert facts.in_stock is False and facts.price == "31.00"


def test_a_product_with_nothing_to_say_is_refused():
    with pytest.raises(EmptyFacts):
        product_facts(create_product(title="   "))


def test_cleaning_helpers():
    assert clean_text("<p>Soft &amp; warm</p>\n\n  wool ") == "Soft & warm wool"
    assert len(clean_text("word " * 200, limit=50)) <= 51
    assert split_unit("Weight (grams)") == ("Weight", "g")
    assert split_unit("Colour") == ("Colour", "")

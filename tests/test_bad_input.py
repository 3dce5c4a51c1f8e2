"""Hostile or odd catalogue data: each product either gets sane copy or fails alone with a clear reason."""

import re

import pytest
from hypothesis import given, settings as hsettings, strategies as st
from oscar.core.loading import get_model
from oscar.test.factories import create_product

from copygen_oscar import receivers
from copygen_oscar.facts import MAX_TEXT, clean_text, product_facts
from copygen_oscar.requests import process_pending
from tests.helpers import demo_products_cleared

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")


@pytest.mark.django_db
def test_odd_products_fail_alone_and_nothing_unsafe_is_stored(tiny_model, settings):
    settings.COPYGEN_SEED = 7
    normal = demo_products_cleared(2, offset=40)
    odd = {
        "no attributes": create_product(title="Plain thing"),
        "longest title Oscar stores": create_product(title=("Kettle " * 40)[:255]),
        "script": create_product(title='<script>alert("x")</script>Kettle <img src=x onerror=alert(1)>',
                                 attributes={"material": "<b>steel</b><script>alert(2)</script>"}),
        "emoji and non-Latin": create_product(title="茶壶 Teapot ☕ 🍵", attributes={"colour": "緑 green"}),
        "price 0": create_product(title="Free sample kettle", price=0, num_in_stock=1),
        "no stock record": create_product(title="Kettle without stock"),
        "huge attribute": create_product(title="Long kettle", attributes={"notes": "boils water " * 600}),
    }
    assert process_pending() >= len(normal)

    for product in normal:
        assert GenerationRequest.objects.get(product=product).status == "done"
    for label, product in odd.items():
        request = GenerationRequest.objects.get(product=product)
        assert request.status in ("done", "failed"), label
        if request.status == "failed":
            assert request.reason, label  # a clear reason, not a blank
    for variant in CopyVariant.objects.all():
        assert "<script" not in variant.body and "onerror" not in variant.body and "alert" not in variant.body
        assert "<img" not in variant.body and "[" not in variant.body


@pytest.mark.django_db
def test_facts_of_odd_products_are_clean_and_bounded():
    with receivers.auto_generation_paused():
        product = create_product(title="T " * 127, attributes={"material": "<p>oak&nbsp;&amp; ash</p>" + "x" * 900})
    facts = product_facts(product)
    assert len(facts.title) <= 201
    material = facts.attribute("material")
    assert material.value.startswith("oak & ash") and len(material.value) <= MAX_TEXT + 1


@hsettings(max_examples=300, deadline=None)
@given(st.text())
def test_clean_text_never_leaks_markup_or_runs_long(text):
    cleaned = clean_text(text, limit=120)
    assert len(cleaned) <= 121
    assert not re.search(r"<[^>]*>", cleaned)
    assert cleaned == cleaned.strip() and "  " not in cleaned

import pytest

from copygen_oscar.facts import Attribute, ProductFacts
from copygen_oscar.guard.sanitise import clean_html, plain_text
from copygen_oscar.kinds import UnusableOutput, get_kind

FACTS = ProductFacts(title="Copperleaf Heritage Kettle", product_class="Home & kitchen",
                     attributes=[Attribute("capacity", "Capacity", "float", 1.7, "l")], price="49.99", currency="GBP")


def test_prompt_carries_facts_voice_tone_and_audience():
    prompt = get_kind("description").build_prompt(FACTS, tone="premium", segment="gift buyers", brand="Copperleaf")
    assert prompt.splitlines() == [
        "Product: Copperleaf Heritage Kettle", "Type: Home & kitchen", "Capacity: 1.7 l", "Price: 49.99 GBP",
        "Brand voice: Copperleaf", "Tone: premium", "Audience: gift buyers", "Description:",
    ]


def test_parse_makes_safe_paragraphs_and_drops_an_unfinished_sentence():
    text = ("It boils 1.7 litres fast. The handle stays cool. <script>alert(1)</script>It looks good. "
            "It has a filter. It also has a half")
    parsed = get_kind("description").parse(text)
    assert "<script" not in parsed.body and "alert" not in parsed.body
    assert parsed.body.startswith("<p>It boils 1.7 litres fast.") and parsed.body.endswith("It has a filter.</p>")
    assert parsed.scores["paragraphs"] == 2


@pytest.mark.parametrize("text", ["", "   ", "<|endoftext|>", "Short one."])
def test_unusable_output_is_refused(text):
    with pytest.raises(UnusableOutput):
        get_kind("description").parse(text)


def test_sanitiser_allows_only_plain_formatting():
    dirty = '<p onclick="x()">Hi <a href="javascript:alert(1)">there</a><img src=x onerror=y><strong>!</strong></p>'
    assert clean_html(dirty) == "<p>Hi there<strong>!</strong></p>"
    assert plain_text("a<|pad|>b <br>c &lt;d&gt;") == "a b c <d>"

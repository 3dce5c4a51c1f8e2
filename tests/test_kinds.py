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


def test_every_kind_has_a_marker_limits_and_a_parser():
    from copygen_oscar.kinds import KINDS

    assert set(KINDS) == {"description", "bullets", "seo", "banner", "search_ad", "social", "email", "reply"}
    markers = [kind.marker for kind in KINDS.values()]
    assert len(set(markers)) == len(markers)
    for kind in KINDS.values():
        assert kind.build_prompt(FACTS, segment="returning visitors").endswith(f"Audience: returning visitors\n{kind.marker}\n")


def test_field_kinds_parse_their_labelled_lines_within_limits():
    seo = get_kind("seo").parse("Meta title: Copperleaf Heritage Kettle\nMeta description: Boils 1.7 litres.\nextra")
    assert seo.fields == {"Meta title": "Copperleaf Heritage Kettle", "Meta description": "Boils 1.7 litres."}
    assert seo.text == "Copperleaf Heritage Kettle\nBoils 1.7 litres."
    ad = get_kind("search_ad").parse("Headline: A\nHeadline: B\nHeadline: C\nHeadline: D\nDescription: x.\nDescription: y.")
    assert ad.fields == {"Headline": ["A", "B", "C"], "Description": ["x.", "y."]}
    with pytest.raises(UnusableOutput, match="meta title is 61 characters, at most 60"):
        get_kind("seo").parse("Meta title: " + "x" * 61 + "\nMeta description: fine")
    with pytest.raises(UnusableOutput, match="1 call to action line"):
        get_kind("banner").parse("Headline: Kettle\nSubline: Boils fast.")
    banner = get_kind("banner").parse("Headline: <b>Kettle</b>\nSubline: Boils fast.\nCall to action: Shop now")
    assert "<b>" not in banner.body and banner.fields["Call to action"] == "Shop now"


def test_bullets_social_email_and_reply_limits():
    bullets = get_kind("bullets").parse("- Boils 1.7 litres.\n- Cool handle.\n* Filter inside.\n- One\n- Two\n- Six")
    assert bullets.fields["bullets"] == ["Boils 1.7 litres.", "Cool handle.", "Filter inside.", "One", "Two"]
    assert bullets.body.startswith("<ul><li>Boils 1.7 litres.</li>")
    with pytest.raises(UnusableOutput, match="2 bullets, at least 3"):
        get_kind("bullets").parse("- one\n- two")
    social = get_kind("social").parse("A kettle that boils fast. " * 20)
    assert len(social.fields["text"]) <= 280
    email = get_kind("email").parse("Subject: New kettle\nPreheader: It boils 1.7 litres.")
    assert email.fields == {"Subject": "New kettle", "Preheader": "It boils 1.7 litres."}
    with pytest.raises(UnusableOutput):
        get_kind("reply").parse("Thanks!")

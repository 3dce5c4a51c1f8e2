"""The fact guard: every claim in copy must be supported by the product's facts."""

from hypothesis import given, settings, strategies as st

from copygen_oscar.facts import Attribute, ProductFacts
from copygen_oscar.guard import CopyCorpus, FactIndex, StoreVocabulary, evaluate
from copygen_oscar.guard.claims import quantities, unsupported
from copygen_oscar.slots import UnfilledSlot, delexicalise, relexicalise

FACTS = ProductFacts(
    title="Northmoor Classic Yoga mat, white", product_class="Sports & toys", categories=["Sports & toys > Fitness"],
    brand="Northmoor", price="56.99", currency="GBP",
    attributes=[
        Attribute("brand", "Brand", "text", "Northmoor"), Attribute("colour", "Colour", "text", "white"),
        Attribute("material", "Material", "text", "natural rubber"),
        Attribute("dimensions", "Dimensions", "text", "183 x 61 x 0.6", "cm"),
        Attribute("weight", "Weight", "integer", 1312, "g"), Attribute("waterproof", "Waterproof", "boolean", False),
    ],
)
INDEX = FactIndex.from_facts(FACTS, other_brands={"Fellside", "Northmoor"})


def reasons(text):
    return [c.reason for c in unsupported(text, INDEX)]


def test_true_copy_passes_in_any_unit():
    text = ("Northmoor made this white yoga mat from natural rubber. It measures 183 x 61 x 0.6 cm "
            "(1830 x 610 x 6 mm) and weighs 1.312 kg. Only £56.99.")
    assert reasons(text) == []


def test_planted_falsehoods_are_caught():
    assert reasons("It weighs 1412 g.") == ["'1412 g' is not in the facts"]
    assert reasons("It weighs 1312 oz.") == ["'1312 oz' is not in the facts"]  # right number, wrong unit
    assert reasons("It measures 183 x 61 x 0.6 in.") == ["'183 x 61 x 0.6 in' is not in the facts"]
    assert reasons("A black mat.") == ["colour 'black' is not in the facts"]
    assert reasons("Made from stainless steel.") == ["material 'stainless steel' is not in the facts"]
    assert reasons("It is waterproof.") == ["'waterproof' is not stated by the facts"]
    assert reasons("Now only £49.99.") == ["price '£49.99' is not the product's price"]
    assert reasons("Made by Fellside.") == ["'fellside' is another brand"]
    assert reasons("The Northmoor Hoodie is here.") == ["'Hoodie' is not named in the facts"]
    assert reasons("Pack of 3.") == ["the number 3 is not in the facts"]


def test_negated_properties_agree_with_the_facts():
    assert reasons("It is not waterproof.") == []
    # A negator elsewhere in the text does not excuse the claim.
    assert reasons("No fuss. Waterproof and white.") == ["'waterproof' is not stated by the facts"]
    assert reasons("Unlike mats that are not waterproof, this mat is waterproof.") == [
        "'waterproof' is not stated by the facts"]


def test_a_price_in_another_currency_is_not_the_price():
    assert reasons("Only £56.99.") == []
    assert reasons("Only $56.99.") == ["price '$56.99' is not the product's price"]


def test_absurd_numbers_are_refused_not_matched_to_everything():
    huge = "1" + "0" * 320
    assert reasons("1/0 kg of rubber.") == ["'1/0 kg' is not a readable number"]
    for text in (f"{huge} cm of rubber.", f"{huge}/3 kg"):
        assert "garbled text '10000000000000000000'" in evaluate(f"<p>{text}</p>", INDEX, FACTS).reasons


def test_policy_checks(settings):
    settings.COPYGEN_BANNED_PHRASES = ["best in the world"]
    settings.COPYGEN_REQUIRED_DISCLAIMERS = ["Colours may vary."]
    verdict = evaluate("<p>The best in the world natural rubber mat for for you. Weighs 1312 g.</p>", INDEX, FACTS)
    assert not verdict.passed
    assert "banned phrase 'best in the world'" in verdict.reasons
    assert "missing disclaimer 'Colours may vary.'" in verdict.reasons
    assert "stutters: 'for for'" in verdict.reasons
    settings.COPYGEN_BANNED_PHRASES, settings.COPYGEN_REQUIRED_DISCLAIMERS = [], []
    good = evaluate("<p>A natural rubber mat. It weighs 1312 g.</p><p>It measures 183 x 61 x 0.6 cm.</p>",
                    INDEX, FACTS)
    assert good.passed, good.reasons
    assert good.coverage == 0.6  # material, dimensions, weight of brand, colour, material, dimensions, weight


def test_vacuous_and_garbled_copy_is_refused():
    assert "states too few facts (0% of the attribute values)" in evaluate(
        "<p>A good choice for every day.</p>", INDEX, FACTS).reasons
    assert "garbled text ']'" in evaluate("<p>A natural rubber]. It weighs 1312 g.</p>", INDEX, FACTS).reasons
    store = StoreVocabulary(known=frozenset({"a", "hoodie", "mat"}), product_words=frozenset({"hoodie", "mat"}))
    unknown = evaluate("<p>A natural rubber stainlass mat, 1312 g.</p>", INDEX, FACTS, vocabulary=store)
    assert "unknown word 'stainlass'" in unknown.reasons
    wrong = evaluate("<p>A natural rubber hoodie, 1312 g.</p>", INDEX, FACTS, vocabulary=store)
    assert "names another product: 'hoodie'" in wrong.reasons
    assert not any("another product" in r for r in evaluate("<p>A mat.</p>", INDEX, FACTS, vocabulary=store).reasons)


def test_slots_round_trip_and_refuse_what_the_facts_lack():
    human = "Northmoor made this yoga mat from natural rubber. It weighs 1312 g."
    slotted = delexicalise(human, FACTS)
    assert slotted == "[brand] made this yoga mat from [material]. It weighs [weight] g."
    assert relexicalise(slotted, FACTS) == human
    try:
        relexicalise("It holds [capacity] ml.", FACTS)
    except UnfilledSlot as exc:
        assert "[capacity]" in str(exc)
    else:
        raise AssertionError("an unfillable slot must be refused")


numbers = st.decimals(min_value="0.1", max_value="100000", places=2, allow_nan=False, allow_infinity=False)
units = st.sampled_from(["g", "kg", "mm", "cm", "m", "ml", "l", "W", "mAh", "hours"])


@settings(max_examples=200, deadline=None)
@given(value=numbers, unit=units)
def test_any_stated_quantity_supports_itself_and_not_a_changed_one(value, unit):
    index = FactIndex.from_texts([f"Size: {value} {unit}"])
    assert unsupported(f"It is {value} {unit}.", index) == []
    changed = value * 2 + 1
    assert [c.kind for c in unsupported(f"It is {changed} {unit}.", index)] == ["quantity"]


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400))
def test_the_guard_never_crashes_and_finds_nothing_in_nothing(text):
    index = FactIndex.from_texts([text])
    # Any text supports every claim it makes; numbers that do not parse (1/0 kg) are refused by design.
    assert [c for c in unsupported(text, index) if "not a readable number" not in c.reason] == []
    quantities(text)
    evaluate(text, index, None)


def test_hostile_text_is_checked_in_linear_time():
    import time

    for text in ("1 x " * 8000, "1," * 8000, "1." * 8000 + " kg"):
        started = time.perf_counter()
        unsupported(text, INDEX)
        assert time.perf_counter() - started < 5, text[:20]


def test_copy_too_close_to_another_products_copy_is_refused():
    corpus = CopyCorpus([
        (1, "Northmoor made this yoga mat from natural rubber. It weighs 1312 g. A good choice for every day."),
        (2, "A white mat for the studio, light and grippy, with a carry strap and a cotton cover."),
    ])
    copied = "Northmoor made this yoga mat from natural rubber. It weighs 1312 g. A good choice for every day."
    verdict = evaluate(copied, INDEX, FACTS, corpus=corpus, product_id=3)
    assert "near-duplicate of product 1's copy (100% of its phrases)" in verdict.reasons
    assert not any("near-duplicate" in r for r in evaluate(copied, INDEX, FACTS, corpus=corpus, product_id=1).reasons)
    fresh = "A natural rubber mat from Northmoor, 183 x 61 x 0.6 cm, that weighs 1312 g."
    assert corpus.nearest(fresh, exclude_product=3)[1] < 0.3

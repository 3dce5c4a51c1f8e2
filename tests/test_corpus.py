"""The built-in training corpus of the default model: big, deterministic, varied, and true to its facts."""

import random
import re
from collections import Counter

import pytest
from django.utils.html import strip_tags

from copygen_oscar.demo_catalogue import demo_products
from copygen_oscar.facts import split_unit
from copygen_oscar.guard import evaluate
from copygen_oscar.guard.claims import FactIndex, words
from copygen_oscar.guard.language import StoreVocabulary, other_products, unknown_words
from copygen_oscar.guard.sanitise import plain_text
from copygen_oscar.kinds import KINDS, TONES, get_kind
from copygen_oscar.kinds.base import ProseKind, sentences
from copygen_oscar.slots import delexicalise, relexicalise, slot_values
from copygen_oscar.training import corpus as corpus_module
from copygen_oscar.training.corpus import BRANDS, SEGMENTS, build_corpus, check_example, vocabulary
from copygen_oscar.training.data import Example


@pytest.fixture(scope="module")
def built():
    report = {}
    examples = build_corpus(report=report)  # the default size, as the model is trained on it
    return examples, report


@pytest.fixture(scope="module")
def sample(built):
    examples, _ = built
    return random.Random(11).sample(examples, 400)


def _delexicalised(examples, kind):
    return [delexicalise(e.target, e.facts) for e in examples if e.kind == kind]


def test_corpus_is_big_and_covers_every_kind_tone_and_audience(built):
    examples, report = built
    assert len(examples) >= 20000
    kinds = Counter(e.kind for e in examples)
    assert set(kinds) == set(KINDS)
    assert all(kinds["description"] > kinds[k] >= 0.09 * len(examples) for k in KINDS if k != "description")
    assert kinds["description"] <= 0.25 * len(examples)
    tones = Counter(e.tone for e in examples)
    assert set(tones) == {"", *TONES} and min(tones.values()) > 0.1 * len(examples)
    segments = Counter(e.segment for e in examples)
    assert set(segments) == {"", *SEGMENTS} and segments[""] < 0.7 * len(examples)
    assert all(isinstance(e, Example) and e.target and e.source.startswith("corpus:") for e in examples)
    # the builder drops (and counts) what the guard would refuse: almost nothing
    assert report["examples"] == len(examples) and report["dropped"] < 0.01 * len(examples)


def test_same_seed_same_corpus_other_seed_other_corpus():
    def key(examples):
        return [(e.kind, e.tone, e.segment, e.target, e.facts) for e in examples]

    first = build_corpus(1200, seed=7)
    assert len(first) == 1200
    assert key(first) == key(build_corpus(1200, seed=7))
    other = key(build_corpus(1200, seed=8))
    assert other != key(first) and len({t for *_, t, _ in other} & {e.target for e in first}) < 60


def test_every_sampled_target_parses_and_passes_the_guard(sample):
    for example in sample:
        kind = get_kind(example.kind)
        parsed = kind.parse(example.target)  # raises UnusableOutput if a limit is broken
        if isinstance(kind, ProseKind) and kind.name != "bullets":
            assert parsed.fields["text"] == plain_text(example.target), "the parser cut the target"
        index = FactIndex.from_facts(example.facts, other_brands=BRANDS)
        verdict = evaluate(parsed.text, index, example.facts, needs_coverage=kind.needs_coverage)
        assert verdict.passed, (example.kind, example.target, verdict.reasons)
        assert check_example(example) == []
        # What a model trained on the slotted target writes, once generation fills the slots, passes too.
        _, slotted = example.pair(slots=True)
        refilled = kind.parse(relexicalise(slotted, example.facts))
        assert evaluate(refilled.text, index, example.facts, needs_coverage=kind.needs_coverage).passed


def test_the_check_refuses_what_the_facts_do_not_say(sample):
    example = next(e for e in sample if e.kind == "description" and e.facts.attributes)
    for addition in (" It weighs 9999 g.", " It comes in purple.", " It is certified organic and waterproof.",
                     " It is made by Zanzibar Goods."):
        wrong = Example(example.facts, "description", example.target + addition)
        assert check_example(wrong), addition
    seo = next(e for e in sample if e.kind == "seo")
    assert check_example(Example(seo.facts, "seo", seo.target + " " + "More words here. " * 12))
    social = next(e for e in sample if e.kind == "social")
    assert check_example(Example(social.facts, "social", social.target + " " + "And then some more. " * 15))


def test_descriptions_are_varied_not_one_template(built):
    examples, _ = built
    descriptions = _delexicalised(examples, "description")
    firsts = [sentences(d.split("\n")[0])[0] for d in descriptions]
    assert len(set(firsts)) >= 0.35 * len(firsts)
    assert Counter(firsts).most_common(1)[0][1] < 0.05 * len(firsts)  # no opening dominates
    all_sentences = {s for d in descriptions for line in d.split("\n") for s in sentences(line)}
    assert len(all_sentences) >= 3000
    picked = random.Random(3).sample(descriptions, 500)
    grams = [tuple(ws[i : i + 3]) for d in picked for ws in [re.findall(r"[\w\[\]']+", d.lower())]
             for i in range(len(ws) - 2)]
    assert len(set(grams)) / len(grams) > 0.2
    for kind in KINDS:
        targets = _delexicalised(examples, kind)
        assert len(set(targets)) > 0.95 * len(targets), kind


def test_tone_and_audience_change_the_words(built):
    examples, _ = built
    firsts = {tone: {sentences(delexicalise(e.target, e.facts))[0] for e in examples
                     if e.kind == "description" and e.tone == tone} for tone in ("premium", "technical", "playful")}
    assert len(firsts["premium"] & firsts["technical"]) < 0.1 * len(firsts["premium"])
    assert len(firsts["playful"] & firsts["premium"]) < 0.1 * len(firsts["playful"])
    playful = [e.target for e in examples if e.kind == "description" and e.tone == "playful"]
    technical = [e.target for e in examples if e.kind == "description" and e.tone == "technical"]
    assert sum("!" in t for t in playful) > 0.5 * len(playful) > 5 * sum("!" in t for t in technical)
    gifts = [e.target.lower() for e in examples if e.kind == "description" and e.segment == "gift buyers"]
    assert gifts and all("gift" in t or "present" in t for t in gifts)


def test_slots_replace_every_stated_number(sample):
    slotted_count = exact = 0
    for example in sample:
        prompt, slotted = example.pair(slots=True)
        assert prompt.endswith(get_kind(example.kind).marker + "\n")
        assert (f"Tone: {example.tone}\n" in prompt) == bool(example.tone)
        assert (f"Audience: {example.segment}\n" in prompt) == bool(example.segment)
        values = slot_values(example.facts)
        for slot, value in values.items():
            if any(ch.isdigit() for ch in value):
                assert not re.search(rf"(?<![\w\[]){re.escape(value)}(?![\w\]])", slotted), (slot, slotted)
        slotted_count += "[" in slotted
        refilled = relexicalise(slotted, example.facts)
        assert refilled.lower() == example.target.lower()
        exact += refilled == example.target
    assert slotted_count > 0.9 * len(sample)  # nearly every target names the product or states a fact
    assert exact > 0.9 * len(sample)


def test_facts_are_built_like_product_facts(sample):
    for facts in {id(e.facts): e.facts for e in sample}.values():
        specs = {code: name for code, name, _ in corpus_module.CLASSES[facts.product_class]}
        specs.update({code: name for code, (name, _) in corpus_module.EXTRA_ATTRS.items()})
        codes = [a.code for a in facts.attributes]
        assert codes == sorted(codes)
        for attr in facts.attributes:
            assert split_unit(specs[attr.code]) == (attr.name, attr.unit)
            expected = {"integer": int, "float": float, "boolean": bool, "multi_option": list}.get(attr.type, str)
            assert type(attr.value) is expected
        brand = next((a.as_text() for a in facts.attributes if a.code == "brand"), "")
        assert facts.brand == brand
        assert facts.categories == sorted(facts.categories) and facts.options == sorted(set(facts.options))
        assert re.fullmatch(r"(\d+\.\d\d)?", facts.price) and bool(facts.price) == bool(facts.currency)
        assert facts.title and (facts.is_child == bool(facts.parent_title))


def test_the_corpus_words_are_known_and_name_no_demo_product(sample):
    """The store-vocabulary check would pass: every word is the corpus's own or the facts', none names a product."""
    known, title_words, generic = set(vocabulary()), set(), set()
    for product in demo_products():  # the demo store's vocabulary, as guard.language builds it from the database
        in_title, in_description = set(words(product.title)), set(words(strip_tags(product.description)))
        title_words |= in_title
        generic |= in_description - in_title
        known |= in_title | in_description | {w for v in product.attributes.values() for w in words(str(v))}
    store = StoreVocabulary(frozenset(known), frozenset(w for w in title_words - generic if not w[0].isdigit()))
    for example in sample:
        kind = get_kind(example.kind)
        if not kind.uses_store_vocabulary:
            continue
        text = kind.parse(example.target).text
        index = FactIndex.from_facts(example.facts)
        assert unknown_words(text, vocabulary() | index.vocabulary) == [], example.target
        assert other_products(text, store, index.vocabulary) == [], example.target

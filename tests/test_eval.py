"""Model evaluation: metric helpers, the template baseline, and `manage.py copygen_eval` on the tiny model."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from copygen_oscar.facts import Attribute, ProductFacts, product_facts
from copygen_oscar.kinds import KINDS, get_kind
from copygen_oscar.training.baseline import TemplateBaseline, read_prompt
from copygen_oscar.training.data import Example, split, store_examples
from copygen_oscar.training.evaluate import (
    METRICS, EvaluationError, GuardContext, chrf, distinct_n, evaluate, format_table, has_unsupported_claim,
    product_key, rouge_l,
)

# The tiny model fixture builds the test database; tests that touch the catalogue need it too.
pytestmark = pytest.mark.django_db

KITE = ProductFacts(
    title="Fellside Weekend Kite, navy", product_class="Sports & toys", categories=["Sports & toys > Outdoor"],
    brand="Fellside", price="24.99", currency="GBP",
    attributes=[Attribute("brand", "Brand", "text", "Fellside"), Attribute("colour", "Colour", "text", "navy"),
                Attribute("material", "Material", "text", "ripstop nylon"),
                Attribute("weight", "Weight", "integer", 250, "g"),
                Attribute("age", "Suitable from age", "integer", 6)],
)
HUMAN = "The Fellside Weekend Kite, navy is made from ripstop nylon. It weighs 250 g. Suitable from age 6."


class Scripted:
    """A system that writes the given texts for every prompt, in order."""

    def __init__(self, *texts):
        self.texts, self.calls = list(texts), []

    def generate(self, prompts, *, n, max_new_tokens):
        self.calls.append(len(prompts))
        return [[self.texts[i % len(self.texts)] for i in range(n)] for _ in prompts]


def test_chrf_rouge_and_distinct_on_hand_made_texts():
    assert chrf([HUMAN], [HUMAN]) == pytest.approx(100.0)
    assert chrf(["zzzz qqqq"], [HUMAN]) < 10
    assert rouge_l([HUMAN], [HUMAN]) == pytest.approx(100.0)
    assert rouge_l(["zebra quantum"], [HUMAN]) == 0
    assert chrf([], []) is None and rouge_l([], []) is None
    assert distinct_n(["a kite for every day and every wind"] * 10) < 0.15
    assert distinct_n(["a navy kite", "ripstop nylon sail", "weighs only 250 g"]) == 1.0
    assert distinct_n([""]) is None


def test_planted_false_number_is_a_hallucination_before_the_guard_and_never_after():
    honest = "The Fellside Weekend Kite is made from ripstop nylon and weighs 250 g. Suitable from age 6."
    planted = "The Fellside Weekend Kite is made from ripstop nylon and weighs 999 g. Suitable from age 6."
    assert has_unsupported_claim(planted, KITE) and not has_unsupported_claim(honest, KITE)
    examples = [Example(KITE, "description", HUMAN)]
    system = Scripted(planted, honest)
    result = evaluate(system, examples, n=1, candidates=4, context=GuardContext())
    overall = result["overall"]
    assert system.calls == [1]  # one batched call for the chunk
    assert overall["outputs"] == 4 and overall["within_limits"] == 1.0
    assert overall["halluc_raw"] == 0.5 and overall["guard_pass"] == 0.5
    assert overall["kept"] == 1.0 and overall["stored"] == 1 and overall["halluc_guarded"] == 0.0
    assert overall["fact_precision"] < 1.0 and overall["perplexity"] is None
    assert set(result["by_kind"]) == {"description"}

    only_false = evaluate(Scripted(planted), examples, n=1, candidates=2, context=GuardContext())["overall"]
    assert only_false["halluc_raw"] == 1.0 and only_false["kept"] == 0.0 and only_false["stored"] == 0
    assert only_false["halluc_guarded"] is None and only_false["chrf"] == 0.0  # nothing stored scores as empty


def test_unparseable_output_breaks_the_length_limit_and_scorers_add_columns():
    examples = [Example(KITE, "seo", "Meta title: Fellside Weekend Kite\nMeta description: A navy kite.")]
    too_long = "Meta title: " + "Fellside Weekend Kite " * 5 + "\nMeta description: Weighs 250 g."
    fine = "Meta title: Fellside Weekend Kite\nMeta description: Made from ripstop nylon. Weighs 250 g."
    result = evaluate(Scripted(too_long, fine), examples, n=1, candidates=2, context=GuardContext(),
                      scorers={"realism": lambda texts: [0.25 for _ in texts]})
    assert result["overall"]["within_limits"] == 0.5 and result["overall"]["realism"] == 0.25
    assert "realism" in format_table({"model": result})
    with pytest.raises(EvaluationError, match="realism"):
        evaluate(Scripted(fine), examples, candidates=1, context=GuardContext(), scorers={"realism": lambda t: [1, 2]})
    unable = evaluate(Scripted(fine), examples, candidates=1, context=GuardContext(),
                      scorers={"realism": lambda texts: None})
    assert unable["overall"]["realism"] is None and unable["overall"]["stored"] == 1
    with pytest.raises(EvaluationError):
        evaluate(Scripted(fine), [], context=GuardContext())


def test_baseline_reads_the_prompt_it_is_given():
    prompt = get_kind("bullets").build_prompt(KITE, tone="friendly", segment="gift buyers")
    found = read_prompt(prompt)
    assert found.kind == "bullets" and found.title == KITE.title and found.brand == "Fellside"
    assert ("Weight", "250 g") in found.attributes and found.price == "24.99 GBP" and found.category == "Outdoor"
    assert TemplateBaseline().generate(["not a prompt"], n=2, max_new_tokens=10) == [["", ""]]


def test_baseline_writes_guard_passing_copy_of_every_kind_for_the_demo_catalogue():
    from copygen_oscar.requests import judge
    from copygen_oscar.guard import FactIndex
    from oscar.core.loading import get_model

    call_command("copygen_demo_catalogue", stdout=io.StringIO())
    context = GuardContext.from_store()
    products = list(get_model("catalogue", "Product").objects.exclude(structure="child").order_by("upc")[::9])
    assert len(products) >= 15
    baseline, failures = TemplateBaseline(), []
    for product in products:
        facts = product_facts(product)
        index = FactIndex.from_facts(facts, context.other_brands)
        for name, kind in KINDS.items():
            texts = baseline.generate([kind.build_prompt(facts, tone="premium")], n=3, max_new_tokens=100)[0]
            assert len(set(texts)) > 1, (name, texts)  # variants differ
            for text in texts:
                try:
                    _, verdict = judge(kind, facts, index, text, context.vocabulary, context.corpus, product.pk)
                except ValueError as exc:
                    failures.append((product.title, name, str(exc)))
                    continue
                if not verdict.passed:
                    failures.append((product.title, name, verdict.reasons))
    assert not failures, failures[:5]


def test_baseline_evaluates_clean_on_the_store_held_out_set():
    call_command("copygen_demo_catalogue", stdout=io.StringIO())
    _, held_out = split(store_examples(kinds=("description", "seo", "search_ad")), 0.1)
    result = evaluate(TemplateBaseline(), held_out, n=1, name="template")
    overall = result["overall"]
    assert overall["halluc_raw"] == 0.0 and overall["halluc_guarded"] == 0.0 and overall["kept"] == 1.0
    assert overall["guard_pass"] == 1.0 and overall["coverage"] > 0.9 and overall["perplexity"] is None
    assert 10 < overall["chrf"] < 100 and set(result["by_kind"]) == {"description", "seo", "search_ad"}
    assert product_key(held_out[0]) == int(held_out[0].source.split(":")[1])


def test_eval_command_scores_the_tiny_model_beside_the_template(tiny_model, tmp_path, settings):
    from copygen_oscar.registry import register

    settings.COPYGEN_CANDIDATES_PER_VARIANT = 2  # keep the CPU run short
    call_command("copygen_demo_catalogue", stdout=io.StringIO())
    version = register(tiny_model)
    out, stdout = tmp_path / "eval.json", io.StringIO()
    call_command("copygen_eval", version=version.pk, limit=1, json=str(out), stdout=stdout)
    report = json.loads(out.read_text())
    assert set(report["systems"]) == {"model", "template"}
    for result in report["systems"].values():
        assert {key for key, _, _ in METRICS} <= set(result["overall"])
        assert set(result["by_kind"]) == set(report["held_out"]["kinds"]) and len(result["by_kind"]) >= 5
    model = report["systems"]["model"]["overall"]
    assert model["perplexity"] > 1 and model["outputs"] == 2 * model["examples"]
    assert model["halluc_guarded"] in (0.0, None)
    assert report["systems"]["template"]["overall"]["perplexity"] is None
    table = stdout.getvalue()
    assert "model" in table and "template" in table and "hallucination rate, after guard" in table
    version.refresh_from_db()
    assert version.metrics["eval"]["systems"]["model"]["overall"] == model


def test_eval_command_errors_are_clear(tiny_model, tmp_path):
    with pytest.raises(CommandError, match="No model version 424242"):
        call_command("copygen_eval", version=424242, json=str(tmp_path / "x.json"))
    with pytest.raises(CommandError, match="No model at"):
        call_command("copygen_eval", model=str(tmp_path / "missing"), json=str(tmp_path / "x.json"))
    encoder = tmp_path / "encoder"
    encoder.mkdir()
    (encoder / "config.json").write_text(json.dumps({"model_type": "vit"}))
    with pytest.raises(CommandError, match="not a causal language model"):
        call_command("copygen_eval", model=str(encoder), json=str(tmp_path / "x.json"))
    with pytest.raises(CommandError, match="Unknown copy kind"):
        call_command("copygen_eval", model=str(tiny_model), kinds="poem", json=str(tmp_path / "x.json"))
    # The catalogue is empty in this test: nothing to hold out.
    with pytest.raises(CommandError, match="held-out set is empty"):
        call_command("copygen_eval", model=str(tiny_model), json=str(tmp_path / "x.json"))


def test_eval_command_reads_held_out_examples_from_a_data_file(tiny_model, tmp_path, settings):
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 1
    rows = ["title,description,brand,price,specs"]
    for i, (thing, stuff) in enumerate([("Lantern", "steel"), ("Flask", "glass"), ("Stool", "oak"),
                                        ("Basket", "willow"), ("Kettle", "copper"), ("Tray", "bamboo")]):
        rows.append(f'Harbour {thing} {i},"The Harbour {thing} {i} is made from {stuff}. It is easy to clean. '
                    f'It suits a small kitchen. A good choice for every day.",Harbour Lane,{10 + i}.99,'
                    f'Material: {stuff} | Weight (g): {300 + 10 * i}')
    data = tmp_path / "products.csv"
    data.write_text("\n".join(rows) + "\n")
    out, stdout = tmp_path / "eval.json", io.StringIO()
    call_command("copygen_eval", model=str(tiny_model), data=str(data), columns="brand=brand,price=price,"
                 "attributes=specs,currency=GBP", kinds="seo,description", holdout=1, limit=2, json=str(out),
                 stdout=stdout)
    report = json.loads(out.read_text())
    assert report["held_out"]["source"] == str(data) and report["held_out"]["examples"] == 4
    template = report["systems"]["template"]["overall"]
    assert template["guard_pass"] == 1.0 and template["halluc_raw"] == 0.0  # the file's words are the vocabulary
    with pytest.raises(CommandError, match="Could not read"):
        call_command("copygen_eval", model=str(tiny_model), data=str(tmp_path / "none.csv"), json=str(out))

"""Generator tuning from the store's own conversions: preference data from the decision log, a KTO tune of the
shipped model, a candidate version that serves nothing until someone activates it."""

import io
import shutil
import uuid
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import create_product

from copygen_oscar import registry
from copygen_oscar.backends.transformers import fingerprint
from copygen_oscar.facts import product_facts
from copygen_oscar.kinds import get_kind
from copygen_oscar.serving.arms import OWN
from copygen_oscar.tuning.kto import completion_logprobs
from copygen_oscar.tuning.preferences import build_preferences
from copygen_oscar.tuning.tasks import tune_from_conversions, tune_generator

AuditEvent = get_model("copygen", "AuditEvent")
CopyVariant = get_model("copygen", "CopyVariant")
Impression = get_model("copygen", "Impression")
ModelVersion = get_model("copygen", "ModelVersion")

pytestmark = pytest.mark.django_db

# The shoppers' hidden taste: copy that promises this converts, copy without it does not.
TRAIT = "Free next-day delivery and a lifetime guarantee with every order."
PLAIN = "Available in the usual sizes while stocks last."
OPENINGS = [
    "{name} is made to last and easy to look after.",
    "Meet {name}, a simple piece for every day.",
    "{name} brings quiet quality to your home.",
    "A practical choice: {name} does its job well.",
]
TITLES = ["Borders Wool Scarf", "Oak Serving Board", "Linen Tea Towel", "Copper Watering Can", "Felt Slippers",
          "Stoneware Mug", "Cotton Tote Bag", "Beeswax Candle"]


@pytest.fixture
def base(tmp_path, settings):
    """A copy of the shipped model serves (the package folder itself is never written to)."""
    path = tmp_path / "base"
    shutil.copytree(registry.DEFAULT_MODEL, path)
    settings.COPYGEN_MODEL_PATH = str(path)
    settings.COPYGEN_MIN_IMPRESSIONS = 40
    return path


def decisions(product, arm, wins, losses):
    now = timezone.now()
    Impression.objects.bulk_create([Impression(
        event_id=uuid.uuid4(), shown_at=now, visitor=f"v{arm}-{i}", product=product, kind="description",
        variant_id=None if arm == OWN else int(arm), arm=arm, probability=0.5, arms={arm: 0.5},
        reward=Impression.CONVERTED if i < wins else Impression.NOT_CONVERTED) for i in range(wins + losses)])


def copy_for(name, opening, trait):
    return f"{OPENINGS[opening].format(name=name)} {TRAIT if trait else PLAIN}"


def store_log(titles=TITLES):
    """Per product: two variants with the trait that convert 30 %, two without at 5 %, the own copy at 10 %."""
    good, bad = [], []
    for t, title in enumerate(titles):
        product = create_product(title=title, price=D("20.00"), num_in_stock=10)
        product.description = f"<p>{title}: the shop's own words. Made with care and sold here for years.</p>"
        product.save()
        prompt = get_kind("description").build_prompt(product_facts(product))
        for v in range(4):
            trait = v < 2
            text = copy_for(title, (t + v) % len(OPENINGS), trait)
            variant = CopyVariant.objects.create(product=product, kind="description", status=CopyVariant.APPROVED,
                                                 body=f"<p>{text}</p>", fields={"text": text}, prompt=prompt)
            decisions(product, str(variant.pk), *((18, 42) if trait else (3, 57)))
            (good if trait else bad).append(variant)
        decisions(product, OWN, 6, 54)
    return good, bad


def taste_margin(model, tokenizer):
    """Mean log-probability per token of unseen copy with the trait minus without it, for products never logged."""
    rows = {True: [], False: []}
    for title in ("Walnut Desk Lamp", "Wool Throw Blanket", "Glass Water Carafe"):
        product = create_product(title=title, price=D("35.00"), num_in_stock=5)
        prompt = get_kind("description").build_prompt(product_facts(product))
        for opening in range(len(OPENINGS)):
            for trait in (True, False):
                rows[trait].append({"prompt": prompt, "completion": copy_for("[title]", opening, trait)})
    good, bad = (completion_logprobs(model, tokenizer, rows[label]) for label in (True, False))
    return sum(good) / len(good) - sum(bad) / len(bad)


def load(path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, local_files_only=True)
    return model, AutoTokenizer.from_pretrained(path, local_files_only=True)


def test_preference_rows_label_converting_copy_good_and_the_rest_bad(base):
    good, bad = store_log(TITLES[:3])
    CopyVariant.objects.filter(pk=good[0].pk).update(prompt="")  # copy without a prompt cannot teach anything
    data = build_preferences(base, min_rows=4)
    labels = {row["variant"]: row["label"] for row in data.rows}
    assert labels == {**{v.pk: True for v in good[1:]}, **{v.pk: False for v in bad}}
    assert data.summary["skipped"] == {"no stored prompt": 1} and data.summary["products"] == 3 and data.enough
    row = next(r for r in data.rows if r["variant"] == good[1].pk)
    # The prompt as generation sends it (this model has no chat template); the copy with fact slots, as it writes it.
    assert row["prompt"] == good[1].prompt and row["prompt"].endswith("Description:\n")
    assert row["completion"] == copy_for("[title]", 1, True) and row["p_better"] > 0.9
    assert data.kto[0].keys() == {"prompt", "completion", "label"}
    # DPO pairs: every good with every bad copy written from the same prompt.
    assert len(data.dpo) == 1 * 2 + 2 * 2 + 2 * 2
    assert all(TRAIT in pair["chosen"] and TRAIT not in pair["rejected"] for pair in data.dpo)

    thin = build_preferences(base, min_rows=6)
    assert not thin.enough and thin.reason.startswith("not enough evidence: 5 good and 6 bad")


def test_enough_evidence_but_nowhere_to_write_says_so(base, settings):
    store_log(TITLES[:2])
    settings.COPYGEN_TUNED_MODELS_DIR = None
    result = tune_from_conversions(min_rows=4)
    assert result["status"] == "not configured" and "COPYGEN_TUNED_MODELS_DIR" in result["reason"]


def test_kto_tune_is_a_candidate_that_prefers_the_converting_copy(base, tmp_path):
    store_log()
    base_margin = taste_margin(*load(base))
    output = tmp_path / "tuned"

    result = tune_from_conversions(output=output, min_rows=10, steps=20)

    assert result["status"] == "tuned", result
    version = ModelVersion.objects.get(pk=result["version"])
    assert version.status == ModelVersion.CANDIDATE and registry.serving_path() == str(base)  # nothing activated
    registry.check_model_folder(output)
    assert version.training_summary["method"] == "kto" and version.training_summary["rows"] == 32
    assert version.training_summary["base_fingerprint"] == fingerprint(base)
    assert "KTO tune of base model base" in (output / "README.md").read_text()
    assert (output / "tokenizer.json").read_bytes() == (base / "tokenizer.json").read_bytes()
    # Held out of training (3 good, 3 bad variants): the tune moved them the right way, good up and bad down.
    assert (version.metrics["held_out_good"], version.metrics["held_out_bad"]) == (3, 3)
    assert version.metrics["held_out_reward_accuracy"] >= 0.5 and version.metrics["held_out_margin_gain"] > 0
    # The training issue's evaluation, tuned beside base, on the store's held-out human copy.
    assert set(version.metrics["eval"]["systems"]) == {"model", "base"}
    assert version.metrics["eval"]["systems"]["model"]["overall"]["examples"] >= 1
    # The shoppers' taste, on products and copy it never saw: the tuned model likes the trait better than the base.
    tuned_margin = taste_margin(*load(output))
    assert tuned_margin > base_margin + 0.5, (base_margin, tuned_margin)

    again = tune_from_conversions(output=tmp_path / "again", min_rows=10, steps=20)
    assert again["status"] == "already tuned" and again["version"] == version.pk


def test_too_little_evidence_is_a_result_not_an_error(base, settings):
    store_log(TITLES[:2])
    settings.COPYGEN_TUNE_MIN_ROWS = 20
    tune_generator()
    event = AuditEvent.objects.get(action="tune_generator")
    assert event.channel == "rule" and event.details["status"] == "not enough evidence"
    assert event.details["reason"].startswith("not enough evidence: 4 good and 4 bad variants")
    assert not ModelVersion.objects.exists()

    out = io.StringIO()
    call_command("copygen_tune_generator", stdout=out)
    assert "Nothing tuned: not enough evidence" in out.getvalue()
    assert AuditEvent.objects.filter(action="tune_generator", channel="staff").count() == 1

    out = io.StringIO()
    call_command("copygen_tune_generator", "--dry-run", "--min-rows", "3", stdout=out)
    assert '"status": "dry-run"' in out.getvalue() and '"good": 4' in out.getvalue()
    assert AuditEvent.objects.count() == 2  # a dry run changes nothing

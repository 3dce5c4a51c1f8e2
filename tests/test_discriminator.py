"""The realism discriminator: trained on the tiny model's copy against the demo catalogue's, saved beside the model,
ignored once the model changes, weighed in by the rerank, reported by copygen_eval, retrained on activation."""

import io
import shutil
import time

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from oscar.core.loading import get_model

from copygen_oscar import registry
from copygen_oscar.backends.transformers import TransformersBackend, fingerprint
from copygen_oscar.facts import Attribute, ProductFacts
from copygen_oscar.guard import FactIndex
from copygen_oscar.kinds import get_kind
from copygen_oscar.requests import claim_batch, process_claimed, request_generation, rerank
from copygen_oscar.training import discriminator as disc
from copygen_oscar.training.discriminator import (
    FILENAME, Discriminator, DiscriminatorError, Encoder, generated_copy, realism_scorer, train_discriminator,
)
from tests.helpers import demo_products_cleared

# The tiny model fixture builds the test database; tests that touch the catalogue need it too.
pytestmark = pytest.mark.django_db

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")
LIMIT = 60


def demo_examples(django_db_blocker, limit=LIMIT):
    """Examples from the demo catalogue's human copy (plain data: they outlive the rolled-back catalogue)."""
    from django.db import transaction

    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("copygen_demo_catalogue", stdout=io.StringIO())
            examples = disc.training_examples(limit=limit)
            transaction.set_rollback(True)
    return examples


@pytest.fixture(scope="module")
def trained(tiny_model, django_db_blocker, tmp_path_factory):
    """A copy of the tiny model (the shared one must stay without a discriminator) and its trained discriminator."""
    path = tmp_path_factory.mktemp("disc") / "model"
    shutil.copytree(tiny_model, path)
    examples = demo_examples(django_db_blocker)
    started = time.monotonic()
    report = train_discriminator(path, examples, seed=0)
    report["wall_seconds"] = round(time.monotonic() - started, 2)
    print("discriminator report:", {k: report[k] for k in ("metrics", "seconds", "wall_seconds", "human_texts",
                                                             "generated_texts", "unusable_candidates")})
    return path, report, examples


def test_training_saves_a_small_file_beside_the_model_with_held_out_metrics(trained, tiny_model):
    path, report, examples = trained
    file = path / FILENAME
    assert report["file"] == str(file) and file.is_file() and file.stat().st_size < 20_000
    assert len(examples) == LIMIT and report["examples"] == LIMIT
    assert report["human_texts"] == LIMIT and report["generated_texts"] >= disc.MIN_TEXTS
    metrics = report["metrics"]
    assert metrics["folds"] == 5 and metrics["products"] > 10
    # Cross-validated by product. The tiny model imitates the demo catalogue's templated copy closely, so the
    # held-out figures are modest (AUC about 0.66 with 60 examples): better than chance, far from perfect.
    assert 0 <= metrics["held_out_accuracy"] <= 1 and metrics["held_out_auc"] > 0.55
    assert metrics["train_accuracy"] > 0.8
    assert report["model_fingerprint"] == fingerprint(path)
    # The file stays out of the model's fingerprint: registered versions still match their folder.
    assert fingerprint(path) == fingerprint(tiny_model)
    loaded = Discriminator.for_model(path)
    assert loaded is not None and loaded.weights.shape == (Encoder.dimension,)
    assert loaded.metrics == metrics and loaded.fingerprint == fingerprint(path)
    assert Discriminator.for_model(path) is loaded  # cached per process: no reload per call


def test_human_copy_reads_more_human_than_the_models_own(trained):
    path, _, examples = trained
    discriminator = Discriminator.for_model(path)
    examples = examples[:30]
    human = [disc._as_shown(get_kind(e.kind), e.target) for e in examples]
    # Fresh samples for the same products (not the texts it was fit on).
    generated, _ = generated_copy(TransformersBackend(path=str(path)), examples)
    human_scores = discriminator.realism(human)
    generated_scores = discriminator.realism([text for _, text in generated])
    assert len(human_scores) == len(human) and len(generated) >= 8
    assert all(0 <= p <= 1 for p in human_scores + generated_scores)
    print(f"realism: human {np.mean(human_scores):.3f}, generated {np.mean(generated_scores):.3f}")
    assert np.mean(human_scores) > np.mean(generated_scores) + 0.15
    assert discriminator.realism([]) == []


def test_the_discriminator_is_ignored_once_the_model_changes(trained, tmp_path):
    import torch
    from safetensors.torch import load_file, save_file

    path, _, _ = trained
    retrained = tmp_path / "retrained"
    shutil.copytree(path, retrained)  # the discriminator file comes along, trained against the old weights
    assert Discriminator.for_model(retrained) is not None
    weights = load_file(retrained / "model.safetensors")
    save_file({k: v + 0.001 * torch.randn_like(v) for k, v in weights.items()}, retrained / "model.safetensors",
              metadata={"format": "pt"})
    assert Discriminator.for_model(retrained) is None
    assert realism_scorer(str(retrained)) is None
    assert Discriminator.for_model(path) is not None  # the original folder is unchanged
    assert Discriminator.for_model(tmp_path / "nowhere") is None and Discriminator.for_model("") is None


def test_loading_never_unpickles(trained, tmp_path, monkeypatch):
    import pickle

    path, _, _ = trained
    folder = tmp_path / "planted"
    shutil.copytree(path, folder)
    flag = tmp_path / "unpickled"

    class Payload:
        def __reduce__(self):
            return (open, (str(flag), "w"))  # would create the flag file if ever unpickled

    meta = np.empty((), dtype=object)
    meta[()] = Payload()
    with open(folder / FILENAME, "wb") as fh:
        np.savez(fh, weights=np.zeros(Encoder.dimension), bias=np.zeros(1), meta=meta)
    with pytest.raises(DiscriminatorError, match="Unreadable"):
        Discriminator.load(folder / FILENAME)
    assert Discriminator.for_model(folder) is None
    assert not flag.exists()

    # A good file loads with pickle unavailable altogether.
    def refuse(*args, **kwargs):
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    loaded = Discriminator.load(path / FILENAME)
    assert loaded.fingerprint == fingerprint(path)

    (folder / FILENAME).write_bytes(b"not a zip file")
    assert Discriminator.for_model(folder) is None
    (folder / FILENAME).write_bytes((path / FILENAME).read_bytes()[:200])  # cut short
    assert Discriminator.for_model(folder) is None


KITE = ProductFacts(
    title="Fellside Weekend Kite, navy", product_class="Sports & toys", categories=["Sports & toys > Outdoor"],
    brand="Fellside", price="24.99", currency="GBP",
    attributes=[Attribute("brand", "Brand", "text", "Fellside"), Attribute("colour", "Colour", "text", "navy"),
                Attribute("material", "Material", "text", "ripstop nylon"),
                Attribute("weight", "Weight", "integer", 250, "g")],
)


def test_rerank_records_realism_and_weighs_it_in(settings):
    kind, index = get_kind("description"), FactIndex.from_facts(KITE)
    texts = ["The Fellside Weekend Kite is made from ripstop nylon and weighs 250 g. A navy kite for the park.",
             "Made from ripstop nylon, the navy Fellside Weekend Kite weighs 250 g. It flies in a light wind."]
    plain, _ = rerank(kind, KITE, index, texts, 2)
    assert len(plain) == 2 and all("realism" not in scores for _, scores, _ in plain)
    last = plain[1][0].text
    favour_last = lambda candidates: [0.95 if text == last else 0.05 for text in candidates]  # noqa: E731
    settings.COPYGEN_REALISM_WEIGHT = 2.0
    kept, _ = rerank(kind, KITE, index, texts, 2, realism=favour_last)
    assert kept[0][0].text == last and kept[0][1]["realism"] == 0.95 and kept[1][1]["realism"] == 0.05
    settings.COPYGEN_REALISM_WEIGHT = 0.0  # recorded, but no longer in the score
    kept, _ = rerank(kind, KITE, index, texts, 2, realism=favour_last)
    assert [p.text for p, _, _ in kept] == [p.text for p, _, _ in plain] and kept[1][1]["realism"] == 0.95


def test_served_variants_carry_the_realism_score_of_the_serving_models_discriminator(trained, tiny_model, settings):
    path, _, _ = trained
    assert realism_scorer(str(tiny_model)) is None  # the shared tiny model has none: serving goes on without it
    settings.COPYGEN_SEED = 7
    settings.COPYGEN_MODEL_PATH = str(path)
    (product,) = demo_products_cleared(1, offset=7)
    request = GenerationRequest.objects.get(product=product)
    assert process_claimed(claim_batch("w"), "w") == 1
    variants = list(CopyVariant.objects.filter(request=request))
    assert variants and all(0 <= v.scores["realism"] <= 1 for v in variants)

    settings.COPYGEN_REALISM_WEIGHT = 0  # off: nothing scored
    request, _ = request_generation(product, source=GenerationRequest.STAFF)
    assert process_claimed(claim_batch("w"), "w") == 1
    assert all("realism" not in v.scores for v in CopyVariant.objects.filter(request=request))


class Garbage:
    def generate(self, prompts, *, n, max_new_tokens):
        return [["x"] * n for _ in prompts]


class Robotic:
    """A generator whose copy is plainly not a person's: the same sales line over and over."""

    def generate(self, prompts, *, n, max_new_tokens):
        return [[f"Buy [name] now. Buy [name] now. Best [name] best price best deal {i}." for i in range(n)]
                for _ in prompts]


THINGS = ["lantern", "kettle", "stool", "basket", "tray", "flask", "blanket", "mug", "candle", "apron", "rug", "lamp",
          "jug", "bowl", "cushion", "vase"]
STUFF = ["oak", "wool", "linen", "copper", "stoneware", "willow", "bamboo", "glass"]


def test_plainly_machine_copy_is_told_apart_and_a_read_only_folder_is_explained(tmp_path, monkeypatch):
    from copygen_oscar.training.data import Example

    folder = tmp_path / "model"  # the generator is scripted: the folder only needs files to fingerprint
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "gpt2"}')
    examples = []
    for i, thing in enumerate(THINGS):
        facts = ProductFacts(title=f"Harbour {thing.title()}", product_class="Home", categories=["Home"],
                             brand="Harbour", price=f"{10 + i}.00", currency="GBP", attributes=[])
        stuff = STUFF[i % len(STUFF)]
        examples.append(Example(facts, "description", f"Our {thing} is made by hand from {stuff} in a small workshop. "
                                                      f"It is easy to care for and lasts for years of daily use."))
    report = train_discriminator(folder, examples, backend=Robotic(), candidates=1)
    assert report["metrics"]["held_out_auc"] >= 0.9 and report["metrics"]["held_out_accuracy"] >= 0.8
    discriminator = Discriminator.for_model(folder)
    human, robotic = discriminator.realism([examples[0].target]), discriminator.realism(["Buy Mug now. Buy Mug now."])
    assert human[0] > 0.5 > robotic[0]

    def read_only(self, model_path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Discriminator, "save", read_only)
    with pytest.raises(DiscriminatorError, match="Could not write discriminator.npz"):
        train_discriminator(folder, examples, backend=Robotic(), candidates=1)


def test_training_refuses_too_little_to_learn_from(trained):
    path, _, examples = trained
    with pytest.raises(DiscriminatorError, match="Too few examples"):
        train_discriminator(path, examples[:3], backend=Garbage())
    with pytest.raises(DiscriminatorError, match="0 usable generated"):
        train_discriminator(path, examples, backend=Garbage())
    with pytest.raises(DiscriminatorError, match="No model"):
        train_discriminator(path / "missing", examples, backend=Garbage())


def test_command_trains_and_explains_errors(trained, tmp_path):
    path, _, _ = trained
    with pytest.raises(CommandError, match="No model at"):
        call_command("copygen_discriminator", model=str(tmp_path / "missing"))
    with pytest.raises(CommandError, match="No model version 999"):
        call_command("copygen_discriminator", version=999)
    with pytest.raises(CommandError, match="Too few examples"):  # the catalogue is empty in this test
        call_command("copygen_discriminator", model=str(path))
    with pytest.raises(CommandError, match="--limit"):
        call_command("copygen_discriminator", model=str(path), limit=0)

    out = io.StringIO()
    call_command("copygen_discriminator", model=str(path), if_stale=True, stdout=out)
    assert "is current; nothing to do" in out.getvalue()

    folder = tmp_path / "model"
    shutil.copytree(path, folder)
    (folder / FILENAME).unlink()
    call_command("copygen_demo_catalogue", stdout=io.StringIO())
    out = io.StringIO()
    call_command("copygen_discriminator", model=str(folder), limit=20, stdout=out)
    assert "held-out accuracy" in out.getvalue() and (folder / FILENAME).is_file()
    assert Discriminator.for_model(folder).meta["examples"] == 20


def test_activation_asks_a_cpu_worker_to_retrain_after_commit(trained, tmp_path, monkeypatch, caplog,
                                                              django_capture_on_commit_callbacks):
    from copygen_oscar import tasks

    path, _, _ = trained
    version = registry.register(path)
    sent = []
    monkeypatch.setattr(tasks.train_discriminator, "apply_async", lambda **kw: sent.append(kw))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        registry.activate(version)
    assert sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(sent) == 1 and "queue" not in sent[0]  # the default (CPU) queue

    def down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.train_discriminator.app, "connection_for_write", down)
    with django_capture_on_commit_callbacks(execute=True):
        version.refresh_from_db()
        assert registry.activate(version).status == version.ACTIVE
    assert "discriminator was not retrained" in caplog.text


def test_the_task_skips_a_model_whose_discriminator_is_current(trained, settings, caplog):
    import logging

    from copygen_oscar import tasks

    path, _, _ = trained
    settings.COPYGEN_MODEL_PATH = str(path)
    with caplog.at_level(logging.INFO, logger="copygen_oscar.tasks"):
        tasks.train_discriminator()
    assert "is current" in caplog.text
    assert disc.ensure_discriminator(str(path / "missing"))["skipped"].startswith("no local model")


def test_eval_reports_realism_for_a_model_with_a_discriminator(trained, tmp_path, settings):
    import json

    path, _, _ = trained
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 1
    call_command("copygen_demo_catalogue", stdout=io.StringIO())
    out = tmp_path / "eval.json"
    call_command("copygen_eval", model=str(path), kinds="description", limit=2, json=str(out), stdout=io.StringIO())
    systems = json.loads(out.read_text())["systems"]
    assert 0 <= systems["template"]["overall"]["realism"] <= 1
    assert "realism" in systems["model"]["overall"]

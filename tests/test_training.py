import json

import pytest

from copygen_oscar.backends.transformers import TransformersBackend, fingerprint
from copygen_oscar.facts import ProductFacts
from copygen_oscar.training.data import Example, split


# The tiny model is trained from the demo catalogue in a rolled-back transaction: the test database must exist.
pytestmark = pytest.mark.django_db


def test_scratch_model_is_a_complete_local_folder(tiny_model):
    names = {p.name for p in tiny_model.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md", "training_report.json"} <= names
    report = json.loads((tiny_model / "training_report.json").read_text())
    assert report["train_pairs"] > 50 and report["validation_pairs"] > 0
    assert 0 < report["validation_loss"] < 6, "the model learned nothing"


def test_backend_generates_n_continuations_per_prompt_in_one_batch(tiny_model, settings):
    settings.COPYGEN_MODEL_PATH = str(tiny_model)
    backend = TransformersBackend()
    prompts = ["Product: Kite\nType: Sports & toys\nDescription:\n",
               "Product: A much longer title for a Cast iron casserole, navy\nType: Home & kitchen\nDescription:\n",
               "Product: Lip balm\nDescription:\n"]
    outputs = backend.generate(prompts, n=3, max_new_tokens=24)
    assert [len(o) for o in outputs] == [3, 3, 3]
    assert all(isinstance(text, str) and "Product:" not in text for o in outputs for text in o)
    info = backend.model_info()
    assert info.path == str(tiny_model) and info.fingerprint == fingerprint(tiny_model)


def test_validation_split_is_deterministic():
    examples = [Example(ProductFacts(title=f"Product {i}"), kind, f"Copy {i}") for i in range(200)
                for kind in ("description", "seo")]
    train, validation = split(examples, 0.1)
    assert split(examples, 0.1) == (train, validation)
    assert len(train) + len(validation) == 400 and 10 < len(validation) < 80
    # every kind of one product lands on the same side
    assert {e.facts.title for e in train}.isdisjoint({e.facts.title for e in validation})


def test_fluency_prefers_the_stores_own_phrasing(tiny_model, settings):
    settings.COPYGEN_MODEL_PATH = str(tiny_model)
    prompt = "Product: Kite\nType: Sports & toys\nDescription:\n"
    fluent = "[brand] made this kite from [material] for everyday use."
    scrambled = "use everyday for [material] from kite this made [brand]."
    scores = TransformersBackend().fluency(prompt, [fluent, scrambled, fluent])
    assert len(scores) == 3 and all(0 < s <= 1 for s in scores)
    assert scores[0] == scores[2] > scores[1]

import errno
import json
import shutil

import pytest

from copygen_oscar.backends.base import fluencies
from copygen_oscar.backends.transformers import TransformersBackend, fingerprint
from copygen_oscar.facts import ProductFacts
from copygen_oscar.training.data import Example, split
from copygen_oscar.training.finetune import FinetuneConfig, finetune
from copygen_oscar.training.loop import TrainingError
from copygen_oscar.training.scratch import ScratchConfig, train_from_scratch

# The tiny model is trained from the demo catalogue in a rolled-back transaction: the test database must exist.
pytestmark = pytest.mark.django_db

PAIRS = [(f"Product: {noun} {i}\nColour: {colour}\nDescription:\n", f"A {colour} {noun.lower()} for every day.")
         for i, (noun, colour) in enumerate((n, c) for n in ("Kite", "Mug", "Scarf", "Lamp", "Kettle", "Towel")
                                             for c in ("red", "navy", "sand", "grey", "white"))]


def tiny_config(**overrides):
    return ScratchConfig(**{"n_layer": 1, "n_embd": 32, "n_head": 2, "vocab_size": 300, "steps": 40,
                            "eval_every": 10, "batch_size": 8, **overrides})


def test_scratch_model_is_a_complete_local_folder(tiny_model):
    names = {p.name for p in tiny_model.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md", "training_report.json"} <= names
    report = json.loads((tiny_model / "training_report.json").read_text())
    assert report["train_pairs"] > 50 and report["validation_pairs"] > 0
    assert 0 < report["validation_loss"] < 6, "the model learned nothing"
    history = [h["validation_loss"] for h in report["history"]]
    assert history[-1] < history[0], "validation loss did not fall"
    assert "validation loss" in (tiny_model / "README.md").read_text()


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


def test_fluency_of_a_text_does_not_depend_on_the_batch_it_is_scored_in(tiny_model, settings):
    settings.COPYGEN_MODEL_PATH = str(tiny_model)
    backend = TransformersBackend()
    text = "[brand] made this kite from [material] for everyday use."
    alone = backend.fluency_many([("Product: Kite\nDescription:\n", text)])
    # a much longer prompt in the same batch pads this row on the left: its positions must not shift
    padded = backend.fluency_many([("Product: Kite\nDescription:\n", text),
                                   ("Product: A very long title for a cast iron casserole, navy, with lid\n"
                                    "Type: Home & kitchen\nCategory: Kitchen > Cookware\nDescription:\n", text)])
    assert padded[0] == alone[0]


def test_generated_texts_carry_the_fluency_a_scoring_pass_would_give(tiny_model, settings):
    settings.COPYGEN_MODEL_PATH = str(tiny_model)
    settings.COPYGEN_SEED = 3
    backend = TransformersBackend()
    prompts = ["Product: Kite\nType: Sports & toys\nDescription:\n",
               "Product: A much longer title for a Cast iron casserole, navy\nType: Home & kitchen\nDescription:\n"]
    outputs = backend.generate(prompts, n=3, max_new_tokens=40)
    pairs = [(prompt, text) for prompt, texts in zip(prompts, outputs) for text in texts if text]
    carried = [text.fluency for _, text in pairs]
    assert len(pairs) >= 4 and all(0 < value <= 1 for value in carried)
    rescored = backend.fluency_many([(prompt, str(text)) for prompt, text in pairs])
    # the same probabilities, up to texts whose decoded words tokenise differently the second time
    close = sum(abs(a - b) < 0.002 for a, b in zip(carried, rescored))
    assert close >= len(pairs) - 1, list(zip(carried, rescored))
    assert fluencies(backend, pairs) == carried  # nothing rescored when the texts carry their scores


def test_an_interrupted_run_resumes_from_its_checkpoint_to_the_same_model(tmp_path):
    train, validation = PAIRS[:24], PAIRS[24:]
    whole = train_from_scratch(train, validation, tmp_path / "whole", tiny_config(), log=lambda *_: None)

    def stop_after_first_checkpoint(line):
        if line.startswith("step 30/"):  # logged before its checkpoint: the last one saved is step 20
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_from_scratch(train, validation, tmp_path / "resumed", tiny_config(),
                           checkpoint_dir=tmp_path / "ckpt", log=stop_after_first_checkpoint)
    assert not (tmp_path / "resumed").exists() and (tmp_path / "ckpt" / "trainer_state.pt").is_file()
    lines = []
    resumed = train_from_scratch(train, validation, tmp_path / "resumed", tiny_config(),
                                 checkpoint_dir=tmp_path / "ckpt", log=lines.append)
    assert lines[0].startswith("Resumed from step 20")
    assert resumed["validation_loss"] == pytest.approx(whole["validation_loss"], abs=1e-4)
    assert [h["step"] for h in resumed["history"]] == [10, 20, 30, 40]

    with pytest.raises(TrainingError, match="other options"):
        train_from_scratch(train, validation, tmp_path / "other", tiny_config(learning_rate=0.1),
                           checkpoint_dir=tmp_path / "ckpt", log=lambda *_: None)


def test_a_run_that_stops_improving_stops_early(tmp_path):
    report = train_from_scratch(PAIRS[:24], PAIRS[24:], tmp_path / "m", tiny_config(learning_rate=0.0, patience=2),
                                log=lambda *_: None)
    assert report["stopped_early"] and report["steps"] == 30 and report["best_step"] == 10


def test_a_full_disk_leaves_no_half_written_model(tmp_path, monkeypatch):
    from transformers import GPT2LMHeadModel

    def no_space(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(GPT2LMHeadModel, "save_pretrained", no_space)
    with pytest.raises(TrainingError, match="No space left on device"):
        train_from_scratch(PAIRS[:24], PAIRS[24:], tmp_path / "model", tiny_config(steps=10), log=lambda *_: None)
    assert list(tmp_path.iterdir()) == []


def test_lora_fine_tune_of_a_local_model_lowers_its_loss_and_reloads(tiny_model, tmp_path):
    train, validation = PAIRS[:24], PAIRS[24:]
    config = FinetuneConfig(lora=True, steps=30, eval_every=10, batch_size=8, learning_rate=5e-3)
    report = finetune(tiny_model, train, validation, tmp_path / "tuned", config, fp16=True, log=lambda *_: None)
    assert report["trainer"] == "lora" and 0 < report["trainable_parameters"] < report["parameters"] / 2
    losses = [h["validation_loss"] for h in report["history"]]
    assert losses[-1] < losses[0]
    assert (tmp_path / "tuned" / "model.safetensors").stat().st_size < (tiny_model / "model.safetensors").stat().st_size
    outputs = TransformersBackend(path=tmp_path / "tuned").generate([PAIRS[0][0]], n=2, max_new_tokens=8)
    assert len(outputs[0]) == 2


def test_fine_tuning_something_that_is_not_a_causal_lm_says_so(tmp_path):
    from transformers import T5Config

    T5Config(vocab_size=50, d_model=16, num_layers=1, num_heads=2, d_ff=16).save_pretrained(tmp_path / "t5")
    with pytest.raises(TrainingError, match="'t5' model, not a causal language model"):
        finetune(tmp_path / "t5", PAIRS, PAIRS, tmp_path / "out", log=lambda *_: None)
    with pytest.raises(TrainingError, match="config.json missing"):
        finetune(tmp_path / "nowhere", PAIRS, PAIRS, tmp_path / "out", log=lambda *_: None)


def test_an_existing_model_folder_is_not_overwritten_by_accident(tiny_model, tmp_path):
    target = tmp_path / "model"
    shutil.copytree(tiny_model, target)
    before = fingerprint(target)
    with pytest.raises(TrainingError, match="already holds a model"):
        train_from_scratch(PAIRS[:24], PAIRS[24:], target, tiny_config(steps=10), log=lambda *_: None)
    assert fingerprint(target) == before


def test_a_time_budget_ends_training_with_a_validation_pass(tmp_path):
    report = train_from_scratch(PAIRS[:24], PAIRS[24:], tmp_path / "m",
                                tiny_config(steps=100_000, eval_every=100_000, max_seconds=1.0), log=lambda *_: None)
    assert report["out_of_time"] and 0 < report["steps"] < 100_000
    assert report["history"][-1]["step"] == report["steps"] and report["validation_loss"] > 0

"""Tuning the generator on the store's conversions with KTO (TRL), the result registered as a candidate version.

KTO rather than DPO: the decision log says of each variant whether it did better or worse than the other copy of its
product, not which of two texts won a head-to-head, so unpaired good/bad labels are the evidence there is.
(``Preferences.dpo`` has the pairs for a store that wants DPO.)

The tuned model is never served by this module: it is written as its own folder, scored against the base on
held-out variants (and on the training issue's evaluation when the store has human copy to score against), and
registered as a candidate; a rule or a person activates it.
"""

import copy
import hashlib
import math
import os
import random
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..training.folder import write_model_folder
from ..training.loop import TrainingError


@dataclass
class KTOTuneConfig:
    steps: int = 0  # optimiser steps (0: `epochs` passes over the training rows)
    epochs: float = 3.0
    batch_size: int = 8  # KTO estimates its KL term within a batch: at least 2
    learning_rate: float = 5e-5  # TRL's 1e-6 is for billion-parameter models; a few-million one needs more
    beta: float = 0.1  # how far the tuned model may move from the base (higher: less)
    lora: bool | None = None  # None: LoRA when the base has more than `lora_above` parameters
    lora_above: int = 50_000_000
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    max_length: int = 512  # tokens of prompt + completion
    holdout: float = 0.2  # share of the labelled variants kept out of training to check the tune on
    eval_examples: int = 8  # held-out store examples the training issue's evaluation scores (0: skip it)
    seed: int = 13


def tune_generator(base_path, data, output, config=None, *, log=print):
    """KTO-tune the model in ``base_path`` on ``data`` (``Preferences``), write it to ``output``, register it as a
    candidate. Returns the report (also ``training_report.json`` in the folder) with ``version``: the new version id."""
    from ..backends.transformers import fingerprint
    from ..registry import ModelVersion, RegistryError, check_model_folder, register
    from ..training.evaluate import _trained_with_slots

    config = config or KTOTuneConfig()
    base_path = os.fspath(base_path)
    try:
        check_model_folder(base_path)
    except RegistryError as exc:
        raise TrainingError(f"Cannot tune {base_path}: {exc}") from exc
    train, held_out = split_rows(data.rows, config.holdout)
    labels = [row["label"] for row in train]
    if all(labels) or not any(labels):
        raise TrainingError(f"KTO needs good and bad rows to train on; got {sum(labels)} good of {len(labels)}")
    model, tokenizer, lora, device, stored_fp16 = _load(base_path, config)
    parameters = sum(p.numel() for p in model.parameters())

    started = time.monotonic()
    before = completion_logprobs(model, tokenizer, held_out)
    with tempfile.TemporaryDirectory(prefix="copygen-kto-") as scratch:  # the Trainer wants an output_dir
        trainer = _trainer(model, tokenizer, train, config, scratch, lora=lora, cuda=device == "cuda")
        trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
        result = trainer.train()
    tuned = trainer.model.merge_and_unload() if lora else trainer.model
    after = completion_logprobs(tuned, tokenizer, held_out)
    seconds = round(time.monotonic() - started, 1)
    log(f"KTO: {result.global_step} steps on {len(train)} rows in {seconds} s, train loss {result.training_loss:.4f}")

    held = held_out_scores(held_out, before, after)
    base_fp = fingerprint(base_path)
    base_version = ModelVersion.objects.filter(path=str(Path(base_path).resolve()), fingerprint=base_fp).first()
    good = sum(1 for row in data.rows if row["label"])
    summary = {"method": "kto-lora" if lora else "kto", "rows": len(data.rows), "good": good,
               "bad": len(data.rows) - good, "train_rows": len(train), "held_out_rows": len(held_out),
               "steps": result.global_step, "base_model": base_path, "base_fingerprint": base_fp,
               "base_version": base_version.pk if base_version else None, "data_digest": data.digest(),
               "config": asdict(config), "seconds": seconds}
    # The keys training/folder.py's model card reads, beside the KTO figures.
    report = {
        **summary, "trainer": summary["method"], "parameters": parameters, "trainable_parameters": trainable,
        "data": {"source": "the store's conversions (copygen decision log)", "kinds": data.summary.get("kinds", []),
                 "slots": _trained_with_slots(base_path), "products": data.summary.get("products")},
        "train_pairs": len(train), "validation_pairs": len(held_out), "stopped_early": False,
        "best_step": result.global_step, "device": device,
        "kto": {"train_loss": round(result.training_loss, 4), **_last_logged(trainer.state.log_history)},
        "held_out": held,
    }
    title = (f"copygen-oscar: KTO tune of base model {Path(base_path).name} ({base_fp[:8]}) on {len(data.rows)} "
             f"labelled variants of the store's own copy")
    write_model_folder(tuned.to("cpu"), tokenizer, output, report, title=title, fp16=stored_fp16)
    del trainer, tuned, model

    metrics = {"kto_train_loss": report["kto"]["train_loss"],
               **{f"held_out_{key}": value for key, value in held.items() if isinstance(value, (int, float))}}
    if config.eval_examples:
        evaluation = evaluate_tune(base_path, output, data.summary.get("kinds", []), config)
        if evaluation:
            metrics["eval"] = evaluation
    version = register(output, name=f"kto-{Path(output).name}", base_model=base_path, metrics=metrics,
                       training_summary=summary)
    report["version"] = version.pk
    return report


def _load(base_path, config):
    """(model, tokenizer, lora?, device, whether the base is stored in float16) for tuning.

    fp32 weights on CPU (fp16 there is slow and rounds small updates away); bf16 only under LoRA on a GPU with it.
    """
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_path, local_files_only=True)  # nosec B615  # local folder only
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    stored_fp16 = str(AutoConfig.from_pretrained(base_path, local_files_only=True).dtype).endswith("float16")  # nosec B615  # local folder only
    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32, local_files_only=True)  # nosec B615  # local folder only
    parameters = sum(p.numel() for p in model.parameters())
    lora = parameters > config.lora_above if config.lora is None else config.lora
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if lora and device == "cuda" and torch.cuda.is_bf16_supported():
        model = model.to(torch.bfloat16)
    return model.to(device), tokenizer, lora, device, stored_fp16


def split_rows(rows, share):
    """``share`` of the good and of the bad rows held out (at least one of each label that has two), chosen by a
    hash of the variant id: a rerun on the same log holds out the same copy, and both labels are always checked."""
    train, held_out = [], []
    for label in (True, False):
        labelled = sorted((r for r in rows if r["label"] == label),
                          key=lambda r: hashlib.sha256(str(r["variant"]).encode()).hexdigest())
        keep = max(1, round(share * len(labelled))) if share > 0 and len(labelled) >= 2 else 0
        held_out += labelled[:keep]
        train += labelled[keep:]
    return train, held_out


def _trainer(model, tokenizer, rows, config, output_dir, *, lora, cuda):
    import torch
    from datasets import Dataset
    from datasets.utils.logging import disable_progress_bar, enable_progress_bar, is_progress_bar_enabled
    from transformers import PrinterCallback
    from trl import KTOConfig, KTOTrainer

    # KTO's KL estimate pairs each prompt with its batch neighbour's completion, and TRL reads the data in order:
    # shuffled once (seeded), batches mix products and labels.
    rows = [{"prompt": r["prompt"], "completion": r["completion"], "label": r["label"]} for r in rows]
    random.Random(config.seed).shuffle(rows)
    good = sum(r["label"] for r in rows)
    bad = len(rows) - good
    args = KTOConfig(
        output_dir=output_dir, max_steps=config.steps or -1, num_train_epochs=config.epochs,
        per_device_train_batch_size=max(2, min(config.batch_size, len(rows))), learning_rate=config.learning_rate,
        beta=config.beta, max_length=config.max_length, seed=config.seed,
        # The rarer label weighs more, in the range the KTO paper recommends (TRL warns outside it).
        desirable_weight=max(1.0, bad / good), undesirable_weight=max(1.0, good / bad),
        bf16=next(model.parameters()).dtype == torch.bfloat16, use_cpu=not cuda, report_to=[], save_strategy="no",
        logging_steps=max(1, (config.steps or 10) // 10), disable_tqdm=True,
        activation_checkpointing=lora,  # memory for large models; only slows a small one down
    )
    kwargs = {"peft_config": _lora_config(model, config)} if lora else {"ref_model": copy.deepcopy(model)}
    bars = is_progress_bar_enabled()
    disable_progress_bar()  # the dataset's preprocessing bars are noise in a worker's log
    try:
        trainer = KTOTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows),
                             processing_class=tokenizer, **kwargs)
    finally:
        if bars:
            enable_progress_bar()
    trainer.remove_callback(PrinterCallback)  # it prints every logging step; the figures go into the report
    return trainer


def _lora_config(model, config):
    from peft import LoraConfig

    # GPT-2 keeps its projections in Conv1D layers, whose weights are stored transposed.
    gpt2 = model.config.model_type == "gpt2"
    return LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=["c_attn", "c_proj"] if gpt2 else "all-linear", fan_in_fan_out=gpt2,
                      task_type="CAUSAL_LM")


def _last_logged(history):
    """The KTO figures of the last logging step (rewards, KL, margins), for the report."""
    logged = [entry for entry in history if "loss" in entry]
    if not logged:
        return {}
    return {key: round(value, 4) for key, value in logged[-1].items()
            if isinstance(value, float) and key.startswith(("rewards/", "kl", "logps/")) and math.isfinite(value)}


def completion_logprobs(model, tokenizer, rows, batch_size=16):
    """Mean log-probability per token of each row's completion (and end of text) after its prompt.

    Per token, so longer copy is not penalised for its length; prompt and completion are tokenized apart and
    joined, as the training loop and serving's fluency score do.
    """
    import torch

    from ..training.loop import collate

    limit = getattr(model.config, "n_positions", None) or getattr(model.config, "max_position_embeddings", 0) or 1024
    encoded = []
    for row in rows:
        p_ids = tokenizer(row["prompt"], add_special_tokens=False)["input_ids"]
        c_ids = tokenizer(row["completion"], add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        encoded.append(((p_ids + c_ids)[:limit], ([-100] * len(p_ids) + c_ids)[:limit]))
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    scores = []
    with torch.inference_mode():
        for start in range(0, len(encoded), batch_size):
            batch = collate(encoded[start : start + batch_size], tokenizer.pad_token_id, device)
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits.float()
            targets = batch["labels"][:, 1:]
            mask = targets != -100
            logprobs = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, targets.clamp(min=0).unsqueeze(-1))
            means = (logprobs.squeeze(-1) * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
            scores += means.tolist()
    model.train(was_training)
    return scores


def held_out_scores(rows, before, after):
    """How the tune moved held-out copy, relative to the base: the implicit reward is the change in log-probability.

    ``reward_accuracy``: share of held-out rows moved the right way (good up, bad down); ``margin_gain``: how much
    more the tuned model prefers good over bad copy than the base did (mean change on good minus on bad, in nats
    per token); None without rows of both labels.
    """
    deltas = [(row["label"], a - b) for row, a, b in zip(rows, after, before)]
    good = [d for label, d in deltas if label]
    bad = [d for label, d in deltas if not label]
    right = sum(1 for label, d in deltas if (d > 0) == label)
    return {"rows": len(deltas), "good": len(good), "bad": len(bad),
            "reward_accuracy": round(right / len(deltas), 4) if deltas else None,
            "margin_gain": round(sum(good) / len(good) - sum(bad) / len(bad), 5) if good and bad else None}


def evaluate_tune(base_path, tuned_path, kinds, config):
    """The training issue's evaluation of the tuned model beside its base, on a few held-out store examples, in the
    shape ``copygen_eval`` stores (``metrics["eval"]``); None when the store has no human copy of these kinds, and
    ``{"error": ...}`` when a model could not be scored."""
    from django.test.utils import override_settings

    from ..backends.base import BackendError
    from ..backends.transformers import TransformersBackend
    from ..training.data import split, store_examples
    from ..training.evaluate import EvaluationError, GuardContext, evaluate, examples_digest

    examples = store_examples(kinds=kinds or ("description",))
    held_out = split(examples, 0.1)[1][: config.eval_examples]
    if not held_out:
        return None
    context = GuardContext.from_store()
    systems = {}
    try:
        with override_settings(COPYGEN_SEED=config.seed):
            for name, path in (("model", tuned_path), ("base", base_path)):
                systems[name] = evaluate(TransformersBackend(path=os.fspath(path)), held_out, n=1, candidates=2,
                                         context=context, name=name)
    except (BackendError, EvaluationError) as exc:  # the tune stands; a person sees why it was not scored
        return {"error": str(exc)}
    return {"model": {"path": os.fspath(tuned_path), "base": os.fspath(base_path)},
            "held_out": {"source": "store catalogue", "examples": len(held_out), "of": len(examples),
                         "kinds": sorted({e.kind for e in held_out}), "digest": examples_digest(held_out)},
            "settings": {"seed": config.seed, "variants": 1, "candidates": 2},
            "systems": systems}

"""The training loop both trainers share: seeded batches, validation, early stopping, resumable checkpoints.

A store trains on whatever machine it has; a run that is interrupted (a laptop lid, a pre-empted GPU) continues
from its last checkpoint with the same result it would have had, and a run that stops improving stops.
"""

import json
import math
import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path


class TrainingError(RuntimeError):
    """Training cannot go on (bad data, a model that is not a causal LM, a full disk); the message says why."""


@dataclass
class TrainingConfig:
    steps: int = 300  # optimiser steps at most
    batch_size: int = 16
    learning_rate: float = 2e-3
    warmup_steps: int = 30
    eval_every: int = 100  # steps between validation passes (and checkpoints)
    patience: int = 3  # validation passes without improvement before stopping early
    max_length: int = 512  # tokens of prompt + target kept
    max_seconds: float = 0  # wall-clock budget of the steps (0: none); a validation pass follows the last step
    validation_limit: int = 400  # held-out pairs scored per validation pass (a fixed sample: comparable passes)
    seed: int = 13


def format_prompt(tokenizer, prompt):
    """The prompt as the backend sends it: through the chat template when the tokenizer has one."""
    from ..backends.transformers import format_prompt as backend_format

    return backend_format(tokenizer, prompt)


def encode(tokenizer, pairs, max_length):
    """Token ids with labels on the target only: the model learns to write copy, not to repeat facts."""
    rows = []
    for prompt, target in pairs:
        p_ids = tokenizer(format_prompt(tokenizer, prompt), add_special_tokens=False)["input_ids"]
        t_ids = tokenizer(target, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        ids = (p_ids + t_ids)[:max_length]
        labels = ([-100] * len(p_ids) + t_ids)[:max_length]
        if any(label != -100 for label in labels):
            rows.append((ids, labels))
    return rows


def collate(rows, pad_id, device="cpu"):
    import torch

    width = max(len(ids) for ids, _ in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (ids, lab) in enumerate(rows):
        input_ids[i, : len(ids)] = torch.tensor(ids)
        labels[i, : len(lab)] = torch.tensor(lab)
        mask[i, : len(ids)] = 1
    return {"input_ids": input_ids.to(device), "labels": labels.to(device), "attention_mask": mask.to(device)}


def mean_loss(model, rows, pad_id, batch_size, device="cpu"):
    """Mean per-sequence loss over ``rows`` (the validation loss; exp() of it is the perplexity)."""
    import torch

    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.inference_mode():
        for i in range(0, len(rows), batch_size):
            chunk = rows[i : i + batch_size]
            total += model(**collate(chunk, pad_id, device)).loss.item() * len(chunk)
            count += len(chunk)
    model.train(was_training)
    return total / max(count, 1)


def _device():
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _save_checkpoint(path, state):
    """Write then rename: a crash while writing leaves the previous checkpoint whole."""
    import torch

    tmp = path.with_suffix(".tmp")
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise TrainingError(f"Could not write the checkpoint {path}: {exc.strerror or exc}") from exc


def _similar_lengths(rng, rows, size):
    """A random batch of rows of similar length: padding to the longest row is wasted work on a CPU.

    A random anchor row picks the length; the batch is the rows nearest that length among a random pool. Every row
    can still be drawn, and the draw only uses ``rng``, so a resumed run draws the same batches.
    """
    pool = rng.sample(rows, min(len(rows), size * 8))
    anchor = len(pool[0][0])
    return sorted(pool, key=lambda row: abs(len(row[0]) - anchor))[:size]


def fit(model, tokenizer, train_pairs, validation_pairs, config, checkpoint_dir=None, log=print):
    """Train ``model`` in place; return the history. With ``checkpoint_dir`` an interrupted run resumes there."""
    import torch

    if not train_pairs:
        raise TrainingError("No training pairs: nothing to learn from")
    device = _device()
    model.to(device)
    train_rows = encode(tokenizer, train_pairs, config.max_length)
    validation_rows = encode(tokenizer, validation_pairs, config.max_length)
    validation_rows = random.Random(config.seed).sample(validation_rows, min(len(validation_rows),
                                                                            config.validation_limit))
    if not train_rows:
        raise TrainingError(f"Every training pair is longer than max_length={config.max_length} tokens of prompt")
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.01)

    def lr_at(step):
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    state = {"step": 0, "best_loss": math.inf, "best_step": 0, "bad_evals": 0, "history": [], "best_model": None}

    checkpoint = Path(checkpoint_dir) / "trainer_state.pt" if checkpoint_dir else None
    if checkpoint and checkpoint.is_file():
        saved = torch.load(checkpoint, map_location=device, weights_only=True)
        if saved["config"] != asdict(config):
            raise TrainingError(f"The checkpoint in {checkpoint_dir} was made with other options "
                                f"({json.dumps(saved['config'])}); use the same options or delete the folder")
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        rng.setstate(saved["rng"])
        torch.set_rng_state(saved["torch_rng"])
        state = saved["state"]
        log(f"Resumed from step {state['step']} (best validation loss {state['best_loss']:.3f})")

    def evaluate_and_checkpoint(step):
        loss = mean_loss(model, validation_rows, tokenizer.pad_token_id, config.batch_size, device) \
            if validation_rows else math.nan
        state["history"].append({"step": step, "validation_loss": round(loss, 4)})
        if not validation_rows or loss < state["best_loss"] - 1e-4:
            state.update(best_loss=loss, best_step=step, bad_evals=0,
                         best_model={k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()})
        else:
            state["bad_evals"] += 1
        log(f"step {step}/{config.steps}: validation loss {loss:.3f} (best {state['best_loss']:.3f} "
            f"at step {state['best_step']})")
        if checkpoint:
            _save_checkpoint(checkpoint, {
                "config": asdict(config), "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "rng": rng.getstate(), "torch_rng": torch.get_rng_state(),
                "state": state,
            })

    from tqdm.auto import tqdm

    started = time.monotonic()
    model.train()
    stopped_early = out_of_time = False
    bar = tqdm(total=config.steps, initial=state["step"], desc="training", unit="step", file=sys.stderr,
               disable=None, leave=False)
    while state["step"] < config.steps:
        chunk = _similar_lengths(rng, train_rows, config.batch_size)
        loss = model(**collate(chunk, tokenizer.pad_token_id, device)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        state["step"] += 1
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}")
        out_of_time = config.max_seconds and time.monotonic() - started > config.max_seconds
        if state["step"] % config.eval_every == 0 or state["step"] == config.steps or out_of_time:
            evaluate_and_checkpoint(state["step"])
            if out_of_time:
                log(f"Stopping at step {state['step']}: the {config.max_seconds:.0f} s budget is spent")
                break
            if state["bad_evals"] >= config.patience:
                stopped_early = True
                log(f"Stopping early: no improvement in {config.patience} validation passes")
                break
    bar.close()
    if state["best_model"] is not None:
        model.load_state_dict({k: v.to(device) for k, v in state["best_model"].items()})
    return {
        "steps": state["step"],
        "stopped_early": stopped_early,
        "out_of_time": bool(out_of_time),
        "best_step": state["best_step"],
        "validation_loss": round(state["best_loss"], 4) if validation_rows else None,
        "validation_perplexity": round(math.exp(min(state["best_loss"], 50)), 3) if validation_rows else None,
        "history": state["history"],
        "train_pairs": len(train_rows),
        "validation_pairs": len(validation_pairs),
        "validation_scored": len(validation_rows),
        "seconds": round(time.monotonic() - started, 1),
        "device": device,
    }

"""A small GPT-2-style model trained from nothing on the store's own copy: the offline default generator.

Everything is local: the tokenizer is learned from the same texts with ``tokenizers``, the model is a fresh
``GPT2LMHeadModel``, and the result is an ordinary ``transformers`` folder that the backend loads like any other.
"""

import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

EOS, PAD = "<|endoftext|>", "<|pad|>"


@dataclass
class ScratchConfig:
    vocab_size: int = 2000
    n_layer: int = 3
    n_embd: int = 128
    n_head: int = 4
    n_positions: int = 512
    steps: int = 300
    batch_size: int = 16
    learning_rate: float = 2e-3
    warmup_steps: int = 30
    seed: int = 13


def build_tokenizer(texts, vocab_size):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=[EOS, PAD], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token=EOS, bos_token=EOS, pad_token=PAD,
                                   unk_token=EOS)


def _encode(tokenizer, pairs, max_len):
    """Token ids with labels on the target only: the model learns to write copy, not to repeat facts."""
    rows = []
    for prompt, target in pairs:
        p_ids = tokenizer(prompt)["input_ids"]
        t_ids = tokenizer(target)["input_ids"] + [tokenizer.eos_token_id]
        ids = (p_ids + t_ids)[:max_len]
        labels = ([-100] * len(p_ids) + t_ids)[:max_len]
        rows.append((ids, labels))
    return rows


def _batch(rows, pad_id):
    import torch

    width = max(len(ids) for ids, _ in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (ids, lab) in enumerate(rows):
        input_ids[i, : len(ids)] = torch.tensor(ids)
        labels[i, : len(lab)] = torch.tensor(lab)
        mask[i, : len(ids)] = 1
    return {"input_ids": input_ids, "labels": labels, "attention_mask": mask}


def _loss(model, rows, pad_id, batch_size):
    import torch

    model.eval()
    total, count = 0.0, 0
    with torch.inference_mode():
        for i in range(0, len(rows), batch_size):
            chunk = rows[i : i + batch_size]
            total += model(**_batch(chunk, pad_id)).loss.item() * len(chunk)
            count += len(chunk)
    model.train()
    return total / max(count, 1)


def train_from_scratch(train, validation, output_dir, config=None, log=print):
    """Train, evaluate on the held-out split, write a model folder with a model card. Returns the report."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    config = config or ScratchConfig()
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    tokenizer = build_tokenizer([p + t for p, t in train + validation], config.vocab_size)
    model_config = GPT2Config(
        vocab_size=len(tokenizer), n_positions=config.n_positions, n_embd=config.n_embd, n_layer=config.n_layer,
        n_head=config.n_head, bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, loss_type="ForCausalLM",
    )
    model = GPT2LMHeadModel(model_config)
    train_rows = _encode(tokenizer, train, config.n_positions)
    validation_rows = _encode(tokenizer, validation, config.n_positions)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)

    def lr_at(step):
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
        return 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)
    rng = random.Random(config.seed)
    model.train()
    started = time.monotonic()
    for step in range(config.steps):
        chunk = rng.sample(train_rows, min(config.batch_size, len(train_rows)))
        loss = model(**_batch(chunk, tokenizer.pad_token_id)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        if step % 100 == 0 or step == config.steps - 1:
            log(f"step {step + 1}/{config.steps} loss {loss.item():.3f}")
    validation_loss = _loss(model, validation_rows, tokenizer.pad_token_id, config.batch_size)

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    report = {
        "trainer": "scratch-gpt2",
        "config": asdict(config),
        "train_pairs": len(train),
        "validation_pairs": len(validation),
        "validation_loss": validation_loss,
        "validation_perplexity": math.exp(min(validation_loss, 50)),
        "parameters": sum(p.numel() for p in model.parameters()),
        "seconds": round(time.monotonic() - started, 1),
    }
    (out / "training_report.json").write_text(json.dumps(report, indent=2))
    (out / "README.md").write_text(
        "# copygen-oscar scratch model\n\n"
        "A GPT-2-style causal LM trained from scratch by `manage.py copygen_train` on the store's own\n"
        f"human-written product descriptions ({len(train)} training pairs, {len(validation)} held out).\n\n"
        f"- parameters: {report['parameters']:,}\n"
        f"- validation loss: {validation_loss:.3f} (perplexity {report['validation_perplexity']:.1f})\n"
        f"- config: `{json.dumps(asdict(config))}`\n"
    )
    return report

"""A small GPT-2-style model trained from nothing on the store's own copy: the offline default generator.

Everything is local: the tokenizer is learned from the same texts with ``tokenizers``, the model is a fresh
``GPT2LMHeadModel``, and the result is an ordinary ``transformers`` folder that the backend loads like any other.
"""

from dataclasses import asdict, dataclass
from pathlib import Path

from .folder import write_model_folder
from .loop import TrainingConfig, fit

EOS, PAD = "<|endoftext|>", "<|pad|>"


@dataclass
class ScratchConfig(TrainingConfig):
    vocab_size: int = 2000
    n_layer: int = 3
    n_embd: int = 128
    n_head: int = 4
    n_positions: int = 512


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


def train_from_scratch(train, validation, output_dir, config=None, *, data=None, checkpoint_dir=None,
                       overwrite=False, fp16=False, log=print):
    """Train on (prompt, target) pairs, keep the best validation state, write the model folder. Returns the report.

    ``checkpoint_dir`` makes the run resumable: the tokenizer and the trainer state live there until it finishes.
    """
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    config = config or ScratchConfig()
    torch.manual_seed(config.seed)
    saved_tokenizer = Path(checkpoint_dir, "tokenizer") if checkpoint_dir else None
    if saved_tokenizer and (saved_tokenizer / "tokenizer.json").is_file():
        tokenizer = PreTrainedTokenizerFast.from_pretrained(saved_tokenizer, local_files_only=True)  # nosec B615  # local folder only
    else:
        tokenizer = build_tokenizer([p + t for p, t in train + validation], config.vocab_size)
        if saved_tokenizer:
            tokenizer.save_pretrained(saved_tokenizer)
    model = GPT2LMHeadModel(GPT2Config(
        vocab_size=len(tokenizer), n_positions=config.n_positions, n_embd=config.n_embd, n_layer=config.n_layer,
        n_head=config.n_head, bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, loss_type="ForCausalLM",
        # GPT-2's tanh GELU as one fused kernel: the same function as "gelu_new", a third faster on CPU.
        activation_function="gelu_pytorch_tanh",
    ))
    history = fit(model, tokenizer, train, validation, config, checkpoint_dir=checkpoint_dir, log=log)
    report = {"trainer": "scratch-gpt2", "config": asdict(config), "data": data or {},
              "parameters": sum(p.numel() for p in model.parameters()), **history}
    write_model_folder(model.to("cpu"), tokenizer, output_dir, report, overwrite=overwrite, fp16=fp16,
                       title="copygen-oscar scratch model")
    return report

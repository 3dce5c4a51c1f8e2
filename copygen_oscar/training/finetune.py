"""Fine-tuning any causal LM from a local folder on the store's copy, fully or with LoRA adapters (``peft``).

A store with a GPU and a good open model gets its own voice without training from nothing. LoRA trains a few
adapter matrices instead of every weight, so models too big to tune fully still fit; the adapters are merged
back before saving, so the backend serves the result like any other model folder.
"""

import os
from dataclasses import asdict, dataclass, field

from .folder import write_model_folder
from .loop import TrainingConfig, TrainingError, fit


@dataclass
class FinetuneConfig(TrainingConfig):
    learning_rate: float = 5e-4
    lora: bool = False
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    lora_target_modules: list = field(default_factory=list)  # empty: every linear layer ("all-linear")


def load_causal_lm(base):
    """Model and tokenizer from a local folder, or a clear error saying why it is not usable."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ..registry import RegistryError, check_model_folder

    base = os.fspath(base)
    try:
        check_model_folder(base)
    except RegistryError as exc:
        raise TrainingError(f"Cannot fine-tune {base}: {exc}") from exc
    try:
        model = AutoModelForCausalLM.from_pretrained(base, local_files_only=True)  # nosec B615  # local folder only
    except Exception as exc:  # noqa: BLE001
        raise TrainingError(f"Could not load the model in {base}: {exc}") from exc
    try:
        tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)  # nosec B615  # local folder only
    except Exception as exc:  # noqa: BLE001
        raise TrainingError(f"Could not load the tokenizer in {base}: {exc}") from exc
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def _with_lora(model, config):
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as exc:
        raise TrainingError("LoRA needs peft (a dependency of copygen-oscar): pip install peft") from exc
    targets = config.lora_target_modules or "all-linear"
    # GPT-2 keeps its projections in Conv1D layers, whose weights are stored transposed.
    fan_in_fan_out = model.config.model_type == "gpt2"
    if fan_in_fan_out and not config.lora_target_modules:
        targets = ["c_attn", "c_proj", "c_fc"]
    lora = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=targets, fan_in_fan_out=fan_in_fan_out, task_type="CAUSAL_LM")
    return get_peft_model(model, lora)


def finetune(base, train, validation, output_dir, config=None, *, data=None, checkpoint_dir=None, overwrite=False,
             fp16=False, log=print):
    """Tune the model in ``base`` on (prompt, target) pairs and write the result to ``output_dir``."""
    config = config or FinetuneConfig()
    model, tokenizer = load_causal_lm(base)
    parameters = sum(p.numel() for p in model.parameters())
    if config.lora:
        model = _with_lora(model, config)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    history = fit(model, tokenizer, train, validation, config, checkpoint_dir=checkpoint_dir, log=log)
    if config.lora:
        model = model.merge_and_unload()
    report = {"trainer": "lora" if config.lora else "full-finetune", "base_model": os.fspath(base),
              "config": asdict(config), "data": data or {}, "parameters": parameters,
              "trainable_parameters": trainable, **history}
    write_model_folder(model.to("cpu"), tokenizer, output_dir, report, overwrite=overwrite, fp16=fp16,
                       title="copygen-oscar fine-tuned model")
    return report

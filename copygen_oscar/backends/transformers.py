"""In-process causal LM through ``transformers``: CPU or CUDA, batched, loaded once per worker process."""

import contextlib
import hashlib
import logging
import math
import os
import threading
from pathlib import Path

from .. import app_settings
from .base import BackendError, GeneratedText, GenerationBackend, ModelInfo
from .decoding import sample

logger = logging.getLogger(__name__)


def fingerprint(path):
    """Content hash of a model folder's weights and config, so a retrained folder is a new version."""
    digest = hashlib.sha256()
    folder = Path(path)
    for name in sorted(p.name for p in folder.iterdir() if p.suffix in {".safetensors", ".json"}):
        with open(folder / name, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _cuda_errors_are_fatal():
    """A CUDA error poisons the process's context: it is the backend's failure, not one prompt's."""
    try:
        yield
    except RuntimeError as exc:
        if "CUDA" in str(exc):
            raise BackendError(f"CUDA failure, restart this worker: {exc}") from exc
        raise


def format_prompt(tokenizer, prompt):
    """Instruction-tuned models get the prompt through their chat template; base models get it as it is."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )
    return prompt


class TransformersBackend(GenerationBackend):
    def __init__(self, path=None):
        self.path = path  # a fixed model folder (evaluation); None serves the active registry version
        self._lock = threading.Lock()
        self._loaded = None  # (path, mtime, model, tokenizer, info, device)
        self.generated_tokens = 0  # new tokens written since start, padding excluded (for throughput figures)

    def _model_path(self):
        from ..registry import serving_path

        path = self.path or serving_path()
        if not path:
            raise BackendError("No model to serve: activate a trained version (manage.py copygen_train, then "
                               "copygen_models activate) or set COPYGEN_MODEL_PATH")
        path = os.fspath(path)
        if not os.path.isfile(os.path.join(path, "config.json")):
            raise BackendError(f"No model at {path} (config.json missing): train one with manage.py copygen_train")
        return path

    def _load(self):
        """Load lazily, and again when the folder changes on disk, checked between batches."""
        path = self._model_path()
        mtime = max(p.stat().st_mtime_ns for p in Path(path).iterdir())
        with self._lock:
            if self._loaded and self._loaded[:2] == (path, mtime):
                return self._loaded
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            device = app_settings.COPYGEN_DEVICE
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            dtype = torch.float32
            if device.startswith("cuda") and torch.cuda.is_bf16_supported():
                dtype = torch.bfloat16
            try:
                tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)  # nosec B615  # local folder only
                model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype, local_files_only=True).to(device)  # nosec B615  # local folder only
            except Exception as exc:  # noqa: BLE001  (any load failure is a backend failure with its reason)
                raise BackendError(f"Could not load the model at {path}: {exc}") from exc
            model.eval()
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token
            tokenizer.padding_side = "left"  # decoder-only batches are padded on the left
            info = ModelInfo(
                name=Path(path).name,
                path=path,
                fingerprint=fingerprint(path),
                base_model=getattr(model.config, "_name_or_path", "") or "",
            )
            logger.info("Loaded model %s on %s (%s)", path, device, dtype)
            self._loaded = (path, mtime, model, tokenizer, info, device)
            return self._loaded

    def model_info(self):
        return self._load()[4]

    def generate(self, prompts, *, n, max_new_tokens):
        import torch

        _, _, model, tokenizer, _, device = self._load()
        texts = [format_prompt(tokenizer, p) for p in prompts]
        batch = tokenizer(texts, return_tensors="pt", padding=True).to(device)
        max_positions = getattr(model.config, "n_positions", None) or getattr(model.config, "max_position_embeddings", 0)
        if max_positions:
            lengths = batch["attention_mask"].sum(dim=1).tolist()
            too_long = [i for i, n_tokens in enumerate(lengths) if n_tokens + max_new_tokens > max_positions]
            if too_long:
                # One prompt's problem: the caller retries the batch one prompt at a time, and only this one fails.
                raise ValueError(f"prompt of {max(lengths)} tokens leaves no room for {max_new_tokens} new tokens "
                                 f"in the model's context of {max_positions}")
        if app_settings.COPYGEN_SEED is not None:
            torch.manual_seed(int(app_settings.COPYGEN_SEED))
        eos_ids = {tokenizer.eos_token_id}
        configured = getattr(model.generation_config, "eos_token_id", None)
        eos_ids.update(configured if isinstance(configured, list) else [configured] if configured is not None else [])
        with torch.inference_mode(), _cuda_errors_are_fatal():
            new_tokens = sample(
                model, batch["input_ids"].repeat_interleave(n, dim=0),
                batch["attention_mask"].repeat_interleave(n, dim=0),
                max_new_tokens=max_new_tokens, eos_ids=eos_ids - {None},
                temperature=app_settings.COPYGEN_TEMPERATURE, top_p=app_settings.COPYGEN_TOP_P,
                top_k=app_settings.COPYGEN_TOP_K,
                repetition_penalty=app_settings.COPYGEN_REPETITION_PENALTY,
            )
        self.generated_tokens += sum(map(len, new_tokens))
        decoded = [
            GeneratedText(text, round(math.exp(tokens.logprob / len(tokens)), 4) if tokens else None)
            for text, tokens in zip(tokenizer.batch_decode(new_tokens, skip_special_tokens=True), new_tokens)
        ]
        return [decoded[i * n : (i + 1) * n] for i in range(len(prompts))]

    def fluency(self, prompt, texts):
        return self.fluency_many([(prompt, text) for text in texts])

    def fluency_many(self, pairs, chunk=64):
        """Forward passes over prompt + text, ``chunk`` rows at a time: how likely the model finds its own words.

        A worker scores every passing candidate of a whole batch of requests here at once, not request by request.
        """
        import torch

        if not pairs:
            return []
        _, _, model, tokenizer, _, device = self._load()
        scores = []
        for start_row in range(0, len(pairs), chunk):
            part = pairs[start_row : start_row + chunk]
            prefixes = [format_prompt(tokenizer, prompt) for prompt, _ in part]
            prompt_lens = [len(ids) for ids in tokenizer(prefixes)["input_ids"]]
            batch = tokenizer([prefix + text for prefix, (_, text) in zip(prefixes, part)], return_tensors="pt",
                              padding=True).to(device)
            with torch.inference_mode():
                positions = (batch["attention_mask"].cumsum(dim=-1) - 1).clamp(min=0)  # left padding: count from the text
                logits = model(**batch, position_ids=positions).logits.float()
            logprobs = torch.log_softmax(logits[:, :-1], dim=-1)
            targets = batch["input_ids"][:, 1:]
            token_logprobs = logprobs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
            mask = batch["attention_mask"][:, 1:].clone()
            lengths = batch["attention_mask"].sum(dim=1)
            width = batch["input_ids"].shape[1]
            for row, (length, prompt_len) in enumerate(zip(lengths.tolist(), prompt_lens)):
                begin = width - length  # left padding: the prompt starts here
                mask[row, : max(0, begin + prompt_len - 1)] = 0  # score the text only, not the prompt
            means = (token_logprobs * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
            scores += [round(float(torch.exp(m)), 4) for m in means]
        return scores

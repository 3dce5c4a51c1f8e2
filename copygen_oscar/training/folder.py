"""Writing a trained model folder: all or nothing, with a model card a person can read.

The folder is written beside its destination and renamed into place, so a full disk or a crash never leaves a
half-written model where a worker (or the registry) could pick it up.
"""

import json
import shutil
import tempfile
from pathlib import Path

from .loop import TrainingError


def model_card(title, report):
    data = report.get("data", {})
    lines = [
        f"# {title}",
        "",
        "Trained by `manage.py copygen_train` (copygen-oscar). Nothing in this folder was downloaded.",
        "",
        f"- trainer: {report['trainer']}" + (f" (base model: `{report['base_model']}`)" if report.get("base_model") else ""),
        f"- parameters: {report['parameters']:,}" + (f", stored as {report['dtype']}" if report.get("dtype") else ""),
        f"- data: {data.get('source', 'the store catalogue')}; {report['train_pairs']} training pairs, "
        f"{report['validation_pairs']} held out" + (f"; kinds: {', '.join(data['kinds'])}" if data.get("kinds") else ""),
        f"- fact slots: {'yes' if data.get('slots') else 'no'}",
        f"- steps: {report['steps']} ({'stopped early' if report['stopped_early'] else 'full budget'}), "
        f"best at step {report['best_step']}, {report['seconds']} s on {report['device']}",
    ]
    if report.get("validation_loss") is not None:
        lines.append(f"- validation loss: {report['validation_loss']:.3f} "
                     f"(perplexity {report['validation_perplexity']:.2f})")
    dropped = data.get("dropped")
    if dropped:
        lines.append(f"- dropped while cleaning: {json.dumps(dropped)}")
    lines += ["", "Options:", "", "```json", json.dumps(report.get("config", {}), indent=2), "```", ""]
    return "\n".join(lines)


def write_model_folder(model, tokenizer, output_dir, report, *, title, overwrite=False, fp16=False):
    """Save weights (safetensors), tokenizer, ``training_report.json`` and a README model card into ``output_dir``."""
    out = Path(output_dir)
    if (out / "config.json").exists() and not overwrite:
        raise TrainingError(f"{out} already holds a model; choose another --output or pass --overwrite")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        if fp16:
            import torch

            model = model.to(torch.float16)
            report["dtype"] = "float16"
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / "training_report.json").write_text(json.dumps(report, indent=2, default=str))
        (staging / "README.md").write_text(model_card(title, report))
        staging.chmod(0o755)  # mkdtemp makes it private; a model folder is read by workers running as other users
        for path in staging.iterdir():
            path.chmod(0o644)
        if out.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
            out.rename(retired / out.name)
            staging.rename(out)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise TrainingError(f"Could not write the model to {out}: {exc.strerror or exc}") from exc
    return out

"""Generation throughput of the transformers backend: one batched call versus one prompt at a time.

Usage: python benchmarks/generation.py [--model PATH] [--prompts 32] [--batch 16]
Serves the default model shipped in the package unless --model names another folder.
The LAST line is `batched_tokens_per_second=<x>`.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_demo.settings")


def demo_prompts(n):
    """Prompts for the demo catalogue's products that have no description, built without a database."""
    from copygen_oscar.demo_catalogue import CLASSES, demo_products
    from copygen_oscar.facts import Attribute, ProductFacts, split_unit
    from copygen_oscar.kinds import get_kind

    kind = get_kind("description")
    prompts = []
    for spec in demo_products():
        names = {code: (name, kind_) for code, name, kind_ in CLASSES[spec.product_class]}
        attributes = []
        for code, value in sorted(spec.attributes.items()):
            name, unit = split_unit(names[code][0])
            attributes.append(Attribute(code=code, name=name, type=names[code][1], value=value, unit=unit))
        facts = ProductFacts(title=spec.title, product_class=spec.product_class,
                             categories=[spec.category], attributes=attributes, price=str(spec.price),
                             currency="GBP", brand=spec.attributes.get("brand", ""))
        prompts.append(kind.build_prompt(facts))
    return (prompts * (n // len(prompts) + 1))[:n]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(ROOT / "copygen_oscar" / "default_model"))
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=96)
    args = parser.parse_args()
    if not (Path(args.model) / "config.json").is_file():
        sys.exit(f"No model at {args.model}: run `make default-model` (or manage.py copygen_train --output PATH)")

    import django

    django.setup()
    import torch

    from copygen_oscar.backends.transformers import TransformersBackend

    torch.manual_seed(0)
    backend = TransformersBackend(path=args.model)  # a fixed folder: no database needed to find the served model
    tokenizer = backend._load()[3]
    prompts = demo_prompts(args.prompts)
    backend.generate(prompts[:2], n=1, max_new_tokens=8)  # warm-up

    def run(batch):
        started = time.perf_counter()
        tokens = 0
        for i in range(0, len(prompts), batch):
            for outs in backend.generate(prompts[i : i + batch], n=1, max_new_tokens=args.max_new_tokens):
                tokens += sum(len(tokenizer(text)["input_ids"]) for text in outs)
        return tokens / (time.perf_counter() - started)

    sequential = run(1)
    batched = run(args.batch)
    print(f"device={backend._load()[5]} prompts={len(prompts)} batch={args.batch}")
    print(f"sequential_tokens_per_second={sequential:.1f}")
    print(f"batched_speedup={batched / sequential:.2f}")
    print(f"batched_tokens_per_second={batched:.1f}")


if __name__ == "__main__":
    main()

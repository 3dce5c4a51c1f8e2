"""Failure injection around the real transformers backend (COPYGEN_BACKEND points here in a few tests)."""

from copygen_oscar.backends.transformers import TransformersBackend


class FaultyBackend(TransformersBackend):
    """The real model, except that a prompt naming 'EXPLODE' raises and one naming 'GARBAGE' yields junk."""

    def generate(self, prompts, *, n, max_new_tokens):
        if any("EXPLODE" in p for p in prompts):
            raise RuntimeError("index out of range in self (a bad token id in this prompt)")
        outputs = super().generate(prompts, n=n, max_new_tokens=max_new_tokens)
        return [["<|pad|> <script>x</script>"] * n if "GARBAGE" in p else out for p, out in zip(prompts, outputs)]

from dataclasses import dataclass


class BackendError(RuntimeError):
    """The backend cannot generate at all (no model, broken weights); every request in the batch fails with it."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: str
    fingerprint: str
    base_model: str = ""


class GeneratedText(str):
    """A generated text that carries the model's per-token probability of it (``fluency``), known while sampling.

    The reranker orders candidates by fluency; a backend that already has each token's probability attaches it
    here, so scoring costs no second forward pass over the texts.
    """

    fluency: float | None = None

    def __new__(cls, text, fluency=None):
        made = super().__new__(cls, text)
        made.fluency = fluency
        return made


def fluencies(backend, pairs):
    """``fluency`` for (prompt, text) pairs: what the texts carry, and one ``fluency_many`` pass for the rest."""
    known = [getattr(text, "fluency", None) for _, text in pairs]
    missing = [i for i, value in enumerate(known) if value is None]
    if missing:
        scored = backend.fluency_many([pairs[i] for i in missing])
        if scored is None:
            return None if len(missing) == len(pairs) else known
        for i, value in zip(missing, scored):
            known[i] = value
    return known


class GenerationBackend:
    """Turns a batch of prompts into texts. Implementations batch internally; callers never loop per prompt."""

    def model_info(self) -> ModelInfo:
        raise NotImplementedError

    def generate(self, prompts: list[str], *, n: int, max_new_tokens: int) -> list[list[str]]:
        """Return, for each prompt, ``n`` continuations (the text after the prompt only)."""
        raise NotImplementedError

    def fluency_many(self, pairs: list[tuple[str, str]]) -> list[float] | None:
        """``fluency`` for (prompt, text) pairs of many prompts, in as few passes as the backend can."""
        return None

    def fluency(self, prompt: str, texts: list[str]) -> list[float] | None:
        """Per-token probability (geometric mean, 0-1) of each text after the prompt, or None if unknown."""
        return None

from dataclasses import dataclass


class BackendError(RuntimeError):
    """The backend cannot generate at all (no model, broken weights); every request in the batch fails with it."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: str
    fingerprint: str
    base_model: str = ""


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

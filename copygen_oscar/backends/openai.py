"""Any OpenAI-compatible server (vLLM, TGI, llama.cpp server) as the generation backend.

For stores that serve their model elsewhere: prompts of a batch are sent concurrently (bounded), each with
``n`` completions, retried with backoff on rate limits, server errors and timeouts. Only the standard library.
"""

import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from .. import app_settings
from .base import BackendError, GenerationBackend, ModelInfo

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAIBackend(GenerationBackend):
    def model_info(self):
        base, model = app_settings.COPYGEN_OPENAI_BASE_URL.rstrip("/"), app_settings.COPYGEN_OPENAI_MODEL
        if not model:
            raise BackendError("COPYGEN_OPENAI_MODEL is not set")
        fingerprint = hashlib.sha256(f"{base}|{model}".encode()).hexdigest()
        return ModelInfo(name=model, path=base, fingerprint=fingerprint, base_model=model)

    def _post(self, path, payload):
        base = app_settings.COPYGEN_OPENAI_BASE_URL.rstrip("/")
        if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
            raise BackendError(f"COPYGEN_OPENAI_BASE_URL must be an http(s) URL, not {base!r}")
        headers = {"Content-Type": "application/json"}
        if app_settings.COPYGEN_OPENAI_API_KEY:
            headers["Authorization"] = f"Bearer {app_settings.COPYGEN_OPENAI_API_KEY}"
        request = urllib.request.Request(f"{base}{path}", data=json.dumps(payload).encode(), headers=headers)
        tries = max(1, int(app_settings.COPYGEN_OPENAI_RETRIES))
        for attempt in range(tries):
            try:
                with urllib.request.urlopen(request, timeout=app_settings.COPYGEN_OPENAI_TIMEOUT) as response:  # noqa: S310  # nosec B310  # http(s) only, checked above
                    return json.loads(response.read())
            except urllib.error.HTTPError as exc:
                if exc.code not in RETRY_STATUS or attempt == tries - 1:
                    # This prompt's failure: the others of the batch may still succeed.
                    raise RuntimeError(f"{base}{path} answered {exc.code}: {exc.read()[:200]!r}") from exc
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if attempt == tries - 1:
                    raise BackendError(f"{base}{path} unreachable after {tries} tries: {exc}") from exc
            time.sleep(min(0.2 * 2**attempt, 5))
        raise AssertionError("unreachable")

    def _one(self, prompt, n, max_new_tokens):
        common = {
            "model": app_settings.COPYGEN_OPENAI_MODEL,
            "n": n,
            "max_tokens": max_new_tokens,
            "temperature": app_settings.COPYGEN_TEMPERATURE,
            "top_p": app_settings.COPYGEN_TOP_P,
        }
        if app_settings.COPYGEN_SEED is not None:
            common["seed"] = int(app_settings.COPYGEN_SEED)
        if app_settings.COPYGEN_OPENAI_MODE == "chat":
            body = self._post("/chat/completions", {**common, "messages": [{"role": "user", "content": prompt}]})
            texts = [choice["message"]["content"] for choice in body["choices"]]
        else:
            body = self._post("/completions", {**common, "prompt": prompt})
            texts = [choice["text"] for choice in body["choices"]]
        if len(texts) != n:
            raise ValueError(f"asked for {n} completions, the server returned {len(texts)}")
        return texts

    def generate(self, prompts, *, n, max_new_tokens):
        workers = max(1, min(int(app_settings.COPYGEN_OPENAI_CONCURRENCY), len(prompts)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda p: self._one(p, n, max_new_tokens), prompts))

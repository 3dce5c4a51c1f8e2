"""The OpenAI-compatible backend against a small fake server on 127.0.0.1 (the one thing allowed to be faked)."""

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from oscar.core.loading import get_model

from copygen_oscar.backends.base import BackendError
from copygen_oscar.backends.openai import OpenAIBackend
from copygen_oscar.requests import process_pending
from tests.helpers import demo_products_cleared

GenerationRequest = get_model("copygen", "GenerationRequest")
CopyVariant = get_model("copygen", "CopyVariant")


class FakeServer(ThreadingHTTPServer):
    """Answers /v1/completions like vLLM would, failing the first ``flaky`` calls with 503 and counting concurrency."""

    def __init__(self, flaky=0, delay=0.2):
        self.flaky, self.delay = flaky, delay
        self.calls = self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        self.bodies = []
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


def answer_for(prompt):
    """A well-behaved model: it writes the asked kind's format, with slots for the facts the prompt lists."""
    slots = [f"[{code}]" for code in ("material", "weight", "colour")
             if re.search(rf"^{code.capitalize()}: ", prompt, re.MULTILINE)]
    fact = "Made from " + " and ".join(slots) + "." if slots else "Made to last."
    marker = prompt.rstrip("\n").rsplit("\n", 1)[-1]
    return {
        "Description:": f"{fact} A good choice for every day.",
        "Bullets:": f"- {fact}\n- A good choice for every day.\n- Made to last and easy to love.",
        "SEO:": f"Meta title: [name]\nMeta description: {fact}",
        "Banner:": "Headline: [brand]\nSubline: A good choice for every day.\nCall to action: Shop now",
        "Search ad:": f"Headline: [brand]\nHeadline: Made to last.\nHeadline: From [price] GBP\n"
                      f"Description: {fact}\nDescription: A good choice for every day.",
        "Social post:": f"{fact} A good choice for every day.",
        "Email:": "Subject: [name]\nPreheader: A good choice for every day.",
        "Reply:": "Thank you for your message. A good choice for every day.",
    }[marker]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with server.lock:
            server.calls += 1
            server.bodies.append(body)
            call = server.calls
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        try:
            time.sleep(server.delay)
            if call <= server.flaky:
                self.send_response(503)
                self.end_headers()
                return
            answer = {"choices": [{"index": i, "text": answer_for(body["prompt"])} for i in range(body["n"])]}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        finally:
            with server.lock:
                server.in_flight -= 1


@pytest.fixture
def fake_server(settings):
    server = FakeServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.COPYGEN_OPENAI_BASE_URL = server.url
    settings.COPYGEN_OPENAI_MODEL = "fake-7b"
    settings.COPYGEN_BACKEND = "copygen_oscar.backends.openai.OpenAIBackend"
    yield server
    server.shutdown()
    server.server_close()


def test_prompts_go_out_concurrently_within_the_limit_and_retry(fake_server, settings):
    settings.COPYGEN_OPENAI_CONCURRENCY = 3
    fake_server.flaky = 2
    outputs = OpenAIBackend().generate([f"Product: p{i}\nMaterial: wool\nDescription:\n" for i in range(8)], n=2,
                                       max_new_tokens=40)
    assert [len(o) for o in outputs] == [2] * 8
    assert fake_server.calls == 8 + 2  # two 503s retried
    assert fake_server.max_in_flight == 3
    assert fake_server.bodies[-1]["model"] == "fake-7b" and fake_server.bodies[-1]["max_tokens"] == 40


def test_an_unreachable_server_is_a_backend_error(settings):
    settings.COPYGEN_OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    settings.COPYGEN_OPENAI_MODEL = "fake-7b"
    settings.COPYGEN_OPENAI_RETRIES = 2
    with pytest.raises(BackendError, match="unreachable after 2 tries"):
        OpenAIBackend().generate(["Product: x\n"], n=1, max_new_tokens=8)


@pytest.mark.django_db
def test_every_kind_generates_through_the_http_backend(fake_server, settings):
    from copygen_oscar.kinds import KINDS
    from copygen_oscar.requests import request_generation

    settings.COPYGEN_CANDIDATES_PER_VARIANT = 1
    (product,) = demo_products_cleared(1, offset=2)
    GenerationRequest.objects.all().delete()
    for kind in KINDS:
        request_generation(product, kind=kind, n=1)
    process_pending()
    outcome = {r.kind: (r.status, r.reason) for r in GenerationRequest.objects.all()}
    assert outcome == {kind: ("done", "") for kind in KINDS}
    seo = CopyVariant.objects.get(kind="seo")
    assert seo.fields["Meta title"] == product.title.split(",")[0]
    budgets = {b["prompt"].rstrip("\n").rsplit("\n", 1)[-1]: b["max_tokens"] for b in fake_server.bodies}
    assert budgets["Email:"] < budgets["Description:"]  # each kind has its own token budget


@pytest.mark.django_db
def test_copy_generated_through_the_http_backend_is_guarded_and_stored(fake_server, settings):
    settings.COPYGEN_CANDIDATES_PER_VARIANT = 2
    products = demo_products_cleared(4, offset=20)
    assert process_pending() == 4
    assert set(GenerationRequest.objects.values_list("status", flat=True)) == {"done"}
    assert {v.product_id for v in CopyVariant.objects.all()} == {p.pk for p in products}
    for variant in CopyVariant.objects.all():
        assert variant.model_version.name == "fake-7b" and variant.guard["passed"]
        assert "[" not in variant.body and variant.body.startswith("<p>Made from ")
    assert all(b["n"] == 4 for b in fake_server.bodies)  # 2 variants x 2 candidates each

"""Fault injection for tests/test_faults.py: worker settings from the environment, and observable backends.

Worker subprocesses run with ``DJANGO_SETTINGS_MODULE=tests.faults``: the demo settings, plus the few knobs a fault
test needs that the demo settings do not read from the environment (batch size, lease, backend, token budget, and
an ``application_name`` on the database connection so a test can find and kill exactly that connection).
In the test process itself (any other settings module) importing this module changes no setting.
"""

import json
import os
import time

from shop_demo.settings import *  # noqa: F403  (this module is a settings module for worker subprocesses)

from copygen_oscar.backends.transformers import TransformersBackend

if os.environ.get("DJANGO_SETTINGS_MODULE") == __name__:
    for _name in ("COPYGEN_BATCH_SIZE", "COPYGEN_LEASE_SECONDS", "COPYGEN_MAX_NEW_TOKENS", "COPYGEN_MAX_ATTEMPTS"):
        if os.environ.get(_name):
            globals()[_name] = int(os.environ[_name])
    for _name in ("COPYGEN_REALISM_WEIGHT", "COPYGEN_REWARD_WEIGHT"):
        if os.environ.get(_name):
            globals()[_name] = float(os.environ[_name])
    if os.environ.get("COPYGEN_BACKEND"):
        COPYGEN_BACKEND = os.environ["COPYGEN_BACKEND"]
    if os.environ.get("FAULT_DB_APP_NAME"):
        DATABASES = {"default": {**DATABASES["default"]}}  # noqa: F405
        DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}),
                                           "application_name": os.environ["FAULT_DB_APP_NAME"]}


def title_of(prompt):
    """The product title a prompt starts with ("Product: <title>\\n...")."""
    first = prompt.split("\n", 1)[0]
    return first.removeprefix("Product: ")


class SlowBackend(TransformersBackend):
    """The real model, but every ``generate`` call is first written to ``FAULT_LOG`` (one JSON line: pid, n and
    the prompts' titles) and then waits ``FAULT_GENERATE_SLEEP`` seconds, so a test can see which batch a worker
    is generating and kill it there."""

    def generate(self, prompts, *, n, max_new_tokens):
        log = os.environ.get("FAULT_LOG")
        if log:
            line = json.dumps({"pid": os.getpid(), "n": n, "titles": [title_of(p) for p in prompts]})
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)
        time.sleep(float(os.environ.get("FAULT_GENERATE_SLEEP", "0")))
        return super().generate(prompts, n=n, max_new_tokens=max_new_tokens)


def generate_calls(log):
    """The generate calls logged by SlowBackend so far."""
    try:
        with open(log) as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except FileNotFoundError:
        return []


class GarbageBackend(TransformersBackend):
    """The real model, except for prompts naming a marker: 'GIBBERISH' gets candidates of the wrong types (None,
    numbers, bytes, empty strings) and 'VANISH' gets no entry at all in the batch's output list (a backend that
    drops a prompt, e.g. a server answering fewer choices than asked)."""

    def generate(self, prompts, *, n, max_new_tokens):
        outputs = super().generate(prompts, n=n, max_new_tokens=max_new_tokens)
        junk = [None, 42, b"\x00\xff", "", "   ", {"text": "x"}]
        result = []
        for prompt, out in zip(prompts, outputs):
            if "VANISH" in prompt:
                continue
            result.append([junk[i % len(junk)] for i in range(n)] if "GIBBERISH" in prompt else out)
        return result

"""Scoring a generator on held-out examples, through the path serving takes: generate, parse, guard, rerank.

Any object with the backend's ``generate(prompts, n=, max_new_tokens=)`` is a system: a model backend, the
template baseline, an OpenAI-compatible server. Every candidate goes through ``requests.judge`` (slots filled,
parsed by its kind, guarded) and every example through ``requests.rerank`` (with the model's fluency and, as
serving weighs it in, its realism discriminator), so the numbers describe exactly the copy serving would store.

Metrics (per kind and overall):

- before the guard, over every raw candidate: ``within_limits`` (parses within the kind's limits), ``fact_precision``
  (supported share of the claims the fact checker finds), ``halluc_raw`` (share of parsed candidates with any
  unsupported claim), ``guard_pass`` (share that parse and pass the guard);
- after the guard, over the variants rerank keeps (what serving stores): ``kept`` (share of examples that got copy
  at all), ``halluc_guarded`` (share of stored variants with an unsupported claim, checked again; expect 0),
  ``coverage`` (share of attribute values stated), ``chrf`` and ``rouge_l`` against the human copy (0-100; an
  example that got no copy scores an empty text), ``distinct_2`` (distinct word bigrams over all stored variants),
  and one column per extra scorer (``scorers={"realism": texts -> floats}``, averaged over stored variants);
- ``perplexity`` of the model on the human copy (prompt -> target with fact slots, as trained), token-weighted;
  None for systems that are not a local causal LM;
- ``examples``, ``outputs`` (raw candidates), ``stored`` and ``seconds``.
"""

import hashlib
import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .. import app_settings
from ..guard import FactIndex
from ..guard.claims import unsupported, words
from ..guard.duplicates import CopyCorpus
from ..guard.language import StoreVocabulary
from ..guard.sanitise import plain_text
from ..kinds import UnusableOutput, get_kind
from ..slots import UnfilledSlot

# (key, label shown in tables, format); extra scorers are appended after these.
METRICS = [
    ("examples", "examples", "d"),
    ("outputs", "raw outputs", "d"),
    ("within_limits", "within kind's limits (raw)", "share"),
    ("fact_precision", "fact precision (raw)", "share"),
    ("halluc_raw", "hallucination rate, before guard", "share"),
    ("guard_pass", "guard pass rate (raw)", "share"),
    ("kept", "examples with stored copy", "share"),
    ("stored", "stored variants", "d"),
    ("halluc_guarded", "hallucination rate, after guard", "share"),
    ("coverage", "attribute coverage (stored)", "share"),
    ("chrf", "chrF vs human copy (0-100)", ".1f"),
    ("rouge_l", "ROUGE-L F vs human copy (0-100)", ".1f"),
    ("distinct_2", "distinct-2 (stored)", "share"),
    ("perplexity", "perplexity on human copy", ".2f"),
    ("seconds", "seconds", ".1f"),
]


class EvaluationError(ValueError):
    """Evaluation cannot run (no examples, a scorer that answers the wrong length); the message says why."""


# -- metric helpers (plain functions of texts, tested on hand-made inputs) -------------------------------------------


def chrf(hypotheses, references):
    """Corpus-level chrF (sacrebleu, 0-100); None without pairs."""
    if not hypotheses:
        return None
    from sacrebleu.metrics import CHRF

    return CHRF().corpus_score(list(hypotheses), [list(references)]).score


_rouge = {}


def rouge_l(hypotheses, references):
    """Mean ROUGE-L F-measure (rouge-score, stemmed, 0-100); None without pairs."""
    if not hypotheses:
        return None
    if "scorer" not in _rouge:
        from rouge_score import rouge_scorer

        _rouge["scorer"] = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    scorer = _rouge["scorer"]
    return 100 * sum(scorer.score(ref, hyp)["rougeL"].fmeasure for hyp, ref in zip(hypotheses, references)) \
        / len(hypotheses)


def distinct_n(texts, n=2):
    """Distinct word n-grams over all texts / all word n-grams (1.0: no n-gram repeats anywhere); None if none."""
    grams = [tuple(tokens[i : i + n]) for text in texts for tokens in [words(text)]
             for i in range(len(tokens) - n + 1)]
    return len(set(grams)) / len(grams) if grams else None


def has_unsupported_claim(text, facts, other_brands=()):
    """Whether the fact checker finds any claim in ``text`` that the facts do not support."""
    return bool(unsupported(plain_text(text), FactIndex.from_facts(facts, other_brands)))


# -- what the guard compares against -----------------------------------------------------------------------------------


@dataclass
class GuardContext:
    """The store-wide inputs of the guard: known words, other products' copy, other brands."""

    vocabulary: StoreVocabulary | None = None
    corpus: CopyCorpus | None = None
    other_brands: frozenset = frozenset()

    @classmethod
    def from_store(cls):
        """The catalogue's own, as serving uses them."""
        from ..guard import description_corpus, store_vocabulary
        from ..requests import catalogue_brands

        return cls(store_vocabulary(), description_corpus(), frozenset(catalogue_brands()))

    @classmethod
    def from_examples(cls, examples):
        """For examples that are not the store's (a data file): their titles, copy and values stand in for it."""
        vocabulary, title_words, generic, corpus, brands, seen = set(), set(), set(), [], set(), set()
        for example in examples:
            facts = example.facts
            in_title, in_copy = set(words(facts.title)), set(words(example.target))
            vocabulary |= in_title | in_copy
            for attr in facts.attributes:
                if not isinstance(attr.value, bool):
                    vocabulary.update(words(attr.as_text()))
            for category in facts.categories:
                vocabulary.update(words(category))
            title_words |= in_title
            generic |= in_copy - in_title
            if facts.brand:
                brands.add(facts.brand)
            key = product_key(example)
            if example.kind == "description" and key not in seen:
                seen.add(key)
                corpus.append((key, example.target))
        from ..kinds.channels import BannerKind

        vocabulary.update(words(" ".join(BannerKind.calls_to_action)))
        product_words = {w for w in title_words - generic if not w[0].isdigit()}
        return cls(StoreVocabulary(frozenset(vocabulary), frozenset(product_words)), CopyCorpus(corpus),
                   frozenset(brands))


def product_key(example):
    """The id the guard's duplicate check excludes: the product's pk for store examples, else its facts' title."""
    source = example.source or ""
    if source.startswith("product:") and source[8:].isdigit():
        return int(source[8:])
    return f"{example.facts.title}\x00{example.facts.product_class}"


# -- perplexity ------------------------------------------------------------------------------------------------------


def _trained_with_slots(path):
    try:
        report = json.loads((Path(path) / "training_report.json").read_text())
    except (OSError, ValueError):
        return True
    data = report.get("data") if isinstance(report.get("data"), dict) else {}
    return bool(report.get("slots", data.get("slots", True)))


def perplexity(backend, examples, slots=None, batch_size=8):
    """Token-weighted perplexity of a ``TransformersBackend``'s model on prompt -> human copy, per kind and overall.

    ``slots`` (default: as the model's training report says, else True) puts fact slots in the copy, as trained.
    Returns ``{"overall": x, "by_kind": {kind: x}}``.
    """
    import torch

    from .loop import collate, encode

    _, _, model, tokenizer, info, device = backend._load()
    slots = _trained_with_slots(info.path) if slots is None else slots
    limit = getattr(model.config, "n_positions", None) or getattr(model.config, "max_position_embeddings", 0) or 1024
    by_kind = defaultdict(list)
    for example in examples:
        by_kind[example.kind].append(example.pair(slots=slots))
    totals = {}
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for kind, pairs in by_kind.items():
            rows = encode(tokenizer, pairs, limit)
            nll = tokens = 0.0
            for i in range(0, len(rows), batch_size):
                batch = collate(rows[i : i + batch_size], tokenizer.pad_token_id, device)
                count = int((batch["labels"][:, 1:] != -100).sum())
                if count:
                    nll += model(**batch).loss.float().item() * count
                    tokens += count
            totals[kind] = (nll, tokens)
    model.train(was_training)

    def ppl(nll, tokens):
        return math.exp(min(nll / tokens, 50)) if tokens else None

    return {"overall": ppl(sum(v[0] for v in totals.values()), sum(v[1] for v in totals.values())),
            "by_kind": {kind: ppl(*value) for kind, value in totals.items()}}


def _is_local_model(system):
    from ..backends.transformers import TransformersBackend

    return isinstance(system, TransformersBackend)


# -- the evaluation ----------------------------------------------------------------------------------------------------


def reference_text(kind, target):
    """The human copy in the form a candidate is compared in: parsed by its kind (labels off), else as it is."""
    try:
        return kind.parse(target).text
    except UnusableOutput:
        return plain_text(target)


def evaluate(system, examples, *, n=1, candidates=None, scorers=None, context=None, batch_size=None, brand=None,
             slots=None, with_perplexity=True, name="", log=None):
    """Score ``system`` on ``examples`` (``training.data.Example``). Returns a JSON-ready dict.

    ``n`` variants are kept per example from ``candidates`` generated (default: serving's
    ``n * COPYGEN_CANDIDATES_PER_VARIANT``). ``scorers`` maps a column name to a callable taking a list of stored
    texts and returning one float per text (or None when it cannot score: the column shows no value).
    ``context`` is the guard's store-wide input (default: the store's own, ``GuardContext.from_store()``).
    Generation is batched: one ``generate`` call per chunk of ``batch_size`` prompts of one kind (default
    ``COPYGEN_BATCH_SIZE``).

    Result: ``{"system", "n", "candidates", "overall": {metric: value}, "by_kind": {kind: {metric: value}}}``.
    """
    from ..backends.base import BackendError
    from ..requests import _generate_isolated, judge, rerank

    examples = list(examples)
    if not examples:
        raise EvaluationError("No examples to evaluate on")
    scorers = dict(scorers or {})
    k = candidates or n * max(1, app_settings.COPYGEN_CANDIDATES_PER_VARIANT)
    if not 1 <= n <= k:
        raise EvaluationError(f"Keeping {n} variants needs at least as many candidates, not {k}")
    context = context or GuardContext.from_store()
    batch_size = batch_size or app_settings.COPYGEN_BATCH_SIZE
    brand = app_settings.COPYGEN_BRAND_NAME if brand is None else brand
    fluency = getattr(system, "fluency", None)
    realism = _serving_realism(system)

    by_kind = defaultdict(list)
    for example in examples:
        by_kind[example.kind].append(example)
    records = []  # one per example
    seconds = {}
    for kind_name, group in by_kind.items():
        kind = get_kind(kind_name)
        max_new_tokens = min(kind.max_new_tokens, app_settings.COPYGEN_MAX_NEW_TOKENS)
        started = time.monotonic()
        for start in range(0, len(group), batch_size):
            chunk = group[start : start + batch_size]
            prompts = [example.prompt(brand=brand) for example in chunk]
            try:
                outputs = _generate_isolated(system, prompts, k, max_new_tokens)
            except BackendError:
                raise
            except Exception as exc:  # noqa: BLE001  (a broken system scores nothing; the reason is kept)
                outputs = [exc] * len(chunk)
            for example, prompt, texts in zip(chunk, prompts, outputs):
                records.append(_score_example(kind, example, prompt, texts, n, k, context, judge, rerank, fluency,
                                              realism))
            if log:
                log(f"{name or 'system'}: {kind_name} {min(start + batch_size, len(group))}/{len(group)}")
        seconds[kind_name] = time.monotonic() - started

    extra = {}
    stored = [(i, text) for i, record in enumerate(records) for text in record["stored"]]
    for column, scorer in scorers.items():
        values = scorer([text for _, text in stored]) if stored else []
        values = [] if values is None else list(values)  # None: the scorer could not score (its column stays empty)
        if values and len(values) != len(stored):
            raise EvaluationError(f"Scorer {column!r} gave {len(values)} scores for {len(stored)} texts")
        per_record = defaultdict(list)
        for (i, _), value in zip(stored, values):
            per_record[i].append(float(value))
        extra[column] = per_record

    ppl = perplexity(system, examples, slots=slots) if with_perplexity and _is_local_model(system) else None
    result = {"system": name or type(system).__name__, "n": n, "candidates": k, "overall": {}, "by_kind": {}}
    for kind_name in by_kind:
        indices = [i for i, record in enumerate(records) if record["kind"] == kind_name]
        result["by_kind"][kind_name] = _summarise(records, indices, extra, seconds[kind_name],
                                                  ppl["by_kind"].get(kind_name) if ppl else None)
    result["overall"] = _summarise(records, range(len(records)), extra, sum(seconds.values()),
                                   ppl["overall"] if ppl else None)
    result["errors"] = sorted({record["error"] for record in records if record["error"]})[:10]
    return result


def _serving_realism(system):
    """The discriminator term serving adds to the rerank for this model (``requests.process_claimed``), or None."""
    if not app_settings.COPYGEN_REALISM_WEIGHT or not hasattr(system, "model_info"):
        return None
    info = system.model_info()
    if not info.path:
        return None
    from .discriminator import realism_scorer

    return realism_scorer(info.path, info.fingerprint)


def _score_example(kind, example, prompt, texts, n, k, context, judge, rerank, fluency, realism=None):
    facts, key = example.facts, product_key(example)
    record = {"kind": kind.name, "reference": reference_text(kind, example.target), "raw": [], "stored": [],
              "stored_unsupported": 0, "coverage": [], "error": ""}
    if isinstance(texts, Exception):
        record["error"] = f"generation failed: {texts}"
        record["raw"] = [{"parsed": False, "passed": False, "claims": 0, "supported": 0}] * k
        return record
    index = FactIndex.from_facts(facts, context.other_brands)
    for text in texts:
        try:
            parsed, verdict = judge(kind, facts, index, text, context.vocabulary, context.corpus, key)
        except (UnusableOutput, UnfilledSlot):
            record["raw"].append({"parsed": False, "passed": False, "claims": 0, "supported": 0})
            continue
        record["raw"].append({"parsed": True, "passed": verdict.passed, "claims": verdict.claims,
                              "supported": verdict.supported})
    score = (lambda candidates: fluency(prompt, candidates)) if fluency else None
    kept, _ = rerank(kind, facts, index, texts, n, context.vocabulary, context.corpus, key, fluency=score,
                     realism=realism)
    for parsed, _, _ in kept:
        text = parsed.text
        record["stored"].append(text)
        record["coverage"].append(_coverage(text, facts))
        if unsupported(plain_text(text), index):
            record["stored_unsupported"] += 1
    return record


def _coverage(text, facts):
    from ..guard import coverage

    return coverage(plain_text(text), facts)


def _mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


def _summarise(records, indices, extra, seconds, ppl):
    chosen = [records[i] for i in indices]
    raw = [candidate for record in chosen for candidate in record["raw"]]
    parsed = [candidate for candidate in raw if candidate["parsed"]]
    claims = sum(c["claims"] for c in parsed)
    stored = [text for record in chosen for text in record["stored"]]
    hypotheses, references = [], []
    for record in chosen:
        for text in record["stored"] or [""]:  # no copy stored: the shopper sees nothing, scored as empty text
            hypotheses.append(text)
            references.append(record["reference"])
    metrics = {
        "examples": len(chosen),
        "outputs": len(raw),
        "within_limits": len(parsed) / len(raw) if raw else None,
        "fact_precision": sum(c["supported"] for c in parsed) / claims if claims else None,
        "halluc_raw": sum(1 for c in parsed if c["supported"] < c["claims"]) / len(parsed) if parsed else None,
        "guard_pass": sum(1 for c in raw if c["passed"]) / len(raw) if raw else None,
        "kept": sum(1 for record in chosen if record["stored"]) / len(chosen) if chosen else None,
        "stored": len(stored),
        "halluc_guarded": sum(r["stored_unsupported"] for r in chosen) / len(stored) if stored else None,
        "coverage": _mean(c for record in chosen for c in record["coverage"]),
        "chrf": chrf(hypotheses, references),
        "rouge_l": rouge_l(hypotheses, references),
        "distinct_2": distinct_n(stored, 2),
        "perplexity": ppl,
        "seconds": round(seconds, 2),
    }
    for column, per_record in extra.items():
        metrics[column] = _mean(v for i in indices for v in per_record.get(i, ()))
    return {key: round(value, 4) if isinstance(value, float) else value for key, value in metrics.items()}


# -- presenting --------------------------------------------------------------------------------------------------------


def _cell(value, fmt):
    if value is None:
        return "-"
    if fmt == "d":
        return f"{value:d}" if isinstance(value, int) else f"{value:.0f}"
    if fmt == "share":
        return f"{value:.3f}"
    return format(value, fmt)


def metric_rows(results):
    """(key, label, format) for every metric in any result, the standard ones first, extra scorers after."""
    rows = list(METRICS)
    known = {key for key, _, _ in rows}
    for result in results.values():
        for key in result["overall"]:
            if key not in known:
                rows.append((key, key, ".3f"))
                known.add(key)
    return rows


def format_table(results, part="overall"):
    """Metric rows x one column per system (``results``: {column name: evaluate() result}); ``part``: a kind."""
    names = list(results)
    parts = {name: result["overall"] if part == "overall" else result["by_kind"].get(part, {})
             for name, result in results.items()}
    rows = metric_rows(results)
    label_width = max(len(label) for _, label, _ in rows)
    widths = [max(len(name), 8) for name in names]
    lines = [f"{'metric':<{label_width}}  " + "  ".join(f"{name:>{w}}" for name, w in zip(names, widths))]
    lines.append("-" * len(lines[0]))
    for key, label, fmt in rows:
        cells = [_cell(parts[name].get(key), fmt) for name in names]
        lines.append(f"{label:<{label_width}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cells, widths)))
    return "\n".join(lines)


KIND_COLUMNS = [("examples", "d"), ("chrf", ".1f"), ("rouge_l", ".1f"), ("halluc_raw", "share"),
                ("guard_pass", "share"), ("kept", "share"), ("coverage", "share")]


def format_kind_table(results):
    """One row per kind; for each metric, one value per system ("model/template")."""
    names = list(results)
    kinds = []
    for result in results.values():
        kinds += [kind for kind in result["by_kind"] if kind not in kinds]
    header = ["kind"] + [key for key, _ in KIND_COLUMNS]
    rows = []
    for kind in kinds:
        row = [kind]
        for key, fmt in KIND_COLUMNS:
            row.append("/".join(_cell(results[name]["by_kind"].get(kind, {}).get(key), fmt) for name in names))
        rows.append(row)
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(f"{cell:<{w}}" if i == 0 else f"{cell:>{w}}" for i, (cell, w) in enumerate(zip(r, widths)))
             for r in [header] + rows]
    lines.insert(1, "-" * len(lines[0]))
    return f"per kind ({' / '.join(names)}):\n" + "\n".join(lines)


def examples_digest(examples):
    """A short hash of the held-out set, so two reports can tell whether they scored the same examples."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.kind}\x00{example.facts.hash}\x00{example.target}\x01".encode("utf-8"))
    return digest.hexdigest()[:16]

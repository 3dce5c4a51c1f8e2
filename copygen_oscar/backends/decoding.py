"""Batched sampling with a preallocated KV cache that sheds rows as they end, and each text's likelihood.

``model.generate`` keeps every row of a batch until the longest one ends: with copy of very different lengths in
one batch, most of the late steps compute rows that already finished. On a CPU the work of a step grows with its
rows, so this loop removes finished rows from the batch (and from the cache) once they are a quarter of it (each
removal copies the cache, so not at every step); the rows that remain keep their positions, masks and sampling
state. The cache keeps room for new tokens (doubled when full) instead of growing by concatenation at every step.
Sampling matches ``generate``'s: temperature, top-k, nucleus (top-p) and the CTRL repetition penalty, seeded by
the caller through ``torch.manual_seed``. The model's own (untempered) log-probability of every kept token is
summed on the way, so the reranker's fluency score needs no second forward pass over the texts.
"""


def _penalise(logits, history, penalty):
    import torch

    seen = torch.gather(logits, 1, history)
    seen = torch.where(seen < 0, seen * penalty, seen / penalty)
    return logits.scatter(1, history, seen)


def _sample(logits, temperature, top_p, top_k=0, shortlist=256):
    """One token per row from the nucleus of the tempered distribution, within the ``top_k`` likeliest (0: all).

    Sorting the whole vocabulary for every row and step costs as much as the model on a CPU; the nucleus nearly
    always lies within the few hundred likeliest tokens, so those are found with ``topk`` and the full sort is only
    the fallback for a batch where some row's nucleus reaches past them. The result is the same distribution.
    """
    import torch

    probs = torch.softmax(logits / max(temperature, 1e-5), dim=-1)
    vocabulary = probs.shape[-1]
    if top_p >= 1.0 and not 0 < top_k < vocabulary:
        return torch.multinomial(probs, num_samples=1).squeeze(1)
    k = min(top_k if top_k > 0 else shortlist, vocabulary)
    top, index = probs.topk(k, dim=-1)
    if not 0 < top_k < vocabulary and k < vocabulary and not bool((top.sum(dim=-1) >= top_p).all()):
        top, index = probs.sort(dim=-1, descending=True)
    if top_p < 1.0:
        before = top.cumsum(dim=-1) / top.sum(dim=-1, keepdim=True) - top / top.sum(dim=-1, keepdim=True)
        top = top.masked_fill(before >= top_p, 0.0)  # a token is in while the likelier ones fall short of top_p
    choice = torch.multinomial(top, num_samples=1)
    return index.gather(1, choice).squeeze(1)


def _drop_rows(cache, keep):
    """Keep only ``keep`` rows of the cache; False when this cache type cannot (the rows then stay, masked)."""
    layers = getattr(cache, "layers", None)
    if not layers or not all(hasattr(layer, "batch_select_indices") for layer in layers):
        return False
    for layer in layers:
        layer.batch_select_indices(keep)
    return True


def _preallocated_cache(model, room):
    """A KV cache with ``room`` free positions per layer, or None (the model's own) when its layers need more."""
    from transformers.cache_utils import Cache, DynamicLayer, get_layer_types_and_kwargs

    class Preallocated(DynamicLayer):
        """Writes each step's keys and values into free room kept after each row's positions.

        The model's default cache concatenates at every step, copying the whole cache into a new allocation; for
        a batch of 64 descriptions on 2 CPU cores, writing in place (the room doubling when full, so that shedding
        rows copies little) took 0.84 s where concatenating took 1.06 s.
        """

        def lazy_initialization(self, key_states, value_states):
            batch, heads, length, _ = key_states.shape
            self.device, self.length, self.limit, self._prompt = key_states.device, 0, length + room, length
            self._keys = key_states.new_empty((batch, heads, length + min(room, 32), key_states.shape[-1]))
            self._values = value_states.new_empty((batch, heads, length + min(room, 32), value_states.shape[-1]))
            self.is_initialized = True

        def _grow(self, end):
            """Double the free room (most copy ends well before ``room``: a smaller cache is cheaper to shed)."""
            capacity = self._keys.shape[2]
            capacity = max(end, min(self.limit, capacity + capacity - self._prompt))
            for name in ("_keys", "_values"):
                old = getattr(self, name)
                new = old.new_empty((*old.shape[:2], capacity, old.shape[-1]))
                new[:, :, : self.length] = old[:, :, : self.length]
                setattr(self, name, new)

        def update(self, key_states, value_states, *args, **kwargs):
            if not self.is_initialized:
                self.lazy_initialization(key_states, value_states)
            end = self.length + key_states.shape[-2]
            if end > self._keys.shape[2]:
                self._grow(end)
            self._keys[:, :, self.length : end] = key_states
            self._values[:, :, self.length : end] = value_states
            self.length = end
            self.keys, self.values = self._keys[:, :, :end], self._values[:, :, :end]
            return self.keys, self.values

        def get_seq_length(self):
            return self.length if self.is_initialized else 0

        def batch_select_indices(self, indices):
            if self.is_initialized:
                self._keys, self._values = self._keys[indices], self._values[indices]
                self.keys, self.values = self._keys[:, :, : self.length], self._values[:, :, : self.length]

    try:
        layer_types, _ = get_layer_types_and_kwargs(model.config.get_text_config(decoder=True))
    except Exception:  # noqa: BLE001  (an unusual config: the model's own cache is always correct)
        return None
    if not layer_types or any(kind != "full_attention" for kind in layer_types):
        return None
    return Cache(layers=[Preallocated() for _ in layer_types])


class Sampled(list):
    """One row's new token ids (eos excluded), with the model's summed log-probability of them."""

    def __init__(self, tokens=(), logprob=0.0):
        super().__init__(tokens)
        self.logprob = logprob


def sample(model, input_ids, attention_mask, *, max_new_tokens, eos_ids, temperature=1.0, top_p=1.0, top_k=0,
           repetition_penalty=1.0):
    """``Sampled`` new token ids per row, for left-padded ``input_ids``."""
    import torch

    rows = input_ids.shape[0]
    eos = torch.tensor(sorted(eos_ids), device=input_ids.device)
    positions = (attention_mask.cumsum(dim=-1) - 1).clamp(min=0)
    cache = _preallocated_cache(model, max_new_tokens)
    out = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=positions, cache=cache,
                use_cache=True, logits_to_keep=1)
    cache, logits = out.cache, out.logits[:, -1, :].float()
    live = torch.arange(rows, device=input_ids.device)  # batch row -> original row
    last = positions[:, -1]
    history = input_ids if repetition_penalty != 1.0 else None
    generated = [Sampled() for _ in range(rows)]
    done = torch.zeros(rows, dtype=torch.bool, device=input_ids.device)
    for step in range(max_new_tokens):
        logprobs = torch.log_softmax(logits, dim=-1)  # the model's own, before penalty and temperature
        if history is not None:
            logits = _penalise(logits, history, repetition_penalty)
        tokens = _sample(logits, temperature, top_p, top_k)
        chosen = logprobs.gather(1, tokens[:, None]).squeeze(1)
        ended = torch.isin(tokens, eos) | done
        for row, token, logprob, finished in zip(live.tolist(), tokens.tolist(), chosen.tolist(), ended.tolist()):
            if not finished:
                generated[row].append(token)
                generated[row].logprob += logprob
        if step == max_new_tokens - 1 or bool(ended.all()):
            break
        keep = (~ended).nonzero().squeeze(1)
        if len(live) - len(keep) >= max(1, len(live) // 4) and _drop_rows(cache, keep):
            live, tokens, attention_mask, last = live[keep], tokens[keep], attention_mask[keep], last[keep]
            done = done[keep]
            history = history[keep] if history is not None else None
        else:
            done = ended
        attention_mask = torch.cat([attention_mask, attention_mask.new_ones((len(live), 1))], dim=1)
        last = last + 1
        if history is not None:
            history = torch.cat([history, tokens[:, None]], dim=1)
        out = model(input_ids=tokens[:, None], attention_mask=attention_mask, position_ids=last[:, None],
                    cache=cache, use_cache=True)
        cache, logits = out.cache, out.logits[:, -1, :].float()
    return generated

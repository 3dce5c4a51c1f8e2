"""Batched sampling with a KV cache that drops each row as soon as it ends.

``model.generate`` keeps every row of a batch until the longest one ends: with copy of very different lengths in
one batch, most of the late steps compute rows that already finished. On a CPU the work of a step grows with its
rows, so this loop removes finished rows from the batch (and from the cache) at every step; the rows that remain
keep their positions, masks and sampling state. Sampling matches ``generate``'s: temperature, top-k, nucleus (top-p) and
the CTRL repetition penalty, seeded by the caller through ``torch.manual_seed``.
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


def sample(model, input_ids, attention_mask, *, max_new_tokens, eos_ids, temperature=1.0, top_p=1.0, top_k=0,
           repetition_penalty=1.0):
    """New token ids per row (eos excluded), for left-padded ``input_ids``."""
    import torch

    rows = input_ids.shape[0]
    eos = torch.tensor(sorted(eos_ids), device=input_ids.device)
    positions = (attention_mask.cumsum(dim=-1) - 1).clamp(min=0)
    out = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=positions, use_cache=True)
    cache, logits = out.past_key_values, out.logits[:, -1, :].float()
    live = torch.arange(rows, device=input_ids.device)  # batch row -> original row
    last = positions[:, -1]
    history = input_ids if repetition_penalty != 1.0 else None
    generated = [[] for _ in range(rows)]
    done = torch.zeros(rows, dtype=torch.bool, device=input_ids.device)
    for step in range(max_new_tokens):
        if history is not None:
            logits = _penalise(logits, history, repetition_penalty)
        tokens = _sample(logits, temperature, top_p, top_k)
        ended = torch.isin(tokens, eos) | done
        for row, token, finished in zip(live.tolist(), tokens.tolist(), ended.tolist()):
            if not finished:
                generated[row].append(token)
        if step == max_new_tokens - 1 or bool(ended.all()):
            break
        keep = (~ended).nonzero().squeeze(1)
        if len(keep) < len(live) and _drop_rows(cache, keep):
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
                    past_key_values=cache, use_cache=True)
        cache, logits = out.past_key_values, out.logits[:, -1, :].float()
    return generated

"""The sampling loop that drops finished rows: the same tokens as ``generate``, fewer rows computed."""

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from copygen_oscar.backends import decoding

EOS, PAD = 1, 0


def model():
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(vocab_size=60, n_positions=64, n_embd=32, n_layer=2, n_head=2,
                                      eos_token_id=EOS, bos_token_id=EOS, pad_token_id=PAD)).eval()


def left_padded(rows):
    width = max(map(len, rows))
    ids = torch.tensor([[PAD] * (width - len(r)) + r for r in rows])
    mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
    return ids, mask


def test_greedy_rows_match_generate_under_left_padding():
    lm = model()
    ids, mask = left_padded([[5, 6, 7, 8, 9], [10, 11], [12, 13, 14], [20, 21, 22, 23]])
    with torch.inference_mode():
        reference = lm.generate(input_ids=ids, attention_mask=mask, do_sample=False, max_new_tokens=12,
                                eos_token_id=EOS, pad_token_id=PAD)[:, ids.shape[1]:].tolist()
        got = decoding.sample(lm, ids, mask, max_new_tokens=12, eos_ids={EOS}, temperature=1e-6, top_p=1.0)
    expected = [row[: row.index(EOS)] if EOS in row else row for row in reference]
    assert got == expected and any(len(row) == 12 for row in got)


def test_long_rows_grow_the_cache_and_still_match_generate():
    lm = model()
    ids, mask = left_padded([[5, 6, 7, 8, 9], [10, 11], [12, 13, 14]])
    with torch.inference_mode():
        reference = lm.generate(input_ids=ids, attention_mask=mask, do_sample=False, max_new_tokens=56,
                                eos_token_id=EOS, pad_token_id=PAD)[:, ids.shape[1]:].tolist()
        got = decoding.sample(lm, ids, mask, max_new_tokens=56, eos_ids={EOS}, temperature=1e-6, top_p=1.0)
    expected = [row[: row.index(EOS)] if EOS in row else row for row in reference]
    assert got == expected and max(map(len, got)) > 32 + 8  # past the first room and into the doubled one


def test_a_row_that_ends_leaves_the_batch_and_the_others_go_on():
    lm = model()
    ids, mask = left_padded([[5, 6, 7], [8, 9, 10, 11]])
    rows_computed = []
    original = lm.forward

    def forward(*args, **kwargs):
        rows_computed.append(kwargs["input_ids"].shape[0])
        out = original(*args, **kwargs)
        if len(rows_computed) == 2:  # row 0's second token is forced to be the end
            out.logits[0, -1, :] = -1e9
            out.logits[0, -1, EOS] = 0
        return out

    lm.forward = forward
    torch.manual_seed(0)
    with torch.inference_mode():
        got = decoding.sample(lm, ids, mask, max_new_tokens=6, eos_ids={EOS}, temperature=0.8, top_p=0.9)
    assert len(got[0]) == 1 and 1 <= len(got[1]) <= 6
    assert rows_computed[:2] == [2, 2] and set(rows_computed[2:]) <= {1}


def test_nucleus_sampling_keeps_the_likeliest_tokens_and_falls_back_to_a_full_sort():
    torch.manual_seed(0)
    peaked = torch.full((8, 3000), -10.0)
    peaked[:, 42] = 10.0
    assert decoding._sample(peaked, 1.0, 0.95).tolist() == [42] * 8
    flat = torch.zeros((4, 3000))  # the nucleus spans most of the vocabulary: past the top-k shortlist
    tokens = decoding._sample(flat, 1.0, 0.95)
    assert tokens.shape == (4,) and bool(((tokens >= 0) & (tokens < 3000)).all())
    two = torch.full((2000, 10), -1e9)
    two[:, 3], two[:, 7] = 0.0, 0.0  # two equally likely tokens: top_p 0.9 keeps both, in about equal shares
    picks = decoding._sample(two, 1.0, 0.9)
    share = (picks == 3).float().mean().item()
    assert set(picks.tolist()) == {3, 7} and 0.4 < share < 0.6


def test_top_k_limits_the_draw_to_the_likeliest_tokens():
    torch.manual_seed(0)
    rising = torch.arange(3000, dtype=torch.float32).repeat(500, 1) / 3000  # nearly flat, likeliest at the end
    picks = decoding._sample(rising, 1.0, 1.0, top_k=5)
    assert set(picks.tolist()) == {2995, 2996, 2997, 2998, 2999}

"""Times bench's prefill, decode and edit-step workloads written directly in PyTorch eager.

`bench` times the workbench on a Llama model. This script runs the same workloads in plain
PyTorch on the same weights, so that both can be compared on one machine. Every measurement runs
--warmup-runs times untimed (default 1, as bench) and then --repeats times, and the median counts.

- prefill: one forward pass over --prompt-tokens ids, then the argmax of the last position's logits.
- decode: a KV cache is filled with the prompt (not timed), then --decode-tokens greedy steps of one
  position each are timed.
- edit step: 2 records of 8 prompt and 4 response tokens, the first also the locality record, and
  32 random neurons trained in `down_proj` of each of the last two layers. The loss is PKE's
  default: safe NLL, 0.1 x the unlikelihood of the unsafe response, and 2.0 x the KL to the
  unedited model over the locality answer plus 4.0 x the KL at its first position. Adam runs at
  lr 5e-3, and each run has 3 steps, reported in seconds per step. Three versions of the step:
  - cached-slices, the workbench's default: only the hot-spot columns are trained ([hidden, 32]
    per matrix), and the inputs of the first edited layer are computed once, before the steps.
  - full-slices: the same slices, with every layer run in every step (`--full-recomputation`).
  - full-masked, a straightforward implementation: the whole `down_proj` matrices are trained,
    their gradients are masked to the hot-spot columns before each Adam step, and every layer
    runs in every step.

`--ops direct-djl` runs every workload with the operations of the workbench's direct DJL
baseline (cli/DirectLlama.java) instead. Its attention is an explicit softmax over the scores
plus an additive causal mask, where the script calls torch's fused scaled_dot_product_attention.
Its RMSNorm divides by the square root, and its SiLU is x * sigmoid(x). Comparing both runs shows
how much of a gap between the workbench and this script comes from the choice of kernels.

Usage: python3 pytorch_reference.py MODEL_DIR [--ops script|direct-djl] [--threads N] [--warmup-runs N]
       [--repeats N] [--prompt-tokens N] [--decode-tokens N] [--seed N] [--json FILE]
MODEL_DIR is a Llama model in float32, float16 or bfloat16 safetensors (one file, or shards with
model.safetensors.index.json), such as `bench --random-llama --out MODEL_DIR` writes: model_type
llama or mistral, without attention biases, rope_scaling or another head_dim. Other models are
rejected, because the script would silently compute something else for them. The weights are
computed in float32: float32 files are mapped, float16 and bfloat16 ones widened, so the script
needs about 4 bytes of memory per parameter (30 GiB for an 8B model). The script needs only torch.
Its token ids and neurons come from torch's generator, so they differ from bench's, with the same
shapes.
"""
import argparse
import json
import mmap
import os
import statistics
import struct
import time
from pathlib import Path

import torch

STORED_TYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
RECORDS = 2
PROMPT_TOKENS = 8
RESPONSE_TOKENS = 4
NEURONS = 32
STEPS = 3
LEARNING_RATE = 5e-3
UNLIKELIHOOD_WEIGHT = 0.1
KL_WEIGHT = 2.0
FIRST_POSITION_KL_WEIGHT = 4.0
MAX_PROBABILITY = 1 - 1e-6


def read_safetensors(path):
    """Returns a file's tensors by name, in float32."""
    with open(path, "rb") as stream:
        header_length = struct.unpack("<Q", stream.read(8))[0]
        header = json.loads(stream.read(header_length))
        # A private mapping: float32 tensors use the file's pages instead of a copy, and writes
        # never reach the file.
        data = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_COPY)
    base = 8 + header_length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] not in STORED_TYPES:
            raise SystemExit(f"error: {path}: tensor {name} is {entry['dtype']}, but the script reads only F32, "
                             "F16 and BF16")
        stored = STORED_TYPES[entry["dtype"]]
        start, end = entry["data_offsets"]
        flat = torch.frombuffer(data, dtype=stored, count=(end - start) // stored.itemsize, offset=base + start)
        tensors[name] = flat.reshape(entry["shape"]).float()
    return tensors


def check_model(parser, folder):
    """Returns the model's config.json, or ends the script with a usage error naming what it cannot run."""
    if not folder.is_dir():
        parser.error(f"{folder} is not a folder; give a Llama model folder with config.json and safetensors")
    config_file = folder / "config.json"
    if not config_file.is_file():
        parser.error(f"{folder} has no config.json; give a Hugging Face model folder")
    try:
        config = json.loads(config_file.read_text())
    except ValueError as error:
        parser.error(f"{config_file} is not valid JSON: {error}")
    problems = []
    if config.get("model_type") not in ("llama", "mistral"):
        problems.append(f"model_type is {config.get('model_type')!r}, not 'llama' or 'mistral'")
    if config.get("attention_bias") or config.get("mlp_bias"):
        problems.append("it has attention or MLP biases")
    if config.get("rope_scaling"):
        scaling = config["rope_scaling"]
        problems.append(f"it scales rotary embeddings ({scaling.get('rope_type', scaling.get('type'))})")
    hidden, heads = config.get("hidden_size"), config.get("num_attention_heads")
    if hidden and heads and config.get("head_dim") not in (None, hidden // heads):
        problems.append(f"its head_dim {config['head_dim']} is not hidden_size / num_attention_heads")
    if problems:
        parser.error(f"{folder}: the script runs plain Llama models only, and " + "; ".join(problems))
    return config


def read_weights(folder):
    index = folder / "model.safetensors.index.json"
    files = sorted(set(json.loads(index.read_text())["weight_map"].values())) if index.exists() \
        else ["model.safetensors"]
    weights = {}
    for file in files:
        weights.update(read_safetensors(folder / file))
    return weights


class Llama:
    """A Llama decoder in float32; `down(i)` supplies layer i's down_proj weight [hidden, intermediate]."""

    def __init__(self, folder):
        config = json.loads((folder / "config.json").read_text())
        self.weights = read_weights(folder)
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads", self.heads)
        self.head_dim = config["hidden_size"] // self.heads
        self.eps = config.get("rms_norm_eps", 1e-6)
        self.vocab = config["vocab_size"]
        inverse = 1.0 / config.get("rope_theta", 10000.0) ** (
            torch.arange(0, self.head_dim, 2).float() / self.head_dim)
        angles = torch.outer(torch.arange(config["max_position_embeddings"]).float(), inverse)
        angles = torch.cat([angles, angles], -1)
        self.cos, self.sin = angles.cos(), angles.sin()
        self.head = self.weights.get("lm_head.weight", self.weights["model.embed_tokens.weight"])

    def down_proj(self, layer):
        return self.weights[f"model.layers.{layer}.mlp.down_proj.weight"]

    def norm(self, x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * weight

    def rotate(self, x, start):
        """Applies rotary position embeddings to [batch, heads, seq, head_dim] at positions start, start + 1, ..."""
        end = start + x.shape[-2]
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * self.cos[start:end] + rotated * self.sin[start:end]

    def layer(self, index, x, down, kv_cache=None, start=0):
        """Runs one decoder layer on x, [batch, seq, hidden], at positions from start.

        With a kv_cache dict, the layer appends its keys and values to it, and the queries attend to
        all of them. x is then the whole prompt (start 0) or one new position.
        """
        w = self.weights
        prefix = f"model.layers.{index}."
        batch, positions, hidden = x.shape

        a = self.norm(x, w[prefix + "input_layernorm.weight"])
        q = (a @ w[prefix + "self_attn.q_proj.weight"].T).view(batch, positions, self.heads, self.head_dim)
        k = (a @ w[prefix + "self_attn.k_proj.weight"].T).view(batch, positions, self.kv_heads, self.head_dim)
        v = (a @ w[prefix + "self_attn.v_proj.weight"].T).view(batch, positions, self.kv_heads, self.head_dim)
        q, k, v = self.rotate(q.transpose(1, 2), start), self.rotate(k.transpose(1, 2), start), v.transpose(1, 2)
        if kv_cache is not None:
            if index in kv_cache:
                k = torch.cat([kv_cache[index][0], k], 2)
                v = torch.cat([kv_cache[index][1], v], 2)
            kv_cache[index] = (k, v)
        if self.kv_heads != self.heads:
            k = k.repeat_interleave(self.heads // self.kv_heads, 1)
            v = v.repeat_interleave(self.heads // self.kv_heads, 1)
        attended = self.attend(q, k, v).transpose(1, 2).reshape(batch, positions, hidden)
        x = x + attended @ w[prefix + "self_attn.o_proj.weight"].T

        m = self.norm(x, w[prefix + "post_attention_layernorm.weight"])
        gate = self.silu(m @ w[prefix + "mlp.gate_proj.weight"].T)
        up = m @ w[prefix + "mlp.up_proj.weight"].T
        return x + (gate * up) @ down(index).T

    @staticmethod
    def attend(q, k, v):
        """Returns causal attention [batch, heads, queries, head_dim] of queries at the last positions of k and v."""
        # A single new position attends to every cached one, so it needs no mask.
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=q.shape[-2] > 1)

    @staticmethod
    def silu(x):
        return torch.nn.functional.silu(x)

    def hidden_before(self, ids, first_layer, down):
        """Returns the input of layer first_layer, [1, seq, hidden]."""
        x = self.weights["model.embed_tokens.weight"][ids]
        for index in range(first_layer):
            x = self.layer(index, x, down)
        return x

    def logits(self, ids, down, first_layer=0, cached=None, kv_cache=None, start=0):
        """Returns the [1, seq, vocab] logits, starting from the cached input of first_layer when one is given."""
        x = cached if cached is not None else self.weights["model.embed_tokens.weight"][ids]
        for index in range(first_layer, self.layers):
            x = self.layer(index, x, down, kv_cache, start)
        return self.norm(x, self.weights["model.norm.weight"]) @ self.head.T


class DirectDjlOps(Llama):
    """The same decoder with the operations of the workbench's direct DJL baseline (--ops direct-djl)."""

    def norm(self, x, weight):
        return x / (x.square().mean(-1, keepdim=True) + self.eps).sqrt() * weight

    @staticmethod
    def attend(q, k, v):
        queries, keys = q.shape[-2], k.shape[-2]
        # Query i sits at position keys - queries + i and may not look at later keys.
        mask = torch.full((queries, keys), -1e9).triu(keys - queries + 1)
        scores = q @ k.transpose(-1, -2) * (1.0 / q.shape[-1] ** 0.5) + mask
        return scores.softmax(-1) @ v

    @staticmethod
    def silu(x):
        return x * torch.sigmoid(x)


def answer_log_probs(logits, prompt_length):
    """Returns the [answer, vocab] log-probabilities at the positions that predict the answer tokens."""
    return logits[0, prompt_length - 1:-1].log_softmax(-1)


def run_edit(model, mode, records, hot_spots):
    """Runs STEPS steps and returns the seconds per step, without the passes before the first step."""
    edited = sorted(hot_spots)
    if mode == "full-masked":
        trained = {i: model.down_proj(i).clone().requires_grad_(True) for i in edited}
        masks = {i: torch.zeros(trained[i].shape[1]).index_fill_(0, hot_spots[i], 1.0) for i in edited}

        def down(index):
            return trained.get(index, model.down_proj(index))
    else:
        trained = {i: torch.zeros(model.down_proj(i).shape[0], len(hot_spots[i]), requires_grad=True)
                   for i in edited}

        def down(index):
            if index not in trained:
                return model.down_proj(index)
            return model.down_proj(index).index_add(1, hot_spots[index], trained[index])
    optimizer = torch.optim.Adam(list(trained.values()), lr=LEARNING_RATE)
    first_layer = edited[0] if mode == "cached-slices" else 0

    sequences = [(torch.cat([prompt, safe], 1), torch.cat([prompt, unsafe], 1)) for prompt, safe, unsafe in records]
    locality = sequences[0][0]
    with torch.no_grad():
        cached = {}
        if first_layer:
            for j, (safe, unsafe) in enumerate(sequences):
                cached["safe", j] = model.hidden_before(safe, first_layer, down)
                cached["unsafe", j] = model.hidden_before(unsafe, first_layer, down)
        reference = answer_log_probs(model.logits(locality, down, first_layer, cached.get(("safe", 0))),
                                     PROMPT_TOKENS)
        reference_probabilities = reference.exp()

    started = time.perf_counter()
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = torch.zeros(())
        for j, (safe, unsafe) in enumerate(sequences):
            safe_log_probs = answer_log_probs(model.logits(safe, down, first_layer, cached.get(("safe", j))),
                                              PROMPT_TOKENS)
            nll = -safe_log_probs.gather(-1, safe[0, PROMPT_TOKENS:, None]).mean()
            unsafe_log_probs = answer_log_probs(model.logits(unsafe, down, first_layer,
                                                             cached.get(("unsafe", j))), PROMPT_TOKENS)
            probability = unsafe_log_probs.gather(-1, unsafe[0, PROMPT_TOKENS:, None]).exp() \
                .clamp(0, MAX_PROBABILITY)
            unlikelihood = -(1 - probability).log().mean()
            loss = loss + (nll + UNLIKELIHOOD_WEIGHT * unlikelihood) / len(sequences)
        edited_log_probs = answer_log_probs(model.logits(locality, down, first_layer, cached.get(("safe", 0))),
                                            PROMPT_TOKENS)
        per_position = (reference_probabilities * (reference - edited_log_probs)).sum(-1)
        loss = loss + KL_WEIGHT * (per_position.mean() + FIRST_POSITION_KL_WEIGHT * per_position[0])
        loss.backward()
        if mode == "full-masked":
            for i in edited:
                trained[i].grad.mul_(masks[i])
        optimizer.step()
    return (time.perf_counter() - started) / STEPS


def seconds_of_prefill(model, prompt):
    """Returns the seconds of one forward pass over prompt [1, seq], reading the last position's argmax."""
    with torch.inference_mode():
        started = time.perf_counter()
        model.logits(prompt, model.down_proj)[0, -1].argmax().item()
        return time.perf_counter() - started


def seconds_of_decode(model, prompt, tokens):
    """Fills a KV cache with prompt (not timed), then returns the seconds of `tokens` greedy steps."""
    with torch.inference_mode():
        kv_cache = {}
        token = model.logits(prompt, model.down_proj, kv_cache=kv_cache)[0, -1].argmax()
        started = time.perf_counter()
        for step in range(tokens):
            logits = model.logits(token.view(1, 1), model.down_proj, kv_cache=kv_cache, start=prompt.shape[1] + step)
            token = logits[0, -1].argmax()
        token.item()
        return time.perf_counter() - started


def median_after_warm_up(action, warmup_runs, repeats):
    """Runs action `warmup_runs` times untimed and then `repeats` times, and returns the median and every run."""
    for _ in range(warmup_runs):
        action()
    runs = [action() for _ in range(repeats)]
    return statistics.median(runs), runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="Llama model folder")
    parser.add_argument("--ops", choices=("script", "direct-djl"), default="script",
                        help="operations to run: the script's (default) or those of the direct DJL baseline")
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--warmup-runs", type=int, default=1,
                        help="untimed runs of each measurement before the timed ones (default: 1)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed runs of each measurement after the warm-up runs (default: 3)")
    parser.add_argument("--prompt-tokens", type=int, default=128, help="prefill length in tokens (default: 128)")
    parser.add_argument("--decode-tokens", type=int, default=64, help="greedy steps per decode run (default: 64)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the token ids and neurons (default: 1)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    arguments = parser.parse_args()
    minimums = (("--repeats", arguments.repeats, 1), ("--prompt-tokens", arguments.prompt_tokens, 1),
                ("--decode-tokens", arguments.decode_tokens, 1), ("--threads", arguments.threads, 0),
                ("--warmup-runs", arguments.warmup_runs, 0))
    for option, value, minimum in minimums:
        if value < minimum:
            parser.error(f"{option} must be at least {minimum}, got {value}")
    config = check_model(parser, arguments.model)
    positions = config.get("max_position_embeddings", 0)
    window = config.get("sliding_window") or positions
    needed = max(arguments.prompt_tokens + arguments.decode_tokens, PROMPT_TOKENS + RESPONSE_TOKENS)
    if needed > min(positions, window):
        parser.error(f"--prompt-tokens {arguments.prompt_tokens} plus --decode-tokens {arguments.decode_tokens} "
                     f"needs {needed} positions, more than the model's {min(positions, window)}; use fewer tokens")
    if arguments.json is not None:
        folder = arguments.json.parent
        if arguments.json.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
            parser.error(f"--json {arguments.json}: give a file name in an existing, writable folder")
    if arguments.threads:
        torch.set_num_threads(arguments.threads)
    torch.manual_seed(arguments.seed)

    model = (DirectDjlOps if arguments.ops == "direct-djl" else Llama)(arguments.model)
    width = model.down_proj(0).shape[1]
    hot_spots = {layer: torch.randperm(width)[:NEURONS].sort().values
                 for layer in range(max(0, model.layers - 2), model.layers)}
    records = [tuple(torch.randint(3, model.vocab, (1, n)) for n in (PROMPT_TOKENS, RESPONSE_TOKENS, RESPONSE_TOKENS))
               for _ in range(RECORDS)]
    prompt = torch.randint(3, model.vocab, (1, arguments.prompt_tokens))
    results = {"torch": torch.__version__, "ops": arguments.ops, "threads": torch.get_num_threads(),
               "model": str(arguments.model), "prompt_tokens": arguments.prompt_tokens,
               "decode_tokens": arguments.decode_tokens,
               "edited_layers": sorted(hot_spots), "neurons_per_layer": NEURONS, "edit_steps": STEPS,
               "warmup_runs": arguments.warmup_runs, "repeats": arguments.repeats, "run_seconds": {}}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {arguments.ops} operations, "
          f"{arguments.model}; "
          f"median of {arguments.repeats} timed run(s) after {arguments.warmup_runs} warm-up run(s)")

    prefill, results["run_seconds"]["prefill"] = median_after_warm_up(
        lambda: seconds_of_prefill(model, prompt), arguments.warmup_runs, arguments.repeats)
    results["prefill_tokens_per_second"] = arguments.prompt_tokens / prefill
    print(f"prefill {arguments.prompt_tokens} tokens: {arguments.prompt_tokens / prefill:.1f} tokens/s")
    decode, results["run_seconds"]["decode"] = median_after_warm_up(
        lambda: seconds_of_decode(model, prompt, arguments.decode_tokens), arguments.warmup_runs,
        arguments.repeats)
    results["decode_tokens_per_second"] = arguments.decode_tokens / decode
    print(f"decode {arguments.decode_tokens} tokens: {arguments.decode_tokens / decode:.2f} tokens/s")

    print(f"edit steps: {NEURONS} neurons in layers {sorted(hot_spots)}, {STEPS} steps per run, seconds per step")
    results["edit_step_seconds"] = {}
    for mode in ("cached-slices", "full-slices", "full-masked"):
        step, results["run_seconds"][mode] = median_after_warm_up(
            lambda: run_edit(model, mode, records, hot_spots), arguments.warmup_runs, arguments.repeats)
        results["edit_step_seconds"][mode] = step
        print(f"  {mode:14} {step:.4f}")
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

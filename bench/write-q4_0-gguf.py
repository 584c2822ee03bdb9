#!/usr/bin/env python3
"""Write only the Q4_0 GGUF of a llama2.c checkpoint, with ../shared/bench/llamacpp/write_gguf.py's
own quantizers and layout, reading the checkpoint through a memory map.

usage: write-q4_0-gguf.py MODEL.bin TOKENIZER.bin OUT_PREFIX WRITE_GGUF_FOLDER
writes OUT_PREFIX-q4_0.gguf

write_gguf.py reads the whole checkpoint into memory and also writes F32 and Q8_0 files, holding
each file's bytes until it writes them: at 1.1B parameters that is 4.4 GB read plus 4.4 GB of F32
blobs (it reached 8 GB RSS before the F32 file was written, on a shared 23 GB machine). Here the
checkpoint is mapped, and only the 0.7 GB Q4_0 file is built.
"""
import sys
import numpy as np

if len(sys.argv) != 5:
    sys.exit(__doc__)
sys.path.insert(0, sys.argv[4])
import write_gguf as w  # noqa: E402  (its folder is an argument)


def read_checkpoint(path):
    """write_gguf.read_checkpoint over a memory map instead of the whole file read into memory."""
    head = np.fromfile(path, dtype="<i4", count=7)
    dim, hidden, nl, nh, nkv, vocab, seq = (int(x) for x in head)
    shared = vocab > 0
    vocab = abs(vocab)
    f = np.memmap(path, dtype="<f4", mode="r", offset=28)
    kv = dim * nkv // nh
    pos = 0
    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        a = f[pos:pos + n].reshape(shape)
        pos += n
        return a
    t = dict(cfg=dict(dim=dim, hidden=hidden, nl=nl, nh=nh, nkv=nkv, vocab=vocab, seq=seq))
    t["emb"] = take(vocab, dim)
    t["rms_att"] = take(nl, dim)
    t["wq"], t["wk"], t["wv"], t["wo"] = take(nl, dim, dim), take(nl, kv, dim), take(nl, kv, dim), take(nl, dim, dim)
    t["rms_ffn"] = take(nl, dim)
    t["w1"], t["w2"], t["w3"] = take(nl, hidden, dim), take(nl, dim, hidden), take(nl, hidden, dim)
    t["rms_final"] = take(dim)
    take(seq, dim // nh // 2); take(seq, dim // nh // 2)
    t["wcls"] = t["emb"] if shared else take(vocab, dim)
    assert pos == len(f), (pos, len(f))
    return t

print("quantizer selftest max abs err q8_0 %.4f q4_0 %.4f" % w.selftest())
t = read_checkpoint(sys.argv[1])
tok = w.read_tokenizer(sys.argv[2], t["cfg"]["vocab"])
print(w.write_gguf(sys.argv[3] + "-q4_0.gguf", "q4_0", t, tok))

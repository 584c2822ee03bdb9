#!/usr/bin/env python3
"""Rounds a llama2.c checkpoint to float16 and back, so the GPU benchmark can carry stories15M.

The device machine takes at most 64 MiB with each command; the float32 model alone is 58 MiB.
  half-model.py pack   stories15M.bin stories15M.f16   # header kept, weights as float16
  half-model.py unpack stories15M.f16 stories15M-f16.bin  # float32 again (the rounded values)
Pure Python (struct), so it runs where numpy does not exist.
"""
import struct
import sys

HEADER = 7 * 4


def convert(source, target, read, write):
    with open(source, "rb") as f:
        data = f.read()
    size = struct.calcsize("<" + read)
    count = (len(data) - HEADER) // size
    values = struct.unpack_from("<%d%s" % (count, read), data, HEADER)
    with open(target, "wb") as f:
        f.write(data[:HEADER])
        f.write(struct.pack("<%d%s" % (count, write), *values))


if __name__ == "__main__":
    mode, source, target = sys.argv[1:4]
    if mode == "pack":
        convert(source, target, "f", "e")
    elif mode == "unpack":
        convert(source, target, "e", "f")
    else:
        sys.exit("usage: half-model.py pack|unpack SOURCE TARGET")

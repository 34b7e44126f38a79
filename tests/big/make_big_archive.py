#!/usr/bin/env python3
"""Writes a large TorchScript archive without torch: an MLP of LAYERS Linear(N, N) layers with
ReLU between them, every weight a stored (uncompressed) zip record of N*N float32, the zip written
as torch's writer does (ZIP64 extra fields on every entry, 64-byte aligned data, ZIP64 end
records). Also writes the input and the expected output (computed here in double precision; the
weights follow a pattern with 5 distinct rows, so the sums are cheap).

Usage: make_big_archive.py OUTDIR [LAYERS] [N]   (defaults: 3 layers of 16384: 3 GiB of weights)
Writes OUTDIR/model.pt, OUTDIR/input_0.bin, OUTDIR/output_0.bin.
"""
import array
import os
import struct
import sys
import zlib

ROOT = "big"


def row_kind(layer, i):
    return (3 * i + layer) % 5


def weight_row(k, n):
    """Row i of layer's weight, k = row_kind(layer, i): ((k + j) % 5 + 1) / n for j < n."""
    return [((k + j) % 5 + 1) / n for j in range(n)]


def bias(layer, n):
    return [((i + layer) % 3) * 0.25 - 0.25 for i in range(n)]


def input_vector(n):
    return [((j % 4) + 1) * 0.25 for j in range(n)]


def expected(layers, n):
    x = input_vector(n)
    for layer in range(layers):
        dots = [sum(a * b for a, b in zip(weight_row(k, n), x)) for k in range(5)]
        b = bias(layer, n)
        y = [dots[row_kind(layer, i)] + b[i] for i in range(n)]
        x = [max(v, 0.0) for v in y] if layer + 1 < layers else y
    return x


class ZipWriter:
    """Streams entries to a file; sizes and CRCs are patched into the local header after the
    data, so nothing is held in memory."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.entries = []  # (name, crc, size, local header offset)

    def add(self, name, chunks):
        name = f"{ROOT}/{name}".encode()
        lho = self.f.tell()
        zip64 = struct.pack("<HHQQ", 1, 16, 0, 0)
        unpadded = lho + 30 + len(name) + len(zip64) + 4
        pad = (64 - unpadded % 64) % 64
        extra = zip64 + struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        self.f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0x0800, 0, 0, 0, 0,
                                 0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra)))
        self.f.write(name)
        self.f.write(extra)
        crc, size = 0, 0
        for c in chunks:
            crc = zlib.crc32(c, crc)
            size += len(c)
            self.f.write(c)
        end = self.f.tell()
        self.f.seek(lho + 14)
        self.f.write(struct.pack("<I", crc))
        self.f.seek(lho + 30 + len(name) + 4)
        self.f.write(struct.pack("<QQ", size, size))
        self.f.seek(end)
        self.entries.append((name, crc, size, lho))

    def close(self):
        cd = self.f.tell()
        for name, crc, size, lho in self.entries:
            extra = struct.pack("<HHQQQ", 1, 24, size, size, lho)
            self.f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0x0800, 0, 0, 0,
                                     crc, 0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra), 0, 0,
                                     0, 0, 0xFFFFFFFF))
            self.f.write(name)
            self.f.write(extra)
        cd_size = self.f.tell() - cd
        z64 = self.f.tell()
        n = len(self.entries)
        self.f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, cd_size, cd))
        self.f.write(struct.pack("<IIQI", 0x07064B50, 0, z64, 1))
        self.f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, 0xFFFFFFFF, 0xFFFFFFFF, 0))
        self.f.close()


class Pickle:
    """The few protocol-2 opcodes torch's data.pkl uses."""

    def __init__(self):
        self.b = bytearray(b"\x80\x02")

    def op(self, code):
        self.b += code
        return self

    def glob(self, module, name):
        return self.op(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def s(self, text):
        t = text.encode()
        return self.op(b"X" + struct.pack("<I", len(t)) + t)

    def i(self, v):
        return self.op(b"J" + struct.pack("<i", v))

    def tensor(self, key, sizes):
        numel = 1
        for d in sizes:
            numel *= d
        strides = [1] * len(sizes)
        for k in range(len(sizes) - 2, -1, -1):
            strides[k] = strides[k + 1] * sizes[k + 1]
        self.glob("torch._utils", "_rebuild_tensor_v2").op(b"(").op(b"(")
        self.s("storage").glob("torch", "FloatStorage").s(key).s("cpu").i(numel).op(b"t")
        self.op(b"Q").i(0).op(b"(")
        for d in sizes:
            self.i(d)
        self.op(b"t(")
        for d in strides:
            self.i(d)
        self.op(b"t\x88").glob("collections", "OrderedDict").op(b")R").op(b"tR")
        return self


def main():
    out = sys.argv[1]
    layers = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 16384
    os.makedirs(out, exist_ok=True)

    p = Pickle().glob("__torch__", "Big").op(b")\x81}(")
    p.s("training").op(b"\x89").s("_is_full_backward_hook").op(b"N")
    for layer in range(layers):
        p.s(f"fc{layer}").glob("__torch__.torch.nn.modules.linear", "Linear").op(b")\x81}(")
        p.s("weight").tensor(str(2 * layer), [n, n]).s("bias").tensor(str(2 * layer + 1), [n])
        p.s("training").op(b"\x89").s("_is_full_backward_hook").op(b"Nub")
    p.op(b"ub.")

    fields = "".join(f"  fc{k} : __torch__.torch.nn.modules.linear.Linear\n" for k in range(layers))
    body = "".join(f"    fc{k} = self.fc{k}\n" for k in range(layers))
    h = "x"
    for k in range(layers):
        call = f"(fc{k}).forward({h}, )"
        body += f"    h{k} = {'torch.relu(' + call + ')' if k + 1 < layers else call}\n"
        h = f"h{k}"
    top = ("class Big(Module):\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n"
           "  _is_full_backward_hook : Optional[bool]\n" + fields +
           "  def forward(self: __torch__.Big,\n    x: Tensor) -> Tensor:\n" + body +
           f"    return {h}\n")
    linear = ("class Linear(Module):\n  __parameters__ = [\"weight\", \"bias\", ]\n"
              "  __buffers__ = []\n  weight : Tensor\n  bias : Tensor\n  training : bool\n"
              "  _is_full_backward_hook : Optional[bool]\n"
              "  def forward(self: __torch__.torch.nn.modules.linear.Linear,\n"
              "    input: Tensor) -> Tensor:\n    bias = self.bias\n    weight = self.weight\n"
              "    return torch.linear(input, weight, bias)\n")

    z = ZipWriter(os.path.join(out, "model.pt"))
    for layer in range(layers):
        rows = [array.array("f", weight_row(k, n)).tobytes() for k in range(5)]
        z.add(f"data/{2 * layer}", (rows[row_kind(layer, i)] for i in range(n)))
        z.add(f"data/{2 * layer + 1}", [array.array("f", bias(layer, n)).tobytes()])
    z.add("data.pkl", [bytes(p.b)])
    z.add("code/__torch__.py", [top.encode()])
    z.add("code/__torch__/torch/nn/modules/linear.py", [linear.encode()])
    z.add("constants.pkl", [b"\x80\x02)."])
    z.add("version", [b"3\n"])
    z.close()

    with open(os.path.join(out, "input_0.bin"), "wb") as f:
        f.write(array.array("f", input_vector(n)).tobytes())
    with open(os.path.join(out, "output_0.bin"), "wb") as f:
        f.write(array.array("f", expected(layers, n)).tobytes())


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""An int8 MobileNet-v2 as an ONNX model, its reference in numpy, and the platform's
outputs compared with it layer by layer under each depthwise policy.

    /usr/bin/python3 scripts/onnx_mobilenet_v2.py --dwvp build/dwvp --out /tmp/v2

Needs Debian's python3-onnx and python3-numpy (python3-torch optional). The model:
MobileNet-v2 (Sandler et al., CVPR 2018, Table 2) with random weights, in the QDQ form
(QuantizeLinear / DequantizeLinear around Conv, Clip, Add, GlobalAveragePool, Gemm),
per-channel int8 weights, int32 bias, a float input quantised by the first
QuantizeLinear. PyTorch's post-training static quantisation is tried first; Debian's
torch 1.13 cannot export a quantised ReLU6 to ONNX (UnsupportedOperatorError for
quantized::relu6), so the graph is then built with the onnx helpers (--torch skips the
fallback to show the error).

The reference evaluates the QDQ graph with numpy as onnxruntime runs it: a
DequantizeLinear -> Conv/Gemm -> QuantizeLinear group as an integer convolution
requantised by the binary32 scale x_scale * w_scale / y_scale, rounded half to even
(QLinearConv); Add, GlobalAveragePool, Clip in binary32 floats between the
DequantizeLinear and QuantizeLinear. docs/networks.md states the result.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:  # pragma: no cover
    sys.exit("needs python3-onnx (Debian), run with /usr/bin/python3")

F32 = np.float32


def rne(x):
    """Round half to even (numpy.rint), as ONNX QuantizeLinear."""
    return np.rint(x)


class Builder:
    """The QDQ graph and, beside it, the numpy reference of every 8-bit tensor."""

    def __init__(self, size, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.ref, self.order = [], [], {}, []
        self.size = size
        self.x_float = self.rng.uniform(-2, 2, (1, 3, size, size)).astype(F32)
        scale, zp = F32(1 / 64), 0
        q = np.clip(rne(self.x_float / scale) + zp, -128, 127).astype(np.int8)
        self.input = self.quantize("input", scale, zp, "input_q", q)

    def const(self, name, arr):
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def quantize(self, x, scale, zp, out, value):
        self.const(out + ".scale", np.array(scale, dtype=F32))
        self.const(out + ".zp", np.array(zp, dtype=np.int8))
        self.nodes.append(helper.make_node("QuantizeLinear", [x, out + ".scale", out + ".zp"],
                                           [out], name=out))
        return {"name": out, "scale": F32(scale), "zp": int(zp), "q": value}

    def dq(self, a):
        out = a["name"] + ".dq%d" % len(self.nodes)
        self.nodes.append(helper.make_node(
            "DequantizeLinear", [a["name"], a["name"] + ".scale", a["name"] + ".zp"], [out],
            name=out))
        return out

    def dq_const(self, name, arr, scales, axis=0):
        self.const(name, arr)
        self.const(name + "_scale", np.asarray(scales, dtype=F32))
        out = name + "_dq"
        attrs = {"axis": axis} if np.ndim(scales) else {}
        self.nodes.append(helper.make_node("DequantizeLinear", [name, name + "_scale"], [out],
                                           name=out, **attrs))
        return out

    def record(self, layer, a):
        self.ref[layer] = a["q"]
        self.order.append(layer)
        return a

    def conv(self, x, out_c, k, stride, depthwise, act, name):
        c = x["q"].shape[1]
        group = c if depthwise else 1
        cin = 1 if depthwise else c
        pad = k // 2
        w = self.rng.integers(-127, 128, (out_c, cin, k, k)).astype(np.int8)
        fan_in = cin * k * k  # weight scales keep real values about the inputs' size
        ws = (self.rng.uniform(0.5, 1.5, out_c) / (np.sqrt(fan_in) * 73.0)).astype(F32)
        b = self.rng.integers(-3000, 3001, out_c).astype(np.int32)
        bs = (x["scale"] * ws).astype(F32)
        wdq = self.dq_const(name + ".w", w, ws)
        bdq = self.dq_const(name + ".b", b, bs)
        self.nodes.append(helper.make_node(
            "Conv", [self.dq(x), wdq, bdq], [name + ".out"], name=name, kernel_shape=[k, k],
            strides=[stride, stride], pads=[pad] * 4, group=group))
        out = name + ".out"
        if act == "relu6":
            self.const(name + ".min", np.array(0, dtype=F32))
            self.const(name + ".max", np.array(6, dtype=F32))
            self.nodes.append(helper.make_node("Clip", [out, name + ".min", name + ".max"],
                                               [name + ".clip"], name=name + ".clip"))
            out = name + ".clip"
        ys = F32(x["scale"])
        yz = -100 if act else 0
        # Reference: integer accumulation, binary32 scale x_scale * w_scale / y_scale.
        xi = x["q"].astype(np.int64) - x["zp"]
        xp = np.pad(xi, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        h = (xi.shape[2] + 2 * pad - k) // stride + 1
        wd = (xi.shape[3] + 2 * pad - k) // stride + 1
        acc = np.zeros((out_c, h, wd), dtype=np.int64)
        for ky in range(k):
            for kx in range(k):
                patch = xp[0, :, ky:ky + stride * h:stride, kx:kx + stride * wd:stride]
                if depthwise:
                    acc += patch * w[:, 0, ky, kx].astype(np.int64)[:, None, None]
                else:
                    acc += np.einsum("chw,oc->ohw", patch, w[:, :, ky, kx].astype(np.int64))
        acc += b[:, None, None]
        scale = ((x["scale"] * ws).astype(F32) / ys).astype(F32)
        v = (acc.astype(F32) * scale[:, None, None]).astype(F32)
        q = rne(v) + yz
        lo, hi = -128, 127
        if act == "relu6":  # Clip(0, 6) then QuantizeLinear: the quantised bounds
            lo = max(lo, yz)
            hi = min(hi, int(rne(F32(6) / ys)) + yz)
        q = np.clip(q, lo, hi).astype(np.int8)[None]
        return self.record(name, self.quantize(out, ys, yz, name + ".q", q))

    def add(self, a, b, name):
        self.nodes.append(helper.make_node("Add", [self.dq(a), self.dq(b)], [name + ".out"],
                                           name=name))
        ys = F32(max(a["scale"], b["scale"]) * F32(1.25))
        fa = ((a["q"].astype(np.int32) - a["zp"]).astype(F32) * a["scale"]).astype(F32)
        fb = ((b["q"].astype(np.int32) - b["zp"]).astype(F32) * b["scale"]).astype(F32)
        q = np.clip(rne(((fa + fb).astype(F32) / ys).astype(F32)), -128, 127).astype(np.int8)
        return self.record(name, self.quantize(name + ".out", ys, 0, name + ".q", q))

    def pool(self, x, name):
        self.nodes.append(helper.make_node("GlobalAveragePool", [self.dq(x)], [name + ".out"],
                                           name=name))
        f = ((x["q"].astype(np.int32) - x["zp"]).astype(F32) * x["scale"]).astype(F32)
        m = f.mean(axis=(2, 3), keepdims=True, dtype=F32).astype(F32)
        q = np.clip(rne((m / x["scale"]).astype(F32)) + x["zp"], -128, 127).astype(np.int8)
        return self.record(name, self.quantize(name + ".out", x["scale"], x["zp"], name + ".q", q))

    def fc(self, x, out, name):
        c = x["q"].shape[1]
        self.nodes.append(helper.make_node("Flatten", [self.dq(x)], [name + ".flat"],
                                           name=name + ".flatten"))
        w = self.rng.integers(-127, 128, (out, c)).astype(np.int8)
        ws = np.full(out, 1 / (np.sqrt(c) * 73.0), dtype=F32)
        b = self.rng.integers(-3000, 3001, out).astype(np.int32)
        wdq = self.dq_const(name + ".w", w, ws)
        bdq = self.dq_const(name + ".b", b, (x["scale"] * ws).astype(F32))
        self.nodes.append(helper.make_node("Gemm", [name + ".flat", wdq, bdq], [name + ".out"],
                                           name=name, transB=1))
        ys = F32(x["scale"])
        acc = w.astype(np.int64) @ (x["q"].reshape(c).astype(np.int64) - x["zp"]) + b
        scale = ((x["scale"] * ws).astype(F32) / ys).astype(F32)
        q = np.clip(rne((acc.astype(F32) * scale).astype(F32)), -128, 127).astype(np.int8)
        return self.record(name, self.quantize(name + ".out", ys, 0, name + ".q",
                                               q.reshape(1, out, 1, 1)))

    def model(self, out):
        o = self.dq(out)
        graph = helper.make_graph(
            self.nodes, "mobilenet_v2_int8",
            [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                           [1, 3, self.size, self.size])],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT,
                                           [1, out["q"].shape[1]])],
            self.inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def mobilenet_v2(size, alpha, classes, seed):
    def ch(c):
        return max(8, int(c * alpha + 4) // 8 * 8)
    b = Builder(size, seed)
    x = b.conv(b.input, ch(32), 3, 2, False, "relu6", "conv1")
    block = 0
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            block += 1
            name = "b%d" % block
            stride = s if i == 0 else 1
            y = x
            if t != 1:
                y = b.conv(y, x["q"].shape[1] * t, 1, 1, False, "relu6", name + "_expand")
            y = b.conv(y, y["q"].shape[1], 3, stride, True, "relu6", name + "_dw")
            y = b.conv(y, ch(c), 1, 1, False, "", name + "_project")
            if stride == 1 and x["q"].shape[1] == ch(c):
                y = b.add(y, x, name + "_add")
            x = y
    x = b.conv(x, ch(1280) if alpha > 1 else 1280, 1, 1, False, "relu6", "conv_last")
    x = b.pool(x, "pool")
    x = b.fc(x, classes, "fc")
    return b, b.model(x)


def try_torch():
    """PyTorch post-training static quantisation of a ReLU6 conv, exported to ONNX."""
    try:
        import io
        import torch
        import torch.ao.quantization as tq
    except ImportError as e:
        return "python3-torch not installed (%s)" % e

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.dq = tq.QuantStub(), tq.DeQuantStub()
            self.conv, self.act = torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU6()

        def forward(self, x):
            return self.dq(self.act(self.conv(self.q(x))))
    try:
        torch.backends.quantized.engine = "qnnpack"
        m = Tiny().eval()
        m.qconfig = tq.get_default_qconfig("qnnpack")
        tq.prepare(m, inplace=True)
        m(torch.randn(1, 3, 8, 8))
        tq.convert(m, inplace=True)
        torch.onnx.export(m, torch.randn(1, 3, 8, 8), io.BytesIO(), opset_version=13)
    except Exception as e:  # the export path's own error
        return "torch %s: %s: %s" % (torch.__version__, type(e).__name__,
                                     str(e).splitlines()[0])
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="onnx_mobilenet_v2", help="folder for the files")
    ap.add_argument("--size", type=int, default=224, help="input height and width")
    ap.add_argument("--width", type=float, default=1.0, help="width multiplier")
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dwvp", help="the dwvp executable: run and compare under each policy")
    ap.add_argument("--policies", default="conventional,gemm_naive,gemm_dwc")
    ap.add_argument("--torch", action="store_true", help="stop if the PyTorch export fails")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    why = try_torch()
    if why:
        print("PyTorch path: %s; building the QDQ graph with the onnx helpers" % why)
        if a.torch:
            return 1
    b, model = mobilenet_v2(a.size, a.width, a.classes, a.seed)
    onnx.checker.check_model(model)
    path = os.path.join(a.out, "mobilenet_v2_int8.onnx")
    onnx.save(model, path)
    inp = os.path.join(a.out, "input.pb")
    with open(inp, "wb") as f:
        f.write(numpy_helper.from_array(b.x_float, "input").SerializeToString())
    print("model %s (%d nodes, %d layers with a reference), input %s" %
          (path, len(model.graph.node), len(b.order), inp))
    if not a.dwvp:
        return 0
    status = 0
    for policy in a.policies.split(","):
        d = os.path.join(a.out, policy)
        cmd = [a.dwvp, "run", "--onnx", path, "--onnx-input", inp, "--policy", policy,
               "--dump-tensors", d, "--report", d + ".json"]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            print(r.stdout[-2000:])
            print("%s: dwvp exit code %d" % (policy, r.returncode))
            status = 1
            continue
        index = json.load(open(os.path.join(d, "index.json")))
        by_name = {l["name"]: l for l in index["layers"]}
        layers = diffs = worst = 0
        per_layer = []
        for name in b.order:
            got = np.load(os.path.join(d, by_name[name]["files"]["output"]))  # HWC
            want = np.transpose(b.ref[name][0], (1, 2, 0))
            n = int((got != want).sum())
            layers += 1
            diffs += n
            worst = max(worst, int(np.abs(got.astype(int) - want.astype(int)).max()))
            if n:
                per_layer.append("%s: %d of %d" % (name, n, want.size))
        total = json.load(open(d + ".json"))["total"]
        print("%-13s %d layers compared, %d elements differ (max |diff| %d)%s; "
              "%d MACs, %d simulated cycles, golden check %s" %
              (policy, layers, diffs, worst, (" in " + ", ".join(per_layer)) if per_layer else "",
               total["macs"], total["simulated_cycles"],
               "bit-exact" if "bit-exact" in r.stdout else "see output"))
        status |= diffs != 0
    return status


if __name__ == "__main__":
    sys.exit(main())

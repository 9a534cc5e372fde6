#!/usr/bin/python3
"""Int8 PyTorch reference timings for bench/speed/bench_speed.sh.

MobileNet-v1 1.0, MobileNet-v2 1.0, MobileNet-v3-Large 1.0 and ResNet-50 at 224x224,
written in plain torch.nn (torchvision is not a dependency), quantised to int8 with FX
graph mode for the oneDNN engine and timed on one thread. Weights are random with a
fixed seed: only the speed matters, and int8 kernel speed does not depend on values.

Run with Debian's interpreter (/usr/bin/python3, package python3-torch):

    bench/speed/torch_int8.py --network mobilenet_v2 --iterations 20 [--json] [--show-model]

bench_speed.py imports this file and calls load() and measure() itself, so that it
can interleave torch measurements with the dwvp runs without restarting Python.
"""

import argparse
import json
import os
import statistics
import sys
import time

# One thread everywhere: the comparison is against a single-threaded simulator, and
# OpenMP reads this before torch starts its runtime, so it must precede the import.
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import torch  # noqa: E402  (must follow the environment above)
from torch import nn  # noqa: E402
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx  # noqa: E402

ENGINE = "onednn"
RESOLUTION = 224
NETWORKS = ("mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "resnet50")


def make_divisible(value, divisor=8):
    """Channel rounding of the MobileNet papers (and torchvision): nearest multiple of
    divisor, never more than 10 % below the value."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def conv_bn(cin, cout, kernel, stride=1, groups=1, act=nn.ReLU):
    """Conv + batch norm (+ activation): FX fuses conv/bn(/relu) into one quantised op.
    ReLU rather than ReLU6 where the papers say ReLU6, as torchvision's quantisable
    models do: conv+ReLU fuses into the int8 convolution, ReLU6 would be a separate op
    and make PyTorch slower than it need be."""
    layers = [nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class MobileNetV1(nn.Module):
    """Howard et al. 2017, width 1.0: 569 M MACs at 224."""

    # (output channels, stride) of the 13 depthwise-separable blocks
    BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + \
             [(1024, 2), (1024, 1)]

    def __init__(self, classes=1000):
        super().__init__()
        layers = [conv_bn(3, 32, 3, 2)]
        cin = 32
        for cout, stride in self.BLOCKS:
            layers += [conv_bn(cin, cin, 3, stride, groups=cin), conv_bn(cin, cout, 1)]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


class InvertedResidual(nn.Module):
    """MobileNet-v2/v3 block: 1x1 expansion, kxk depthwise, optional squeeze-excite,
    1x1 linear projection, residual add when shapes allow."""

    def __init__(self, cin, expand, cout, kernel, stride, act=nn.ReLU, se=False):
        super().__init__()
        layers = []
        if expand != cin:
            layers.append(conv_bn(cin, expand, 1, act=act))
        layers.append(conv_bn(expand, expand, kernel, stride, groups=expand, act=act))
        if se:
            layers.append(SqueezeExcite(expand, make_divisible(expand // 4)))
        layers.append(conv_bn(expand, cout, 1, act=None))
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.block(x)
        return x + y if self.residual else y


class SqueezeExcite(nn.Module):
    """MobileNet-v3 squeeze-and-excite: global pool, 1x1 ReLU, 1x1 hard sigmoid, scale."""

    def __init__(self, channels, squeezed):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeezed, 1)
        self.relu = nn.ReLU()
        self.fc2 = nn.Conv2d(squeezed, channels, 1)
        self.gate = nn.Hardsigmoid()

    def forward(self, x):
        return x * self.gate(self.fc2(self.relu(self.fc1(self.pool(x)))))


class MobileNetV2(nn.Module):
    """Sandler et al. 2018, width 1.0: 300 M MACs at 224."""

    # expansion t, output channels c, repeats n, first stride s (the paper's Table 2)
    SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, classes=1000):
        super().__init__()
        layers = [conv_bn(3, 32, 3, 2)]
        cin = 32
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(InvertedResidual(cin, cin * t, c, 3, s if i == 0 else 1))
                cin = c
        layers.append(conv_bn(cin, 1280, 1))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(1280, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


class MobileNetV3Large(nn.Module):
    """Howard et al. 2019, Large 1.0: 219 M MACs at 224 (hard-swish, SE with hard
    sigmoid, squeeze width expand/4 rounded to 8, as torchvision)."""

    # kernel, expansion, output, SE, activation ('RE' ReLU, 'HS' hard-swish), stride
    SETTINGS = [
        (3, 16, 16, False, "RE", 1), (3, 64, 24, False, "RE", 2), (3, 72, 24, False, "RE", 1),
        (5, 72, 40, True, "RE", 2), (5, 120, 40, True, "RE", 1), (5, 120, 40, True, "RE", 1),
        (3, 240, 80, False, "HS", 2), (3, 200, 80, False, "HS", 1), (3, 184, 80, False, "HS", 1),
        (3, 184, 80, False, "HS", 1), (3, 480, 112, True, "HS", 1), (3, 672, 112, True, "HS", 1),
        (5, 672, 160, True, "HS", 2), (5, 960, 160, True, "HS", 1), (5, 960, 160, True, "HS", 1),
    ]

    def __init__(self, classes=1000):
        super().__init__()
        layers = [conv_bn(3, 16, 3, 2, act=nn.Hardswish)]
        cin = 16
        for kernel, expand, cout, se, act, stride in self.SETTINGS:
            act_cls = nn.ReLU if act == "RE" else nn.Hardswish
            layers.append(InvertedResidual(cin, expand, cout, kernel, stride, act_cls, se))
            cin = cout
        layers.append(conv_bn(cin, 960, 1, act=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(960, 1280), nn.Hardswish(), nn.Linear(1280, classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


class Bottleneck(nn.Module):
    """ResNet-50 bottleneck (stride on the 3x3, as torchvision's v1.5)."""

    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * 4
        self.block = nn.Sequential(conv_bn(cin, width, 1), conv_bn(width, width, 3, stride),
                                   conv_bn(width, cout, 1, act=None))
        self.shortcut = conv_bn(cin, cout, 1, stride, act=None) if stride != 1 or cin != cout else None
        self.relu = nn.ReLU()

    def forward(self, x):
        identity = x if self.shortcut is None else self.shortcut(x)
        return self.relu(self.block(x) + identity)


class ResNet50(nn.Module):
    """He et al. 2016: 4.1 G MACs at 224. Max pool after conv1 (dwvp's topology CSV has
    an average pool there: same shapes, a negligible difference in work)."""

    def __init__(self, classes=1000):
        super().__init__()
        layers = [conv_bn(3, 64, 7, 2), nn.MaxPool2d(3, 2, 1)]
        cin = 64
        for width, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            for i in range(blocks):
                layers.append(Bottleneck(cin, width, stride if i == 0 else 1))
                cin = width * 4
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


MODELS = {"mobilenet_v1": MobileNetV1, "mobilenet_v2": MobileNetV2,
          "mobilenet_v3_large": MobileNetV3Large, "resnet50": ResNet50}


def count_macs(model, example):
    """Multiply-accumulates of the convolutions and linear layers (the papers' count:
    no batch norm, activations, pooling or adds), from forward hooks on the float model."""
    total = [0]

    def conv_hook(module, _inputs, output):
        kh, kw = module.kernel_size
        total[0] += output.numel() * (module.in_channels // module.groups) * kh * kw

    def linear_hook(module, _inputs, output):
        total[0] += output.numel() * module.in_features

    hooks = [m.register_forward_hook(conv_hook if isinstance(m, nn.Conv2d) else linear_hook)
             for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(example)
    for hook in hooks:
        hook.remove()
    return total[0] // example.shape[0]


def randomise_batch_norm(model):
    """Give the batch norms non-trivial statistics (the defaults make each one an
    identity) so that the folded convolutions get varied per-channel scales, as a
    trained network's have. Int8 speed does not depend on it."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_var.uniform_(0.5, 2.0)
            m.running_mean.uniform_(-0.1, 0.1)
            m.weight.data.uniform_(0.2, 0.6)


def load(name, seed=0, calibration_batches=2):
    """Build the float model, quantise it to int8 (FX graph mode, oneDNN) and return
    ({variant: quantised model}, input tensor, information dict). Variants: "fx", the
    GraphModule convert_fx returns, run op by op from Python; "torchscript", the same
    traced and frozen, which drops the Python dispatch between ops (10-30 % faster on
    these networks: a few hundred ops of a few microseconds each)."""
    if ENGINE not in torch.backends.quantized.supported_engines:
        raise RuntimeError(f"this torch has no {ENGINE} quantised engine "
                           f"(has {torch.backends.quantized.supported_engines})")
    torch.backends.quantized.engine = ENGINE
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    model = MODELS[name]().eval()
    randomise_batch_norm(model)
    example = torch.rand(1, 3, RESOLUTION, RESOLUTION)
    macs = count_macs(model, example)
    prepared = prepare_fx(model, get_default_qconfig_mapping(ENGINE), example_inputs=(example,))
    with torch.no_grad():
        for _ in range(calibration_batches):
            prepared(torch.rand(1, 3, RESOLUTION, RESOLUTION))
    quantised = convert_fx(prepared)
    with torch.no_grad():
        scripted = torch.jit.freeze(torch.jit.trace(quantised, example).eval())
    info = {
        "network": name,
        "macs": macs,
        "torch": torch.__version__,
        "engine": torch.backends.quantized.engine,
        "threads": torch.get_num_threads(),
        "executed_ops": executed_ops(quantised, example),
        # OS threads of this process after an inference: oneDNN or OpenMP workers would
        # show here even if get_num_threads() said 1.
        "os_threads": len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else None,
    }
    return {"fx": quantised, "torchscript": scripted}, example, info


# Bookkeeping the profiler lists beside the kernels (quantisation parameters, scalars,
# allocations, views); left out of the executed-operator summary.
BOOKKEEPING = {"aten::q_zero_point", "aten::q_scale", "aten::qscheme", "aten::item",
               "aten::_local_scalar_dense", "aten::_empty_affine_quantized", "aten::empty",
               "aten::contiguous", "aten::clone", "aten::_reshape_alias", "aten::view",
               "aten::_adaptive_avg_pool2d", "forward"}


def executed_ops(model, example):
    """The operators one inference runs, counted by name (autograd profiler), so that a
    reader sees the convolutions run as quantized::conv2d(_relu) and that the only
    float/int8 boundary is one quantize_per_tensor in and one dequantize out (more
    dequantize calls would mean float islands in the graph)."""
    with torch.autograd.profiler.profile() as prof, torch.no_grad():
        model(example)
    counts = {}
    for event in prof.function_events:
        if event.name not in BOOKKEEPING:
            counts[event.name] = counts.get(event.name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def measure(model, example, iterations, warmup=3):
    """Per-inference wall and CPU milliseconds (time.perf_counter, time.process_time)
    over `iterations` inferences after `warmup` untimed ones; returns medians and the
    lists."""
    wall, cpu = [], []
    with torch.no_grad():
        for _ in range(warmup):
            model(example)
        for _ in range(iterations):
            w0, c0 = time.perf_counter(), time.process_time()
            model(example)
            cpu.append((time.process_time() - c0) * 1e3)
            wall.append((time.perf_counter() - w0) * 1e3)
    return {"wall_ms": statistics.median(wall), "cpu_ms": statistics.median(cpu),
            "wall_ms_all": wall, "cpu_ms_all": cpu}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--network", choices=NETWORKS, action="append",
                        help="network to time (repeatable; default all)")
    parser.add_argument("--iterations", type=int, default=20, help="timed inferences (default 20)")
    parser.add_argument("--json", action="store_true", help="one JSON object per network on stdout")
    parser.add_argument("--show-model", action="store_true", help="print the converted model's code")
    args = parser.parse_args()
    for name in args.network or NETWORKS:
        models, example, info = load(name)
        if args.show_model:
            print(models["fx"].code)
        result = {**info, **{variant: measure(model, example, args.iterations)
                             for variant, model in models.items()}}
        if args.json:
            print(json.dumps(result))
        else:
            print(f"{name}: {info['macs'] / 1e6:.1f} M MACs, torch {info['torch']} {info['engine']}, "
                  f"{info['threads']} intra-op thread(s), {info['os_threads']} OS thread(s) in the process, "
                  f"median of {args.iterations} inferences:")
            for variant in models:
                print(f"  {variant:12} {result[variant]['cpu_ms']:7.2f} ms CPU, "
                      f"{result[variant]['wall_ms']:7.2f} ms wall per inference")
            print("  operators: " + ", ".join(f"{k} {v}" for k, v in info["executed_ops"].items()))
        sys.stdout.flush()


if __name__ == "__main__":
    main()

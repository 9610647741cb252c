"""Case: a ResNet-18-shaped training step. One SGD step (forward, cross-entropy, backward,
update) on a batch of 3x32x32 images, float32, glassgrad against torch eager from the same
weights and data (issue 13: at most 2x torch).

The network is torchvision's resnet18 layout, written once here for both frameworks: the
ImageNet stem (7x7 conv, stride 2, padding 3, BatchNorm, ReLU, 3x3 max-pool with stride 2 and
padding 1), BasicBlocks x [2, 2, 2, 2] of widths 64-128-256-512 (the first block of each later
stage has stride 2 and a 1x1 conv + BatchNorm shortcut), a global average pool and a linear
layer to 10 classes. Convolutions have no bias, as in torchvision. On 32x32 inputs the maps
are 16x16 after the stem conv and 8, 8, 4, 2, 1 after the pool and each stage, so the last
stage runs 512->512 3x3 convolutions on 1x1 maps with padding 1 (the case of issue 13).

BatchNorm runs in training mode (batch statistics, running statistics updated). The first
step's loss is recorded for both frameworks; they must agree before the timing means anything.
"""

from __future__ import annotations

import numpy as np

from .. import peers
from ..harness import as_float, group, measure, run_once

TITLE = "ResNet-18 step"
SETTINGS = {
    "full": {"batch": 32, "size": 32, "warmup": 1, "repeats": 9, "number": 1, "rounds": 3},
    "quick": {"batch": 32, "size": 32, "warmup": 1, "repeats": 4, "number": 1, "rounds": 2},
    "smoke": {"batch": 4, "size": 32, "warmup": 0, "repeats": 1, "number": 1},
}
FRAMEWORKS = ("glassgrad", "torch")
STAGES = ((64, 2, 1), (128, 2, 2), (256, 2, 2), (512, 2, 2))  # (width, blocks, first stride)
CLASSES = 10


def resnet18(nn):
    """torchvision's resnet18 layout in any framework with torch's ``nn`` API."""

    class BasicBlock(nn.Module):
        def __init__(self, c_in, c_out, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(c_out)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.downsample = None
            if stride != 1 or c_in != c_out:
                self.downsample = nn.Sequential(
                    nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            skip = x if self.downsample is None else self.downsample(x)
            return self.relu(out + skip)

    layers = [nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64),
              nn.ReLU(inplace=True), nn.MaxPool2d(3, stride=2, padding=1)]
    c_in = 64
    for width, blocks, stride in STAGES:
        for b in range(blocks):
            layers.append(BasicBlock(c_in, width, stride if b == 0 else 1))
            c_in = width
    layers += [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(512, CLASSES)]
    return nn.Sequential(*layers)


def weights(seed=0):
    """{parameter name: float32 array}: conv weights and the linear layer's weight and bias
    ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (torch's default bound), BatchNorm weight 1 and
    bias 0."""
    from glassgrad import nn

    rng = np.random.default_rng(seed)
    model = resnet18(nn)
    fc = f"{len(model) - 1}."  # the linear layer, last in the Sequential
    out = {}
    for name, p in model.named_parameters():
        shape = tuple(p.shape)
        if len(shape) > 1 or name.startswith(fc):
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 512
            bound = 1.0 / np.sqrt(fan_in)
            out[name] = rng.uniform(-bound, bound, shape).astype(np.float32)
        else:  # BatchNorm
            out[name] = (np.ones if name.endswith("weight") else np.zeros)(shape, np.float32)
    return out


def _glassgrad(state, x, y, lr):
    import glassgrad as gg
    from glassgrad import functional as F
    from glassgrad import nn, optim

    model = resnet18(nn)
    for name, p in model.named_parameters():
        p.data[...] = state[name]
    opt = optim.SGD(model.parameters(), lr=lr)
    xt, yt = gg.tensor(x), gg.tensor(y)

    def step():
        loss = F.cross_entropy(model(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def _torch(state, x, y, lr):
    import torch
    from torch.nn import functional as F

    from ..peers import torch_eager  # noqa: F401  (pins torch's thread count)

    model = resnet18(torch.nn)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(state[name]))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        loss = F.cross_entropy(model(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def run(s):
    state = weights()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((s["batch"], 3, s["size"], s["size"])).astype(np.float32)
    y = rng.integers(0, CLASSES, s["batch"]).astype(np.int64)
    builders = {"glassgrad": _glassgrad, "torch": _torch}
    steps = {name: builders[name](state, x, y, 0.01) for name in peers.available(FRAMEWORKS)}
    losses = {}
    for name, fn in steps.items():
        loss, err = run_once(fn)
        losses[name] = as_float(loss) if err is None else err
    results = measure(steps, s["warmup"], s["repeats"], s["number"], scale=1e3,
                      rounds=s.get("rounds", 1))
    for name, r in results.items():
        r["first_loss"] = losses[name]
    notes = ["torchvision's resnet18 layout (7x7/2 stem conv and 3x3/2 max-pool), BasicBlock "
             "x [2, 2, 2, 2], widths 64-128-256-512, BatchNorm in training mode"]
    return [group("resnet", "resnet",
                  f"ResNet-18 step: batch {s['batch']} of 3x{s['size']}x{s['size']}, "
                  "cross-entropy, SGD, float32", "ms/step", results, notes)]

"""The models the training CLI builds: an MLP and a small CNN, as plain nn.Sequential."""

from __future__ import annotations

from .. import nn


def mlp(in_features, hidden, n_classes, dropout=0.0):
    """Flatten, then Linear-ReLU blocks of the ``hidden`` widths, then a Linear head."""
    layers, width = [nn.Flatten()], in_features
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, n_classes))
    return nn.Sequential(*layers)


def cnn(in_channels, size, n_classes, channels=(16, 32), hidden=128, dropout=0.0):
    """Two conv blocks (3x3 conv, BatchNorm, ReLU, 2x2 max-pool), then an MLP head."""
    layers, c = [], in_channels
    for out in channels:
        layers += [nn.Conv2d(c, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU(),
                   nn.MaxPool2d(2)]
        c, size = out, size // 2
    layers += [nn.Flatten(), nn.Linear(c * size * size, hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(hidden, n_classes))
    return nn.Sequential(*layers)


def build(config, info):
    """The model a config asks for, for data described by ``info`` (shape, classes)."""
    shape, k = info["shape"], info["n_classes"]
    if config["model"] == "mlp":
        n = 1
        for s in shape:
            n *= s
        return mlp(n, config["hidden"], k, config["dropout"])
    if config["model"] == "cnn":
        if len(shape) != 3:
            raise ValueError(f"train: the cnn model needs image data (C, H, W); dataset "
                             f"{config['dataset']!r} has samples of shape {tuple(shape)}")
        return cnn(shape[0], shape[1], k, tuple(config["channels"]), config["hidden"][0],
                   config["dropout"])
    raise ValueError(f"train: unknown model {config['model']!r}; choose mlp or cnn")

"""What the training CLI builds from a config: the model (an MLP or a small CNN, as plain
nn.Sequential), its optimizer and its learning-rate schedule."""

from __future__ import annotations

from .. import nn, optim


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


def make_optimizer(config, params):
    name, lr, wd = config["optimizer"], config["lr"], config["weight_decay"]
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=config["momentum"], weight_decay=wd)
    if name == "adam":
        return optim.Adam(params, lr=lr, weight_decay=wd)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=wd)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, weight_decay=wd)
    if name == "adagrad":
        return optim.Adagrad(params, lr=lr, weight_decay=wd)
    raise ValueError(f"train: unknown optimizer {name!r}; choose sgd, adam, adamw, rmsprop "
                     "or adagrad")


def make_scheduler(config, opt, steps_per_epoch):
    name, epochs = config["scheduler"], config["epochs"]
    if name == "none":
        return None
    if name == "step":
        return optim.lr_scheduler.StepLR(opt, step_size=max(1, epochs // 3), gamma=0.3)
    if name == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    if name == "onecycle":
        return optim.lr_scheduler.OneCycleLR(opt, max_lr=config["lr"] * 10, epochs=epochs,
                                             steps_per_epoch=steps_per_epoch)
    if name == "plateau":
        return optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    raise ValueError(f"train: unknown scheduler {name!r}; choose none, step, cosine, onecycle "
                     "or plateau")

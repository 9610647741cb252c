"""viz.grad_norms / grad_flow / activation_stats / activations: the training views."""

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F
from glassgrad import nn, viz

pytest.importorskip("matplotlib")


def seeded(seed=0):
    gg.manual_seed(seed)
    return np.random.default_rng(seed)


def backward_once(model, x, n_classes):
    y = gg.tensor(np.arange(len(x)) % n_classes)
    F.cross_entropy(model(x), y).backward()


def mlp(depth, width, act, std, n_in=16, n_out=4):
    """``depth`` Linear+act blocks with N(0, std²) weights (default biases), then a head.

    The biases keep each layer's input from shrinking with the weights, so a weight's
    gradient (input × the gradient arriving at the layer) shows the backward signal."""
    layers, w = [], n_in
    for _ in range(depth):
        lin = nn.Linear(w, width)
        nn.init.normal_(lin.weight, std=std)
        layers += [lin, act()]
        w = width
    layers.append(nn.Linear(w, n_out))
    return nn.Sequential(*layers)


def hook_free(model):
    return all(not m.__dict__.get("_forward_hooks") and "_hooked" not in m.__dict__
               for m in model.modules())


# ---------------------------------------------------------------------- grad_norms
def test_grad_norms_equal_the_parameters_grad_norms():
    rng = seeded()
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))
    backward_once(model, gg.tensor(rng.standard_normal((6, 5))), 3)
    norms = viz.grad_norms(model)
    assert list(norms) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for name, p in model.named_parameters():
        g = p.grad.numpy().astype(np.float64)
        assert norms[name] == pytest.approx(math.sqrt(float((g * g).sum())), rel=1e-12)
        assert norms[name] > 0
        assert type(norms[name]) is float


def test_grad_norms_skip_frozen_and_mark_unused_parameters():
    rng = seeded()

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(3, 2), nn.Linear(3, 2)

        def forward(self, x):
            return self.used(x)

    net = Net()
    net.used.bias.requires_grad_(False)
    backward_once(net, gg.tensor(rng.standard_normal((4, 3))), 2)
    norms = viz.grad_norms(net)
    assert list(norms) == ["used.weight", "unused.weight", "unused.bias"]
    assert norms["unused.weight"] is None and norms["unused.bias"] is None
    fig = viz.grad_flow(net)
    assert "none" in [t.get_text() for t in fig.axes[0].texts]


def test_vanishing_gradients_in_a_badly_initialized_tanh_mlp():
    rng = seeded(1)
    model = mlp(10, 32, nn.Tanh, std=0.01)
    backward_once(model, gg.tensor(rng.standard_normal((32, 16))), 4)
    norms = viz.grad_norms(model)
    weights = [norms[f"{2 * i}.weight"] for i in range(10)]  # input layer first
    assert all(a < b for a, b in zip(weights, weights[1:])), weights
    assert weights[-1] / weights[0] > 1e10  # about a factor 10 per layer
    # a good init keeps them within a couple of orders of magnitude
    seeded(1)
    good = mlp(10, 32, nn.Tanh, std=(5 / 3) / math.sqrt(32))
    backward_once(good, gg.tensor(rng.standard_normal((32, 16))), 4)
    gw = [viz.grad_norms(good)[f"{2 * i}.weight"] for i in range(1, 10)]
    assert max(gw) / min(gw) < 100


# ---------------------------------------------------------------------- grad_flow figures
def test_norm_figure_has_one_bar_per_parameter_labelled_by_name():
    rng = seeded()
    model = mlp(3, 8, nn.ReLU, std=0.3)
    backward_once(model, gg.tensor(rng.standard_normal((5, 16))), 4)
    names = [n for n, _ in model.named_parameters()]
    fig = viz.grad_flow(model)
    (ax,) = fig.axes
    (bars,) = ax.containers
    assert len(bars) == len(names) == 8
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert ax.get_yscale() == "log"
    heights = [b.get_height() for b in bars]
    np.testing.assert_allclose(heights, list(viz.grad_norms(model).values()), rtol=1e-12)
    colors = [tuple(b.get_facecolor()) for b in bars]
    assert colors[0] == colors[2] != colors[1] == colors[3]  # weights vs biases
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"weight", "bias"}
    # the same picture from recorded numbers, and on a linear scale
    again = viz.grad_flow(viz.grad_norms(model), log=False)
    assert again.axes[0].get_yscale() == "linear"
    assert [b.get_height() for b in again.axes[0].containers[0]] == heights


def test_hist_figure_has_one_axis_per_layer():
    rng = seeded()
    model = mlp(3, 8, nn.Tanh, std=0.3)
    backward_once(model, gg.tensor(rng.standard_normal((5, 16))), 4)
    for log in (False, True):
        fig = viz.grad_flow(model, kind="hist", log=log)
        assert len(fig.axes) == 4  # Linear 0, 2, 4, 6
        assert [ax.get_ylabel() for ax in fig.axes] == ["0 Linear", "2 Linear", "4 Linear",
                                                        "6 Linear"]
        labels = [t.get_text().split()[0] for t in fig.axes[1].get_legend().get_texts()]
        assert labels == ["2.weight", "2.bias"]
        assert fig.axes[-1].get_xlabel() == ("log10 |grad|" if log else "grad")


def test_grad_flow_errors():
    model = nn.Sequential(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match=r"every \.grad is None.*call loss\.backward\(\) "
                                           r"first"):
        viz.grad_flow(model)
    with pytest.raises(RuntimeError, match=r"grad_norms: no parameter of Sequential"):
        viz.grad_norms(model)
    with pytest.raises(ValueError, match=r"kind must be one of 'norm', 'hist'; got 'bars'"):
        viz.grad_flow(model, kind="bars")
    with pytest.raises(TypeError, match=r"expected a glassgrad\.nn\.Module.*got list"):
        viz.grad_flow([1, 2])
    with pytest.raises(TypeError, match="grad_norms: expected a glassgrad.nn.Module, got int"):
        viz.grad_norms(3)
    with pytest.raises(ValueError, match="Flatten has no parameters that require grad"):
        viz.grad_norms(nn.Flatten())
    with pytest.raises(TypeError, match="kind='hist' needs the model"):
        viz.grad_flow({"w": 1.0}, kind="hist")


# ---------------------------------------------------------------------- activation numbers
def test_sigmoid_with_huge_weights_saturates():
    rng = seeded(2)
    model = mlp(2, 32, nn.Sigmoid, std=50.0)
    stats = viz.activation_stats(model, rng.standard_normal((64, 16)))
    assert [r["module"] for r in stats.values()] == ["Linear", "Sigmoid"] * 2 + ["Linear"]
    assert stats["1"]["saturated"] > 0.97 and stats["3"]["saturated"] > 0.97
    assert stats["1"]["rule"] == "out < 0.03 or out > 0.97"
    assert stats["0"]["saturated"] is None and stats["0"]["dead"] is None
    healthy = viz.activation_stats(mlp(2, 32, nn.Sigmoid, std=0.05),
                                   rng.standard_normal((64, 16)))
    assert healthy["1"]["saturated"] == 0.0


def test_saturation_counts_exactly_and_is_configurable():
    out = np.array([[-0.99, -0.5, 0.96, 0.98], [0.0, 0.975, -0.975, 0.1]])
    model = nn.Sequential(nn.Tanh())
    x = np.arctanh(out)
    assert viz.activation_stats(model, x)["0"]["saturated"] == pytest.approx(4 / 8)
    assert viz.activation_stats(model, x, saturation=0.95)["0"]["saturated"] == pytest.approx(
        5 / 8)
    sig = viz.activation_stats(nn.Sequential(nn.Sigmoid()),
                               np.log(np.array([[0.02, 0.5, 0.98, 0.04]]) /
                                      (1 - np.array([[0.02, 0.5, 0.98, 0.04]]))))
    assert sig["0"]["saturated"] == pytest.approx(2 / 4)
    with pytest.raises(ValueError, match="saturation must be between 0.5 and 1.*got 0.3"):
        viz.activation_stats(model, x, saturation=0.3)


def test_relu_with_a_large_negative_bias_is_dead():
    rng = seeded(3)
    lin = nn.Linear(6, 8)
    nn.init.constant_(lin.bias, -100.0)
    model = nn.Sequential(lin, nn.ReLU(), nn.Linear(8, 2))
    stats = viz.activation_stats(model, rng.standard_normal((32, 6)))
    assert stats["1"]["dead"] == 1.0
    assert stats["1"]["saturated"] is None
    # three dead units out of eight; a unit that is 0 for only some samples is alive
    with gg.no_grad():
        lin.weight.zero_()
        lin.weight[3, 0] = 1.0
        lin.bias.copy_(gg.tensor([-100.0, -100.0, -100.0, 0.0, 1, 1, 1, 1]))
    x = rng.standard_normal((32, 6))
    x[:, 0] = np.where(np.arange(32) % 2, 1.0, -1.0)
    assert viz.activation_stats(model, x)["1"]["dead"] == pytest.approx(3 / 8)


def test_dead_units_of_a_conv_layer_are_positions_across_the_batch():
    seeded(4)
    model = nn.Sequential(nn.ReLU())
    x = np.ones((4, 2, 3, 3))
    x[:, 0, 0, 0] = -1.0  # one position dead in every sample
    x[0, 1, 1, 1] = -1.0  # zero in one sample only: alive
    assert viz.activation_stats(model, x)["0"]["dead"] == pytest.approx(1 / 18)


def test_stats_numbers_and_module_selection():
    rng = seeded(5)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3), nn.Tanh())
    x = gg.tensor(rng.standard_normal((10, 4)))
    stats = viz.activation_stats(model, x, bins=7)
    with gg.no_grad():
        h = model[0](x).numpy()
    assert stats["0"]["mean"] == pytest.approx(h.mean(), rel=1e-6)
    assert stats["0"]["std"] == pytest.approx(h.std(), rel=1e-6)
    assert stats["0"]["shape"] == [10, 6]
    assert len(stats["0"]["counts"]) == 7 and len(stats["0"]["edges"]) == 8
    assert sum(stats["0"]["counts"]) == 60
    assert list(viz.activation_stats(model, x, modules=(nn.ReLU, nn.Tanh))) == ["1", "3"]
    assert list(viz.activation_stats(model, x, modules=nn.Tanh)) == ["3"]
    assert list(viz.activation_stats(model, x, layers=["2", "0"])) == ["0", "2"]  # call order


def test_a_module_called_twice_is_recorded_twice():
    seeded(6)

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin, self.act = nn.Linear(3, 3), nn.Tanh()

        def forward(self, x):
            return self.act(self.lin(self.act(self.lin(x))))

    stats = viz.activation_stats(Twice(), np.ones((2, 3)))
    assert list(stats) == ["lin", "act", "lin (call 2)", "act (call 2)"]


def test_forward_runs_in_eval_mode_under_no_grad():
    rng = seeded(7)
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.9), nn.BatchNorm1d(4))
    before = model[2].running_mean.numpy().copy()
    stats = viz.activation_stats(model, rng.standard_normal((8, 4)))
    assert stats["1"]["mean"] == pytest.approx(stats["0"]["mean"])  # dropout is off
    np.testing.assert_array_equal(model[2].running_mean.numpy(), before)
    assert model.training and all(m.training for m in model.modules())
    assert all(p.grad is None for p in model.parameters())


# ---------------------------------------------------------------------- state restored
def test_hooks_removed_and_modes_restored_also_on_error():
    rng = seeded(8)
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Sequential(nn.Linear(5, 2), nn.Tanh()))
    model[2].eval()  # mixed modes come back as they were
    modes = [m.training for m in model.modules()]
    viz.activations(model, rng.standard_normal((3, 4)))
    assert hook_free(model)
    assert [m.training for m in model.modules()] == modes
    with pytest.raises(RuntimeError):
        viz.activations(model, rng.standard_normal((3, 7)))  # wrong width
    assert hook_free(model)
    assert [m.training for m in model.modules()] == modes
    with pytest.raises(RuntimeError):
        viz.activation_stats(model, rng.standard_normal((3, 7)))
    assert hook_free(model)
    assert [m.training for m in model.modules()] == modes


def test_a_users_own_hook_survives():
    rng = seeded(9)
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU())
    seen = []
    handle = model[1].register_forward_hook(lambda m, a, out: seen.append(out.shape))
    viz.activation_stats(model, rng.standard_normal((3, 4)))
    assert seen == [(3, 5)]
    model(gg.tensor(rng.standard_normal((2, 4))))
    assert seen == [(3, 5), (2, 5)]
    handle.remove()


# ---------------------------------------------------------------------- activation figures
def test_activation_figures_have_one_axis_or_bar_per_layer():
    rng = seeded(10)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3), nn.Sigmoid())
    x = rng.standard_normal((16, 4))
    stats = viz.activation_stats(model, x)
    fig = viz.activations(model, x)
    assert len(fig.axes) == 4
    titles = [ax.get_title() for ax in fig.axes]
    assert [t.splitlines()[0] for t in titles] == ["0 Linear", "1 ReLU", "2 Linear",
                                                   "3 Sigmoid"]
    assert titles[1].endswith(f"dead {100 * stats['1']['dead']:.1f}%")
    assert titles[3].endswith(f"saturated {100 * stats['3']['saturated']:.1f}%")
    fig = viz.activations(model, x, kind="stats")
    top, bottom = fig.axes
    (bars,) = bottom.containers
    assert len(bars) == 4
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["0 Linear", "1 ReLU",
                                                                "2 Linear", "3 Sigmoid"]
    assert bars[1].get_height() == stats["1"]["dead"]
    assert bars[3].get_height() == stats["3"]["saturated"]
    assert math.isnan(bars[0].get_height())
    only = viz.activations(model, x, modules=(nn.ReLU, nn.Sigmoid))
    assert len(only.axes) == 2


def test_activations_errors():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    x = np.ones((1, 2))
    with pytest.raises(ValueError, match=r"kind must be one of 'hist', 'stats'; got 'norm'"):
        viz.activations(model, x, kind="norm")
    with pytest.raises(TypeError, match="activations: expected a glassgrad.nn.Module, got "
                                        "function"):
        viz.activations(lambda t: t, x)
    with pytest.raises(KeyError, match=r"no module named '5'; its modules are '0', '1'"):
        viz.activations(model, x, layers=["5"])
    with pytest.raises(ValueError, match="has no module of type Tanh"):
        viz.activation_stats(model, x, modules=nn.Tanh)
    with pytest.raises(TypeError, match="modules= takes module classes"):
        viz.activation_stats(model, x, modules="ReLU")
    with pytest.raises(ValueError, match="not both"):
        viz.activation_stats(model, x, modules=nn.ReLU, layers=["1"])
    assert hook_free(model)


def test_figures_save_without_a_display(tmp_path):
    rng = seeded(11)
    model = mlp(2, 4, nn.Tanh, std=0.5)
    x = rng.standard_normal((4, 16))
    backward_once(model, gg.tensor(x), 4)
    for i, fig in enumerate([viz.grad_flow(model), viz.grad_flow(model, kind="hist"),
                             viz.activations(model, x), viz.activations(model, x, "stats")]):
        path = tmp_path / f"{i}.png"
        fig.savefig(path)
        assert path.read_bytes()[:4] == b"\x89PNG"

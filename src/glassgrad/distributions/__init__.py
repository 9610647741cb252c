"""Probability distributions, as ``torch.distributions``.

Each distribution is built from glassgrad ops, so ``log_prob``, ``entropy``, the moments and
``rsample`` (where the draw is reparameterized: ``Normal``, ``Uniform``, ``MultivariateNormal``)
are differentiable in the parameters. ``sample``/``rsample`` take ``generator=`` (a
``gg.Generator``) and use the default generator without one, so ``gg.manual_seed`` repeats them.

    d = Normal(loc, scale)
    d.log_prob(x).sum().backward()
    kl_divergence(Normal(0.0, 1.0), Normal(1.0, 2.0))
"""

from .discrete import Bernoulli, Categorical, OneHotCategorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .univariate import Normal, Uniform

__all__ = ["Bernoulli", "Categorical", "Distribution", "MultivariateNormal", "Normal",
           "OneHotCategorical", "Uniform", "kl_divergence", "register_kl"]

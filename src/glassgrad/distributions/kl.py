"""``kl_divergence(p, q)`` = KL(p || q) = E_p[log p(x) - log q(x)], by closed forms registered
per pair of types with ``@register_kl(P, Q)``."""

from __future__ import annotations

from .discrete import Bernoulli, Categorical, OneHotCategorical
from .multivariate_normal import MultivariateNormal, _half_log_det, _solve_lower
from .univariate import Normal, Uniform

_KL = {}


def register_kl(type_p, type_q):
    """Decorator: ``fn(p, q)`` computes KL(p || q) for p of ``type_p`` and q of ``type_q``."""
    def deco(fn):
        _KL[type_p, type_q] = fn
        return fn
    return deco


def _lookup(tp, tq):
    best = None
    for (a, b), fn in _KL.items():
        if issubclass(tp, a) and issubclass(tq, b):
            rank = (tp.__mro__.index(a), tq.__mro__.index(b))
            if best is None or rank < best[0]:
                best = (rank, fn)
    return None if best is None else best[1]


def kl_divergence(p, q):
    """KL(p || q), elementwise over the broadcast batch shape."""
    fn = _lookup(type(p), type(q))
    if fn is None:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type "
                                  f"{type(p).__name__} and q type {type(q).__name__}")
    return fn(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    """(s_p^2 / s_q^2 + (m_p - m_q)^2 / s_q^2 - 1 - log(s_p^2 / s_q^2)) / 2"""
    var_ratio = (p.scale / q.scale) ** 2
    t = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    """p log(p / q) + (1 - p) log((1 - p) / (1 - q)), written with softplus of the logits;
    a term is inf where its q factor is 0, and 0 where its weight (p or 1 - p) is 0."""
    import glassgrad as gg

    sp = gg.nn.functional.softplus
    t1 = p.probs * (sp(-q.logits) - sp(-p.logits))
    t1, qp, pp = gg.broadcast_tensors(t1, q.probs, p.probs)
    t1 = gg.where(pp == 0, 0.0, gg.where(qp == 0, float("inf"), t1))
    t2 = (1 - p.probs) * (sp(q.logits) - sp(p.logits))
    t2 = gg.where(pp == 1, 0.0, gg.where(qp == 1, float("inf"), t2.expand(t1.shape)))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    """sum_k p_k (log p_k - log q_k): inf where q_k = 0 < p_k; terms with p_k = 0 are 0."""
    import glassgrad as gg

    t = p.probs * (p.logits - q.logits)
    t, qp, pp = gg.broadcast_tensors(t, q.probs, p.probs)
    t = gg.where(qp == 0, float("inf"), t)
    t = gg.where(pp == 0, 0.0, t)
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p, q):
    return _kl_categorical_categorical(p, q)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    """log((q.high - q.low) / (p.high - p.low)); inf when p's support leaves q's."""
    import glassgrad as gg

    out = ((q.high - q.low) / (p.high - p.low)).log()
    outside = (q.low > p.low) | (q.high < p.high)
    return gg.where(outside, float("inf"), out)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    """(tr(S_q^{-1} S_p) + |L_q^{-1}(m_q - m_p)|^2 - n) / 2 + log|L_q| - log|L_p|"""
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different "
                         "event shapes cannot be computed")
    n = p.event_shape[0]
    Lp, Lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    # tr(S_q^{-1} S_p) = |L_q^{-1} L_p|_F^2, solving column by column (columns as vectors)
    tr = (_solve_lower(Lq.unsqueeze(-3), Lp.mT) ** 2).sum((-2, -1))
    m = (_solve_lower(Lq, q.loc - p.loc) ** 2).sum(-1)
    out = _half_log_det(Lq) - _half_log_det(Lp) + 0.5 * (tr + m - n)
    return out

"""glassgrad.nn.utils (clip_grad_norm_, clip_grad_value_ join here)."""

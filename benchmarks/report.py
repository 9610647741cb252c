"""Tables (console and markdown) and the plot of a run's results."""

from __future__ import annotations

import os

from .harness import ratios


def _num(v):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def extras(r):
    """The notes column: the figures a framework's row carries besides its timings."""
    out = []
    loss = r.get("first_loss")
    if isinstance(loss, float):
        out.append(f"loss {loss:.6g}")
    if "test_acc" in r:
        out.append(f"test acc {r['test_acc']:.4f}")
    if "wall_with_eval_s" in r:
        out.append(f"{r['wall_with_eval_s']:.1f} s with eval")
    if "baseline_mb" in r:
        out.append(f"baseline {r['baseline_mb']:.0f} MB")
    if "rss_after_last_mb" in r:
        out.append(f"RSS at end {r['rss_after_last_mb']:.0f} MB")
    if "saved_released" in r:
        out.append(f"saved released: {'yes' if r['saved_released'] else 'no'}")
    if "graph_freed_by_refcount" in r:
        out.append(f"freed by refcount: {'yes' if r['graph_freed_by_refcount'] else 'no'}")
    if "held_by_live_loss_mb" in r:
        out.append(f"a live loss holds {r['held_by_live_loss_mb']:.2f} MB")
    return ", ".join(out)


def _rows(g):
    rat = ratios(g)
    for name, r in g["results"].items():
        if "median" in r:
            ratio = f"{rat[name]:.2f}x" if rat.get(name) else ""
            yield [name, _num(r["median"]), _num(r["min"]), _num(r["max"]), str(r["n"]), ratio,
                   extras(r)]
        else:
            what = r.get("error") or r.get("skipped") or "?"
            label = "failed: " if "error" in r else "skipped: "
            yield [name, "-", "-", "-", "0", "", label + what]


def console_group(g):
    head = ["framework", "median", "min", "max", "n", "glassgrad/peer", "notes"]
    rows = list(_rows(g))
    widths = [max([len(head[i])] + [len(r[i]) for r in rows]) for i in range(6)]  # rows may be []
    lines = [f"== {g['title']}  [{g['unit']}]"]

    def line(r):
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:6], widths[1:])]
        return "  " + "  ".join(cells + [r[6]]).rstrip()

    lines.append(line(head))
    lines += [line(r) for r in rows]
    lines += [f"  note: {n}" for n in g["notes"]]
    return "\n".join(lines)


def describe_git(g):
    """'HEAD abc1234' or 'HEAD abc1234 plus uncommitted changes to N files'."""
    if not g or not g.get("commit"):
        return "commit not recorded" + (f" ({g['error']})" if g and g.get("error") else "")
    text = f"HEAD {g['commit'][:12]}"
    if g.get("dirty"):
        files = g.get("changed_files", [])
        text += f" plus uncommitted changes to {len(files)} tracked file(s)"
    return text


def describe_blas(b):
    if not b:
        return "not recorded"
    text = " ".join(str(x) for x in (b.get("name"), b.get("version")) if x)
    if b.get("config"):
        text += f" ({b['config'].strip()})"
    return text or "unknown"


def console_targets(rows):
    if not rows:
        return ""
    lines = ["== Targets (issue 5; glassgrad/peer above 1 means glassgrad is slower)"]
    lines += [f"  [{r['status']:>4}] {r['text']}" for r in rows]
    return "\n".join(lines)


def markdown(run):
    m = run["meta"]
    v = m["versions"]
    lines = [
        "# glassgrad benchmarks",
        "",
        f"`{m['command']}` on {m['date']}: {m['cpu']}, {m['cpu_count']} cores, "
        f"{m['threads']} threads for every framework; load average "
        f"{m['load_average_start']} at the start, {m['load_average_end']} at the end; "
        f"{m['elapsed_s']:.0f} s.",
        "",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        f"Code: {describe_git(m.get('git'))}.",
        "",
        f"BLAS (numpy): {describe_blas(m.get('blas'))}.",
        "",
        f"Garbage collection: {m.get('gc', {}).get('note', 'not recorded')}.",
        "",
        "Medians, with min and max over the repeats. **glassgrad/peer** is glassgrad's median "
        "divided by the peer's: above 1 means glassgrad is slower.",
        "",
        "| case | framework | median | min | max | unit | glassgrad/peer | notes |",
        "|---|---|---:|---:|---:|---|---:|---|",
    ]
    for g in run["groups"]:
        for i, r in enumerate(_rows(g)):
            case = g["title"] if i == 0 else ""
            lines.append(f"| {case} | {r[0]} | {r[1]} | {r[2]} | {r[3]} | {g['unit']} | "
                         f"{r[5]} | {r[6]} |")
    if run["targets"]:
        lines += ["", "| target | measured | limit | status |", "|---|---:|---:|---|"]
        for t in run["targets"]:
            lines.append(f"| {t['what']} | {t['measured_text']} | {t['target_text']} | "
                         f"{t['status']} |")
    notes = [f"- {g['title']}: {n}" for g in run["groups"] for n in g["notes"]]
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines) + "\n"


def plot(run, path):
    """One panel per measurement: each framework's median, with min-max whiskers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [g for g in run["groups"] if any("median" in r for r in g["results"].values())]
    if not groups:
        return None
    cols = 2
    rows = (len(groups) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(12, 2.6 * rows), squeeze=False)
    for ax, g in zip(axes.flat, groups):
        names = list(g["results"])
        res = [g["results"][n] for n in names]
        med = [r.get("median", 0.0) for r in res]
        lo = [m - r.get("min", m) for r, m in zip(res, med)]
        hi = [r.get("max", m) - m for r, m in zip(res, med)]
        colors = ["tab:orange" if n == g["reference"] else "tab:blue" for n in names]
        ax.barh(names, med, xerr=[lo, hi], color=colors, capsize=3)
        for i, r in enumerate(res):
            if "median" not in r:
                what = (r.get("error") or r.get("skipped") or "?").split(":")[0]
                ax.text(0, i, f" {'failed' if 'error' in r else 'skipped'}: {what}",
                        va="center", fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(g["unit"])
        title = g["title"] if len(g["title"]) <= 70 else g["title"][:67] + "..."
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(groups):]:
        ax.axis("off")
    fig.suptitle(f"glassgrad benchmarks, {run['meta']['date']} "
                 f"({run['meta']['threads']} threads)", fontsize=10)
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

"""What a picture shows and where: module clusters, collapsed modules, and elision.

The graph is walked once with the shared iterative ``toposort``, so any depth is fine. Every
node is numbered by its topological position: node ``i`` is drawn as ``n{i}`` (and its op as
``o{i}``), which makes the DOT text the same on every run.

- **Clusters.** An op made inside an ``nn.Module`` call remembers the calls it ran in,
  outermost first: the modules (``ctx.scope``; ``Value._scope`` in the scalar engine) and a
  number per call that grows with time (``ctx.calls``). Each call is one cluster, and the
  clusters nest like the calls. A module called k times gives k clusters labelled with the
  call's place in time (``cell [call 3]``). A parameter is drawn inside the cluster of the
  module that owns it, or beside the calls when its module was called more than once. The
  model itself (the module whose ``named_parameters()`` gave the names) is not drawn as a
  cluster: it would only frame everything.
- **Collapsed modules.** A collapsed module (by name, or every module at nesting ``depth``)
  is one box standing for all the nodes inside it.
- **Elision.** Past ``max_nodes`` drawn nodes, the picture keeps the nodes nearest the output
  (breadth first from it) and the first nodes in topological order (the leaves and the ops
  near the inputs). Each connected run of left-out nodes becomes one ``… N nodes …`` marker,
  so a long chain becomes a single marker between its two ends.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..autograd.graph import toposort_many
from ..autograd.value import Value
from .format import module_text

_MAX_MARKERS = 20


@dataclass
class Cluster:
    key: tuple  # call numbers, outermost first (the model's own call left out)
    module: object
    name: str | None  # dotted name in the model ("0", "encoder.1"); None when unknown
    label: str  # "0: Linear(6, 8)", "cell: RNNCell(4, 8) [call 3]"
    index: int = 0  # position among the drawn clusters: cluster_{index}


@dataclass
class Box:
    """A collapsed module: one drawn node for all its members."""

    key: tuple
    members: list = field(default_factory=list)
    outputs: list = field(default_factory=list)  # members used outside the box
    index: int = 0


@dataclass
class Marker:
    """A run of elided nodes."""

    count: int
    index: int


@dataclass
class Plan:
    order: list  # every node, parents first
    parents: list  # parents[i]: topological indices of node i's parents, in argument order
    roots: set
    names: dict  # id(node) -> parameter name
    clusters: dict  # key -> Cluster, for every cluster that is drawn
    modules: dict  # key -> Cluster, for every module call (collapsed ones too)
    items: list  # (cluster key, item): ("node", i) | ("box", Box) | ("elided", Marker)
    edges: list  # (dot id, dot id)
    elided: int = 0  # how many nodes the markers stand for


def _module_names(model, names, scope_heads):
    """Find the model: given, or the outermost called module whose named_parameters() are
    exactly ``names``. Returns (model, {id(module): dotted name})."""
    if model is None and names:
        want = {name: pid for pid, name in names.items()}
        for m in scope_heads:
            try:
                got = {n: id(p) for n, p in m.named_parameters()}
            except Exception:
                continue
            if got == want:
                model = m
                break
    if model is None:
        return None, {}
    return model, {id(m): n for n, m in model.named_modules()}


def _owner_name(m, names):
    """A module's dotted name from the names of the parameters it holds, or None."""
    for k, p in getattr(m, "_parameters", {}).items():
        full = names.get(id(p)) if p is not None else None
        if full is None:
            continue
        if full == k:
            return ""
        if full.endswith("." + k):
            return full[: -len(k) - 1]
    return None


def _scope_of(n):
    """(modules, call numbers) of the module calls that made node ``n``, or None."""
    if isinstance(n, Value):
        scope, calls = getattr(n, "_scope", None), getattr(n, "_calls", None)
    else:
        ctx = getattr(n, "grad_fn", None)
        scope, calls = getattr(ctx, "scope", None), getattr(ctx, "calls", None)
    if not scope:
        return None
    return scope, calls if calls is not None else tuple(id(m) for m in scope)


class _Clusters:
    """Turns call chains into cluster keys, registering each cluster on first sight."""

    def __init__(self, model, modnames, names):
        self.model, self.modnames, self.names = model, modnames, names
        self.by_key = {}
        self._cache = {}  # id(calls tuple) -> key (the tuples live as long as their nodes)

    def name_of(self, m):
        name = self.modnames.get(id(m))
        return _owner_name(m, self.names) if name is None else name

    def key(self, scope, calls):
        k = self._cache.get(id(calls))
        if k is not None:
            return k
        mods, key = list(scope), tuple(calls)
        if mods and (mods[0] is self.model or self.name_of(mods[0]) == ""):
            mods, key = mods[1:], key[1:]  # the model itself frames everything: no cluster
        for j, m in enumerate(mods):
            sub = key[: j + 1]
            if sub not in self.by_key:
                name = self.name_of(m)
                text = module_text(m)
                self.by_key[sub] = Cluster(sub, m, name, f"{name}: {text}" if name else text)
        self._cache[id(calls)] = key
        return key

    def number_calls(self):
        """Label the calls of a module called more than once: ``[call k]``, in time order."""
        calls = {}
        for key, c in self.by_key.items():
            calls.setdefault(id(c.module), []).append(key)
        for keys in calls.values():
            if len(keys) > 1:
                for k, key in enumerate(sorted(keys, key=lambda key: key[-1]), 1):
                    self.by_key[key].label += f" [call {k}]"
        return calls


def _collapsed_keys(clusters, collapse, depth):
    keys = set()
    if collapse:
        wanted = [collapse] if isinstance(collapse, str) else list(collapse)
        by_name = {}
        for key, c in clusters.items():
            if c.name is not None:
                by_name.setdefault(c.name, []).append(key)
        missing = [n for n in wanted if n not in by_name]
        if missing:
            known = ", ".join(sorted(by_name)) or "none (pass the model as params)"
            raise ValueError(f"draw_graph: collapse={missing!r}: no module call with that name "
                             f"in this graph; named modules drawn: {known}")
        for n in wanted:
            keys.update(by_name[n])
    if depth is not None:
        deepest = max(map(len, clusters), default=0)
        if int(depth) > deepest:
            raise ValueError(f"draw_graph: depth={depth!r} but module calls in this graph "
                             f"nest only {deepest} deep (1 collapses the model's children)")
        keys.update(k for k in clusters if len(k) == int(depth))
    return keys


def plan(roots, names, model, group_modules, collapse, depth, max_nodes):
    order = toposort_many(roots)
    pos = {id(n): i for i, n in enumerate(order)}
    parents = [[pos[id(p)] for p in n.parents] for n in order]
    root_idx = {pos[id(r)] for r in roots}
    n_nodes = len(order)

    # ---------------------------------------------------------------- clusters
    paths = [()] * n_nodes
    clusters = {}
    if (collapse or depth is not None) and not group_modules:
        raise ValueError("draw_graph: collapse= and depth= need group_modules=True")
    if depth is not None and int(depth) < 1:
        raise ValueError(f"draw_graph: depth must be >= 1 (1 collapses the model's children "
                         f"into boxes), got {depth!r}")
    if group_modules:
        scopes = [(i, s) for i, s in enumerate(map(_scope_of, order)) if s is not None]
        heads = list({id(s[0][0]): s[0][0] for _, s in scopes}.values())
        model, modnames = _module_names(model, names, heads)
        if (collapse or depth is not None) and model is None:
            what = "collapse=" if collapse else "depth="
            raise ValueError(f"draw_graph: {what} needs the model, to know its modules by name "
                             f"and depth: pass params=model (or dict(model.named_parameters()))"
                             + ("" if scopes else "; also, no op in this graph ran inside an "
                                "nn.Module call"))
        reg = _Clusters(model, modnames, names)
        for i, (scope, calls) in scopes:
            paths[i] = reg.key(scope, calls)
        clusters = reg.by_key
        if (collapse or depth is not None) and not clusters:
            raise ValueError("draw_graph: collapse= and depth= fold module calls into boxes, "
                             "but no op in this graph ran inside a module call of the model")
        calls = reg.number_calls()
        if names and clusters:  # parameters sit inside the module that owns them
            home = {}  # module name -> the key of its one call, or the calls' common parent
            for keys in calls.values():
                c = clusters[keys[0]]
                if c.name is not None:
                    home[c.name] = keys[0] if len(keys) == 1 else _common_prefix(
                        [k[:-1] for k in keys])
            for i, n in enumerate(order):
                name = names.get(id(n)) if not parents[i] else None
                if name is not None:
                    paths[i] = home.get(name.rpartition(".")[0], ())
    collapsed = _collapsed_keys(clusters, collapse, depth) if clusters else set()

    # ---------------------------------------------------------------- units
    # A unit is what elision keeps or drops: one node (drawn with its op node) or a box.
    unit_of = [0] * n_nodes
    unit_box = []  # per unit: a Box, or None for a single node
    unit_node = []  # per unit: its node index (first member for a box)
    unit_path = []  # per unit: the cluster it is drawn in
    boxes = {}
    box_of_path = {}
    for i in range(n_nodes):
        path = paths[i]
        bkey = None
        if collapsed and path:
            if path in box_of_path:
                bkey = box_of_path[path]
            else:
                bkey = next((path[:j] for j in range(1, len(path) + 1) if path[:j] in collapsed),
                            None)
                box_of_path[path] = bkey
        if bkey is None:
            unit_of[i] = len(unit_box)
            unit_box.append(None)
            unit_node.append(i)
            unit_path.append(path)
            continue
        u = boxes.get(bkey)
        if u is None:
            u = boxes[bkey] = len(unit_box)
            unit_box.append(Box(bkey))
            unit_node.append(i)
            unit_path.append(bkey[:-1])
        unit_box[u].members.append(i)
        unit_of[i] = u
    n_units = len(unit_box)
    uparents = [[] for _ in range(n_units)]
    for i in range(n_nodes):
        u = unit_of[i]
        for p in parents[i]:
            up = unit_of[p]
            if up != u:
                uparents[u].append(up)
    cost = [1 if unit_box[u] is not None or not parents[unit_node[u]] else 2
            for u in range(n_units)]

    # ---------------------------------------------------------------- elision
    keep = [True] * n_units
    markers = {}  # unit -> Marker
    if sum(cost) > max_nodes:
        size = [1 if b is None else len(b.members) for b in unit_box]
        keep, markers = _elide(uparents, cost, size, [unit_of[r] for r in sorted(root_idx)],
                               max_nodes)

    # ---------------------------------------------------------------- items and edges
    # number the boxes first (a box may feed an earlier one), in time order
    kept = sorted((unit_box[u] for u in range(n_units) if keep[u] and unit_box[u] is not None),
                  key=lambda b: b.key)
    for k, b in enumerate(kept):
        b.index = k
    items, edges, seen = [], [], set()

    def out_id(u):
        if not keep[u]:
            return f"e{markers[u].index}"
        b = unit_box[u]
        return f"m{b.index}" if b is not None else f"n{unit_node[u]}"

    def add(src, dst):
        if (src, dst) not in seen:
            seen.add((src, dst))
            edges.append((src, dst))

    marker_members = {}
    for u in range(n_units):
        b = unit_box[u]
        if not keep[u]:
            mk = markers[u]
            marker_members.setdefault(mk.index, (mk, []))[1].append(unit_path[u])
            for i in (b.members if b is not None else (unit_node[u],)):
                for p in parents[i]:
                    up = unit_of[p]
                    if keep[up]:
                        _note_output(unit_box[up], p)
                        add(out_id(up), out_id(u))
            continue
        if b is None:
            i = unit_node[u]
            items.append((unit_path[u], ("node", i)))
            if parents[i]:
                for p in parents[i]:
                    up = unit_of[p]
                    _note_output(unit_box[up], p)
                    src = out_id(up)
                    if keep[up] and unit_box[up] is None:
                        edges.append((src, f"o{i}"))  # x * x keeps both edges
                    else:
                        add(src, f"o{i}")
                edges.append((f"o{i}", f"n{i}"))
            continue
        items.append((unit_path[u], ("box", b)))
        for i in b.members:
            if i in root_idx:
                _note_output(b, i)
            for p in parents[i]:
                up = unit_of[p]
                if up != u:
                    _note_output(unit_box[up], p)
                    add(out_id(up), f"m{b.index}")
    for mk, mpaths in sorted(marker_members.values(), key=lambda t: t[0].index):
        items.append((_common_prefix(mpaths), ("elided", mk)))

    drawn = _number_clusters(clusters, items)
    return Plan(order, parents, root_idx, names, drawn, clusters, items, edges,
                sum(mk.count for mk, _ in marker_members.values()))


def _note_output(box, i):
    """Member ``i`` of ``box`` (if it is a box) feeds something outside it."""
    if box is not None and i not in box.outputs:
        box.outputs.append(i)


def _common_prefix(paths):
    first = paths[0]
    n = len(first)
    for p in paths[1:]:
        n = min(n, len(p))
        while n and p[:n] != first[:n]:
            n -= 1
    return first[:n]


def _number_clusters(clusters, items):
    """The clusters that hold something, numbered in time order (cluster_0, ...): a key
    holds call numbers, so sorted keys put a call before the calls made inside it and
    before later calls."""
    keys = {path[:j] for path, _ in items for j in range(1, len(path) + 1)}
    drawn = {}
    for key in sorted(keys):
        c = clusters[key]
        c.index = len(drawn)
        drawn[key] = c
    return drawn


def _elide(uparents, cost, size, root_units, max_nodes):
    """Keep the units nearest the output and the first ones in topological order; each
    connected run of the others becomes one marker (at most _MAX_MARKERS, else one)."""
    n_units = len(cost)
    max_markers = max(1, min(_MAX_MARKERS, max_nodes // 20))
    budget = max(2, max_nodes - max_markers)
    keep = [False] * n_units
    used = 0
    # nearest the output: breadth first from the roots, up to half the budget
    queue = deque(dict.fromkeys(root_units))
    seen = set(queue)
    while queue and used + cost[queue[0]] <= budget // 2 + 1:
        u = queue.popleft()
        keep[u] = True
        used += cost[u]
        for up in uparents[u]:
            if up not in seen:
                seen.add(up)
                queue.append(up)
    # nearest the inputs: the first units in topological order
    for u in range(n_units):
        if keep[u]:
            continue
        if used + cost[u] > budget:
            break  # a clean cut: no stragglers past the first unit that does not fit
        keep[u] = True
        used += cost[u]
    # connected runs of dropped units (union-find over parent links)
    parent = list(range(n_units))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u in range(n_units):
        if keep[u]:
            continue
        for up in uparents[u]:
            if not keep[up]:
                ru, rp = find(u), find(up)
                if ru != rp:
                    parent[max(ru, rp)] = min(ru, rp)
    groups = {}
    for u in range(n_units):
        if not keep[u]:
            groups.setdefault(find(u), []).append(u)
    # a lone dropped leaf costs no more than its marker would: draw it instead
    for r in [r for r, g in groups.items() if len(g) == 1 and cost[g[0]] == 1]:
        left = len(groups) - 1
        if used + 1 + (left if left <= max_markers else 1) <= max_nodes:
            keep[groups.pop(r)[0]] = True
            used += 1
    merge = len(groups) > max_markers
    markers = {}
    shared = Marker(0, 0)
    for k, g in enumerate(groups.values()):
        mk = shared if merge else Marker(0, k)
        for u in g:
            markers[u] = mk
        mk.count += sum(size[u] for u in g)
    return keep, markers


class Shape:
    """The drawn graph's shape, for the layout: ranks counted back from the output (as dot
    places nodes), the longest path, and the direction that suits it."""

    def __init__(self, p):
        ids = []
        for _, item in p.items:
            if item[0] == "node":
                i = item[1]
                ids += [f"o{i}", f"n{i}"] if p.parents[i] else [f"n{i}"]
            else:
                ids.append(f"{'m' if item[0] == 'box' else 'e'}{item[1].index}")
        succ = {v: [] for v in ids}
        indeg = dict.fromkeys(ids, 0)
        for a, b in p.edges:
            succ[a].append(b)
            indeg[b] += 1
        order, queue = [], deque(v for v in ids if not indeg[v])  # Kahn: sources first
        while queue:
            v = queue.popleft()
            order.append(v)
            for w in succ[v]:
                indeg[w] -= 1
                if not indeg[w]:
                    queue.append(w)
        # An elision marker that stands for a non-convex region (a drawn node lies on a path
        # between two hidden ones) closes a cycle; its nodes go last, and a cycle's edges
        # count as ending there.
        order += [v for v in ids if indeg[v]]
        self.height = height = {}  # longest path to an output, in edges
        for v in reversed(order):
            height[v] = 1 + max((height.get(w, 0) for w in succ[v]), default=-1)
        self.order, self.succ = order, succ
        self.depth = 1 + max(height.values(), default=0)
        per_rank = {}
        for h in height.values():
            per_rank[h] = per_rank.get(h, 0) + 1
        self.width = max(per_rank.values(), default=0)

    def rankdir(self, ratio=2.5, min_depth=8):
        """``"TB"`` for a deep graph (depth > ratio x width, at least min_depth ranks), else
        ``"LR"``."""
        deep = self.depth >= min_depth and self.depth > ratio * self.width
        return "TB" if deep else "LR"

    def main_path(self):
        """The dot ids on one longest path from an input to an output."""
        if not self.order:
            return set()
        v = max(self.order, key=self.height.__getitem__)  # the first deepest source
        path = {v}
        while True:  # down one rank at a time (a cycle through a marker ends the path)
            v = next((w for w in self.succ[v]
                      if self.height[w] == self.height[v] - 1 and w not in path), None)
            if v is None:
                return path
            path.add(v)


"""The planning loop of docs/jax.md, and reading its result back into JAX.

    export ─► stage 1 (az-estimate-candidates, az-prune-candidates)
          ─► compile each survivor with JAX (its compiled HLO text)
          ─► stage 2 (az-place with hlo-dump=SIZES=PATH per survivor)
          ─► plan JSON ─► jax.sharding.Mesh in the planned device order

The loop talks to JAX through a backend object (jaxbridge.JaxBackend), so
that everything but the JAX calls is tested without JAX.
"""

import json
import math
import os
import re
import sys
import tempfile
import time

from .errors import AoiZoraError, StageError, TopologyMismatchError
from .jaxbridge import JaxBackend, sdy_meshes
from .tool import find_aoizora_opt, run_opt
from .topology import dumps_topology, read_topology, slice_name, topology

# Options of **options, by the pass that takes them (names as in
# include/AoiZora/Passes/Passes.td; Python spelling uses underscores).
STAGE1_ESTIMATE_OPTIONS = ("check-memory", "allow-padding", "overlap",
                           "calibration")
STAGE1_PRUNE_OPTIONS = ("keep-within", "max-survivors")
STAGE2_OPTIONS = ("search-evaluations", "search-stall", "search-seconds",
                  "exhaustive", "simulate", "top-k", "apply")
# Set by the loop itself.
_MANAGED_OPTIONS = ("topology", "topology-file", "plan-file", "report-file",
                    "hlo-dump", "exclude", "emit-remarks")


def split_options(options):
    """{python_name: value} -> (estimate, prune, place) option dicts."""
    estimate, prune, place = {}, {}, {}
    for key, value in options.items():
        name = key.replace("_", "-")
        if name in STAGE1_ESTIMATE_OPTIONS:
            estimate[name] = value
        elif name in STAGE1_PRUNE_OPTIONS:
            prune[name] = value
        elif name in STAGE2_OPTIONS:
            place[name] = value
        elif name in _MANAGED_OPTIONS:
            raise ValueError(f"option '{key}' is set by aoizora.plan itself")
        else:
            known = STAGE1_ESTIMATE_OPTIONS + STAGE1_PRUNE_OPTIONS + \
                STAGE2_OPTIONS
            raise ValueError(
                f"unknown option '{key}'; aoizora.plan forwards these to "
                "aoizora-opt: " + ", ".join(k.replace("-", "_") for k in known))
    return estimate, prune, place


def parse_mesh_axes(mesh_axes, num_devices=None):
    """The starting mesh: [(name, size), ...].

    Accepts {"cfg": 2, "sp": 4}, [("cfg", 2), ("sp", 4)], "cfg=2,sp=4", or
    names alone (("cfg", "sp") or "cfg,sp"), which put every device on the
    first axis (needs num_devices).
    """
    if isinstance(mesh_axes, str):
        items = [p.strip() for p in mesh_axes.split(",") if p.strip()]
        pairs = []
        for item in items:
            name, eq, size = item.partition("=")
            pairs.append((name.strip(), size.strip()) if eq else item)
        mesh_axes = pairs
    elif isinstance(mesh_axes, dict):
        mesh_axes = list(mesh_axes.items())
    mesh_axes = list(mesh_axes or [])
    if not mesh_axes:
        raise ValueError("mesh_axes is empty: name the mesh axes, e.g. "
                         "{'cfg': 2, 'sp': 4, 'tp': 2}")
    if all(isinstance(a, str) for a in mesh_axes):
        if num_devices is None:
            raise ValueError("mesh_axes without sizes needs the device count")
        mesh_axes = [(a, num_devices if i == 0 else 1)
                     for i, a in enumerate(mesh_axes)]
    result = []
    for entry in mesh_axes:
        if isinstance(entry, str) or len(entry) != 2:
            raise ValueError(f"mesh axis {entry!r}: give (name, size) pairs "
                             "or names alone, not a mix")
        name, size = entry
        try:
            size = int(size)
        except (TypeError, ValueError):
            raise ValueError(f"mesh axis '{name}' has size {size!r}, not an "
                             "integer") from None
        if not name or size < 1:
            raise ValueError(f"mesh axis {name!r}={size}: names must be "
                             "non-empty and sizes at least 1")
        if name in [n for n, _ in result]:
            raise ValueError(f"mesh axis '{name}' appears twice")
        result.append((str(name), size))
    return result


def sizes_label(sizes):
    return "x".join(str(s) for s in sizes)


class Survivor:
    """A candidate mesh stage 1 kept, and what happened to it."""

    def __init__(self, rank, label, sizes, total_seconds, lower_bound_seconds):
        self.rank = rank
        self.label = label
        self.sizes = tuple(sizes)
        self.total_seconds = total_seconds
        self.lower_bound_seconds = lower_bound_seconds
        self.status = "derived"  # or "compiled", "failed"
        self.dump = None         # compiled HLO text file, relative to work_dir
        self.error = None        # why compiling failed
        self.compile_seconds = None

    def __repr__(self):
        return f"Survivor({self.label!r}, status={self.status!r})"


def read_survivors(path, axis_names):
    """Survivors from az-prune-candidates' report-file JSON, best first."""
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    survivors = []
    for entry in report.get("survivors", []):
        meshes = sdy_meshes(entry["mesh"])
        if len(meshes) != 1:
            raise AoiZoraError(f"{path}: cannot read the mesh of survivor "
                               f"{entry.get('label')!r}: {entry.get('mesh')!r}")
        names = [n for n, _ in meshes[0]]
        if names != list(axis_names):
            raise AoiZoraError(
                f"{path}: survivor {entry['label']!r} has axes {names}, the "
                f"exported module {list(axis_names)}")
        survivors.append(Survivor(entry["rank"], entry["label"],
                                  [s for _, s in meshes[0]],
                                  entry.get("total_seconds"),
                                  entry.get("lower_bound_seconds")))
    return survivors, report.get("num_candidates", len(survivors))


_DEVICE_IDS = re.compile(r"device_ids\s*=\s*\[([^\]]*)\]")


def mesh_layout(plan):
    """(axis_names, shape, order) of the planned jax.sharding.Mesh: mesh
    position p (row-major) takes the module's logical device order[p].

    The plan's device_order σ says logical device k runs where the module's
    device σ(k) is. Position p of the mesh holds logical id device_ids[p] of
    the candidate mesh (p for an iota mesh), so it takes device
    σ(device_ids[p]), as the plan's jax_mesh_snippet does.
    """
    try:
        sigma = [int(k) for k in plan["device_order"]]
        logical = plan.get("logical_mesh") or {}
        candidate = plan.get("candidate")
        axes = [str(a) for a in logical["axes"]]
        shape = [int(s) for s in (candidate["sizes"] if candidate
                                  else logical["shape"])]
    except (KeyError, TypeError, ValueError) as e:
        raise AoiZoraError(f"not an AoiZora plan (missing or bad {e})") from None
    n = len(sigma)
    if sorted(sigma) != list(range(n)):
        raise AoiZoraError("the plan's device_order is not a permutation of "
                           f"0..{n - 1}")
    if len(axes) != len(shape) or math.prod(shape) != n:
        raise AoiZoraError(f"the plan's mesh {dict(zip(axes, shape))} does "
                           f"not cover its {n} devices")
    ids = list(range(n))
    match = _DEVICE_IDS.search((candidate or {}).get("mesh", ""))
    if match:
        ids = [int(t) for t in match.group(1).split(",") if t.strip()]
        if sorted(ids) != list(range(n)):
            raise AoiZoraError("the plan's candidate mesh has device_ids that "
                               f"are not a permutation of 0..{n - 1}")
    return axes, shape, [sigma[i] for i in ids]


def _padded(coords):
    coords = [int(c) for c in coords]
    return tuple(coords + [0] * (3 - len(coords)))


def planned_devices(plan, devices):
    """The devices of the planned mesh, flat in mesh (row-major) order.

    devices: the module's devices, index = logical device id (the order the
    exported module's mesh was built from). When they have coordinates, each
    is found by the chip the plan puts it on (``placement``), so the result
    follows the physical plan whatever the ids; a plan that names a chip no
    device sits on raises TopologyMismatchError.
    """
    axes, shape, order = mesh_layout(plan)
    devices = list(devices)
    if len(devices) != len(order):
        raise TopologyMismatchError(
            f"the plan is for {len(order)} devices, {len(devices)} given")
    sigma = [int(k) for k in plan["device_order"]]
    chosen = [devices[k] for k in order]
    if all(getattr(d, "coords", None) is not None for d in devices):
        at = {}
        for d in devices:
            key = (_padded(d.coords), int(getattr(d, "core_on_chip", 0) or 0))
            if key in at:
                raise TopologyMismatchError(
                    f"devices {at[key].id} and {d.id} both sit at {key}")
            at[key] = d
        by_logical = {}
        for entry in plan.get("placement", []):
            key = (_padded(entry["coords"]), int(entry.get("core_on_chip", 0)))
            if key not in at:
                raise TopologyMismatchError(
                    f"the plan puts logical device {entry['logical_id']} on "
                    f"chip {list(entry['coords'])} core "
                    f"{entry.get('core_on_chip', 0)}, where none of the given "
                    "devices sits: the plan was made for another slice or "
                    "topology file")
            by_logical[int(entry["logical_id"])] = at[key]
        if len(by_logical) == len(order):
            inverse = {s: k for k, s in enumerate(sigma)}
            chosen = [by_logical[inverse[k]] for k in order]
    return axes, shape, chosen


def make_mesh(plan, devices):
    """A jax.sharding.Mesh of the plan's candidate in the planned order."""
    from .jaxbridge import require_jax, require_numpy
    jax = require_jax("aoizora.make_mesh")
    np = require_numpy("aoizora.make_mesh")
    axes, shape, chosen = planned_devices(plan, devices)
    array = np.empty(len(chosen), dtype=object)
    for i, d in enumerate(chosen):
        array[i] = d
    return jax.sharding.Mesh(array.reshape(tuple(shape)), tuple(axes))


class PlanResult:
    """What aoizora.plan returns.

    plan         the plan JSON of az-place, as a dict
    ranking      the placed candidates, best first (plan["candidates"])
    mesh         a jax.sharding.Mesh of the winning candidate in the planned
                 device order (None when the backend builds none)
    axis_names, mesh_shape, devices   the same mesh as plain values
                 (devices flat, row-major)
    survivors    every candidate stage 1 kept: Survivor objects with status
                 "compiled", "derived" (priced from stage 1's collectives)
                 or "failed" (with .error; not ranked)
    skipped      [(label, reason)] of the survivors that failed to compile
    topology     the slice planned for; work_dir: where every file is
    files        {"module", "topology", "candidates", "survivors",
                  "stage1", "plan", "placed"} paths in work_dir
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def summary(self):
        lines = [f"plan for {self.topology}: "
                 f"{dict(zip(self.axis_names, self.mesh_shape))}, "
                 f"step {_fmt_seconds(self.plan.get('modeled_seconds'))} "
                 "(modeled)"]
        for i, c in enumerate(self.ranking):
            lines.append(f"  #{i + 1} {c.get('label')}: step "
                         f"{_fmt_seconds(c.get('step_seconds'))}, collectives "
                         f"{c.get('collective_source')}")
        for label, reason in self.skipped:
            first = (reason or "").splitlines()[0] if reason else ""
            lines.append(f"  skipped {label}: {first}")
        for b in self.plan.get("baselines", []):
            lines.append(f"  baseline {b.get('name')} ({b.get('candidate')}): "
                         f"step {_fmt_seconds(b.get('step_seconds'))}")
        lines.append("  device order (mesh positions, module device ids): "
                     f"{self.device_order}")
        return "\n".join(lines)

    def __repr__(self):
        return f"<PlanResult {self.summary()}>"


def _fmt_seconds(value):
    if not isinstance(value, (int, float)):
        return "?"
    if value >= 1:
        return f"{value:.3f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.3f} ms"
    return f"{value * 1e6:.1f} us"


class _Progress:
    def __init__(self, progress):
        if progress is True:
            self.sink = lambda line: print("aoizora: " + line, file=sys.stderr,
                                           flush=True)
        elif callable(progress):
            self.sink = progress
        else:
            self.sink = None

    def __call__(self, line):
        if self.sink:
            self.sink(line)


def _has_coords(devices):
    return all(getattr(d, "coords", None) is not None for d in devices)


def _check_slice_size(topology_spec, n):
    """Catches the plain '<gen>:AxB[xC]' forms early; aoizora-opt checks
    every form."""
    match = re.fullmatch(r"([A-Za-z0-9]+):(\d+(?:x\d+)*)(?::.*)?",
                         topology_spec)
    if match:
        # v7x shows two devices per chip (lib/Topology/Chip.cpp).
        per_chip = 2 if match.group(1).lower() == "v7x" else 1
        size = per_chip * math.prod(int(s) for s in
                                    match.group(2).split("x"))
        if size != n:
            raise TopologyMismatchError(
                f"topology {topology_spec} has {size} devices but the mesh "
                f"has {n}")


_COLLECTIVE = re.compile(
    r"\s(all-reduce|all-gather|reduce-scatter|all-to-all|"
    r"collective-permute|collective-broadcast|ragged-all-to-all)"
    r"(-start)?\(")


def count_collectives(hlo_text):
    """How many collective instructions compiled HLO text holds (an async
    pair counts once, by its -start)."""
    return len(_COLLECTIVE.findall(hlo_text))


def _check_lowered_mesh(text, names, sizes):
    """Raises when the program lowered on a mesh other than the candidate's:
    its shardings are bound to a fixed mesh, and its compiled HLO would
    price the wrong candidate. Size-1 axes are ignored; GSPMD modules (no
    sdy.mesh) cannot be checked."""
    expected = {n: x for n, x in zip(names, sizes) if x > 1}
    ours = [m for m in sdy_meshes(text)
            if m and all(n in names for n, _ in m)]
    if ours and all({n: x for n, x in m if x > 1} != expected for m in ours):
        raise AoiZoraError(
            f"the program lowered with mesh {dict(ours[0])}, not this "
            "candidate's: its shardings do not follow the mesh in context "
            "(write them as PartitionSpecs, or pass in_shardings=/"
            "out_shardings=)")


def run_loop(backend, mesh_axes, topology_spec=None, compile_survivors=True,
             topology_file=None, aoizora_opt=None, work_dir=None,
             progress=True, options=None):
    """The loop of aoizora.plan over a backend (see JaxBackend)."""
    say = _Progress(progress)
    estimate_opts, prune_opts, place_opts = split_options(options or {})
    tool = find_aoizora_opt(aoizora_opt)
    devices = list(backend.devices())
    axes = parse_mesh_axes(mesh_axes, len(devices))
    names = [n for n, _ in axes]
    sizes = [s for _, s in axes]
    n = math.prod(sizes)
    if len(devices) != n:
        raise TopologyMismatchError(
            f"the mesh {dict(axes)} has {n} devices but {len(devices)} are "
            "given (devices=, default jax.devices()); pass exactly the "
            "slice's devices")

    if work_dir is None:
        work_dir = tempfile.mkdtemp(prefix="aoizora-")
    os.makedirs(work_dir, exist_ok=True)
    work_dir = os.path.abspath(work_dir)
    files = {}

    def path(name):
        return os.path.join(work_dir, name)

    # The topology file: the given one, else the devices' own coordinates.
    entries = None
    if topology_file is not None:
        entries = read_topology(topology_file)
    elif _has_coords(devices):
        entries = topology(devices)
    if entries is not None:
        if len(entries) != n:
            raise TopologyMismatchError(
                f"the topology file lists {len(entries)} devices, the mesh "
                f"has {n}")
        ids = [e["id"] for e in entries]
        given = [getattr(d, "id", None) for d in devices]
        if sorted(ids) != sorted(given):
            raise TopologyMismatchError(
                f"the topology file's device ids {sorted(ids)} are not the "
                f"devices' {sorted(given)}")
        # In the devices' order: the exported module's device k is
        # devices[k], and the file lists the devices in that order.
        position = {d: i for i, d in enumerate(given)}
        entries = sorted(entries, key=lambda e: position[e["id"]])
        with open(path("topology.json"), "w", encoding="utf-8") as dst:
            dst.write(dumps_topology(entries))
        files["topology"] = path("topology.json")
    if topology_spec is None:
        if entries is None:
            raise TopologyMismatchError(
                "these devices have no coordinates (not TPU devices): give "
                "the slice to plan for, e.g. topology='v5e:2x4'")
        topology_spec = slice_name(entries)
        say(f"topology {topology_spec} (from the devices)")
    _check_slice_size(topology_spec, n)
    where = {"topology": topology_spec}
    if entries is not None:
        where["topology-file"] = "topology.json"
    else:
        say(f"the devices have no coordinates: planning on {topology_spec}'s "
            "default device order (device k on chip k, x fastest)")

    say(f"exporting on mesh {','.join(f'{a}={s}' for a, s in axes)} "
        f"({n} devices); files in {work_dir}")
    started = time.monotonic()
    module_text = backend.lower(names, sizes, devices)
    with open(path("module.mlir"), "w", encoding="utf-8") as f:
        f.write(module_text)
    files["module"] = path("module.mlir")
    say(f"exported in {time.monotonic() - started:.1f} s "
        f"({'Shardy' if sdy_meshes(module_text) else 'GSPMD'} shardings)")

    say(f"stage 1: estimating every candidate mesh on {topology_spec}")
    run_opt(tool, "stage 1 (az-estimate-candidates)", "module.mlir",
            [("az-estimate-candidates",
              dict(where, **estimate_opts, **{"report-file": "candidates.json",
                                              "emit-remarks": False}))],
            cwd=work_dir, output="estimated.mlir")
    files["candidates"] = path("candidates.json")

    excluded = []
    survivors = {}
    while True:
        prune = dict(prune_opts, **{"report-file": "survivors.json",
                                    "emit-remarks": False})
        if excluded:
            prune["exclude"] = [sizes_label(s) for s in excluded]
        run_opt(tool, "stage 1 (az-prune-candidates)", "estimated.mlir",
                [("az-prune-candidates", prune)], cwd=work_dir,
                output="stage1.mlir")
        kept, total = read_survivors(path("survivors.json"), names)
        if not kept:
            raise AoiZoraError(
                f"stage 1 kept no candidate of {total} (see "
                f"{path('candidates.json')} for why each was rejected)" +
                (f"; {len(excluded)} failed to compile" if excluded else ""))
        fresh = [s for s in kept if s.sizes not in survivors]
        for s in kept:
            survivors.setdefault(s.sizes, s)
        say(f"stage 1: {len(kept)} of {total} candidates kept: "
            + ", ".join(s.label for s in kept))
        if not compile_survivors:
            break
        failed_now = False
        for i, s in enumerate(fresh):
            s = survivors[s.sizes]
            say(f"survivor {i + 1}/{len(fresh)} {s.label}: compiling with JAX")
            started = time.monotonic()
            try:
                lowered_text, hlo_text = backend.compile(names, list(s.sizes),
                                                         devices)
                _check_lowered_mesh(lowered_text, names, s.sizes)
            except Exception as e:  # noqa: BLE001 - any JAX failure skips it
                s.status = "failed"
                s.error = f"{type(e).__name__}: {e}".strip()
                first = s.error.splitlines()[0] if s.error else ""
                say(f"survivor {i + 1}/{len(fresh)} {s.label}: failed to "
                    f"compile, skipped ({first})")
                excluded.append(s.sizes)
                failed_now = True
                continue
            s.compile_seconds = time.monotonic() - started
            s.dump = f"hlo-{sizes_label(s.sizes)}.txt"
            with open(path(s.dump), "w", encoding="utf-8") as f:
                f.write(hlo_text)
            s.status = "compiled"
            say(f"survivor {i + 1}/{len(fresh)} {s.label}: compiled in "
                f"{s.compile_seconds:.1f} s, {count_collectives(hlo_text)} "
                "collective instruction(s)")
        if not failed_now:
            break
        say("stage 1 again without the candidates that failed to compile")
    files["survivors"] = path("survivors.json")
    files["stage1"] = path("stage1.mlir")

    placed = [s for s in survivors.values()
              if s.sizes in {k.sizes for k in kept}]
    dumps = [f"{sizes_label(s.sizes)}={s.dump}" for s in placed
             if s.status == "compiled"]
    say(f"stage 2: placing {len(placed)} candidate(s) on {topology_spec}"
        + (f" with {len(dumps)} compiled HLO dump(s)" if dumps else
           " with stage 1's derived collectives"))
    stage2 = dict(where, **place_opts, **{"plan-file": "plan.json",
                                          "emit-remarks": False})
    if dumps:
        stage2["hlo-dump"] = dumps
    run_opt(tool, "stage 2 (az-place)", "stage1.mlir",
            [("az-place", stage2)], cwd=work_dir, output="placed.mlir")
    files["plan"] = path("plan.json")
    files["placed"] = path("placed.mlir")
    with open(path("plan.json"), encoding="utf-8") as f:
        plan_dict = json.load(f)

    axis_names, shape, chosen = planned_devices(plan_dict, devices)
    _, _, order = mesh_layout(plan_dict)
    mesh = None
    make = getattr(backend, "make_mesh", None)
    if make is not None:
        mesh = make(axis_names, shape, chosen)
    skipped = [(s.label, s.error) for s in survivors.values()
               if s.status == "failed"]
    result = PlanResult(
        plan=plan_dict, ranking=plan_dict.get("candidates", []), mesh=mesh,
        axis_names=axis_names, mesh_shape=shape, devices=chosen,
        device_order=order, survivors=list(survivors.values()),
        skipped=skipped, topology=topology_spec, work_dir=work_dir,
        files=files)
    say("plan: " + ",".join(f"{a}={s}" for a, s in zip(axis_names, shape))
        + f", modeled step {_fmt_seconds(plan_dict.get('modeled_seconds'))}; "
        f"written to {files['plan']}")
    return result


def plan(fn, *args, mesh_axes, topology=None, compile_survivors=True,
         devices=None, topology_file=None, in_shardings=None,
         out_shardings=None, aoizora_opt=None, work_dir=None, progress=True,
         **options):
    """Plans fn's device mesh and its placement on a TPU slice, end to end.

    fn, args: the program and example arguments (arrays or
      jax.ShapeDtypeStruct), as for ``jax.jit(fn).lower(*args)``. fn's
      shardings must resolve against the mesh in context: PartitionSpecs in
      ``jax.jit(..., in_shardings=P(...))`` or with_sharding_constraint, or
      give ``in_shardings``/``out_shardings`` here as PartitionSpec pytrees.
    mesh_axes: the mesh to export on, {"cfg": 2, "sp": 4, "tp": 2} (or
      "cfg=2,sp=4,tp=2"); stage 1 considers every size assignment of these
      axes.
    topology: the slice, e.g. "v5e:4x8"; default: read from the devices'
      device_kind and coordinates (TPU only).
    compile_survivors: compile each survivor with JAX and price it from the
      compiled HLO (the paper's stage 2); False prices stage 1's derived
      collectives instead.
    devices: the slice's devices (default jax.devices()), in the order the
      exported module's mesh is built from. topology_file: use this topology
      file instead of one written from the devices.
    aoizora_opt: path of aoizora-opt (else AOIZORA_OPT, PATH, build tree).
    work_dir: where the module, the dumps and the plan are written (default
      a new temporary folder, kept). progress: True prints a line per stage
      and survivor on stderr; a callable receives the lines; False: quiet.
    options: aoizora-opt options, e.g. keep_within=1.5, max_survivors=4,
      check_memory=False, allow_padding=True, search_evaluations=20000,
      exhaustive=True, simulate=True.

    Returns a PlanResult; ``result.mesh`` is the jax.sharding.Mesh to run
    with. Raises JaxMissingError without JAX, ToolNotFoundError without
    aoizora-opt, TopologyMismatchError when the devices do not match the
    slice or topology file, StageError when aoizora-opt rejects the module.
    """
    backend = JaxBackend(fn, args, devices=devices, in_shardings=in_shardings,
                         out_shardings=out_shardings)
    return run_loop(backend, mesh_axes, topology_spec=topology,
                    compile_survivors=compile_survivors,
                    topology_file=topology_file, aoizora_opt=aoizora_opt,
                    work_dir=work_dir, progress=progress, options=options)


__all__ = ["plan", "run_loop", "PlanResult", "Survivor", "mesh_layout",
           "planned_devices", "make_mesh", "parse_mesh_axes", "split_options",
           "read_survivors", "StageError"]

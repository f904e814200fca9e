"""The command line: python3 -m aoizora {plan,topology} ...

    python3 -m aoizora plan model.py:step --topology v5e:4x8 --mesh sp=8,tp=4
    python3 -m aoizora topology > slice.json
"""

import argparse
import json
import os
import runpy
import sys

from .errors import AoiZoraError

_DESCRIPTION = """\
Plan a JAX program's device mesh and its placement on a TPU slice with
AoiZora (aoizora-opt): export the program as StableHLO, estimate and prune
every candidate mesh (stage 1), compile the survivors with JAX, rank their
placements on the slice's torus from the compiled HLO (stage 2), and print
the plan and the device order of the jax.sharding.Mesh to build.
aoizora-opt is found via --aoizora-opt, $AOIZORA_OPT, PATH, or the build
tree of the checkout this package sits in."""

_PLAN_EPILOG = """\
The script is run with runpy (its `if __name__ == "__main__"` block does
not run). FUNCTION is the program (a function or a jax.jit object); its
shardings must be PartitionSpecs that resolve against the mesh in context
(jax.jit(in_shardings=P(...)), with_sharding_constraint(x, P(...))).
Its example arguments come from --args (default: the script's
`example_args`: a tuple of arrays or jax.ShapeDtypeStruct, or a function
returning one); the starting mesh from --mesh (default: the script's
`mesh_axes`).

example, on 8 fake CPU devices (no TPU needed; the plan is for v5e:2x4):
  python3 -m aoizora plan examples/jax/plan_dit_block.py:block \\
      --topology v5e:2x4 --cpu-devices 8 --out out/dit
"""


def _parser():
    parser = argparse.ArgumentParser(
        prog="python3 -m aoizora", description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="{plan,topology}")

    p = sub.add_parser(
        "plan", help="plan SCRIPT.py:FUNCTION end to end",
        description=_DESCRIPTION, epilog=_PLAN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", metavar="SCRIPT.py:FUNCTION",
                   help="the script and the function in it to plan")
    p.add_argument("--topology", metavar="SLICE",
                   help="the slice, e.g. v5e:4x8, v5litepod-16, v5p:4x4x4 "
                        "(default: read from the TPU devices)")
    p.add_argument("--mesh", metavar="AXES",
                   help="starting mesh, e.g. cfg=2,sp=4,tp=2 (default: the "
                        "script's mesh_axes); stage 1 tries every size "
                        "assignment of these axes")
    p.add_argument("--args", metavar="NAME", default="example_args",
                   help="script attribute holding the example arguments "
                        "(default: %(default)s)")
    p.add_argument("--in-shardings", metavar="NAME",
                   help="script attribute: PartitionSpec pytree for the "
                        "arguments, bound to each candidate mesh")
    p.add_argument("--out-shardings", metavar="NAME",
                   help="script attribute: PartitionSpec pytree for the "
                        "results")
    p.add_argument("--topology-file", metavar="FILE",
                   help="topology file to use instead of the devices' own "
                        "coordinates (python3 -m aoizora topology)")
    p.add_argument("--no-compile", action="store_true",
                   help="do not compile the survivors; price them from "
                        "stage 1's derived collectives")
    p.add_argument("--out", metavar="DIR", default="aoizora-out",
                   help="folder for the module, the dumps and plan.json "
                        "(default: %(default)s)")
    p.add_argument("--keep-within", type=float, metavar="RATIO",
                   help="stage 1 keeps candidates whose lower bound is "
                        "within RATIO of the best estimate (default 1.5)")
    p.add_argument("--max-survivors", type=int, metavar="N",
                   help="stage 1 keeps at most N candidates (default 4)")
    p.add_argument("-O", "--option", action="append", default=[],
                   metavar="KEY=VALUE",
                   help="another aoizora-opt option, e.g. check_memory=false, "
                        "allow_padding=true, simulate=true, exhaustive=true "
                        "(repeatable)")
    p.add_argument("--cpu-devices", type=int, metavar="N",
                   help="run JAX on N fake CPU devices "
                        "(--xla_force_host_platform_device_count); needs "
                        "--topology")
    p.add_argument("--aoizora-opt", metavar="PATH",
                   help="the aoizora-opt executable")
    p.add_argument("--json", action="store_true",
                   help="print the plan JSON instead of the summary")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress lines on stderr")

    t = sub.add_parser(
        "topology", help="write the topology file of jax.devices()",
        description="Write the topology file (what topology-file= reads) of "
                    "jax.devices(), in their order: id, coords, "
                    "core_on_chip, process_index, device_kind, slice_index. "
                    "TPU devices only (others have no coordinates).")
    t.add_argument("-o", "--output", metavar="FILE", default="-",
                   help="where to write it (default: stdout)")
    return parser


def split_target(target):
    """'path/to/script.py:function' -> (path, function)."""
    script, sep, name = target.rpartition(":")
    if not sep or not script or not name:
        raise AoiZoraError(f"'{target}': expected SCRIPT.py:FUNCTION")
    if not os.path.isfile(script):
        raise AoiZoraError(f"'{script}': no such script")
    return script, name


def load_target(target):
    """Runs the script and returns (its globals, the function)."""
    script, name = split_target(target)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    scope = runpy.run_path(script, run_name="__aoizora__")
    if name not in scope:
        raise AoiZoraError(f"{script} defines no '{name}'")
    return scope, scope[name]


def _attribute(scope, name, script, what, call=True):
    if name not in scope:
        raise AoiZoraError(f"{script} defines no '{name}' ({what})")
    value = scope[name]
    if call and callable(value) and not isinstance(value, (tuple, list)):
        value = value()
    return value


def parse_option(text):
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise AoiZoraError(f"--option '{text}': expected KEY=VALUE")
    return key.strip(), value.strip()


def _enable_cpu_devices(count):
    flags = os.environ.get("XLA_FLAGS", "")
    flag = f"--xla_force_host_platform_device_count={count}"
    if "xla_force_host_platform_device_count" not in flags:
        os.environ["XLA_FLAGS"] = (flags + " " + flag).strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    if "jax" in sys.modules:
        raise AoiZoraError("--cpu-devices must take effect before JAX is "
                           "imported")


def _cmd_plan(args):
    from .plan import plan
    if args.cpu_devices:
        if not args.topology:
            raise AoiZoraError("--cpu-devices needs --topology: fake CPU "
                               "devices have no coordinates")
        _enable_cpu_devices(args.cpu_devices)
    options = dict(parse_option(o) for o in args.option)
    if args.keep_within is not None:
        options["keep_within"] = args.keep_within
    if args.max_survivors is not None:
        options["max_survivors"] = args.max_survivors
    from .jaxbridge import require_jax
    require_jax("python3 -m aoizora plan")
    scope, fn = load_target(args.target)
    script = split_target(args.target)[0]
    example = _attribute(scope, args.args, script, "the example arguments")
    if not isinstance(example, (tuple, list)):
        example = (example,)
    mesh = args.mesh or _attribute(scope, "mesh_axes", script,
                                   "the starting mesh; or pass --mesh",
                                   call=False)
    in_shardings = (_attribute(scope, args.in_shardings, script,
                               "--in-shardings", call=False)
                    if args.in_shardings else None)
    out_shardings = (_attribute(scope, args.out_shardings, script,
                                "--out-shardings", call=False)
                     if args.out_shardings else None)
    result = plan(fn, *example, mesh_axes=mesh, topology=args.topology,
                  compile_survivors=not args.no_compile,
                  topology_file=args.topology_file,
                  in_shardings=in_shardings, out_shardings=out_shardings,
                  aoizora_opt=args.aoizora_opt, work_dir=args.out,
                  progress=not args.quiet, **options)
    if args.json:
        print(json.dumps(result.plan, indent=1))
    else:
        print(result.summary())
        print(f"plan: {result.files['plan']}")
    return 0


def _cmd_topology(args):
    from .topology import dumps_topology, slice_name, topology
    entries = topology()
    text = dumps_topology(entries)
    try:
        print(f"aoizora: {len(entries)} devices, slice "
              f"{slice_name(entries)}", file=sys.stderr)
    except AoiZoraError as e:
        print(f"aoizora: {len(entries)} devices ({e})", file=sys.stderr)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "plan":
            return _cmd_plan(args)
        return _cmd_topology(args)
    except (AoiZoraError, ValueError) as e:
        print(f"aoizora: error: {e}", file=sys.stderr)
        return 1

#!/usr/bin/env python3
"""Writes AoiZora's malformed-input corpus into a directory.

Every case is one generic-form MLIR module (plus data files it names) with
two kinds of header lines read by run_corpus.sh:

  // ARGS: <aoizora-opt arguments>   (%dir is the corpus directory)
  // CHECK: <FileCheck pattern>      ([[FILE]] is the input's path)

Each case must end in exit status 1 with a located `error:` within seconds.
The cases reproduce the classes of issue 15 (hostile input); every fuzz
finding is added here as well. Inputs are generated, not committed, so large
ones (deep nesting) cost nothing in the repository.

Usage: generate_corpus.py OUTPUT_DIR
"""
import os
import sys

CASES = []


def case(name, module, args, checks, files=None):
    CASES.append((name, module, args, checks, files or {}))


def func_module(arg_attrs="", body_type="tensor<8xf32>", attrs="", mesh=""):
    """A module with one function whose argument carries arg_attrs."""
    arg = "[{%s}]" % arg_attrs if arg_attrs else "[{}]"
    return (
        '"builtin.module"() ({\n'
        + (mesh + "\n" if mesh else "")
        + '  "func.func"() <{arg_attrs = %s, function_type = (%s) -> %s, '
        'sym_name = "main"}> ({\n' % (arg, body_type, body_type)
        + "  ^bb0(%%arg0: %s):\n" % body_type
        + '    "func.return"(%arg0) : (' + body_type + ") -> ()\n"
        "  }) : () -> ()\n"
        "})" + (" {%s}" % attrs if attrs else "") + " : () -> ()\n"
    )


def mesh_op(body):
    return '  "sdy.mesh"() <{mesh = #sdy.mesh<%s>, sym_name = "mesh"}> : () -> ()' % body


LOCATED = "[[FILE]]:{{[0-9]+}}:{{[0-9]+}}: error: "

# --- Deep nesting: recursive parsers must stop at limits::kMaxNestingDepth.
depth = 100000
case("nested-hlo-tuple-sharding",
     func_module('mhlo.sharding = "%s{replicated}%s"' % ("{" * depth, "}" * depth)),
     "--az-inspect-shardings",
     [LOCATED + "{{.*}}tuple shardings nest deeper than 256 levels"])

# --- Mesh sizes: device counts overflow or exceed limits::kMaxDevices.
case("mesh-axes-overflow-2p32",
     func_module(mesh=mesh_op('["a"=4294967296, "b"=4294967296]')),
     "--az-inspect-shardings",
     [LOCATED + "{{.*}}mesh axis sizes multiply to more than 2^20"])
case("mesh-64-axes-of-2",
     func_module(mesh=mesh_op("[" + ", ".join('"a%d"=2' % i for i in range(64)) + "]")),
     "--az-inspect-shardings",
     [LOCATED + "{{.*}}mesh axis sizes multiply to more than 2^20"])
case("mesh-axis-2p62",
     func_module(mesh=mesh_op('["a"=4611686018427387904]')),
     "--az-estimate-candidates=topology=generic:8",
     [LOCATED + "{{.*}}more than 2^20"])
case("mesh-axis-above-device-limit",
     func_module(mesh=mesh_op('["a"=1048577]')),
     "--az-plan=topology=generic:8",
     [LOCATED + "{{.*}}more than 2^20 (1048576) devices"])
case("sub-axis-pre-size-2p62",
     func_module('sdy.sharding = #sdy.sharding<@mesh, [{"a":(4611686018427387904)4}]>',
                 mesh=mesh_op('["a"=8]')),
     "--az-inspect-shardings",
     [LOCATED + "{{.*}}overflows 64-bit arithmetic"])
case("hlo-tile-dims-overflow",
     func_module('mhlo.sharding = "{devices=[4294967296,4294967296]<=[1]}"'),
     "--az-inspect-shardings",
     [LOCATED + "{{.*}}tile assignment dims multiply to more than 2^20"])
# Found by aoizora-fuzz-hlo-sharding: a second devices= mixed into the first
# tile assignment (fuzz/corpus/hlo-sharding/finding-duplicate-devices).
case("hlo-sharding-devices-twice",
     func_module('mhlo.sharding = "{devices=[1]<=[1]devices=[1,2,4]0,2,4,6,1,3,5,7}"'),
     "--az-inspect-shardings",
     [LOCATED + "{{.*}}'devices=' given twice"])
case("num-partitions-above-device-limit",
     func_module(attrs="mhlo.num_partitions = 1073741824 : i32"),
     "--az-inspect-shardings",
     [LOCATED + "mhlo.num_partitions = 1073741824 is more than 2^20 (1048576) "
      "devices, the limit"])

# --- Topology option: a slice beyond the device limit (was out of memory).
case("topology-generic-1024-cubed",
     func_module(attrs="mhlo.num_partitions = 8 : i32"),
     "--az-estimate-collectives=topology=generic:1024x1024x1024",
     [LOCATED + "invalid topology 'generic:1024x1024x1024': slice extents "
      "times cores per chip multiply to more than 2^20"])

# --- Byte counts that overflow int64 (were priced at 0 or 4 bytes).
case("collective-bytes-overflow",
     '"builtin.module"() ({\n'
     '  "func.func"() <{function_type = (tensor<4294967296x4294967296xf32>) -> (), sym_name = "main"}> ({\n'
     '  ^bb0(%arg0: tensor<4294967296x4294967296xf32>):\n'
     '    %0 = "stablehlo.all_reduce"(%arg0) <{replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>}> : (tensor<4294967296x4294967296xf32>) -> tensor<4294967296x4294967296xf32>\n'
     '    "func.return"() : () -> ()\n'
     '  }) : () -> ()\n'
     '}) {mhlo.num_partitions = 2 : i32} : () -> ()\n',
     "--az-estimate-collectives=topology=generic:2",
     [LOCATED + "cannot price 'stablehlo.all_reduce'{{.*}}byte count fits in 64 bits"])

# --- Device groups stored as i1 (true read as -1).
case("replica-groups-i1",
     '"builtin.module"() ({\n'
     '  "func.func"() <{function_type = (tensor<8xf32>) -> (), sym_name = "main"}> ({\n'
     '  ^bb0(%arg0: tensor<8xf32>):\n'
     '    %0 = "stablehlo.all_reduce"(%arg0) <{replica_groups = dense<[[false, true]]> : tensor<1x2xi1>}> : (tensor<8xf32>) -> tensor<8xf32>\n'
     '    "func.return"() : () -> ()\n'
     '  }) : () -> ()\n'
     '}) {mhlo.num_partitions = 2 : i32} : () -> ()\n',
     "--az-apply-device-order=order=1,0",
     [LOCATED + "'replica_groups' must be a 2-D integer elements attribute "
      "of device ids: its elements are i1"])

# --- Input files: non-regular files are refused, not read forever.
def file_case(name, args, what):
    case(name, func_module(attrs="mhlo.num_partitions = 2 : i32",
                           mesh=mesh_op('["a"=2]')),
         args, [LOCATED + "{{.*}}cannot read %s '{{.*}}': it is a " % what])

file_case("plan-file-dev-zero", "--az-apply-device-order=plan-file=/dev/zero",
          "plan file")
file_case("plan-file-fifo", "--az-apply-device-order=plan-file=%dir/fifo",
          "plan file")
file_case("topology-file-dev-zero",
          "--az-estimate-collectives='topology=generic:2 topology-file=/dev/zero'",
          "topology file")
file_case("hlo-dump-dev-zero", "--az-place='topology=generic:2 hlo-dump=/dev/zero'",
          "HLO file")
file_case("hlo-dump-directory", "--az-place='topology=generic:2 hlo-dump=%dir'",
          "HLO file")

# --- A plan file nesting deeper than llvm::json should recurse.
case("plan-file-deep-json",
     func_module(attrs="mhlo.num_partitions = 2 : i32", mesh=mesh_op('["a"=2]')),
     "--az-apply-device-order=plan-file=%dir/deep.json",
     [LOCATED + "{{.*}}JSON nests deeper than 256 levels"],
     {"deep.json": "[" * 100000 + "]" * 100000})
case("topology-file-deep-json",
     func_module(attrs="mhlo.num_partitions = 2 : i32"),
     "--az-estimate-collectives='topology=generic:2 topology-file=%dir/deep.json'",
     [LOCATED + "{{.*}}JSON nests deeper than 256 levels"],
     {"deep.json": "{\"a\":" * 50000 + "1" + "}" * 50000})

# --- HLO header counts whose product wrapped to a small count.
case("hlo-replica-count-wraps",
     func_module(attrs="mhlo.num_partitions = 8 : i32"),
     "--az-place='topology=generic:8 hlo-dump=%dir/wrap.hlo'",
     [LOCATED + "HLO dump '{{.*}}' runs on {{.*}} devices"],
     {"wrap.hlo": "HloModule wrap, replica_count=4611686018427387905, "
                  "num_partitions=8\n\nENTRY main {\n  ROOT p = f32[8] parameter(0)\n}\n"})

# --- Output failures: a full disk is a located error, not LLVM ERROR.
case("report-file-full-disk",
     func_module(mesh=mesh_op('["a"=2]')),
     "--az-inspect-shardings=report-file=/dev/full",
     [LOCATED + "cannot write report '/dev/full': No space left on device"])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    fifo = os.path.join(out, "fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    for name, module, args, checks, files in CASES:
        with open(os.path.join(out, name + ".mlir"), "w") as f:
            f.write("// ARGS: %s\n" % args)
            for check in checks:
                f.write("// CHECK: %s\n" % check)
            f.write(module)
        for fname, text in files.items():
            with open(os.path.join(out, fname), "w") as f:
                f.write(text)
    print("wrote %d cases to %s" % (len(CASES), out))


if __name__ == "__main__":
    main()

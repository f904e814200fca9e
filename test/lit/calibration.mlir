// calibration=FILE overrides the collective defaults; every error names the
// offending key. The module: one all-gather of 128 KiB (the size of the
// scaling book's Pop Quiz 2(b)) over the 4 chips of a v5e 2x2.
// RUN: rm -rf %t && mkdir -p %t
// RUN: aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2' -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEFAULT
// RUN: aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%S/Inputs/calibration-v5e-handwritten.json report-file=-' -o /dev/null 2>&1 | FileCheck %s --check-prefix=FILE
//
// Defaults: F = 2.7 us, 0.95 of W = 4.5e10, 1 us per hop. The group
// {0,1,3,2} is a ring on the 2x2 (closing message 1 hop): 2 steps, each edge
// carries 3 * 32768 / 2 B in each direction:
//   2.7 + 49152 / 4.275e10 * 1e6 + 2 = 5.850 us.
// DEFAULT: all-gather: 1 group of 4, 128.00 KiB per device, 5.850 us
//
// The hand-written file: F = 4 us, fraction at 131072 B interpolated in
// log(bytes) between (16384, 0.5) and (1048576, 0.8): 0.5 + 0.5 * 0.3 = 0.65;
// hop 1.5 us: 4 + 49152 / (0.65 * 4.5e10) * 1e6 + 2 * 1.5 = 8.680 us.
// FILE: all-gather: 1 group of 4, 128.00 KiB per device, 8.680 us
// FILE: "calibration": "'{{.*}}calibration-v5e-handwritten.json'"
//
// RUN: echo '{"generation": "v5e", "collectives": {"all-gather": {"fixed_seconds": 1e-6, "bandwidth": 0.9}}}' > %t/unknown.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/unknown.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: error: az-estimate-collectives: calibration '{{.*}}unknown.json': "collectives.all-gather.bandwidth" is not a known key (expected fixed_seconds, bandwidth_fraction)
//
// RUN: echo '{"generation": "v5e", "hop_latancy_seconds": 1e-6}' > %t/unknown-top.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/unknown-top.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNKNOWN-TOP
// UNKNOWN-TOP: error: az-estimate-collectives: calibration '{{.*}}unknown-top.json': "hop_latancy_seconds" is not a known key
//
// RUN: echo '{"generation": "v5e", "collectives": {"all-gathr": {}}}' > %t/kind.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/kind.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=KIND
// KIND: error: {{.*}}"collectives.all-gathr" is not a collective kind
//
// RUN: echo '{"generation": "v5e", "compute": {"softmax": 0.5}}' > %t/class.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/class.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=CLASS
// CLASS: error: {{.*}}"compute.softmax" is not a known op class (expected matmul, attention, elementwise)
//
// RUN: echo '{"generation": "v5e", "collectives": {"all-reduce": {"fixed_seconds": -2e-6}}}' > %t/negative.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/negative.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// NEGATIVE: error: {{.*}}"collectives.all-reduce.fixed_seconds" must be positive (got -2e-06)
//
// RUN: echo '{"generation": "v5e", "collectives": {"all-to-all": {"bandwidth_fraction": 0}}}' > %t/zero.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/zero.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: error: {{.*}}"collectives.all-to-all.bandwidth_fraction" must be positive (got 0)
//
// RUN: echo '{"generation": "v5e", "hop_latency_seconds": 0}' > %t/zero-hop.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/zero-hop.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ZERO-HOP
// ZERO-HOP: error: {{.*}}"hop_latency_seconds" must be positive (got 0)
//
// RUN: echo '{"generation": "v5e", "compute": {"matmul": -0.5}}' > %t/negative-compute.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/negative-compute.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEGATIVE-COMPUTE
// NEGATIVE-COMPUTE: error: {{.*}}"compute.matmul" must be positive (got -0.5)
//
// RUN: echo '{"generation": "v5e", "collectives": {"all-gather": {"bandwidth_fraction": 1.5}}}' > %t/above.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/above.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ABOVE
// ABOVE: error: {{.*}}"collectives.all-gather.bandwidth_fraction" is a fraction of the link bandwidth and must be at most 1 (got 1.5)
//
// RUN: echo '{"generation": "v5e", "collectives": {"all-gather": {"bandwidth_fraction": [[1e6, 0.9], [1e3, 0.5]]}}}' > %t/order.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/order.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ORDER
// ORDER: error: {{.*}}"collectives.all-gather.bandwidth_fraction[1]" must have more bytes than the point before it
//
// RUN: echo '{"generation": "v5e", "collectives": {"all-gather": {"bandwidth_fraction": [[1e6]]}}}' > %t/pair.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/pair.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=PAIR
// PAIR: error: {{.*}}"collectives.all-gather.bandwidth_fraction[0]" must be a [bytes, fraction] pair
//
// RUN: echo '{"generation": "v5p"}' > %t/other-gen.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/other-gen.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=OTHER-GEN
// OTHER-GEN: error: {{.*}}"generation" is 'v5p', but the slice is a v5e slice (v5e:2x2:wrap=0,0)
//
// RUN: echo '{"generation": "v5e", "slice": "4x4"}' > %t/other-slice.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/other-slice.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=OTHER-SLICE
// OTHER-SLICE: error: {{.*}}"slice" is '4x4', but the slice is v5e:2x2:wrap=0,0
//
// RUN: echo '{"collectives": {}}' > %t/no-gen.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/no-gen.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=NO-GEN
// NO-GEN: error: {{.*}}"generation" is missing
//
// RUN: echo '{"generation": "v5e", "fixed_seconds": "2us"' > %t/broken.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/broken.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=BROKEN
// BROKEN: error: {{.*}}broken.json': invalid JSON
//
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 calibration=%t/missing.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: {{.*}}missing.json': cannot read
//
// The same errors stop stage 1 and az-place:
// RUN: not aoizora-opt %s --az-estimate-candidates='topology=v5e:2x2 calibration=%t/negative.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=STAGE1
// STAGE1: error: az-estimate-candidates: calibration {{.*}}"collectives.all-reduce.fixed_seconds" must be positive
// RUN: not aoizora-opt %s --az-place='topology=v5e:2x2 calibration=%t/other-gen.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=PLACE
// PLACE: error: az-place: calibration {{.*}}"generation" is 'v5p'
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<16384xbf16>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<16384xbf16>):
    %0 = "stablehlo.all_gather"(%arg0) <{all_gather_dim = 0 : i64, replica_groups = dense<[[0, 1, 3, 2]]> : tensor<1x4xi64>}> : (tensor<16384xbf16>) -> tensor<65536xbf16>
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()

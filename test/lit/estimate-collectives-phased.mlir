// RUN: aoizora-opt %s --verify-diagnostics --az-estimate-collectives='topology=generic:2x8:wrap=0,1' -o /dev/null
// RUN: aoizora-opt %s --az-estimate-collectives='topology=generic:2x8:wrap=0,1 report-file=-' -o /dev/null | FileCheck %s

// A collective over two torus dimensions runs in two parts, each visiting
// the dimensions in its own order, and a part's second phase waits for its
// first (docs/cost-model.md, "Phased schedules are priced phase by phase").
// generic:2x8:wrap=0,1: x an open line of 2, y a ring of 8; W = 1e10 B/s,
// 1 us per hop. all_gather of all 16 devices, B = 16 MiB gathered, chunk
// c = B / (2 parts * 16) = 0.5 MiB:
//   part 0: x (line of 2: c), then y (ring of 8, chunk 2c: 7 * 2c / 2 = 7c);
//   part 1: y (chunk c: 3.5c), then x (chunk 8c: 8c).
// Part 0's x job ends at c; its y job shares y with part 1's (2.5c left)
// until 6c; part 1's x job runs 6c..14c. 14c = 7 MiB, against a busiest
// link of 10.5c = 5.25 MiB (y: 3.5c + 7c).
//   7340032 B / 1e10 B/s = 734.003 us, plus latency: x 1 step of 1 hop and
//   y 4 steps of 1 hop per part, 5 us: 739.003 us.
// expected-remark@+1 {{1 collectives on generic:2x8:wrap=0,1: total 739.003 us}}
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<262144xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<262144xf32>):
    // expected-remark@+1 {{all-gather: 1 group of 16, 16.00 MiB per device, 739.003 us (max link load 5.25 MiB on chip (0,0) +y); its phases wait on each other: priced as 7.00 MiB on one link}}
    %0 = "stablehlo.all_gather"(%arg0) <{all_gather_dim = 0 : i64, replica_groups = dense<[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]]> : tensor<1x16xi64>}> : (tensor<262144xf32>) -> tensor<4194304xf32>
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 16 : i32} : () -> ()

// CHECK: "bandwidth_seconds": 0.000734003
// CHECK: "max_link_bytes": 5505024,
// CHECK: "schedule_bytes": 7340032,

// RUN: aoizora-opt %s --allow-unregistered-dialect --split-input-file --az-estimate-candidates='topology=generic:2' -o /dev/null 2>&1 | FileCheck %s

// Attention in the forms JAX emits is priced as one fused kernel
// (docs/stage1.md, "Attention"); attention kernels are priced from their
// operands; every other custom_call is reported as unpriced. The test chip:
// 1e14 FLOP/s, 1e12 B/s HBM; mesh "x"=2 splits the batch of 2.

// jax.nn.dot_product_attention's XLA form (f32 logits, scale, f32 softmax:
// max, subtract, exp, sum, divide, convert, second dot) on q, k, v
// [2,64,4,16] bf16 with the batch on x: per device B=1, H=4, S=64, D=16.
// FLOPs 4*1*4*64*64*16 = 1048576. HBM: q, k, v, o of 1*64*4*16*2 B = 8 KiB
// each = 32 KiB; the [1,4,64,64] f32 scores (64 KiB) are neither traffic
// nor memory. Memory: parameters 3 x 8 KiB, activations the output 8 KiB.
// CHECK-LABEL: remark: 1 attention block(s) written as dot_general -> softmax -> dot_general priced as fused kernels (FLOPs 4*B*H*Sq*Skv*D, HBM traffic of q, k, v and the output only, no score buffer){{$}}
// CHECK: remark: candidate x=2 (module mesh): 1048576 FLOPs, 32.00 KiB HBM traffic, {{.*}}; memory 32.00 KiB (parameters 24.00 KiB + activations 8.00 KiB)
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}],
      function_type = (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>) -> (tensor<2x4x64x16xbf16>),
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}], sym_name = "main"}> ({
  ^bb0(%q: tensor<2x64x4x16xbf16>, %k: tensor<2x64x4x16xbf16>, %v: tensor<2x64x4x16xbf16>):
    %s = "stablehlo.dot_general"(%q, %k) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 2], rhs_batching_dimensions = [0, 2], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [3]>}> : (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>) -> tensor<2x4x64x64xf32>
    %c = "stablehlo.constant"() <{value = dense<2.500000e-01> : tensor<f32>}> : () -> tensor<f32>
    %cb = "stablehlo.broadcast_in_dim"(%c) <{broadcast_dimensions = array<i64>}> : (tensor<f32>) -> tensor<2x4x64x64xf32>
    %l = "stablehlo.multiply"(%s, %cb) : (tensor<2x4x64x64xf32>, tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %ninf = "stablehlo.constant"() <{value = dense<0xFF800000> : tensor<f32>}> : () -> tensor<f32>
    %m = "stablehlo.reduce"(%l, %ninf) <{dimensions = array<i64: 3>}> ({
    ^bb0(%am: tensor<f32>, %bm: tensor<f32>):
      %rm = "stablehlo.maximum"(%am, %bm) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "stablehlo.return"(%rm) : (tensor<f32>) -> ()
    }) : (tensor<2x4x64x64xf32>, tensor<f32>) -> tensor<2x4x64xf32>
    %m1 = "stablehlo.broadcast_in_dim"(%m) <{broadcast_dimensions = array<i64: 0, 1, 2>}> : (tensor<2x4x64xf32>) -> tensor<2x4x64x1xf32>
    %mb = "stablehlo.broadcast_in_dim"(%m1) <{broadcast_dimensions = array<i64: 0, 1, 2, 3>}> : (tensor<2x4x64x1xf32>) -> tensor<2x4x64x64xf32>
    %d = "stablehlo.subtract"(%l, %mb) : (tensor<2x4x64x64xf32>, tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %e = "stablehlo.exponential"(%d) : (tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %zero = "stablehlo.constant"() <{value = dense<0.000000e+00> : tensor<f32>}> : () -> tensor<f32>
    %sum = "stablehlo.reduce"(%e, %zero) <{dimensions = array<i64: 3>}> ({
    ^bb0(%asum: tensor<f32>, %bsum: tensor<f32>):
      %rsum = "stablehlo.add"(%asum, %bsum) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "stablehlo.return"(%rsum) : (tensor<f32>) -> ()
    }) : (tensor<2x4x64x64xf32>, tensor<f32>) -> tensor<2x4x64xf32>
    %sum1 = "stablehlo.broadcast_in_dim"(%sum) <{broadcast_dimensions = array<i64: 0, 1, 2>}> : (tensor<2x4x64xf32>) -> tensor<2x4x64x1xf32>
    %sb = "stablehlo.broadcast_in_dim"(%sum1) <{broadcast_dimensions = array<i64: 0, 1, 2, 3>}> : (tensor<2x4x64x1xf32>) -> tensor<2x4x64x64xf32>
    %p32 = "stablehlo.divide"(%e, %sb) : (tensor<2x4x64x64xf32>, tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %p = "stablehlo.convert"(%p32) : (tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xbf16>
    %o = "stablehlo.dot_general"(%p, %v) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 1], rhs_batching_dimensions = [0, 2], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [1]>}> : (tensor<2x4x64x64xbf16>, tensor<2x64x4x16xbf16>) -> tensor<2x4x64x16xbf16>
    "func.return"(%o) : (tensor<2x4x64x16xbf16>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// The same with is_causal=True: where(row >= col, logits, -big) with row
// and col from iotas. Half the score blocks are skipped: 524288 FLOPs.
// CHECK-LABEL: remark: 1 attention block(s) written as dot_general -> softmax -> dot_general priced as fused kernels ({{.*}}); 1 causally masked (FLOPs halved)
// CHECK: remark: candidate x=2 (module mesh): 524288 FLOPs, 32.00 KiB HBM traffic,
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}],
      function_type = (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>) -> (tensor<2x4x64x16xbf16>),
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}], sym_name = "main"}> ({
  ^bb0(%q: tensor<2x64x4x16xbf16>, %k: tensor<2x64x4x16xbf16>, %v: tensor<2x64x4x16xbf16>):
    %s = "stablehlo.dot_general"(%q, %k) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 2], rhs_batching_dimensions = [0, 2], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [3]>}> : (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>) -> tensor<2x4x64x64xf32>
    %c = "stablehlo.constant"() <{value = dense<2.500000e-01> : tensor<f32>}> : () -> tensor<f32>
    %cb = "stablehlo.broadcast_in_dim"(%c) <{broadcast_dimensions = array<i64>}> : (tensor<f32>) -> tensor<2x4x64x64xf32>
    %l = "stablehlo.multiply"(%s, %cb) : (tensor<2x4x64x64xf32>, tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %i0 = "stablehlo.iota"() <{iota_dimension = 0 : i64}> : () -> tensor<64x64xi32>
    %i1 = "stablehlo.iota"() <{iota_dimension = 1 : i64}> : () -> tensor<64x64xi32>
    %mask = "stablehlo.compare"(%i0, %i1) <{comparison_direction = #stablehlo<comparison_direction GE>}> : (tensor<64x64xi32>, tensor<64x64xi32>) -> tensor<64x64xi1>
    %maskb = "stablehlo.broadcast_in_dim"(%mask) <{broadcast_dimensions = array<i64: 2, 3>}> : (tensor<64x64xi1>) -> tensor<2x4x64x64xi1>
    %big = "stablehlo.constant"() <{value = dense<-1.000000e+30> : tensor<f32>}> : () -> tensor<f32>
    %bigb = "stablehlo.broadcast_in_dim"(%big) <{broadcast_dimensions = array<i64>}> : (tensor<f32>) -> tensor<2x4x64x64xf32>
    %lm = "stablehlo.select"(%maskb, %l, %bigb) : (tensor<2x4x64x64xi1>, tensor<2x4x64x64xf32>, tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %ninf = "stablehlo.constant"() <{value = dense<0xFF800000> : tensor<f32>}> : () -> tensor<f32>
    %m = "stablehlo.reduce"(%lm, %ninf) <{dimensions = array<i64: 3>}> ({
    ^bb0(%am: tensor<f32>, %bm: tensor<f32>):
      %rm = "stablehlo.maximum"(%am, %bm) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "stablehlo.return"(%rm) : (tensor<f32>) -> ()
    }) : (tensor<2x4x64x64xf32>, tensor<f32>) -> tensor<2x4x64xf32>
    %m1 = "stablehlo.broadcast_in_dim"(%m) <{broadcast_dimensions = array<i64: 0, 1, 2>}> : (tensor<2x4x64xf32>) -> tensor<2x4x64x1xf32>
    %mb = "stablehlo.broadcast_in_dim"(%m1) <{broadcast_dimensions = array<i64: 0, 1, 2, 3>}> : (tensor<2x4x64x1xf32>) -> tensor<2x4x64x64xf32>
    %d = "stablehlo.subtract"(%lm, %mb) : (tensor<2x4x64x64xf32>, tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %e = "stablehlo.exponential"(%d) : (tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %zero = "stablehlo.constant"() <{value = dense<0.000000e+00> : tensor<f32>}> : () -> tensor<f32>
    %sum = "stablehlo.reduce"(%e, %zero) <{dimensions = array<i64: 3>}> ({
    ^bb0(%asum: tensor<f32>, %bsum: tensor<f32>):
      %rsum = "stablehlo.add"(%asum, %bsum) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "stablehlo.return"(%rsum) : (tensor<f32>) -> ()
    }) : (tensor<2x4x64x64xf32>, tensor<f32>) -> tensor<2x4x64xf32>
    %sum1 = "stablehlo.broadcast_in_dim"(%sum) <{broadcast_dimensions = array<i64: 0, 1, 2>}> : (tensor<2x4x64xf32>) -> tensor<2x4x64x1xf32>
    %sb = "stablehlo.broadcast_in_dim"(%sum1) <{broadcast_dimensions = array<i64: 0, 1, 2, 3>}> : (tensor<2x4x64x1xf32>) -> tensor<2x4x64x64xf32>
    %p32 = "stablehlo.divide"(%e, %sb) : (tensor<2x4x64x64xf32>, tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %p = "stablehlo.convert"(%p32) : (tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xbf16>
    %o = "stablehlo.dot_general"(%p, %v) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 1], rhs_batching_dimensions = [0, 2], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [1]>}> : (tensor<2x4x64x64xbf16>, tensor<2x64x4x16xbf16>) -> tensor<2x4x64x16xbf16>
    "func.return"(%o) : (tensor<2x4x64x16xbf16>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// Near miss: the program also returns the probabilities, so it really
// writes them: no fusion, two plain dots (2 x 2*1*4*64*64*16 FLOPs) and
// the score-sized tensors in the HBM traffic.
// CHECK-NOT: attention block
// CHECK: remark: candidate x=2 (module mesh): 1048576 FLOPs, {{.*}} MiB HBM traffic
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}],
      function_type = (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>) -> (tensor<2x4x64x16xbf16>, tensor<2x4x64x64xbf16>),
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}], sym_name = "main"}> ({
  ^bb0(%q: tensor<2x64x4x16xbf16>, %k: tensor<2x64x4x16xbf16>, %v: tensor<2x64x4x16xbf16>):
    %s = "stablehlo.dot_general"(%q, %k) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 2], rhs_batching_dimensions = [0, 2], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [3]>}> : (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>) -> tensor<2x4x64x64xf32>
    %c = "stablehlo.constant"() <{value = dense<2.500000e-01> : tensor<f32>}> : () -> tensor<f32>
    %cb = "stablehlo.broadcast_in_dim"(%c) <{broadcast_dimensions = array<i64>}> : (tensor<f32>) -> tensor<2x4x64x64xf32>
    %l = "stablehlo.multiply"(%s, %cb) : (tensor<2x4x64x64xf32>, tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %ninf = "stablehlo.constant"() <{value = dense<0xFF800000> : tensor<f32>}> : () -> tensor<f32>
    %m = "stablehlo.reduce"(%l, %ninf) <{dimensions = array<i64: 3>}> ({
    ^bb0(%am: tensor<f32>, %bm: tensor<f32>):
      %rm = "stablehlo.maximum"(%am, %bm) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "stablehlo.return"(%rm) : (tensor<f32>) -> ()
    }) : (tensor<2x4x64x64xf32>, tensor<f32>) -> tensor<2x4x64xf32>
    %m1 = "stablehlo.broadcast_in_dim"(%m) <{broadcast_dimensions = array<i64: 0, 1, 2>}> : (tensor<2x4x64xf32>) -> tensor<2x4x64x1xf32>
    %mb = "stablehlo.broadcast_in_dim"(%m1) <{broadcast_dimensions = array<i64: 0, 1, 2, 3>}> : (tensor<2x4x64x1xf32>) -> tensor<2x4x64x64xf32>
    %d = "stablehlo.subtract"(%l, %mb) : (tensor<2x4x64x64xf32>, tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %e = "stablehlo.exponential"(%d) : (tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %zero = "stablehlo.constant"() <{value = dense<0.000000e+00> : tensor<f32>}> : () -> tensor<f32>
    %sum = "stablehlo.reduce"(%e, %zero) <{dimensions = array<i64: 3>}> ({
    ^bb0(%asum: tensor<f32>, %bsum: tensor<f32>):
      %rsum = "stablehlo.add"(%asum, %bsum) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "stablehlo.return"(%rsum) : (tensor<f32>) -> ()
    }) : (tensor<2x4x64x64xf32>, tensor<f32>) -> tensor<2x4x64xf32>
    %sum1 = "stablehlo.broadcast_in_dim"(%sum) <{broadcast_dimensions = array<i64: 0, 1, 2>}> : (tensor<2x4x64xf32>) -> tensor<2x4x64x1xf32>
    %sb = "stablehlo.broadcast_in_dim"(%sum1) <{broadcast_dimensions = array<i64: 0, 1, 2, 3>}> : (tensor<2x4x64x1xf32>) -> tensor<2x4x64x64xf32>
    %p32 = "stablehlo.divide"(%e, %sb) : (tensor<2x4x64x64xf32>, tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xf32>
    %p = "stablehlo.convert"(%p32) : (tensor<2x4x64x64xf32>) -> tensor<2x4x64x64xbf16>
    %o = "stablehlo.dot_general"(%p, %v) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 1], rhs_batching_dimensions = [0, 2], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [1]>}> : (tensor<2x4x64x64xbf16>, tensor<2x64x4x16xbf16>) -> tensor<2x4x64x16xbf16>
    "func.return"(%o, %p) : (tensor<2x4x64x16xbf16>, tensor<2x4x64x64xbf16>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// A Pallas splash attention kernel (tpu_custom_call, kernel_name
// splash_mha_fwd_no_residuals) on [B,H,S,D] operands: priced from q, k, v
// (the key sequence is the larger middle dim, 64 > 4): 1048576 FLOPs per
// device; HBM: three transposes (2 x 8 KiB each) + the kernel's q, k, v, o
// (32 KiB) = 80 KiB.
// CHECK-LABEL: remark: 1 attention kernel custom_call(s) priced from their q, k, v operands{{$}}
// CHECK: remark: candidate x=2 (module mesh): 1048576 FLOPs, 80.00 KiB HBM traffic,
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}],
      function_type = (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>) -> (tensor<2x4x64x16xbf16>),
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}], sym_name = "main"}> ({
  ^bb0(%q: tensor<2x64x4x16xbf16>, %k: tensor<2x64x4x16xbf16>, %v: tensor<2x64x4x16xbf16>):
    %qh = "stablehlo.transpose"(%q) <{permutation = array<i64: 0, 2, 1, 3>}> : (tensor<2x64x4x16xbf16>) -> tensor<2x4x64x16xbf16>
    %kh = "stablehlo.transpose"(%k) <{permutation = array<i64: 0, 2, 1, 3>}> : (tensor<2x64x4x16xbf16>) -> tensor<2x4x64x16xbf16>
    %vh = "stablehlo.transpose"(%v) <{permutation = array<i64: 0, 2, 1, 3>}> : (tensor<2x64x4x16xbf16>) -> tensor<2x4x64x16xbf16>
    %o = "stablehlo.custom_call"(%qh, %kh, %vh) <{api_version = 1 : i32, backend_config = "{\22custom_call_config\22: {\22body\22: \22TUzvUgFNTElS\22, \22serialization_format\22: 1, \22needs_layout_passes\22: true}, \22implicit_sharding\22: {\22type\22: \22MANUAL\22}}", call_target_name = "tpu_custom_call"}> {kernel_name = "splash_mha_fwd_no_residuals"} : (tensor<2x4x64x16xbf16>, tensor<2x4x64x16xbf16>, tensor<2x4x64x16xbf16>) -> tensor<2x4x64x16xbf16>
    "func.return"(%o) : (tensor<2x4x64x16xbf16>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// cuDNN's fused attention (jax.nn.dot_product_attention(implementation=
// "cudnn")), causal per its backend config, [B,T,N,H] operands: 524288
// FLOPs.
// CHECK-LABEL: remark: 1 attention kernel custom_call(s) priced from their q, k, v operands{{$}}
// CHECK: remark: candidate x=2 (module mesh): 524288 FLOPs, 32.00 KiB HBM traffic,
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}],
      function_type = (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>) -> (tensor<2x64x4x16xbf16>),
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}], sym_name = "main"}> ({
  ^bb0(%q: tensor<2x64x4x16xbf16>, %k: tensor<2x64x4x16xbf16>, %v: tensor<2x64x4x16xbf16>):
    %o:2 = "stablehlo.custom_call"(%q, %k, %v) <{api_version = 2 : i32, backend_config = "{\22cudnn_fmha_backend_config\22: {\22mask_type\22: \22CAUSAL\22}}", call_target_name = "__cudnn$fmhaSoftmax"}> : (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>) -> (tensor<2x64x4x16xbf16>, tensor<0xui8>)
    "func.return"(%o#0) : (tensor<2x64x4x16xbf16>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// Any other custom_call is unpriced, with a warning at its location: a
// Pallas kernel that is no attention, and splash's backward kernel.
// CHECK: :[[@LINE+9]]:10: warning: 'stablehlo.custom_call @tpu_custom_call (kernel my_matmul)': unpriced: its FLOPs are not counted, only the bytes it reads and writes; treated as opaque (operands gathered to replicated, results replicated)
// CHECK: :[[@LINE+9]]:10: warning: 'stablehlo.custom_call @tpu_custom_call (kernel splash_mha_dkv_no_residuals)': unpriced
// CHECK: remark: candidate x=2 (module mesh): 0 FLOPs,
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}],
      function_type = (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>) -> (tensor<2x64x4x16xbf16>),
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}, {}]>}], sym_name = "main"}> ({
  ^bb0(%q: tensor<2x64x4x16xbf16>, %k: tensor<2x64x4x16xbf16>, %v: tensor<2x64x4x16xbf16>):
    %o = "stablehlo.custom_call"(%q, %k, %v) <{api_version = 1 : i32, backend_config = "", call_target_name = "tpu_custom_call"}> {kernel_name = "my_matmul"} : (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>) -> tensor<2x64x4x16xbf16>
    %g = "stablehlo.custom_call"(%o, %k, %v) <{api_version = 1 : i32, backend_config = "", call_target_name = "tpu_custom_call"}> {kernel_name = "splash_mha_dkv_no_residuals"} : (tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>, tensor<2x64x4x16xbf16>) -> tensor<2x64x4x16xbf16>
    "func.return"(%g) : (tensor<2x64x4x16xbf16>) -> ()
  }) : () -> ()
}) : () -> ()

"""The planning loop end to end with aoizora-opt, JAX replaced by a fake
backend: stage 1, compiling the survivors, stage 2 with their dumps, the
Mesh, progress lines, and the error paths."""

import json
import os
import tempfile
import unittest

from helpers import (CHECKOUT, FakeBackend, aoizora_opt_or_skip, cpu_devices,
                     mlp_module, tpu_devices)
from aoizora.errors import (JaxMissingError, StageError, ToolNotFoundError,
                            TopologyMismatchError)
from aoizora.plan import _check_slice_size as check_slice_size
from aoizora.plan import (count_collectives, mesh_layout, parse_mesh_axes,
                          run_loop, split_options)


class LoopTest(unittest.TestCase):
    def setUp(self):
        self.tool = aoizora_opt_or_skip(self)
        self.tmp = tempfile.TemporaryDirectory()
        self.work = self.tmp.name
        self.lines = []

    def tearDown(self):
        self.tmp.cleanup()

    def run_loop(self, backend, **kwargs):
        kwargs.setdefault("topology_spec", "v5e:2x4")
        kwargs.setdefault("options", {"keep_within": 1e9,
                                      "max_survivors": 3})
        return run_loop(backend, {"x": 2, "y": 4}, aoizora_opt=self.tool,
                        work_dir=self.work, progress=self.lines.append,
                        **kwargs)

    def test_every_survivor_compiled_and_priced_from_its_dump(self):
        backend = FakeBackend(cpu_devices(8))
        result = self.run_loop(backend)
        self.assertEqual(len(result.survivors), 3)
        self.assertEqual(sorted(backend.compiled),
                         sorted(s.sizes for s in result.survivors))
        for s in result.survivors:
            self.assertEqual(s.status, "compiled")
            self.assertTrue(os.path.isfile(os.path.join(self.work, s.dump)))
        self.assertEqual(len(result.ranking), 3)
        for c in result.ranking:
            self.assertIn("compiled HLO dump", c["collective_source"])
        self.assertEqual(result.skipped, [])
        # The mesh: the winner's sizes, devices in the planned order.
        names, sizes, devices = backend.meshes[-1]
        self.assertEqual(names, ["x", "y"])
        self.assertEqual(sizes, result.plan["candidate"]["sizes"])
        self.assertEqual([d.id for d in devices],
                         mesh_layout(result.plan)[2])
        self.assertEqual(result.device_order, [d.id for d in devices])
        with open(result.files["plan"]) as f:
            self.assertEqual(json.load(f), result.plan)
        for key in ("module", "candidates", "survivors", "stage1", "plan",
                    "placed"):
            self.assertTrue(os.path.isfile(result.files[key]), key)
        self.assertNotIn("topology", result.files)  # CPU devices: none

    def test_progress_line_per_stage_and_survivor(self):
        self.run_loop(FakeBackend(cpu_devices(8)))
        text = "\n".join(self.lines)
        self.assertIn("no coordinates: planning on v5e:2x4's default", text)
        self.assertIn("exporting on mesh x=2,y=4 (8 devices)", text)
        self.assertIn("stage 1: estimating every candidate mesh on v5e:2x4",
                      text)
        self.assertIn("stage 1: 3 of 4 candidates kept", text)
        for i in (1, 2, 3):
            self.assertIn(f"survivor {i}/3 ", text)
        self.assertIn("compiled in ", text)
        self.assertIn("s, 1 collective instruction(s)", text)
        self.assertIn("stage 2: placing 3 candidate(s) on v5e:2x4 with 3 "
                      "compiled HLO dump(s)", text)
        self.assertTrue(self.lines[-1].startswith("plan: "))

    def test_a_survivor_that_fails_to_compile_is_reported_and_skipped(self):
        probe = self.run_loop(FakeBackend(cpu_devices(8)))
        failing = probe.survivors[0].sizes
        label = probe.survivors[0].label
        self.lines.clear()
        backend = FakeBackend(cpu_devices(8), fail_compile=[failing])
        result = self.run_loop(backend)
        self.assertEqual(len(result.skipped), 1)
        self.assertEqual(result.skipped[0][0], label)
        self.assertIn("RuntimeError: fake XLA error", result.skipped[0][1])
        ranked = [c["label"] for c in result.ranking]
        self.assertNotIn(label, ranked)
        # The candidate behind it moves up and is compiled too.
        self.assertEqual(len(ranked), 3)
        self.assertEqual(len(backend.compiled), 4)
        self.assertNotEqual(result.plan["candidate"]["label"], label)
        text = "\n".join(self.lines)
        self.assertIn(f"{label}: failed to compile, skipped "
                      "(RuntimeError: fake XLA error", text)
        self.assertIn("stage 1 again without the candidates that failed",
                      text)

    def test_shardings_bound_to_one_mesh_fail_the_candidate(self):
        class BoundBackend(FakeBackend):
            def compile(self, names, sizes, devices):
                _, dump = super().compile(names, sizes, devices)
                return mlp_module(2, 4), dump  # always the export's mesh
        result = self.run_loop(BoundBackend(cpu_devices(8)))
        reasons = dict(result.skipped)
        self.assertNotIn("x=2,y=4", reasons)
        self.assertTrue(reasons)
        for reason in reasons.values():
            self.assertIn("do not follow the mesh in context", reason)

    def test_every_candidate_failing_is_an_error(self):
        backend = FakeBackend(cpu_devices(8),
                              fail_compile=[(1, 8), (2, 4), (4, 2), (8, 1)])
        with self.assertRaisesRegex(Exception, "kept no candidate of 4.*"
                                    "4 failed to compile"):
            self.run_loop(backend)

    def test_without_compiling_the_derived_collectives_price(self):
        backend = FakeBackend(cpu_devices(8))
        result = self.run_loop(backend, compile_survivors=False)
        self.assertEqual(backend.compiled, [])
        for c in result.ranking:
            self.assertIn("derived by stage 1", c["collective_source"])
        self.assertTrue(all(s.status == "derived" for s in result.survivors))

    def test_tpu_devices_write_the_topology_file_and_name_the_slice(self):
        devices = tpu_devices((2, 4), order=[0, 1, 3, 2, 4, 5, 7, 6])
        result = self.run_loop(FakeBackend(devices), topology_spec=None)
        self.assertEqual(result.topology, "v5e:2x4")
        self.assertIn("topology v5e:2x4 (from the devices)", self.lines)
        with open(result.files["topology"]) as f:
            entries = json.load(f)
        self.assertEqual([e["id"] for e in entries], list(range(8)))
        # Each mesh position's device sits on the chip the plan names.
        by_logical = {e["logical_id"]: e["coords"]
                      for e in result.plan["placement"]}
        for position, device in enumerate(result.devices):
            self.assertEqual(list(device.coords[:2]), by_logical[position])

    def test_a_given_topology_file_is_written_in_the_devices_order(self):
        devices = tpu_devices((2, 4))
        from aoizora.topology import topology, write_topology
        path = os.path.join(self.work, "given.json")
        write_topology(path, list(reversed(devices)))
        result = self.run_loop(FakeBackend(devices), topology_file=path)
        with open(result.files["topology"]) as f:
            self.assertEqual(json.load(f), topology(devices))

    def test_device_count_must_match_the_mesh(self):
        with self.assertRaisesRegex(TopologyMismatchError,
                                    "has 8 devices but 4 are given"):
            self.run_loop(FakeBackend(cpu_devices(4)))

    def test_slice_must_match_the_mesh(self):
        with self.assertRaisesRegex(TopologyMismatchError,
                                    "v5e:4x4 has 16 devices"):
            self.run_loop(FakeBackend(cpu_devices(8)),
                          topology_spec="v5e:4x4")

    def test_cpu_devices_need_a_topology(self):
        with self.assertRaisesRegex(TopologyMismatchError,
                                    "no coordinates.*topology='v5e:2x4'"):
            self.run_loop(FakeBackend(cpu_devices(8)), topology_spec=None)

    def test_topology_file_for_other_devices(self):
        other = tpu_devices((2, 4))
        for d in other:
            d.id += 100
        from aoizora.topology import write_topology
        path = os.path.join(self.work, "other.json")
        write_topology(path, other)
        with self.assertRaisesRegex(TopologyMismatchError,
                                    "device ids .* are not the devices'"):
            self.run_loop(FakeBackend(tpu_devices((2, 4))),
                          topology_file=path)

    def test_aoizora_opt_rejecting_the_module(self):
        backend = FakeBackend(cpu_devices(8), module='"builtin.module"() (')
        with self.assertRaises(StageError) as caught:
            self.run_loop(backend)
        self.assertIn("stage 1 (az-estimate-candidates) failed",
                      str(caught.exception))
        self.assertIn("module.mlir", caught.exception.diagnostics)

    def test_missing_aoizora_opt(self):
        with self.assertRaises(ToolNotFoundError):
            run_loop(FakeBackend(cpu_devices(8)), {"x": 2, "y": 4},
                     topology_spec="v5e:2x4",
                     aoizora_opt=os.path.join(self.work, "no-such-tool"),
                     work_dir=self.work, progress=False)


class MeshAxesTest(unittest.TestCase):
    def test_forms(self):
        want = [("cfg", 2), ("sp", 4)]
        for form in ({"cfg": 2, "sp": 4}, [("cfg", 2), ("sp", "4")],
                     "cfg=2, sp=4", (("cfg", 2), ("sp", 4))):
            self.assertEqual(parse_mesh_axes(form), want, form)

    def test_names_alone_put_every_device_on_the_first_axis(self):
        self.assertEqual(parse_mesh_axes(("sp", "tp"), 8),
                         [("sp", 8), ("tp", 1)])
        self.assertEqual(parse_mesh_axes("sp,tp", 8), [("sp", 8), ("tp", 1)])
        with self.assertRaisesRegex(ValueError, "needs the device count"):
            parse_mesh_axes(("sp", "tp"))

    def test_errors(self):
        for bad, message in (({}, "empty"), ("x=two", "not an integer"),
                             ({"x": 0}, "at least 1"),
                             ([("x", 2), ("x", 2)], "appears twice"),
                             (["x", ("y", 2)], "not a mix")):
            with self.assertRaisesRegex(ValueError, message, msg=bad):
                parse_mesh_axes(bad, 8)

    def test_slice_size_check(self):
        check_slice_size("v5e:2x4", 8)
        check_slice_size("v7x:2x2x1", 8)  # two devices per chip
        check_slice_size("v5litepod-16", 8)  # left to aoizora-opt
        with self.assertRaisesRegex(TopologyMismatchError,
                                    "v5p:2x2x2 has 8 devices but the mesh "
                                    "has 16"):
            check_slice_size("v5p:2x2x2", 16)


class CountCollectivesTest(unittest.TestCase):
    def test_counts_opcodes_not_names(self):
        with open(os.path.join(CHECKOUT, "unittests", "HloImport", "Inputs",
                               "spmd_collectives.txt")) as f:
            text = f.read()
        # 2 all-gather, 2 all-reduce, reduce-scatter, 2 all-to-all (one
        # tuple-shaped), collective-permute, collective-broadcast.
        self.assertEqual(count_collectives(text), 9)
        self.assertEqual(count_collectives(
            "%s = f32[4]{0} all-reduce-start(%p), to_apply=%add\n"
            "%d = f32[4]{0} all-reduce-done(%s)\n"
            "%r = f32[4]{0} ragged-all-to-all(%p, %o)"), 2)


class OptionsTest(unittest.TestCase):
    def test_options_go_to_their_pass(self):
        estimate, prune, place = split_options(
            {"check_memory": False, "keep-within": 2, "max_survivors": 1,
             "exhaustive": True, "simulate": True})
        self.assertEqual(estimate, {"check-memory": False})
        self.assertEqual(prune, {"keep-within": 2, "max-survivors": 1})
        self.assertEqual(place, {"exhaustive": True, "simulate": True})

    def test_unknown_and_managed_options(self):
        with self.assertRaisesRegex(ValueError, "unknown option 'keepwithin'"):
            split_options({"keepwithin": 2})
        with self.assertRaisesRegex(ValueError, "set by aoizora.plan"):
            split_options({"plan_file": "x.json"})


class WithoutJaxTest(unittest.TestCase):
    def test_plan_says_it_needs_jax(self):
        try:
            import jax  # noqa: F401
            self.skipTest("JAX is installed: the no-JAX message cannot show")
        except ImportError:
            pass
        import aoizora
        with self.assertRaisesRegex(JaxMissingError,
                                    "aoizora.plan needs JAX"):
            aoizora.plan(lambda x: x, 1, mesh_axes={"x": 8},
                         topology="v5e:2x4")
        with self.assertRaisesRegex(JaxMissingError, "needs JAX"):
            aoizora.export(lambda x: x, 1)
        with self.assertRaisesRegex(JaxMissingError, "needs JAX"):
            aoizora.topology()


if __name__ == "__main__":
    unittest.main()

"""The JAX-facing code (aoizora.jaxbridge, aoizora.plan, the CLI's plan and
topology commands) against test doubles of jax and numpy (fakejax/), in a
child interpreter, with the real aoizora-opt. What real JAX produces is
tested by test_jax.py where JAX is installed."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from helpers import DATA, PYTHON_DIR, TESTS, aoizora_opt_or_skip
from aoizora.plan import mesh_layout

FAKEJAX = os.path.join(TESTS, "fakejax")
PROGRAM = os.path.join(DATA, "fake_program.py")


class FakeJaxTest(unittest.TestCase):
    def setUp(self):
        self.tool = aoizora_opt_or_skip(self)
        self.tmp = tempfile.TemporaryDirectory()
        self.work = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def run_python(self, *args, **env):
        environ = dict(os.environ, AOIZORA_OPT=self.tool,
                       PYTHONPATH=os.pathsep.join([FAKEJAX, PYTHON_DIR]))
        environ.pop("FAKEJAX_PLATFORM", None)
        environ.pop("FAKEJAX_FAIL", None)
        environ.update(env)
        return subprocess.run([sys.executable, *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=environ,
                              cwd=self.work)

    def cli_plan(self, *extra, **env):
        return self.run_python(
            "-m", "aoizora", "plan", PROGRAM + ":mlp", "--out",
            os.path.join(self.work, "out"), "--keep-within", "1e9",
            "--max-survivors", "3", *extra, **env)

    def test_cli_plan_on_cpu_devices(self):
        done = self.cli_plan("--topology", "v5e:2x4", "--json")
        self.assertEqual(done.returncode, 0, done.stderr)
        plan = json.loads(done.stdout)
        self.assertEqual(plan["topology"].split(":")[0], "v5e")
        for c in plan["candidates"]:
            self.assertIn("compiled HLO dump", c["collective_source"])
        for line in ("aoizora: stage 1: 3 of 4 candidates kept",
                     "aoizora: survivor 1/3 ", "compiling with JAX",
                     "aoizora: stage 2: placing 3 candidate(s)"):
            self.assertIn(line, done.stderr)
        out = os.path.join(self.work, "out")
        self.assertTrue(os.path.isfile(os.path.join(out, "plan.json")))
        self.assertFalse(os.path.exists(os.path.join(out, "topology.json")))

    def test_cli_plan_skips_a_survivor_that_fails_to_compile(self):
        done = self.cli_plan("--topology", "v5e:2x4", "-q",
                             FAKEJAX_FAIL="1x8")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stderr, "")
        self.assertIn("skipped x=1,y=8: RuntimeError: fake XLA: cannot "
                      "compile mesh 1x8", done.stdout)
        self.assertNotIn("#1 x=1,y=8", done.stdout)

    def test_cli_plan_on_tpu_devices_reads_the_slice(self):
        done = self.cli_plan(FAKEJAX_PLATFORM="tpu")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("aoizora: topology v5e:2x4 (from the devices)",
                      done.stderr)
        with open(os.path.join(self.work, "out", "topology.json")) as f:
            entries = json.load(f)
        self.assertEqual(entries[3], {
            "id": 3, "coords": [1, 1, 0], "core_on_chip": 0,
            "process_index": 0, "device_kind": "TPU v5 lite",
            "slice_index": 0})

    def test_cli_topology(self):
        done = self.run_python("-m", "aoizora", "topology",
                               FAKEJAX_PLATFORM="tpu")
        self.assertEqual(done.returncode, 0, done.stderr)
        entries = json.loads(done.stdout)
        self.assertEqual([e["id"] for e in entries], list(range(8)))
        self.assertIn("8 devices, slice v5e:2x4", done.stderr)
        path = os.path.join(self.work, "slice.json")
        done = self.run_python("-m", "aoizora", "topology", "-o", path,
                               FAKEJAX_PLATFORM="tpu")
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(path) as f:
            self.assertEqual(json.load(f), entries)

    def test_cli_topology_on_cpu_devices(self):
        done = self.run_python("-m", "aoizora", "topology")
        self.assertEqual(done.returncode, 1)
        self.assertIn("has no coords", done.stderr)

    def test_cli_script_errors(self):
        done = self.run_python("-m", "aoizora", "plan", PROGRAM + ":nothing",
                               "--topology", "v5e:2x4")
        self.assertEqual(done.returncode, 1)
        self.assertIn("defines no 'nothing'", done.stderr)
        done = self.run_python("-m", "aoizora", "plan", PROGRAM + ":mlp",
                               "--topology", "v5e:2x4", "--args", "missing")
        self.assertEqual(done.returncode, 1)
        self.assertIn("defines no 'missing' (the example arguments)",
                      done.stderr)

    def test_python_api_with_in_shardings(self):
        plan_path = os.path.join(self.work, "api", "plan.json")
        done = self.run_python("-c", textwrap.dedent(f"""
            import json, jax, aoizora
            from jax.sharding import PartitionSpec as P
            args = (jax.ShapeDtypeStruct((64, 2048), "bfloat16"),) * 3
            result = aoizora.plan(
                lambda x, w1, w2: x, *args, mesh_axes="x=2,y=4",
                topology="v5e:2x4", progress=False,
                work_dir={os.path.join(self.work, 'api')!r},
                in_shardings=(P("x", None), P(None, "y"), P("y", None)),
                keep_within=1e9, max_survivors=2)
            mesh = result.mesh
            print(json.dumps({{"ids": [d.id for d in mesh.devices.flat],
                               "shape": list(mesh.devices.shape),
                               "axes": list(mesh.axis_names)}}))
            with jax.set_mesh(mesh):
                text = aoizora.export(jax.jit(lambda x: x), *args)
            assert '"sdy.mesh"()' in text
            """))
        self.assertEqual(done.returncode, 0, done.stderr)
        mesh = json.loads(done.stdout)
        with open(plan_path) as f:
            axes, shape, order = mesh_layout(json.load(f))
        self.assertEqual(mesh, {"ids": order, "shape": shape, "axes": axes})


if __name__ == "__main__":
    unittest.main()

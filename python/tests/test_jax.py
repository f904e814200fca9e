"""The JAX side, for real: export, and the full loop on 8 fake CPU devices
(the example's DiT block). Skipped, with a message, without JAX. Each test
runs in a fresh interpreter so that XLA_FLAGS takes effect before JAX is
imported."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from helpers import CHECKOUT, PYTHON_DIR, aoizora_opt_or_skip, jax_or_skip

EXAMPLE = os.path.join(CHECKOUT, "examples", "jax", "plan_dit_block.py")


def run_python(code, *args, cwd=None):
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR, JAX_PLATFORMS="cpu",
               XLA_FLAGS="--xla_force_host_platform_device_count=8")
    return subprocess.run([sys.executable, *(["-c", code] if code else []),
                           *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env,
                          cwd=cwd or tempfile.gettempdir())


class ExportTest(unittest.TestCase):
    def test_generic_form_with_shardings(self):
        jax_or_skip()
        done = run_python(textwrap.dedent("""
            import jax, numpy as np
            from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
            import aoizora
            mesh = Mesh(np.array(jax.devices()).reshape(2, 4), ("x", "y"))
            f = jax.jit(lambda a: a * 2,
                        in_shardings=NamedSharding(mesh, P("x", "y")))
            text = aoizora.export(f, jax.ShapeDtypeStruct((8, 8), "float32"))
            assert '"func.func"()' in text, text[:400]
            assert "sdy.mesh" in text or "mhlo.sharding" in text, text[:800]
            print("ok")
            """))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.strip(), "ok")


class FullLoopTest(unittest.TestCase):
    def setUp(self):
        jax_or_skip()
        aoizora_opt_or_skip(self)

    def test_plan_returns_the_mesh_in_the_plan_s_order(self):
        with tempfile.TemporaryDirectory() as work:
            done = run_python(textwrap.dedent(f"""
                import sys
                sys.path.insert(0, {os.path.dirname(EXAMPLE)!r})
                import jax, aoizora
                import plan_dit_block as ex
                result = aoizora.plan(ex.block, *ex.example_args(),
                                      mesh_axes=ex.mesh_axes,
                                      topology="v5e:2x4", work_dir={work!r},
                                      max_survivors=3)
                axes, shape, order = aoizora.mesh_layout(result.plan)
                mesh = result.mesh
                assert isinstance(mesh, jax.sharding.Mesh)
                assert list(mesh.axis_names) == axes, (mesh.axis_names, axes)
                assert list(mesh.devices.shape) == shape
                ids = [d.id for d in jax.devices()]
                assert [ids.index(d.id) for d in mesh.devices.flat] == order
                for s in result.survivors:
                    assert s.status in ("compiled", "failed"), s
                print(len(result.ranking), len(result.skipped))
                """))
            self.assertEqual(done.returncode, 0, done.stderr)
            ranked, skipped = map(int, done.stdout.split())
            self.assertGreaterEqual(ranked, 1)
            with open(os.path.join(work, "plan.json")) as f:
                plan = json.load(f)
            for c in plan["candidates"]:
                self.assertIn("compiled HLO dump", c["collective_source"])
            self.assertIn("stage 1:", done.stderr)
            self.assertIn("survivor 1/", done.stderr)

    def test_example_and_cli(self):
        with tempfile.TemporaryDirectory() as work:
            done = run_python(None, EXAMPLE, "--out", work)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn("ran on the planned mesh", done.stdout)
            done = run_python(None, "-m", "aoizora", "plan",
                              EXAMPLE + ":block", "--topology", "v5e:2x4",
                              "--cpu-devices", "8", "--out",
                              os.path.join(work, "cli"), "--json")
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn("device_order", json.loads(done.stdout))


if __name__ == "__main__":
    unittest.main()

"""python3 -m aoizora: help, argument handling and its errors."""

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import unittest

from helpers import CHECKOUT, PYTHON_DIR
from aoizora.cli import main, parse_option, split_target
from aoizora.errors import AoiZoraError


def run_cli(*args, env=None):
    environ = dict(os.environ, PYTHONPATH=PYTHON_DIR)
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "aoizora", *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=environ, cwd=tempfile.gettempdir())


def have_jax():
    try:
        import jax  # noqa: F401
        return True
    except ImportError:
        return False


class HelpTest(unittest.TestCase):
    def test_help(self):
        done = run_cli("--help")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("{plan,topology}", done.stdout)
        self.assertIn("AOIZORA_OPT", done.stdout)

    def test_plan_help_explains_the_script_contract(self):
        done = run_cli("plan", "--help")
        self.assertEqual(done.returncode, 0, done.stderr)
        for text in ("SCRIPT.py:FUNCTION", "--topology", "--mesh",
                     "example_args", "mesh_axes", "--cpu-devices",
                     "--no-compile", "PartitionSpecs"):
            self.assertIn(text, done.stdout)

    def test_topology_help(self):
        done = run_cli("topology", "--help")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("core_on_chip", done.stdout)

    def test_no_command_prints_help_and_fails(self):
        done = run_cli()
        self.assertEqual(done.returncode, 2)
        self.assertIn("usage:", done.stdout)

    def test_bad_arguments_are_usage_errors(self):
        done = run_cli("plan")
        self.assertEqual(done.returncode, 2)
        self.assertIn("SCRIPT.py:FUNCTION", done.stderr)
        done = run_cli("plan", "x.py:f", "--max-survivors", "many")
        self.assertEqual(done.returncode, 2)


class ParsingTest(unittest.TestCase):
    def test_split_target(self):
        script = os.path.join(CHECKOUT, "examples", "jax",
                              "plan_dit_block.py")
        self.assertEqual(split_target(script + ":block"), (script, "block"))
        with self.assertRaisesRegex(AoiZoraError, "expected SCRIPT.py"):
            split_target(script)
        with self.assertRaisesRegex(AoiZoraError, "no such script"):
            split_target("/no/such/file.py:f")

    def test_parse_option(self):
        self.assertEqual(parse_option("check_memory=false"),
                         ("check_memory", "false"))
        with self.assertRaisesRegex(AoiZoraError, "expected KEY=VALUE"):
            parse_option("simulate")


class ErrorsTest(unittest.TestCase):
    def test_cpu_devices_need_a_topology(self):
        done = run_cli("plan", "x.py:f", "--cpu-devices", "8")
        self.assertEqual(done.returncode, 1)
        self.assertIn("--cpu-devices needs --topology", done.stderr)

    @unittest.skipIf(have_jax(), "JAX is installed: no 'needs JAX' error")
    def test_plan_without_jax(self):
        script = os.path.join(CHECKOUT, "examples", "jax",
                              "plan_dit_block.py")
        done = run_cli("plan", script + ":block", "--topology", "v5e:2x4")
        self.assertEqual(done.returncode, 1)
        self.assertIn("python3 -m aoizora plan needs JAX", done.stderr)
        self.assertNotIn("Traceback", done.stderr)

    @unittest.skipIf(have_jax(), "JAX is installed: no 'needs JAX' error")
    def test_topology_without_jax(self):
        done = run_cli("topology")
        self.assertEqual(done.returncode, 1)
        self.assertIn("aoizora.topology needs JAX", done.stderr)

    def test_malformed_option_in_process(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["plan", "x.py:f", "--topology", "v5e:2x4",
                         "-O", "simulate"])
        self.assertEqual(code, 1)
        self.assertIn("aoizora: error: --option 'simulate': expected "
                      "KEY=VALUE", err.getvalue())

if __name__ == "__main__":
    unittest.main()

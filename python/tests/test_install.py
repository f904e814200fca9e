"""pip install ./python, offline: what a fresh Debian 12 machine does with
python3-pip, python3-setuptools and python3-wheel (scripts/install-deps.sh).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from helpers import PYTHON_DIR


def interpreter_that_can_build():
    """This interpreter, else Debian's, if it has pip, setuptools and wheel
    (the build backend; without network pip cannot fetch them)."""
    for python in (sys.executable, "/usr/bin/python3"):
        if not os.path.exists(python):
            continue
        probe = subprocess.run(
            [python, "-c", "import importlib.util as u, sys; sys.exit(any("
             "u.find_spec(m) is None for m in ('pip', 'setuptools', "
             "'wheel')))"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if probe.returncode == 0:
            return python
    return None


class InstallTest(unittest.TestCase):
    def test_pip_install_then_help(self):
        python = interpreter_that_can_build()
        if python is None:
            self.skipTest("no Python here has pip, setuptools and wheel "
                          "(Debian: python3-pip python3-setuptools "
                          "python3-wheel)")
        with tempfile.TemporaryDirectory() as tmp:
            # A copy, so that the build leaves nothing in the checkout.
            source = os.path.join(tmp, "src")
            shutil.copytree(PYTHON_DIR, source,
                            ignore=shutil.ignore_patterns("__pycache__",
                                                          "build",
                                                          "*.egg-info"))
            target = os.path.join(tmp, "site")
            done = subprocess.run(
                [python, "-m", "pip", "install", "--no-build-isolation",
                 "--no-index", "--no-deps", "--disable-pip-version-check",
                 "--target", target, source],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.assertEqual(done.returncode, 0, done.stdout)
            self.assertTrue(os.path.isfile(
                os.path.join(target, "aoizora", "cli.py")))
            self.assertFalse(os.path.exists(os.path.join(target, "tests")))
            env = dict(os.environ, PYTHONPATH=target)
            for command in ([python, "-m", "aoizora", "--help"],
                            [os.path.join(target, "bin", "aoizora"),
                             "--help"]):
                run = subprocess.run(command, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     env=env, cwd=tmp)
                self.assertEqual(run.returncode, 0, run.stderr)
                self.assertIn("usage: python3 -m aoizora", run.stdout)
                self.assertIn("{plan,topology}", run.stdout)
            # Importing needs nothing but the standard library.
            run = subprocess.run(
                [python, "-S", "-c",
                 "import sys; sys.path.insert(0, sys.argv[1]); "
                 "import aoizora; print(aoizora.__version__)", target],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                cwd=tmp)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(run.stdout.strip(), "0.1.0")


if __name__ == "__main__":
    unittest.main()

"""Finding aoizora-opt and running it."""

import os
import stat
import tempfile
import unittest

from helpers import aoizora_opt_or_skip, mlp_module
from aoizora.errors import StageError, ToolNotFoundError
from aoizora.tool import find_aoizora_opt, pass_options, run_opt


def make_executable(folder, name="aoizora-opt"):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


class DiscoveryTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        for name in ("env", "path", "checkout/build/bin", "custom/bin",
                     "empty"):
            os.makedirs(os.path.join(self.root, name))
        self.checkout = os.path.join(self.root, "checkout")

    def tearDown(self):
        self.tmp.cleanup()

    def find(self, explicit=None, **environ):
        return find_aoizora_opt(explicit, environ=environ,
                                checkout=self.checkout)

    def test_explicit_path_wins(self):
        chosen = make_executable(os.path.join(self.root, "env"), "mine")
        make_executable(os.path.join(self.root, "path"))
        self.assertEqual(
            self.find(chosen, AOIZORA_OPT=chosen,
                      PATH=os.path.join(self.root, "path")), chosen)

    def test_explicit_path_that_is_not_executable_is_an_error(self):
        with self.assertRaisesRegex(ToolNotFoundError, "not an executable"):
            self.find(os.path.join(self.root, "nothing-here"))

    def test_environment_variable_before_path(self):
        env_tool = make_executable(os.path.join(self.root, "env"))
        make_executable(os.path.join(self.root, "path"))
        self.assertEqual(
            self.find(AOIZORA_OPT=env_tool,
                      PATH=os.path.join(self.root, "path")), env_tool)

    def test_bad_environment_variable_does_not_fall_back(self):
        make_executable(os.path.join(self.root, "path"))
        with self.assertRaisesRegex(ToolNotFoundError,
                                    "AOIZORA_OPT=.*not an executable"):
            self.find(AOIZORA_OPT=os.path.join(self.root, "env", "missing"),
                      PATH=os.path.join(self.root, "path"))

    def test_path_before_build_tree(self):
        on_path = make_executable(os.path.join(self.root, "path"))
        make_executable(os.path.join(self.checkout, "build", "bin"))
        self.assertEqual(self.find(PATH=os.path.join(self.root, "path")),
                         on_path)

    def test_build_tree_next_to_the_package(self):
        built = make_executable(os.path.join(self.checkout, "build", "bin"))
        self.assertEqual(self.find(PATH=os.path.join(self.root, "empty")),
                         built)

    def test_build_dir_variable_names_the_build_tree(self):
        make_executable(os.path.join(self.checkout, "build", "bin"))
        custom = make_executable(os.path.join(self.root, "custom", "bin"))
        self.assertEqual(
            self.find(PATH=os.path.join(self.root, "empty"),
                      BUILD_DIR=os.path.join(self.root, "custom")), custom)

    def test_nothing_found_says_where_it_looked(self):
        with self.assertRaises(ToolNotFoundError) as caught:
            self.find(PATH=os.path.join(self.root, "empty"))
        message = str(caught.exception)
        self.assertIn("AOIZORA_OPT", message)
        self.assertIn(os.path.join(self.checkout, "build", "bin",
                                   "aoizora-opt"), message)


class PassOptionsTest(unittest.TestCase):
    def test_formats_values(self):
        self.assertEqual(
            pass_options({"topology": "v5e:2x4", "apply": False,
                          "hlo-dump": ["2x4=a.txt", "4x2=b.txt"],
                          "keep-within": 1.5, "skipped": None}),
            "topology=v5e:2x4 apply=false hlo-dump=2x4=a.txt,4x2=b.txt "
            "keep-within=1.5")

    def test_rejects_values_that_need_quoting(self):
        for bad in ("a b.json", "", "x'y", "{a}"):
            with self.assertRaises(ValueError, msg=bad):
                pass_options({"plan-file": bad})


class RunOptTest(unittest.TestCase):
    def test_failure_carries_the_diagnostics(self):
        tool = aoizora_opt_or_skip(self)
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "m.mlir"), "w") as f:
                f.write(mlp_module(2, 4))
            with self.assertRaises(StageError) as caught:
                run_opt(tool, "stage 1", "m.mlir",
                        [("az-estimate-candidates",
                          {"topology": "v5e:2x4", "emit-remarks": False}),
                         ("az-prune-candidates", {"keep-within": 0.5})],
                        cwd=work, output="out.mlir")
        e = caught.exception
        self.assertNotEqual(e.returncode, 0)
        self.assertIn("keep-within must be >= 1, got 0.5", str(e))
        self.assertTrue(str(e).startswith("stage 1 failed"))

    def test_success_returns_the_remarks(self):
        tool = aoizora_opt_or_skip(self)
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "m.mlir"), "w") as f:
                f.write(mlp_module(2, 4))
            remarks = run_opt(tool, "inspect", "m.mlir",
                              [("az-inspect-shardings", {})], cwd=work,
                              output=os.devnull)
        self.assertIn("remark", remarks)


if __name__ == "__main__":
    unittest.main()

# -*- Python -*-
# lit configuration for the AoiZora FileCheck tests.
import os
import shutil

import lit.formats
import lit.util
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "AoiZora"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.aoizora_obj_root, "test", "lit")

# Captured FileCheck variables must not leak across CHECK-LABELs.
config.environment["FILECHECK_OPTS"] = "-enable-var-scope"

config.substitutions.append(("%shlibext", config.llvm_shlib_ext))
config.substitutions.append(("%aoizora_libs", config.aoizora_libs_dir))
config.substitutions.append(("%aoizora_src", config.aoizora_src_root))
config.substitutions.append(("%aoizora_obj", config.aoizora_obj_root))
config.substitutions.append(("%shared", config.aoizora_shared_dir))

# Tests that read the reference examples beside the checkout need them.
if os.path.isdir(os.path.join(config.aoizora_shared_dir, "examples")):
    config.available_features.add("shared-examples")

# The picture test renders its SVG when librsvg's converter is installed
# (Debian librsvg2-bin, scripts/install-deps.sh).
if shutil.which("rsvg-convert"):
    config.available_features.add("rsvg-convert")

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
tool_dirs = [config.aoizora_tools_dir, config.llvm_tools_dir]
tools = ["aoizora-opt", "aoizora-wan-gen", "FileCheck", "not", "count",
         "split-file"]

# The plugin runs inside Debian's mlir-opt. In a sanitizer build
# (scripts/sanitize.sh) the plugin is instrumented and mlir-opt is not: the
# sanitizer runtimes must be loaded first, which CMake found for GCC
# (test/CMakeLists.txt). Without them the plugin tests are unsupported.
mlir_opt = lit.util.which("mlir-opt", config.llvm_tools_dir)
if not config.aoizora_sanitize:
    tools.append("mlir-opt")
    config.available_features.add("plugin")
elif config.aoizora_sanitizer_preload and mlir_opt:
    tools.append(ToolSubst(
        "mlir-opt",
        command=f"env LD_PRELOAD='{config.aoizora_sanitizer_preload}' {mlir_opt}"))
    config.available_features.add("plugin")
if config.aoizora_sanitize:
    config.available_features.add("sanitizer")
    config.environment["ASAN_OPTIONS"] = os.environ.get(
        "ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
    config.environment["UBSAN_OPTIONS"] = os.environ.get(
        "UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
llvm_config.add_tool_substitutions(tools, tool_dirs)

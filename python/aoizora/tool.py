"""Finding and running aoizora-opt.

Where the executable comes from, first match wins:
  1. the ``aoizora_opt=`` argument of a call (``--aoizora-opt`` in the CLI),
  2. the ``AOIZORA_OPT`` environment variable,
  3. ``aoizora-opt`` on ``PATH``,
  4. a build tree next to the package (``<checkout>/$BUILD_DIR/bin`` and
     ``<checkout>/build/bin``), for a source checkout used in place.
An explicit choice (1, 2) that does not name an executable is an error, not
a reason to fall back silently to another binary.
"""

import os
import shutil
import subprocess

from .errors import StageError, ToolNotFoundError

TOOL_NAME = "aoizora-opt"


def _is_executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def checkout_root():
    """The AoiZora checkout this package sits in (python/aoizora/..)."""
    package_dir = os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(os.path.dirname(package_dir))


def build_tree_candidates(environ=None, checkout=None):
    """Build-tree locations tried last, for a checkout used in place."""
    environ = os.environ if environ is None else environ
    checkout = checkout_root() if checkout is None else checkout
    names = []
    build_dir = environ.get("BUILD_DIR")
    if build_dir:
        names.append(build_dir if os.path.isabs(build_dir)
                     else os.path.join(checkout, build_dir))
    names.append(os.path.join(checkout, "build"))
    return [os.path.join(n, "bin", TOOL_NAME) for n in names]


def find_aoizora_opt(explicit=None, environ=None, checkout=None):
    """Returns the path of aoizora-opt or raises ToolNotFoundError."""
    environ = os.environ if environ is None else environ
    if explicit:
        if _is_executable(explicit):
            return os.path.abspath(explicit)
        raise ToolNotFoundError(
            f"aoizora-opt given as '{explicit}' is not an executable file")
    from_env = environ.get("AOIZORA_OPT")
    if from_env:
        if _is_executable(from_env):
            return os.path.abspath(from_env)
        raise ToolNotFoundError(
            f"AOIZORA_OPT='{from_env}' is not an executable file; fix it or "
            "unset it to search PATH and the build tree")
    on_path = shutil.which(TOOL_NAME, path=environ.get("PATH", os.defpath))
    if on_path:
        return os.path.abspath(on_path)
    tried = build_tree_candidates(environ, checkout)
    for candidate in tried:
        if _is_executable(candidate):
            return candidate
    raise ToolNotFoundError(
        "cannot find aoizora-opt: set AOIZORA_OPT=/path/to/aoizora-opt, put "
        "it on PATH, or build it (bash scripts/configure.sh aoizora-opt); "
        "looked in AOIZORA_OPT, PATH and " + ", ".join(tried))


def pass_options(options):
    """Formats {name: value} as an MLIR pass-option string (key=value ...).

    Values must not need quoting: the bridge runs aoizora-opt in its work
    folder and passes file names relative to it.
    """
    parts = []
    for key, value in options.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            text = ",".join(str(v) for v in value)
        else:
            text = str(value)
        if not text or any(c.isspace() or c in "'\"{}" for c in text):
            raise ValueError(
                f"option {key}={text!r}: values passed to aoizora-opt must be "
                "non-empty and hold no spaces, quotes or braces")
        parts.append(f"{key}={text}")
    return " ".join(parts)


def run_opt(tool, stage, input_path, passes, cwd, output="-"):
    """Runs aoizora-opt on input_path with the given pass flags.

    passes: list of (pass_name, {option: value}). Returns the diagnostics
    (stderr: remarks and warnings); raises StageError when it fails.
    """
    command = [tool, input_path]
    for name, options in passes:
        text = pass_options(options)
        command.append(f"--{name}={text}" if text else f"--{name}")
    command += ["-o", output]
    try:
        done = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, check=False)
    except OSError as e:
        raise StageError(stage, command, -1, str(e)) from e
    if done.returncode != 0:
        raise StageError(stage, command, done.returncode, done.stderr)
    return done.stderr

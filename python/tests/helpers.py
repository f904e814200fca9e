"""Shared pieces of the bridge's tests: paths, aoizora-opt, fake devices and
a fake JAX backend that serves hand-written modules and HLO dumps."""

import os
import sys
import unittest

TESTS = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(TESTS)
CHECKOUT = os.path.dirname(PYTHON_DIR)
DATA = os.path.join(TESTS, "data")
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)

from aoizora.errors import ToolNotFoundError  # noqa: E402
from aoizora.tool import find_aoizora_opt  # noqa: E402


def aoizora_opt_or_skip(test):
    """aoizora-opt (AOIZORA_OPT, PATH, build tree), or skips the test."""
    try:
        return find_aoizora_opt()
    except ToolNotFoundError as e:
        if os.environ.get("AOIZORA_TESTS_NEED_TOOL"):
            test.fail(f"aoizora-opt is required here: {e}")
        raise unittest.SkipTest(f"needs aoizora-opt: {e}")


def jax_or_skip():
    try:
        import jax  # noqa: F401
    except ImportError:
        raise unittest.SkipTest("JAX is not installed: this test needs JAX "
                                "(pip install jax)")
    return jax


class FakeDevice:
    """What the bridge reads of a jax.Device."""

    def __init__(self, id, coords=None, core_on_chip=0, process_index=0,
                 device_kind="TPU v5 lite", slice_index=None,
                 platform="tpu"):
        self.id = id
        if coords is not None:
            self.coords = tuple(coords)
            self.core_on_chip = core_on_chip
        self.process_index = process_index
        self.device_kind = device_kind
        if slice_index is not None:
            self.slice_index = slice_index
        self.platform = platform

    def __repr__(self):
        return f"FakeDevice({self.id})"


def tpu_devices(shape=(2, 4), order=None):
    """A v5e slice's devices, ids 0..n-1 in jax.devices() order; order maps
    list position -> chip index (x fastest), default the identity."""
    width, height = shape
    n = width * height
    order = list(range(n)) if order is None else order
    return [FakeDevice(i, (order[i] % width, order[i] // width, 0))
            for i in range(n)]


def cpu_devices(n=8):
    return [FakeDevice(i, device_kind="cpu", platform="cpu")
            for i in range(n)]


def read(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return f.read()


def mlp_module(x, y):
    return read("mlp_xy.mlir.in").replace("@X@", str(x)).replace(
        "@Y@", str(y))


def allreduce_dump(x, y):
    return read("allreduce.hlo.in").replace("@X@", str(x)).replace(
        "@Y@", str(y)).replace("@ROWS@", str(64 // x))


class FakeBackend:
    """Stands in for JaxBackend: 'lowers' the MLP on a mesh by filling in
    its sizes and 'compiles' it to a hand-written all-reduce dump. Sizes in
    fail_compile raise, as a JAX compile error would."""

    def __init__(self, devices, fail_compile=(), module=None):
        self._devices = devices
        self.fail_compile = {tuple(s) for s in fail_compile}
        self.module = module
        self.compiled = []
        self.meshes = []

    def devices(self):
        return self._devices

    def lower(self, names, sizes, devices):
        assert list(names) == ["x", "y"], names
        return self.module if self.module is not None else mlp_module(*sizes)

    def compile(self, names, sizes, devices):
        self.compiled.append(tuple(sizes))
        if tuple(sizes) in self.fail_compile:
            raise RuntimeError(f"fake XLA error for {sizes}\nsecond line")
        return mlp_module(*sizes), allreduce_dump(*sizes)

    def make_mesh(self, names, sizes, devices):
        self.meshes.append((list(names), list(sizes), list(devices)))
        return ("mesh", tuple(names), tuple(sizes), tuple(devices))

"""Plan JSON -> the device order of the jax.sharding.Mesh to build."""

import json
import os
import re
import tempfile
import unittest

from helpers import (FakeDevice, aoizora_opt_or_skip, cpu_devices,
                     mlp_module, tpu_devices)
from aoizora.errors import AoiZoraError, TopologyMismatchError
from aoizora.plan import mesh_layout, planned_devices
from aoizora.tool import run_opt
from aoizora.topology import dumps_topology, topology


def snippet_layout(plan):
    """The order, shape and axes in the plan's jax_mesh_snippet."""
    text = plan["jax_mesh_snippet"]
    order = [int(t) for t in
             re.search(r"order = \[([^\]]*)\]", text).group(1).split(",")]
    shape = [int(t) for t in re.search(r"reshape\(\(([^)]*)\)\)", text)
             .group(1).split(",") if t.strip()]
    axes = re.findall(r"'([^']*)'", re.search(r"Mesh\(devices, \(([^)]*)\)\)",
                                               text).group(1))
    return axes, shape, order


def small_plan(**overrides):
    plan = {"device_order": [2, 0, 3, 1],
            "logical_mesh": {"shape": [2, 2], "axes": ["a", "b"]},
            "candidate": {"sizes": [2, 2],
                          "mesh": '#sdy.mesh<["a"=2, "b"=2]>'},
            "placement": [
                {"logical_id": 0, "device_id": 2, "coords": [0, 1]},
                {"logical_id": 1, "device_id": 0, "coords": [0, 0]},
                {"logical_id": 2, "device_id": 3, "coords": [1, 1]},
                {"logical_id": 3, "device_id": 1, "coords": [1, 0]}]}
    plan.update(overrides)
    return plan


class LayoutTest(unittest.TestCase):
    def test_iota_mesh_takes_the_device_order(self):
        self.assertEqual(mesh_layout(small_plan()),
                         (["a", "b"], [2, 2], [2, 0, 3, 1]))

    def test_device_ids_pick_each_position_s_logical_device(self):
        plan = small_plan(candidate={
            "sizes": [2, 2],
            "mesh": '#sdy.mesh<["a"=2, "b"=2], device_ids=[3, 2, 1, 0]>'})
        # Position p holds logical id device_ids[p] -> device σ(that id).
        self.assertEqual(mesh_layout(plan)[2], [1, 3, 0, 2])

    def test_malformed_plans(self):
        with self.assertRaisesRegex(AoiZoraError, "not an AoiZora plan"):
            mesh_layout({})
        with self.assertRaisesRegex(AoiZoraError, "not a permutation"):
            mesh_layout(small_plan(device_order=[0, 0, 1, 2]))
        with self.assertRaisesRegex(AoiZoraError, "does not cover"):
            mesh_layout(small_plan(candidate={"sizes": [2, 4], "mesh": ""}))


class DevicesTest(unittest.TestCase):
    def test_without_coordinates_devices_follow_the_order(self):
        devices = cpu_devices(4)
        _, _, chosen = planned_devices(small_plan(), devices)
        self.assertEqual([d.id for d in chosen], [2, 0, 3, 1])

    def test_with_coordinates_devices_are_found_by_chip(self):
        # ids no longer equal list positions: the chip decides.
        devices = [FakeDevice(10 + i, (i % 2, i // 2, 0)) for i in range(4)]
        _, _, chosen = planned_devices(small_plan(), devices)
        self.assertEqual([tuple(d.coords[:2]) for d in chosen],
                         [(0, 1), (0, 0), (1, 1), (1, 0)])

    def test_a_chip_no_device_sits_on(self):
        devices = [FakeDevice(i, (i, 0, 0)) for i in range(4)]
        with self.assertRaisesRegex(TopologyMismatchError,
                                    "logical device 0 on chip \\[0, 1\\]"):
            planned_devices(small_plan(), devices)

    def test_wrong_device_count(self):
        with self.assertRaisesRegex(TopologyMismatchError,
                                    "for 4 devices, 8 given"):
            planned_devices(small_plan(), cpu_devices(8))


class AgainstAoizoraOptTest(unittest.TestCase):
    """The mapping agrees with the snippet aoizora-opt writes, and puts each
    logical device on the chip the plan names."""

    def plan_for(self, module, devices, pipeline):
        tool = aoizora_opt_or_skip(self)
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "m.mlir"), "w") as f:
                f.write(module)
            with open(os.path.join(work, "slice.json"), "w") as f:
                f.write(dumps_topology(topology(devices)))
            run_opt(tool, "plan", "m.mlir",
                    [(pipeline, {"topology": "v5e:2x4",
                                 "topology-file": "slice.json",
                                 "plan-file": "plan.json", "apply": False,
                                 "exhaustive": True})],
                    cwd=work, output=os.devnull)
            with open(os.path.join(work, "plan.json")) as f:
                return json.load(f)

    def check(self, plan, devices):
        axes, shape, order = mesh_layout(plan)
        self.assertEqual((axes, shape, order), snippet_layout(plan))
        _, _, chosen = planned_devices(plan, devices)
        by_logical = {e["logical_id"]: e["coords"] for e in plan["placement"]}
        for position, device in enumerate(chosen):
            logical = position
            mesh = (plan.get("candidate") or {}).get("mesh", "")
            ids = re.search(r"device_ids=\[([^\]]*)\]", mesh)
            if ids:
                logical = int(ids.group(1).split(",")[position])
            self.assertEqual(list(device.coords[:2]), by_logical[logical])

    def test_az_plan_on_a_snake_ordered_slice(self):
        devices = tpu_devices((2, 4), order=[0, 1, 3, 2, 4, 5, 7, 6])
        plan = self.plan_for(mlp_module(2, 4), devices, "az-plan")
        self.check(plan, devices)

    def test_az_plan_with_explicit_device_ids(self):
        module = mlp_module(2, 4).replace(
            '"y"=4]>', '"y"=4], device_ids=[7, 6, 5, 4, 3, 2, 1, 0]>')
        devices = tpu_devices((2, 4))
        plan = self.plan_for(module, devices, "az-plan")
        self.check(plan, devices)


if __name__ == "__main__":
    unittest.main()

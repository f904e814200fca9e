"""The topology file: written from devices, read back, read by aoizora-opt."""

import json
import os
import tempfile
import unittest

from helpers import (FakeDevice, aoizora_opt_or_skip, cpu_devices,
                     mlp_module, tpu_devices)
from aoizora.errors import AoiZoraError, TopologyMismatchError
from aoizora.tool import run_opt
from aoizora.topology import (chip_name, dumps_topology, read_topology,
                              slice_name, topology, write_topology)


class EntriesTest(unittest.TestCase):
    def test_keys_in_list_order(self):
        devices = [FakeDevice(5, (1, 0, 0), process_index=1, slice_index=0),
                   FakeDevice(2, (0, 0, 0), core_on_chip=0)]
        entries = topology(devices)
        self.assertEqual([e["id"] for e in entries], [5, 2])
        self.assertEqual(entries[0], {
            "id": 5, "coords": [1, 0, 0], "core_on_chip": 0,
            "process_index": 1, "device_kind": "TPU v5 lite",
            "slice_index": 0})
        self.assertNotIn("slice_index", entries[1])

    def test_devices_without_coordinates_are_refused_with_advice(self):
        with self.assertRaisesRegex(AoiZoraError,
                                    "has no coords.*topology="):
            topology(cpu_devices(2))

    def test_duplicate_ids(self):
        with self.assertRaisesRegex(TopologyMismatchError, "same id 3"):
            topology([FakeDevice(3, (0, 0, 0)), FakeDevice(3, (1, 0, 0))])

    def test_no_devices(self):
        with self.assertRaisesRegex(AoiZoraError, "no devices"):
            topology([])


class RoundTripTest(unittest.TestCase):
    def test_write_then_read(self):
        devices = tpu_devices((2, 4), order=[0, 1, 3, 2, 4, 5, 7, 6])
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "slice.json")
            written = write_topology(path, devices)
            self.assertEqual(read_topology(path), written)
            with open(path) as f:
                self.assertEqual(json.load(f), written)

    def test_reads_the_object_form(self):
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "slice.json")
            with open(path, "w") as f:
                json.dump({"devices": [{"id": 0, "coords": [0, 0]}]}, f)
            self.assertEqual(read_topology(path),
                             [{"id": 0, "coords": [0, 0]}])

    def test_read_errors(self):
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "slice.json")
            for text, message in (("[", "not valid JSON"),
                                  ("{}", "array of devices"),
                                  ('[{"id": 0}]', "entry #0 needs")):
                with open(path, "w") as f:
                    f.write(text)
                with self.assertRaisesRegex(AoiZoraError, message):
                    read_topology(path)

    def test_aoizora_opt_reads_what_the_bridge_writes(self):
        # Every key the bridge writes, process_index, device_kind and
        # slice_index included, in a non-default order of chips.
        tool = aoizora_opt_or_skip(self)
        devices = tpu_devices((2, 4), order=[7, 6, 5, 4, 3, 2, 1, 0])
        for d in devices:
            d.slice_index = 0
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "slice.json"), "w") as f:
                f.write(dumps_topology(topology(devices)))
            with open(os.path.join(work, "m.mlir"), "w") as f:
                f.write(mlp_module(2, 4))
            run_opt(tool, "plan", "m.mlir",
                    [("az-plan", {"topology": "v5e:2x4",
                                  "topology-file": "slice.json",
                                  "plan-file": "plan.json",
                                  "apply": False})],
                    cwd=work, output=os.devnull)
            with open(os.path.join(work, "plan.json")) as f:
                plan = json.load(f)
        # Logical device k sits where the file puts it: the plan's chip of
        # each logical id is the chip of the device it names.
        coords = {d.id: list(d.coords[:2]) for d in devices}
        for entry in plan["placement"]:
            self.assertEqual(entry["coords"], coords[entry["device_id"]])


class SliceNameTest(unittest.TestCase):
    def test_chip_names(self):
        for kind, name in (("TPU v5 lite", "v5e"), ("TPU v5e", "v5e"),
                           ("TPU v5", "v5p"), ("TPU v5p", "v5p"),
                           ("TPU v4", "v4"), ("TPU v6 lite", "v6e"),
                           ("TPU7x", "v7x"), ("cpu", None),
                           ("NVIDIA H100", None)):
            self.assertEqual(chip_name(kind), name, kind)

    def test_shape_from_coordinates(self):
        self.assertEqual(slice_name(topology(tpu_devices((4, 2)))),
                         "v5e:4x2")
        cube = [FakeDevice(i, (i % 2, (i // 2) % 2, i // 4),
                           device_kind="TPU v4") for i in range(8)]
        self.assertEqual(slice_name(topology(cube)), "v4:2x2x2")

    def test_cannot_tell(self):
        mixed = tpu_devices((2, 1))
        mixed[1].device_kind = "TPU v4"
        with self.assertRaisesRegex(TopologyMismatchError, "cannot tell"):
            slice_name(topology(mixed))
        two = tpu_devices((2, 1))
        for i, d in enumerate(two):
            d.slice_index = i
        with self.assertRaisesRegex(TopologyMismatchError, "2 slices"):
            slice_name(topology(two))
        unknown = tpu_devices((2, 1))
        for d in unknown:
            d.device_kind = "TPU v9 mega"
        with self.assertRaisesRegex(TopologyMismatchError, "not a TPU"):
            slice_name(topology(unknown))


if __name__ == "__main__":
    unittest.main()

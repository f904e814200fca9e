"""Test double: Mesh, NamedSharding, PartitionSpec."""

_CURRENT = [None]


class Mesh:
    def __init__(self, devices, axis_names):
        assert len(devices.shape) == len(axis_names)
        self.devices = devices
        self.axis_names = tuple(axis_names)


class PartitionSpec(tuple):
    def __new__(cls, *parts):
        return tuple.__new__(cls, parts)


class NamedSharding:
    def __init__(self, mesh, spec):
        self.mesh, self.spec = mesh, spec

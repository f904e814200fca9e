"""The topology file: where each JAX device sits on the slice's torus.

The file is what ``topology-file=`` of aoizora-opt reads
(lib/Topology/Placement.cpp): a JSON array with one object per device, in
the order of ``jax.devices()``:

    {"id": 0, "coords": [0, 0, 0], "core_on_chip": 0, "process_index": 0,
     "device_kind": "TPU v5 lite", "slice_index": 0}

``id``, ``coords`` and ``core_on_chip`` place the device; ``process_index``,
``device_kind`` and ``slice_index`` say which host, chip generation and slice
it belongs to. Only TPU devices have coordinates: other platforms have no
torus to describe, and are planned on the slice's default order instead.
"""

import json
import re

from .errors import AoiZoraError, TopologyMismatchError

# Attributes copied when the device has them, in the order they are written.
_OPTIONAL_KEYS = ("process_index", "device_kind", "slice_index")


def _int(value, what):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise AoiZoraError(f"{what} is {value!r}, not an integer") from None


def device_entry(device, position=None):
    """One topology-file entry for a JAX device (or any object with the same
    attributes: id, coords, core_on_chip, process_index, device_kind,
    slice_index)."""
    where = f"device #{position}" if position is not None else "device"
    device_id = getattr(device, "id", None)
    if device_id is None:
        raise AoiZoraError(f"{where} has no id")
    where = f"{where} (id {device_id})"
    coords = getattr(device, "coords", None)
    if coords is None:
        platform = getattr(device, "platform", "unknown platform")
        raise AoiZoraError(
            f"{where} on {platform} has no coords: a topology file describes "
            "TPU devices. On other platforms (such as fake CPU devices) give "
            "the slice with topology= and no topology file; AoiZora then "
            "assumes the slice's default device order")
    entry = {
        "id": _int(device_id, f"{where} id"),
        "coords": [_int(c, f"{where} coordinate") for c in coords],
        "core_on_chip": _int(getattr(device, "core_on_chip", 0) or 0,
                             f"{where} core_on_chip"),
    }
    for key in _OPTIONAL_KEYS:
        value = getattr(device, key, None)
        if value is None:
            continue
        entry[key] = str(value) if key == "device_kind" else _int(
            value, f"{where} {key}")
    return entry


def _jax_devices():
    from .jaxbridge import require_jax
    jax = require_jax("aoizora.topology")
    return jax.devices()


def topology(devices=None):
    """The topology file's entries for ``devices`` (default: jax.devices()),
    in their order, as a list of dicts. ``json.dumps`` it, or use
    write_topology."""
    if devices is None:
        devices = _jax_devices()
    devices = list(devices)
    if not devices:
        raise AoiZoraError("no devices to describe")
    entries = [device_entry(d, i) for i, d in enumerate(devices)]
    seen = {}
    for i, e in enumerate(entries):
        if e["id"] in seen:
            raise TopologyMismatchError(
                f"devices #{seen[e['id']]} and #{i} have the same id {e['id']}")
        seen[e["id"]] = i
    return entries


def dumps_topology(entries):
    """The file's text: one device per line, so diffs stay readable."""
    lines = ",\n".join(" " + json.dumps(e, sort_keys=False) for e in entries)
    return "[\n" + lines + "\n]\n"


def write_topology(path, devices=None):
    """Writes the topology file of ``devices`` (default: jax.devices())."""
    entries = topology(devices)
    with open(path, "w", encoding="utf-8") as f:
        f.write(dumps_topology(entries))
    return entries


def read_topology(path):
    """Reads a topology file back (an array, or an object with "devices")."""
    with open(path, encoding="utf-8") as f:
        try:
            value = json.load(f)
        except json.JSONDecodeError as e:
            raise AoiZoraError(f"{path}: not valid JSON: {e}") from None
    if isinstance(value, dict):
        value = value.get("devices")
    if not isinstance(value, list):
        raise AoiZoraError(f"{path}: expected an array of devices or an "
                           "object with a \"devices\" array")
    for i, e in enumerate(value):
        if not isinstance(e, dict) or "id" not in e or "coords" not in e:
            raise AoiZoraError(f"{path}: device entry #{i} needs \"id\" and "
                               "\"coords\"")
    return value


# device_kind as JAX reports it -> the chip name topology= takes.
_KIND_TO_CHIP = (
    (re.compile(r"v5\s*(lite|e)\b"), "v5e"),
    (re.compile(r"v5\s*p?\b"), "v5p"),
    (re.compile(r"v6\s*(lite|e)\b"), "v6e"),
    (re.compile(r"v?7\s*x?\b"), "v7x"),
    (re.compile(r"v4\b"), "v4"),
)
_THREE_D = {"v4", "v5p", "v7x"}


def chip_name(device_kind):
    """'TPU v5 lite' -> 'v5e', ...; None when not a known TPU."""
    kind = device_kind.lower()
    if "tpu" not in kind:
        return None
    kind = kind.replace("tpu", " ").strip()
    for pattern, name in _KIND_TO_CHIP:
        if pattern.match(kind):
            return name
    return None


def slice_name(entries):
    """The topology= spec (e.g. 'v5e:4x8') the entries span: the chip from
    device_kind, the shape from the coordinates' extent. Raises when the
    devices cannot say (no device_kind, unknown chip, several slices)."""
    kinds = {e.get("device_kind") for e in entries}
    if len(kinds) != 1 or None in kinds:
        raise TopologyMismatchError(
            "cannot tell the slice from the devices (device kinds: "
            f"{sorted(str(k) for k in kinds)}); give topology=, e.g. v5e:4x8")
    kind = kinds.pop()
    chip = chip_name(kind)
    if chip is None:
        raise TopologyMismatchError(
            f"device kind '{kind}' is not a TPU AoiZora models; give "
            "topology=, e.g. v5e:4x8")
    slices = {e.get("slice_index", 0) for e in entries}
    if len(slices) > 1:
        raise TopologyMismatchError(
            f"the devices span {len(slices)} slices (slice_index "
            f"{sorted(slices)}); AoiZora places one slice: pass that slice's "
            "devices")
    dims = 3 if chip in _THREE_D else 2
    coords = [list(e["coords"]) + [0] * (3 - len(e["coords"])) for e in entries]
    if dims == 2 and any(c[2] != 0 for c in coords):
        raise TopologyMismatchError(
            f"{kind} devices with a z coordinate other than 0; give topology=")
    shape = [max(c[d] for c in coords) + 1 for d in range(dims)]
    return chip + ":" + "x".join(str(s) for s in shape)

"""The errors the bridge raises: one base class, one subclass per cause."""


class AoiZoraError(Exception):
    """Base class of every error the aoizora package raises on purpose."""


class ToolNotFoundError(AoiZoraError):
    """aoizora-opt cannot be found (AOIZORA_OPT, PATH, build tree)."""


class JaxMissingError(AoiZoraError):
    """A call needs JAX (or numpy) and it cannot be imported."""


class TopologyMismatchError(AoiZoraError):
    """The devices do not match the slice, the topology file or the plan."""


class StageError(AoiZoraError):
    """An aoizora-opt run failed; carries its command and diagnostics."""

    def __init__(self, stage, command, returncode, diagnostics):
        self.stage = stage
        self.command = list(command)
        self.returncode = returncode
        self.diagnostics = diagnostics
        text = diagnostics.strip() or "(no diagnostics)"
        super().__init__(
            f"{stage} failed (aoizora-opt exit status {returncode}):\n{text}")

"""Which llama.cpp load parameters are safe on this CPU, decided from what the build reports.

llama.cpp's CPU backend can place weights in "extra buffer types": its AMX buffer
(Intel Sapphire Rapids and later, ``AMX_INT8 = 1`` in the system info) and the
weight-repacking buffer (``REPACK = 1``; faster matrix kernels for some quantizations
on AVX2/AVX-512/NEON).  On AMX CPUs the build ghost-ls installs repacks the weights
into the AMX buffer and then segfaults in ``ggml_backend_amx_mul_mat`` at the first
decode (llama.cpp issue #20824).  Loading with ``use_extra_bufts = false`` avoids the
AMX buffer; it also turns repacking off, which is why ``auto`` does so only where AMX
is present.  The decision is a pure function of the system-info line and the setting,
so it is tested without either kind of CPU.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

TEST_SYSTEM_INFO_ENV = "GHOST_LS_TEST_SYSTEM_INFO"
"""Test hook: a system-info line to decide from instead of this CPU's (e.g. an AMX one)."""

_FLAG = re.compile(r"\b([A-Z0-9_]+)\s*=\s*([0-9]+)")


def cpu_flags(system_info: str) -> dict[str, int]:
    """``{"AVX2": 1, "AMX_INT8": 1, ...}`` from llama.cpp's ``llama_print_system_info()``."""
    return {name: int(value) for name, value in _FLAG.findall(system_info)}


@dataclass(frozen=True)
class ExtraBuffersChoice:
    """Whether llama.cpp may use its extra CPU buffer types, and why."""

    enabled: bool
    reason: str


def choose_extra_buffers(setting: str, system_info: str) -> ExtraBuffersChoice:
    """The ``use_extra_bufts`` value for ``setting`` (``auto``/``on``/``off``) on this CPU."""
    if setting == "on":
        return ExtraBuffersChoice(True, "extraBuffers = on (setting)")
    if setting == "off":
        return ExtraBuffersChoice(False, "extraBuffers = off (setting)")
    flags = cpu_flags(system_info)
    if any(value and name.startswith("AMX") for name, value in flags.items()):
        return ExtraBuffersChoice(
            False,
            "off: this CPU has AMX, and llama.cpp's AMX buffer crashes at the first decode "
            "(llama.cpp #20824); set extraBuffers = on to try it anyway",
        )
    if flags.get("REPACK"):
        return ExtraBuffersChoice(True, "on: no AMX on this CPU; weight repacking stays on")
    return ExtraBuffersChoice(True, "on: no AMX on this CPU")


def crash_fallback(choice: ExtraBuffersChoice) -> ExtraBuffersChoice | None:
    """What to load with after the engine died at its first decode, None if nothing is left."""
    if not choice.enabled:
        return None
    return ExtraBuffersChoice(
        False, "off: the engine crashed at its first decode with extra buffer types on"
    )


def choose_for_this_cpu(setting: str) -> ExtraBuffersChoice:
    """:func:`choose_extra_buffers` on this build's system info (or the test hook's line)."""
    info = os.environ.get(TEST_SYSTEM_INFO_ENV)
    return choose_extra_buffers(setting, system_info() if info is None else info)


def system_info() -> str:
    """llama.cpp's one-line description of the CPU/GPU features it was built with."""
    import llama_cpp

    raw = llama_cpp.llama_print_system_info()
    return raw.decode("utf-8", "replace").strip() if isinstance(raw, bytes) else str(raw)


def llama_server_flags(setting: str = "auto") -> list[str]:
    """Flags that give a llama-server started on this CPU the same choice.

    llama-server's ``--no-repack`` turns the extra buffer types off (its
    ``no_extra_bufts``), so it does not crash on AMX CPUs either.
    """
    return [] if choose_for_this_cpu(setting).enabled else ["--no-repack"]

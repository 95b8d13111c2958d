"""llama-cpp-python's OpenAI-compatible server with this CPU's safe extra-buffer choice.

``python -m ghost_ls.devtools.llama_cpp_server ARGS`` is ``python -m llama_cpp.server
ARGS`` except that, on a CPU with AMX, the model loads without llama.cpp's extra buffer
types: a plain ``llama_cpp.server`` there crashes at its first request (see
``engine/cpu_features.py``).  The team-backend tests and benchmark start it this way.
"""

from __future__ import annotations

import logging
import runpy

from ghost_ls.engine.llama_loading import make_every_load_safe


def main() -> None:
    choice = make_every_load_safe()
    logging.getLogger(__name__).warning("extra CPU buffer types %s: %s",
                                        "on" if choice.enabled else "off", choice.reason)
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

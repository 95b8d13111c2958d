"""On a busy machine the real engine reads and generates on the cores that are free.

One busy process per core runs beside the server; once they have run for a while, a
completion is asked for and ``ghost/status`` says how many threads llama.cpp used
(``engine/threads.py``): one, where an idle machine gives it every core.
"""

from __future__ import annotations

import os

import pytest

from busy import busy_processes, wait_until_busy
from ghost_ls.devtools.lsp_client import LspClient
from support import SAMPLE, start_server

LAST_LINE = SAMPLE.count("\n")
LAST_COL = len(SAMPLE.rsplit("\n", 1)[1])


@pytest.mark.model
def test_a_busy_machine_gets_one_thread() -> None:
    client: LspClient = start_server({"threads": 0})
    try:
        with busy_processes(os.cpu_count() or 1) as pids:
            wait_until_busy(pids, 1.0)
            uri = "file:///tmp/threads_busy.py"
            client.open(uri, SAMPLE)
            client.inline(uri, LAST_LINE, LAST_COL, timeout=300)
        status = client.status()
        assert status["modelCalls"] == 1
        assert (status["threads"], status["lastThreads"]) == (min(8, os.cpu_count() or 1), 1)
    finally:
        client.close()

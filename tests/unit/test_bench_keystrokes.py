"""bench/benchlib/keystrokes.py: typed back into the middle of a file, keystrokes rebuild it exactly.

No model, no server: the keystrokes of ``plan`` are applied to the editor mirror the
typing replay's drivers use (``benchlib.drivers.Mirror``), and the document must come
out byte for byte as the source file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from benchlib.drivers import Mirror  # noqa: E402
from benchlib.keystrokes import auto_start, is_function_header, language_id, plan  # noqa: E402

PYTHON = ("import os\n\n\ndef f(x):\n    if x:\n\treturn 'é'  # tab\n\n    return [\n        1,\n    ]\n"
          "\n\nclass C:\n    pass\n")
TYPESCRIPT = """import { a } from "./a";

export class Box<T> {
  constructor(private readonly value: T) {}

  map<U>(fn: (value: T) => U): Box<U> {
    if (this.value) {
      return new Box(fn(this.value));
    }
    return new Box(fn(this.value));
  }
}

export function unbox<T>(box: Box<T>): T {
  return box.value;
}
"""
GO = """package box

import "fmt"

type Box struct{ v int }

func (b *Box) Get() int {
\tif b == nil {
\t\treturn 0
\t}
\treturn b.v
}

func New(v int) *Box {
\treturn &Box{v: v}
}
"""


def retype(source: str, start: int, count: int, *, mid_file: bool = True) -> Mirror:
    """Apply every keystroke; check the cursor and (mid-file) what stays below it."""
    lines = source.split("\n")
    replay = plan("x", source, start, count, mid_file=mid_file)
    below = lines[start + count :] if mid_file else []
    mirror = Mirror(replay.initial_text)
    assert (mirror.lines[replay.cursor[0]][: replay.cursor[1]]
            == lines[replay.cursor[0]][: replay.cursor[1]])
    for key in replay.keystrokes:
        mirror.insert(key)
        line, column = key.after_line, key.after_column
        assert mirror.lines[line][:column] == lines[line][:column]  # what was typed so far
        assert mirror.lines[:line] == lines[:line]  # above the cursor: the file
        assert mirror.lines[line + 1 :] == below  # below the cursor: the rest of the file
    return mirror


@pytest.mark.parametrize("source", [PYTHON, TYPESCRIPT, GO])
@pytest.mark.parametrize("start,count", [(0, 3), (3, 1), (3, 4), (4, 6), (5, 100), (0, 1000)])
def test_mid_file_keystrokes_give_back_the_file_exactly(source: str, start: int, count: int) -> None:
    assert retype(source, start, count).text == source


def test_truncated_keystrokes_give_back_the_file_up_to_the_last_typed_line() -> None:
    source = PYTHON
    mirror = retype(source, 3, 4, mid_file=False)
    assert mirror.text == "\n".join(source.split("\n")[:7])


def test_mid_file_starts_with_the_rest_below_and_only_the_indentation_at_the_cursor() -> None:
    replay = plan("f.py", PYTHON, 4, 3)
    lines = PYTHON.split("\n")
    assert replay.initial_text == "\n".join([*lines[:4], "    ", *lines[7:]])
    assert replay.cursor == (4, 4) and replay.mid_file
    assert replay.pauses == 2  # one after each Enter
    truncated = plan("f.py", PYTHON, 4, 3, mid_file=False)
    assert truncated.initial_text == "\n".join([*lines[:4], "    "])
    assert truncated.keystrokes == replay.keystrokes


def test_a_real_file_is_rebuilt_exactly() -> None:
    source = (Path(json.__file__).parent / "decoder.py").read_text(encoding="utf-8")
    start = auto_start(source.split("\n"))
    assert retype(source, start, 12).text == source


def test_function_headers_per_language() -> None:
    assert is_function_header("    def f(self) -> None:", "python")
    assert is_function_header("async def main():", "python")
    assert not is_function_header("    if x:", "python")
    assert is_function_header("func (b *Box) Get() int {", "go")
    assert not is_function_header("\tif b == nil {", "go")
    for header in ("export function unbox<T>(box: Box<T>): T {", "  map<U>(fn: (value: T) => U): Box<U> {",
                   "  private async load(key: string): Promise<void> {", "function f() {",
                   "  constructor(x: number) {"):
        assert is_function_header(header, "typescript"), header
    for other in ("    if (this.value) {", "export class Box<T> {", "  } else {", "  for (const x of xs) {",
                  "  const f = (x: number) => {", "  // note: f() {", "  foo(bar, () => {"):
        assert not is_function_header(other, "typescript"), other


def test_auto_start_is_a_function_body_past_40_percent() -> None:
    assert auto_start(TYPESCRIPT.split("\n"), language="typescript") == 14  # unbox's body
    assert auto_start(GO.split("\n"), language="go") == 7  # Get's body (line 6 is at 40%)
    assert auto_start(PYTHON.split("\n")) == 6  # nothing past 40%: the 40% line


def test_language_ids() -> None:
    assert [language_id(p) for p in ("a.py", "b/c.ts", "d.go", "e.txt")] == [
        "python", "typescript", "go", "plaintext"]


def test_the_infill_payload_is_llama_vims() -> None:
    """What llama.vim sends to /infill: the line up to the cursor as ``prompt``, the rest below."""
    from benchlib.http_driver import HttpDriver

    driver = HttpDriver(0, "infill", max_tokens=32, window_lines=60)
    lines = ["def f(xs):", "    total = 0", "    for x in xs:", "        tot", "    return total"]
    mid_line = driver.infill_payload(lines, 3, 11)
    assert mid_line["input_prefix"] == "def f(xs):\n    total = 0\n    for x in xs:\n"
    assert mid_line["prompt"] == "        tot"
    assert mid_line["input_suffix"] == "\n    return total\n"
    assert mid_line["n_indent"] == 8 and mid_line["cache_prompt"] is True
    assert mid_line["t_max_predict_ms"] == 250
    blank = driver.infill_payload([*lines[:3], "        ", *lines[4:]], 3, 8)
    assert (blank["prompt"], blank["n_indent"]) == ("", 0)  # a blank line starts from column 0

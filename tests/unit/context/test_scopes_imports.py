"""Enclosing scopes and imports, per language, with a tree and without one."""

from __future__ import annotations

import pytest

from ghost_ls.context.grammars import spec_for
from ghost_ls.context.imports import text_imports, tree_imports
from ghost_ls.context.parsing import parse_bytes
from ghost_ls.context.scopes import indent_headers, tree_headers

CASES = {
    "python": ("import os\nfrom a import (b,\n    c)\n\nclass A(B):\n    def f(self,\n"
               "          x):\n        if x:\n            return x  # HERE\n",
               [(0, 0), (1, 2)], ["class A(B):", "    def f(self,", "          x):",
                                  "        if x:"]),
    "javascript": ("import x from 'y';\nconst z = require('z');\nclass K {\n  m(a) {\n"
                   "    return a; // HERE\n  }\n}\n",
                   [(0, 0), (1, 1)], ["class K {", "  m(a) {"]),
    "typescript": ("import { a } from './a';\nexport class S {\n  run(x: number): void {\n"
                   "    x; // HERE\n  }\n}\n", [(0, 0)], ["export class S {",
                                                          "  run(x: number): void {"]),
    "go": ("package main\n\nimport (\n\t\"fmt\"\n)\n\nfunc (s *S) Run(x int) error {\n"
           "\tfmt.Println(x) // HERE\n\treturn nil\n}\n",
           [(0, 0), (2, 4)], ["func (s *S) Run(x int) error {"]),
    "rust": ("use std::io;\n\nimpl Foo {\n    pub fn run(&self) -> i32 {\n"
             "        1 // HERE\n    }\n}\n", [(0, 0)], ["impl Foo {",
                                                      "    pub fn run(&self) -> i32 {"]),
    "c": ("#include <stdio.h>\n\nint main(int argc,\n         char **argv) {\n"
          "    return 0; // HERE\n}\n", [(0, 0)], ["int main(int argc,",
                                                   "         char **argv) {"]),
    "cpp": ("#include <vector>\nclass W {\n public:\n  int size() const {\n    return 1; // HERE\n"
            "  }\n};\n", [(0, 0)], ["class W {", "  int size() const {"]),
    "java": ("package a;\nimport java.util.List;\npublic class G {\n  public void hi() {\n"
             "    int x = 1; // HERE\n  }\n}\n", [(0, 0), (1, 1)],
             ["public class G {", "  public void hi() {"]),
    "lua": ("local json = require('json')\nlocal M = {}\nfunction M.run(a)\n"
            "  return a -- HERE\nend\nreturn M\n", [(0, 0)], ["function M.run(a)"]),
}


@pytest.mark.parametrize("language", sorted(CASES))
def test_scopes_and_imports_with_tree(language: str) -> None:
    text, imports, headers = CASES[language]
    spec = spec_for(language)
    assert spec is not None, f"grammar for {language} missing"
    tree = parse_bytes(spec, text.encode())
    assert tree is not None
    lines = text.split("\n")
    row = next(i for i, line in enumerate(lines) if "HERE" in line)
    column = len(lines[row]) - len(lines[row].lstrip())
    assert tree_imports(tree, spec) == imports
    found = tree_headers(tree, spec, row, column)
    shown = [lines[r] for a, b in found for r in range(a, b + 1)]
    assert shown == headers


def test_scopes_by_indentation_without_tree() -> None:
    lines = ["module Foo", "  class Bar {", "    def baz:", "      x = 1", "      y = 2"]
    headers = indent_headers(lambda r: lines[r] if 0 <= r < len(lines) else "", 4)
    assert [lines[a] for a, _ in headers] == ["  class Bar {", "    def baz:"]


def test_text_imports_fallback() -> None:
    lines = ["import os", "x = 1", "from a import b"]
    assert text_imports(lambda r: lines[r], 3, "python") == [(0, 0), (2, 2)]
    assert text_imports(lambda r: lines[r], 3, "cobol") == []


def test_text_imports_stop_reading_well_past_the_last_import() -> None:
    """Typing below the imports of a large file re-scans them at every key: the scan
    reads the header, the imports and a margin, not the first 300 lines."""
    lines = ['"""A module."""', "", "import os", "from json import dumps", "",
             *[f"x{i} = {i}" for i in range(400)]]
    read: list[int] = []

    def line_at(row: int) -> str:
        read.append(row)
        return lines[row]

    assert text_imports(line_at, len(lines), "python") == [(2, 2), (3, 3)]
    assert max(read) < 3 + 100

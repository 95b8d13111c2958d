"""Grammar registry: which LSP language ids have a tree-sitter grammar, and what we know of them.

Grammars come from the official per-language PyPI wheels (``tree-sitter-python`` ...),
which ship compiled parsers: nothing is compiled or downloaded at run time.  A
language without a wheel (or whose wheel fails to load) simply has no
:class:`LanguageSpec`; the context engine then falls back to line-based windows.

Each spec also names the node kinds the engine reasons about: *containers* (nodes
whose children are statements, so a line starting one of those children is a clean
place to cut a window), *scopes* (functions, classes, blocks whose header we show
when the cursor is inside them), *imports* (top-level nodes shown as the file's
imports), and the line-comment token used for the ``...`` marker.
"""

from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass
from pathlib import PurePath

from tree_sitter import Language, Query

from ghost_ls.context.tag_queries import TAG_QUERIES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LanguageSpec:
    """What the engine knows about one grammar."""

    name: str
    """Grammar name (``tsx`` is distinct from ``typescript``)."""
    module: str
    function: str
    comment: str
    """Line comment token, for the ``...`` marker between skipped lines."""
    containers: frozenset[str]
    scopes: frozenset[str]
    imports: frozenset[str]
    classes: frozenset[str]
    """Scope kinds that make a function inside them a method."""
    opener: str = "brace"
    """How blocks open: ``colon`` (Python), ``brace`` (C family), ``lua`` (``then``/``do``)."""
    indent: str = "    "
    """Indentation unit when the document gives no evidence."""


_C_SCOPES = frozenset({"function_definition", "struct_specifier", "union_specifier",
                       "enum_specifier"})
_C_CONTAINERS = frozenset({"translation_unit", "compound_statement", "field_declaration_list",
                           "declaration_list", "preproc_if", "preproc_ifdef", "preproc_else",
                           "case_statement", "enumerator_list"})
_JS_CONTAINERS = frozenset({"program", "statement_block", "class_body", "switch_case",
                            "switch_default", "interface_body", "object_type", "enum_body",
                            "export_statement"})
_JS_SCOPES = frozenset({"function_declaration", "generator_function_declaration",
                        "class_declaration", "method_definition", "arrow_function",
                        "function_expression", "abstract_class_declaration",
                        "interface_declaration", "module", "internal_module",
                        "enum_declaration"})
_JS_IMPORTS = frozenset({"import_statement"})
_JS_CLASSES = frozenset({"class_declaration", "abstract_class_declaration", "class",
                         "interface_declaration"})

BLOCK_SCOPES = frozenset({
    "if_statement", "elif_clause", "else_clause", "for_statement", "for_in_statement",
    "enhanced_for_statement", "while_statement", "do_statement", "with_statement",
    "try_statement", "except_clause", "finally_clause", "catch_clause", "switch_statement",
    "match_statement", "case_clause", "if_expression", "for_expression", "while_expression",
    "loop_expression", "match_expression", "match_arm", "else_statement", "elseif_statement",
})
"""Block statements whose header line is shown too (kinds absent from a grammar never match)."""

SPECS: dict[str, LanguageSpec] = {
    "python": LanguageSpec(
        "python", "tree_sitter_python", "language", "#",
        containers=frozenset({"module", "block"}),
        scopes=frozenset({"function_definition", "class_definition"}),
        imports=frozenset({"import_statement", "import_from_statement",
                           "future_import_statement"}),
        classes=frozenset({"class_definition"}), opener="colon"),
    "javascript": LanguageSpec(
        "javascript", "tree_sitter_javascript", "language", "//",
        containers=_JS_CONTAINERS, scopes=_JS_SCOPES, imports=_JS_IMPORTS,
        classes=_JS_CLASSES, indent="  "),
    "typescript": LanguageSpec(
        "typescript", "tree_sitter_typescript", "language_typescript", "//",
        containers=_JS_CONTAINERS, scopes=_JS_SCOPES, imports=_JS_IMPORTS,
        classes=_JS_CLASSES, indent="  "),
    "tsx": LanguageSpec(
        "tsx", "tree_sitter_typescript", "language_tsx", "//",
        containers=_JS_CONTAINERS, scopes=_JS_SCOPES, imports=_JS_IMPORTS,
        classes=_JS_CLASSES, indent="  "),
    "lua": LanguageSpec(
        "lua", "tree_sitter_lua", "language", "--",
        containers=frozenset({"chunk", "block"}),
        scopes=frozenset({"function_declaration", "function_definition"}),
        imports=frozenset(), classes=frozenset(), opener="lua", indent="  "),
    "go": LanguageSpec(
        "go", "tree_sitter_go", "language", "//",
        containers=frozenset({"source_file", "block", "statement_list",
                              "expression_case", "default_case", "type_case",
                              "communication_case", "field_declaration_list"}),
        scopes=frozenset({"function_declaration", "method_declaration", "func_literal",
                          "type_declaration"}),
        imports=frozenset({"package_clause", "import_declaration"}),
        classes=frozenset(), indent="\t"),
    "rust": LanguageSpec(
        "rust", "tree_sitter_rust", "language", "//",
        containers=frozenset({"source_file", "block", "declaration_list",
                              "field_declaration_list", "match_block"}),
        scopes=frozenset({"function_item", "impl_item", "trait_item", "mod_item",
                          "struct_item", "enum_item", "closure_expression"}),
        imports=frozenset({"use_declaration", "extern_crate_declaration"}),
        classes=frozenset({"impl_item", "trait_item"})),
    "c": LanguageSpec(
        "c", "tree_sitter_c", "language", "//",
        containers=_C_CONTAINERS, scopes=_C_SCOPES,
        imports=frozenset({"preproc_include"}), classes=frozenset()),
    "cpp": LanguageSpec(
        "cpp", "tree_sitter_cpp", "language", "//",
        containers=_C_CONTAINERS | {"template_declaration"},
        scopes=_C_SCOPES | {"class_specifier", "namespace_definition", "lambda_expression"},
        imports=frozenset({"preproc_include", "using_declaration"}),
        classes=frozenset({"class_specifier", "struct_specifier"})),
    "java": LanguageSpec(
        "java", "tree_sitter_java", "language", "//",
        containers=frozenset({"program", "block", "class_body", "interface_body",
                              "enum_body", "constructor_body", "switch_block_statement_group",
                              "record_declaration_body"}),
        scopes=frozenset({"class_declaration", "interface_declaration", "enum_declaration",
                          "method_declaration", "constructor_declaration",
                          "record_declaration", "lambda_expression"}),
        imports=frozenset({"package_declaration", "import_declaration"}),
        classes=frozenset({"class_declaration", "interface_declaration",
                           "enum_declaration", "record_declaration"})),
}

LANGUAGE_IDS: dict[str, str] = {
    "python": "python", "javascript": "javascript", "javascriptreact": "javascript",
    "typescript": "typescript", "typescriptreact": "tsx", "lua": "lua", "go": "go",
    "rust": "rust", "c": "c", "cpp": "cpp", "java": "java",
}
"""LSP language id -> grammar name."""

EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript",
    ".cjs": "javascript", ".jsx": "javascriptreact", ".ts": "typescript",
    ".mts": "typescript", ".cts": "typescript", ".tsx": "typescriptreact", ".lua": "lua",
    ".go": "go", ".rs": "rust", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp",
    ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp", ".java": "java",
}
"""File extension -> LSP language id, for workspace files nobody opened."""

_lock = threading.Lock()
_languages: dict[str, Language | None] = {}
_queries: dict[str, Query | None] = {}


def spec_for(language_id: str) -> LanguageSpec | None:
    """The grammar spec for an LSP language id, or None (line-based fallback)."""
    name = LANGUAGE_IDS.get(language_id, language_id)
    spec = SPECS.get(name)
    if spec is None or load_language(spec) is None:
        return None
    return spec


def language_id_for_path(path: PurePath) -> str | None:
    """LSP language id guessed from a file name, for workspace files."""
    return EXTENSIONS.get(path.suffix.lower())


def load_language(spec: LanguageSpec) -> Language | None:
    """The compiled grammar from its wheel (cached); None if the wheel is missing or broken."""
    with _lock:
        if spec.name not in _languages:
            _languages[spec.name] = _import_language(spec)
        return _languages[spec.name]


def _import_language(spec: LanguageSpec) -> Language | None:
    try:
        module = importlib.import_module(spec.module)
        return Language(getattr(module, spec.function)())
    except Exception:  # a broken wheel must not take the server down
        log.warning("grammar %s unavailable; using line windows", spec.name, exc_info=True)
        return None


def tags_query(spec: LanguageSpec) -> Query | None:
    """The definition query for ``spec`` (see :mod:`tag_queries`), compiled once."""
    with _lock:
        if spec.name in _queries:
            return _queries[spec.name]
    language = load_language(spec)
    query: Query | None = None
    if language is not None and spec.name in TAG_QUERIES:
        try:
            query = Query(language, TAG_QUERIES[spec.name])
        except Exception:
            log.warning("tag query for %s does not compile", spec.name, exc_info=True)
    with _lock:
        _queries[spec.name] = query
    return query

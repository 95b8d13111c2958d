"""The language records: one :class:`LanguageSpec` per tree-sitter grammar, all we know of it.

Adding a language is one record in :data:`SPECS` plus its grammar wheel
(``tree-sitter-<name>``) in ``pyproject.toml``: the context engine, the symbol index,
the imports, the prompt's comments, the stop rules and ``ghost-ls doctor`` all read
the record.  Grammars come from the official per-language PyPI wheels, which ship
compiled parsers: nothing is compiled or downloaded at run time.  Loading them is
:mod:`ghost_ls.context.grammars`' job; this module is plain data and imports nothing
heavy, because the stop rules (``postprocess/stops.py``) read it inside the engine's
child process, and the prompt templates read it too.

Each record names the node kinds the engine reasons about: *containers* (nodes whose
children are statements, so a line starting one of those children is a clean place
to cut a window), *scopes* (functions, classes, blocks whose header we show when the
cursor is inside them), *imports* (top-level nodes shown as the file's imports), the
line-comment token used for the ``...`` marker and in prompts, and the tag query the
symbol index runs.  Languages without a grammar still get their comment token from
:data:`OTHER_LINE_COMMENTS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath


@dataclass(frozen=True)
class LanguageSpec:
    """What the engine knows about one grammar."""

    name: str
    """Grammar name (``tsx`` is distinct from ``typescript``)."""
    module: str
    """The grammar wheel's module (``tree_sitter_python``)."""
    function: str
    """The module's function that returns the compiled language."""
    comment: str
    """Line comment token, for the ``...`` marker between skipped lines and prompts."""
    language_ids: Mapping[str, tuple[str, ...]] = field(hash=False)
    """LSP language ids this grammar parses -> the file extensions that mean each."""
    containers: frozenset[str]
    scopes: frozenset[str]
    imports: frozenset[str]
    classes: frozenset[str]
    """Scope kinds that make a function inside them a method."""
    tags: str = ""
    """The symbol index's definition query: each pattern captures the name as ``@name``
    and the whole definition as ``@definition.<kind>`` (``function``, ``method``,
    ``class``, ``interface``, ``type``, ``constant``, ``macro``); a function nested in a
    class scope is reported as a method by :mod:`tags`.  Not the wheels' ``tags.scm``:
    those differ in coverage and use predicates py-tree-sitter does not apply."""
    import_line: re.Pattern[str] | None = None
    """A line that begins an import, for the scan without a tree."""
    require_import: tuple[str, bytes] | None = None
    """A node kind that is an import when its first bytes hold this text (Lua's
    ``local x = require(...)``, CommonJS ``const x = require(...)``)."""
    opener: str = "brace"
    """How blocks open: ``colon`` (Python), ``brace`` (C family), ``lua`` (``then``/``do``)."""
    indent: str = "    "
    """Indentation unit when the document gives no evidence."""
    indentation_is_syntax: bool = False
    """Whether a line's indentation decides which block it belongs to (Python)."""


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
_JS_IMPORT_LINE = re.compile(r"^(import\s|import\{|(const|let|var)\s.*=\s*require\()")
_JS_REQUIRE = ("lexical_declaration", b"require(")

BLOCK_SCOPES = frozenset({
    "if_statement", "elif_clause", "else_clause", "for_statement", "for_in_statement",
    "enhanced_for_statement", "while_statement", "do_statement", "with_statement",
    "try_statement", "except_clause", "finally_clause", "catch_clause", "switch_statement",
    "match_statement", "case_clause", "if_expression", "for_expression", "while_expression",
    "loop_expression", "match_expression", "match_arm", "else_statement", "elseif_statement",
})
"""Block statements whose header line is shown too (kinds absent from a grammar never match)."""

_PYTHON_TAGS = """
(module (expression_statement (assignment left: (identifier) @name) @definition.constant))
(class_definition name: (identifier) @name) @definition.class
(function_definition name: (identifier) @name) @definition.function
"""

_JS_COMMON_TAGS = """
(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(method_definition name: (property_identifier) @name) @definition.method
(lexical_declaration (variable_declarator name: (identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function)
(variable_declaration (variable_declarator name: (identifier) @name
  value: [(arrow_function) (function_expression)]) @definition.function)
(program (lexical_declaration (variable_declarator name: (identifier) @name
  value: [(number) (string) (true) (false) (null) (template_string)]) @definition.constant))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name
  value: [(number) (string) (true) (false) (null) (template_string)]) @definition.constant)))
"""

_JAVASCRIPT_TAGS = _JS_COMMON_TAGS + """
(class_declaration name: (identifier) @name) @definition.class
"""

_TYPESCRIPT_TAGS = _JS_COMMON_TAGS + """
(class_declaration name: (type_identifier) @name) @definition.class
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.type
(function_signature name: (identifier) @name) @definition.function
(abstract_method_signature name: (property_identifier) @name) @definition.method
"""

_LUA_TAGS = """
(function_declaration name: (identifier) @name) @definition.function
(function_declaration name: (dot_index_expression field: (identifier) @name)) @definition.function
(function_declaration name: (method_index_expression method: (identifier) @name))
  @definition.method
(assignment_statement (variable_list . name: [(identifier) @name
  (dot_index_expression field: (identifier) @name)])
  (expression_list . value: (function_definition))) @definition.function
"""

_GO_TAGS = """
(function_declaration name: (identifier) @name) @definition.function
(method_declaration name: (field_identifier) @name) @definition.method
(type_declaration (type_spec name: (type_identifier) @name) @definition.type)
(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.constant))
"""

_RUST_TAGS = """
(function_item name: (identifier) @name) @definition.function
(function_signature_item name: (identifier) @name) @definition.function
(struct_item name: (type_identifier) @name) @definition.type
(enum_item name: (type_identifier) @name) @definition.type
(union_item name: (type_identifier) @name) @definition.type
(type_item name: (type_identifier) @name) @definition.type
(trait_item name: (type_identifier) @name) @definition.interface
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.constant
(macro_definition name: (identifier) @name) @definition.macro
"""

_C_COMMON_TAGS = """
(function_definition declarator: (function_declarator declarator: (identifier) @name))
  @definition.function
(function_definition declarator: (pointer_declarator
  declarator: (function_declarator declarator: (identifier) @name))) @definition.function
(declaration declarator: (function_declarator declarator: (identifier) @name))
  @definition.function
(declaration declarator: (pointer_declarator
  declarator: (function_declarator declarator: (identifier) @name))) @definition.function
(struct_specifier name: (type_identifier) @name body: (_)) @definition.type
(union_specifier name: (type_identifier) @name body: (_)) @definition.type
(enum_specifier name: (type_identifier) @name body: (_)) @definition.type
(type_definition declarator: (type_identifier) @name) @definition.type
(preproc_def name: (identifier) @name) @definition.constant
(preproc_function_def name: (identifier) @name) @definition.macro
"""

_CPP_TAGS = _C_COMMON_TAGS + """
(class_specifier name: (type_identifier) @name body: (_)) @definition.class
(function_definition declarator: (function_declarator declarator: (field_identifier) @name))
  @definition.method
(function_definition declarator: (function_declarator
  declarator: (qualified_identifier name: (identifier) @name))) @definition.method
(field_declaration declarator: (function_declarator declarator: (field_identifier) @name))
  @definition.method
"""

_JAVA_TAGS = """
(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.type
(method_declaration name: (identifier) @name) @definition.method
"""


_RECORDS = (
    LanguageSpec(
        "python", "tree_sitter_python", "language", "#",
        language_ids={"python": (".py", ".pyi")},
        containers=frozenset({"module", "block"}),
        scopes=frozenset({"function_definition", "class_definition"}),
        imports=frozenset({"import_statement", "import_from_statement",
                           "future_import_statement"}),
        classes=frozenset({"class_definition"}), tags=_PYTHON_TAGS,
        import_line=re.compile(r"^(import\s|from\s+\S+\s+import\s)"),
        opener="colon", indentation_is_syntax=True),
    LanguageSpec(
        "javascript", "tree_sitter_javascript", "language", "//",
        language_ids={"javascript": (".js", ".mjs", ".cjs"), "javascriptreact": (".jsx",)},
        containers=_JS_CONTAINERS, scopes=_JS_SCOPES, imports=_JS_IMPORTS,
        classes=_JS_CLASSES, tags=_JAVASCRIPT_TAGS, import_line=_JS_IMPORT_LINE,
        require_import=_JS_REQUIRE, indent="  "),
    LanguageSpec(
        "typescript", "tree_sitter_typescript", "language_typescript", "//",
        language_ids={"typescript": (".ts", ".mts", ".cts")},
        containers=_JS_CONTAINERS, scopes=_JS_SCOPES, imports=_JS_IMPORTS,
        classes=_JS_CLASSES, tags=_TYPESCRIPT_TAGS, import_line=_JS_IMPORT_LINE,
        require_import=_JS_REQUIRE, indent="  "),
    LanguageSpec(
        "tsx", "tree_sitter_typescript", "language_tsx", "//",
        language_ids={"typescriptreact": (".tsx",)},
        containers=_JS_CONTAINERS, scopes=_JS_SCOPES, imports=_JS_IMPORTS,
        classes=_JS_CLASSES, tags=_TYPESCRIPT_TAGS, import_line=re.compile(r"^(import\s|import\{)"),
        require_import=_JS_REQUIRE, indent="  "),
    LanguageSpec(
        "lua", "tree_sitter_lua", "language", "--",
        language_ids={"lua": (".lua",)},
        containers=frozenset({"chunk", "block"}),
        scopes=frozenset({"function_declaration", "function_definition"}),
        imports=frozenset(), classes=frozenset(), tags=_LUA_TAGS,
        import_line=re.compile(r"^local\s+\w+\s*=\s*require\b"),
        require_import=("variable_declaration", b"require"), opener="lua", indent="  "),
    LanguageSpec(
        "go", "tree_sitter_go", "language", "//",
        language_ids={"go": (".go",)},
        containers=frozenset({"source_file", "block", "statement_list",
                              "expression_case", "default_case", "type_case",
                              "communication_case", "field_declaration_list"}),
        scopes=frozenset({"function_declaration", "method_declaration", "func_literal",
                          "type_declaration"}),
        imports=frozenset({"package_clause", "import_declaration"}),
        classes=frozenset(), tags=_GO_TAGS, import_line=re.compile(r"^(package\s|import\s)"),
        indent="\t"),
    LanguageSpec(
        "rust", "tree_sitter_rust", "language", "//",
        language_ids={"rust": (".rs",)},
        containers=frozenset({"source_file", "block", "declaration_list",
                              "field_declaration_list", "match_block"}),
        scopes=frozenset({"function_item", "impl_item", "trait_item", "mod_item",
                          "struct_item", "enum_item", "closure_expression"}),
        imports=frozenset({"use_declaration", "extern_crate_declaration"}),
        classes=frozenset({"impl_item", "trait_item"}), tags=_RUST_TAGS,
        import_line=re.compile(r"^(pub\s+)?(use\s|extern\s+crate\s)")),
    LanguageSpec(
        "c", "tree_sitter_c", "language", "//",
        language_ids={"c": (".c", ".h")},
        containers=_C_CONTAINERS, scopes=_C_SCOPES,
        imports=frozenset({"preproc_include"}), classes=frozenset(), tags=_C_COMMON_TAGS,
        import_line=re.compile(r"^#\s*include\s")),
    LanguageSpec(
        "cpp", "tree_sitter_cpp", "language", "//",
        language_ids={"cpp": (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx")},
        containers=_C_CONTAINERS | {"template_declaration"},
        scopes=_C_SCOPES | {"class_specifier", "namespace_definition", "lambda_expression"},
        imports=frozenset({"preproc_include", "using_declaration"}),
        classes=frozenset({"class_specifier", "struct_specifier"}), tags=_CPP_TAGS,
        import_line=re.compile(r"^(#\s*include\s|using\s)")),
    LanguageSpec(
        "java", "tree_sitter_java", "language", "//",
        language_ids={"java": (".java",)},
        containers=frozenset({"program", "block", "class_body", "interface_body",
                              "enum_body", "constructor_body", "switch_block_statement_group",
                              "record_declaration_body"}),
        scopes=frozenset({"class_declaration", "interface_declaration", "enum_declaration",
                          "method_declaration", "constructor_declaration",
                          "record_declaration", "lambda_expression"}),
        imports=frozenset({"package_declaration", "import_declaration"}),
        classes=frozenset({"class_declaration", "interface_declaration",
                           "enum_declaration", "record_declaration"}), tags=_JAVA_TAGS,
        import_line=re.compile(r"^(package\s|import\s)")),
)

SPECS: dict[str, LanguageSpec] = {spec.name: spec for spec in _RECORDS}
"""Grammar name -> its record."""

LANGUAGE_IDS: dict[str, str] = {
    language_id: spec.name for spec in _RECORDS for language_id in spec.language_ids}
"""LSP language id -> grammar name."""

EXTENSIONS: dict[str, str] = {
    extension: language_id
    for spec in _RECORDS for language_id, extensions in spec.language_ids.items()
    for extension in extensions}
"""File extension -> LSP language id, for workspace files nobody opened."""

OTHER_LINE_COMMENTS: dict[str, str] = {
    "ruby": "#", "sh": "#", "bash": "#", "shellscript": "#", "yaml": "#", "toml": "#",
    "r": "#", "perl": "#", "sql": "--", "haskell": "--",
}
"""Line comment tokens of LSP language ids without a grammar record that do not use ``//``."""


def record_for(language_id: str) -> LanguageSpec | None:
    """The record for an LSP language id (or a grammar name), grammar loaded or not."""
    return SPECS.get(LANGUAGE_IDS.get(language_id, language_id))


def line_comment(language_id: str) -> str:
    """The line comment token of an LSP language id; ``//`` for languages nobody listed."""
    spec = record_for(language_id)
    if spec is not None:
        return spec.comment
    return OTHER_LINE_COMMENTS.get(language_id, "//")


def indentation_is_syntax(language_id: str) -> bool:
    """Whether indentation decides the blocks in this LSP language id (Python)."""
    spec = record_for(language_id)
    return spec is not None and spec.indentation_is_syntax


def language_id_for_path(path: PurePath) -> str | None:
    """LSP language id guessed from a file name, for workspace files."""
    return EXTENSIONS.get(path.suffix.lower())

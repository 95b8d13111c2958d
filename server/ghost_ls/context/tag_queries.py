"""Tree-sitter tag queries: where each language defines functions, classes, types, constants.

The grammar wheels ship ``tags.scm`` files, but they differ in coverage and use
predicates py-tree-sitter does not apply (``#strip!``, ``#select-adjacent!``), so the
symbol index uses these smaller queries instead.  Each pattern captures the name as
``@name`` and the whole definition as ``@definition.<kind>`` where kind is one of
``function``, ``method``, ``class``, ``interface``, ``type``, ``constant``, ``macro``.
A function nested in a class scope is reported as a method by :mod:`tags`.
"""

from __future__ import annotations

_PYTHON = """
(module (expression_statement (assignment left: (identifier) @name) @definition.constant))
(class_definition name: (identifier) @name) @definition.class
(function_definition name: (identifier) @name) @definition.function
"""

_JS_COMMON = """
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

_JAVASCRIPT = _JS_COMMON + """
(class_declaration name: (identifier) @name) @definition.class
"""

_TYPESCRIPT = _JS_COMMON + """
(class_declaration name: (type_identifier) @name) @definition.class
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.type
(function_signature name: (identifier) @name) @definition.function
(abstract_method_signature name: (property_identifier) @name) @definition.method
"""

_LUA = """
(function_declaration name: (identifier) @name) @definition.function
(function_declaration name: (dot_index_expression field: (identifier) @name)) @definition.function
(function_declaration name: (method_index_expression method: (identifier) @name))
  @definition.method
(assignment_statement (variable_list . name: [(identifier) @name
  (dot_index_expression field: (identifier) @name)])
  (expression_list . value: (function_definition))) @definition.function
"""

_GO = """
(function_declaration name: (identifier) @name) @definition.function
(method_declaration name: (field_identifier) @name) @definition.method
(type_declaration (type_spec name: (type_identifier) @name) @definition.type)
(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.constant))
"""

_RUST = """
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

_C_COMMON = """
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

_CPP = _C_COMMON + """
(class_specifier name: (type_identifier) @name body: (_)) @definition.class
(function_definition declarator: (function_declarator declarator: (field_identifier) @name))
  @definition.method
(function_definition declarator: (function_declarator
  declarator: (qualified_identifier name: (identifier) @name))) @definition.method
(field_declaration declarator: (function_declarator declarator: (field_identifier) @name))
  @definition.method
"""

_JAVA = """
(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.type
(method_declaration name: (identifier) @name) @definition.method
"""

TAG_QUERIES: dict[str, str] = {
    "python": _PYTHON,
    "javascript": _JAVASCRIPT,
    "typescript": _TYPESCRIPT,
    "tsx": _TYPESCRIPT,
    "lua": _LUA,
    "go": _GO,
    "rust": _RUST,
    "c": _C_COMMON,
    "cpp": _CPP,
    "java": _JAVA,
}
"""Grammar name -> definition query source."""

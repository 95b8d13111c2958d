"""A grammar that makes a remote engine's answer begin with the held-back mark.

The prompt leaves a typed bracket, dot or glued mark out for the model to write again
(``templates.held_back``), and an answer that does not begin with it can only be dropped
(``backend.without_held_back``).  The local engine masks the first token
(``LlamaBackend._first_token_starting``); a remote one is sent a GBNF grammar instead
(``grammar``: llama-server's ``/infill`` and ``/v1/completions``, llama-cpp-python's
server): one optional space or tab, the mark, then anything.  (Any run of spaces would
let the model write nothing but spaces; the local engine's first token must hold the
mark.)  Servers that do not read the field (vLLM takes ``structured_outputs``) leave the
answer free, as before; one that refuses it (a 4xx) is asked again without it and sent
none after that (``remote/backend.py``).

Cost per generated token, 0.5B on a 2-core Xeon: none measurable on llama-server (it
checks the sampled token against the grammar and resamples only when it fails);
~30 ms on llama-cpp-python's server, which applies the grammar to the whole vocabulary
at every step.
"""

from __future__ import annotations

from ghost_ls.engine.backend import GenerationRequest, held_back_mark


def first_mark_grammar(request: GenerationRequest) -> str:
    """The GBNF grammar for ``request``'s held-back mark; ``""`` when it holds none."""
    mark = held_back_mark(request.prompt.held_back)
    if not mark:
        return ""
    return f'root ::= [ \\t]? "\\x{ord(mark):02X}" .*'

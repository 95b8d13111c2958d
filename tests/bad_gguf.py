"""Bad model files for tests: a real GGUF copied with its metadata changed (``gguf`` package).

``rewrite_gguf`` copies every tensor as it is and every metadata field but the ones
named, so a test gets a file whose tensors are fine and whose metadata lies (a block
count larger than the tensors, a wrong embedding width), or whose architecture
llama.cpp does not know.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gguf


def rewrite_gguf(
    source: Path,
    target: Path,
    *,
    architecture: str | None = None,
    changes: dict[str, int] | None = None,
) -> Path:
    """Copy ``source`` to ``target`` with ``architecture`` and integer fields replaced.

    ``changes`` keys are written without the architecture prefix (``block_count``) and
    must be uint32 fields of the source; with a new architecture the architecture's
    own fields are renamed to it, as a converter for that architecture would write them.
    """
    reader = gguf.GGUFReader(source)
    old_arch = str(reader.get_field(gguf.Keys.General.ARCHITECTURE).contents())  # type: ignore[union-attr]
    arch = architecture or old_arch
    writer = gguf.GGUFWriter(target, arch=arch)
    pending = {f"{old_arch}.{key}": value for key, value in (changes or {}).items()}
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        value: Any = pending.pop(field.name, field.contents())
        name = field.name
        if name.startswith(f"{old_arch}."):
            name = f"{arch}." + name[len(old_arch) + 1 :]
        writer.add_key_value(name, value, value_type, sub_type=sub_type)
    if pending:
        raise KeyError(f"no such fields in {source.name}: {sorted(pending)}")
    for tensor in reader.tensors:
        writer.add_tensor_info(
            tensor.name, tensor.data.shape, tensor.data.dtype, tensor.data.nbytes, tensor.tensor_type
        )
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for tensor in reader.tensors:
        writer.write_tensor_data(tensor.data, tensor_endianess=reader.endianess)
    writer.close()
    return target

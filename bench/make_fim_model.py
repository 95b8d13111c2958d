"""Write random-weight GGUF models of realistic size on a real FIM vocabulary.

What: latency benchmarks of the FIM path need a FIM model, and this machine has no
network for one.  Speed depends on the shapes and the weight type, not on the values,
so a model with the shapes of Qwen2.5-Coder 0.5B / 1.5B (or DeepSeek-Coder 1.3B) and
random Q8_0 weights runs at the real model's speed and writes meaningless text.  The
tokenizer (tokens, merges, token types, special ids) is copied from the vocab-only
GGUFs that the llama-cpp-python sdist ships under ``vendor/llama.cpp/models``:

- ``qwen2.5``: ``ggml-vocab-qwen2.gguf`` is the Qwen2 vocabulary, whose ids
  151646-151935 are ``[PAD...]`` placeholders: it has no FIM tokens.  Qwen2.5 added
  its control tokens at published ids in that range (``<|fim_prefix|>`` 151659,
  ``<|fim_middle|>`` 151660, ``<|fim_suffix|>`` 151661, ``<|fim_pad|>`` 151662,
  ``<|repo_name|>`` 151663, ``<|file_sep|>`` 151664, ...); we write them there, so the
  result tokenizes like Qwen2.5-Coder.
- ``starcoder`` and ``deepseek-coder``: their vocab GGUFs carry FIM tokens as is.

Embedding rows of control / placeholder tokens are zero, so random logits never pick
them (a random model would otherwise stop at once on an end-of-generation token).
The file is loaded with llama.cpp and asked for a few tokens before this script exits.

Run:   .venv/bin/python bench/make_fim_model.py --preset qwen2.5-0.5b
       (writes bench/.work/models/random-weights/qwen2.5-coder-0.5b-q8_0.gguf, the
       catalog's file name, so ghost-ls picks the catalog's FIM template for it)
Prints a JSON summary on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gguf
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
OUT_DIR = WORK / "models" / "random-weights"
SDIST_CANDIDATES = (
    Path("/tmp/sdist/llama_cpp_python-0.3.36"),
    WORK / "llama_cpp_python-0.3.36",
)

QWEN25_ADDED = {
    151646: "<|object_ref_start|>",
    151647: "<|object_ref_end|>",
    151648: "<|box_start|>",
    151649: "<|box_end|>",
    151650: "<|quad_start|>",
    151651: "<|quad_end|>",
    151652: "<|vision_start|>",
    151653: "<|vision_end|>",
    151654: "<|vision_pad|>",
    151655: "<|image_pad|>",
    151656: "<|video_pad|>",
    151657: "<tool_call>",
    151658: "</tool_call>",
    151659: "<|fim_prefix|>",
    151660: "<|fim_middle|>",
    151661: "<|fim_suffix|>",
    151662: "<|fim_pad|>",
    151663: "<|repo_name|>",
    151664: "<|file_sep|>",
}
"""Qwen2.5's added tokens (tokenizer.json of Qwen2.5-Coder), all special."""

VOCABS = {"qwen2.5": "qwen2", "starcoder": "starcoder", "deepseek-coder": "deepseek-coder"}


@dataclass(frozen=True)
class Shape:
    """Transformer shapes of one model."""

    arch: str
    """``qwen2`` (q/k/v biases) or ``llama``."""
    vocab: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    ffn: int
    rope_base: float
    file_name: str
    tied: bool = True


PRESETS = {
    "qwen2.5-0.5b": Shape("qwen2", "qwen2.5", 896, 24, 14, 2, 4864, 1e6,
                          "qwen2.5-coder-0.5b-q8_0.gguf"),
    "qwen2.5-1.5b": Shape("qwen2", "qwen2.5", 1536, 28, 12, 2, 8960, 1e6,
                          "qwen2.5-coder-1.5b-q8_0.gguf"),
    "deepseek-1.3b": Shape("llama", "deepseek-coder", 2048, 24, 16, 16, 5504, 1e5,
                           "deepseek-coder-1.3b-random-q8_0.gguf", tied=False),
    "tiny": Shape("qwen2", "qwen2.5", 128, 2, 4, 2, 256, 1e6, "tiny-qwen2.5-fim-q8_0.gguf"),
    "tiny-llama": Shape("llama", "deepseek-coder", 128, 2, 4, 4, 256, 1e5,
                        "tiny-deepseek-fim-q8_0.gguf", tied=False),
}


def log(message: str) -> None:
    print(f"[make_fim_model] {message}", file=sys.stderr, flush=True)


def find_vocab(name: str) -> Path:
    """The vocab-only GGUF ``ggml-vocab-NAME.gguf`` from an unpacked sdist."""
    for sdist in SDIST_CANDIDATES:
        path = sdist / "vendor" / "llama.cpp" / "models" / f"ggml-vocab-{name}.gguf"
        if path.is_file():
            return path
    raise SystemExit(
        f"ggml-vocab-{name}.gguf not found; run bench/setup_llama_cpp.sh (it unpacks the "
        f"llama-cpp-python sdist) or unpack it into {WORK}"
    )


SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
           10: "<Q", 11: "<q", 12: "<d"}


class KvReader:
    """Reads a GGUF file's key/value section (gguf-py's reader takes 12 s on a 150k vocab)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.offset = data, 0

    def take(self, fmt: str) -> Any:
        value = struct.unpack_from(fmt, self.data, self.offset)[0]
        self.offset += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        length = self.take("<Q")
        text = self.data[self.offset : self.offset + length].decode("utf-8")
        self.offset += length
        return text

    def value(self, kind: int) -> Any:
        if kind == 8:
            return self.string()
        if kind == 9:
            item, count = self.take("<I"), self.take("<Q")
            if item == 8:
                return [self.string() for _ in range(count)]
            fmt = SCALARS[item]
            values = list(struct.unpack_from(f"<{count}{fmt[1]}", self.data, self.offset))
            self.offset += struct.calcsize(fmt) * count
            return values
        return self.take(SCALARS[kind])

    def fields(self) -> list[tuple[str, Any, gguf.GGUFValueType, Any]]:
        if self.data[:4] != b"GGUF":
            raise SystemExit("not a GGUF file")
        self.offset = 4
        self.take("<I")  # version
        self.take("<Q")  # tensor count
        out = []
        for _ in range(self.take("<Q")):
            key = self.string()
            kind = self.take("<I")
            sub = None
            if kind == 9:
                sub = gguf.GGUFValueType(struct.unpack_from("<I", self.data, self.offset)[0])
            out.append((key, self.value(kind), gguf.GGUFValueType(kind), sub))
        return out


def read_tokenizer(vocab: str) -> list[tuple[str, Any, gguf.GGUFValueType, Any]]:
    """(key, value, type, sub type) of every ``tokenizer.*`` field, patched for Qwen2.5."""
    fields = []
    for key, value, kind, sub in KvReader(find_vocab(VOCABS[vocab]).read_bytes()).fields():
        if not key.startswith("tokenizer."):
            continue
        if vocab == "qwen2.5" and key == "tokenizer.ggml.tokens":
            for token_id, text in QWEN25_ADDED.items():
                value[token_id] = text
        if vocab == "qwen2.5" and key == "tokenizer.ggml.token_type":
            for token_id in QWEN25_ADDED:
                value[token_id] = int(gguf.TokenType.CONTROL)
        fields.append((key, value, kind, sub))
    return fields


def silent_token_ids(fields: list[tuple[str, Any, gguf.GGUFValueType, Any]]) -> list[int]:
    """Ids whose embedding row is zeroed: every token that is not NORMAL or BYTE."""
    types = next(value for key, value, _, _ in fields if key == "tokenizer.ggml.token_type")
    keep = {int(gguf.TokenType.NORMAL), int(gguf.TokenType.BYTE)}
    return [index for index, kind in enumerate(types) if int(kind) not in keep]


class Weights:
    """Random tensors, quantized as they are produced."""

    def __init__(self, writer: gguf.GGUFWriter, qtype: gguf.GGMLQuantizationType, seed: int):
        self.writer = writer
        self.qtype = qtype
        self.rng = np.random.default_rng(seed)
        self.parameters = 0

    def matrix(self, name: str, rows: int, cols: int, zero_rows: list[int] | None = None) -> None:
        data = self.rng.standard_normal((rows, cols), dtype=np.float32) * np.float32(0.02)
        if zero_rows:
            data[np.asarray(zero_rows)] = 0.0
        self.parameters += rows * cols
        if self.qtype == gguf.GGMLQuantizationType.F16:
            self.writer.add_tensor(name, data.astype(np.float16))
            return
        packed = gguf.quants.quantize(data, self.qtype)
        self.writer.add_tensor(name, packed, raw_dtype=self.qtype)

    def vector(self, name: str, size: int, value: float | None = None) -> None:
        if value is None:
            data = self.rng.standard_normal(size, dtype=np.float32) * np.float32(0.02)
        else:
            data = np.full(size, value, dtype=np.float32)
        self.parameters += size
        self.writer.add_tensor(name, data)


def write_metadata(writer: gguf.GGUFWriter, shape: Shape, context: int, qtype: str) -> None:
    arch = shape.arch
    writer.add_name(f"random-weights {shape.file_name}")
    writer.add_context_length(context)
    writer.add_embedding_length(shape.hidden)
    writer.add_block_count(shape.layers)
    writer.add_feed_forward_length(shape.ffn)
    writer.add_head_count(shape.heads)
    writer.add_head_count_kv(shape.kv_heads)
    writer.add_rope_freq_base(shape.rope_base)
    writer.add_layer_norm_rms_eps(1e-6)
    file_type = gguf.LlamaFileType.MOSTLY_Q8_0 if qtype == "q8_0" else gguf.LlamaFileType.MOSTLY_F16
    writer.add_file_type(file_type)
    if arch == "llama":
        writer.add_rope_dimension_count(shape.hidden // shape.heads)


def write_model(shape: Shape, out: Path, qtype_name: str, seed: int, context: int) -> dict[str, Any]:
    qtype = {"q8_0": gguf.GGMLQuantizationType.Q8_0, "f16": gguf.GGMLQuantizationType.F16}[
        qtype_name
    ]
    fields = read_tokenizer(shape.vocab)
    tokens = next(value for key, value, _, _ in fields if key == "tokenizer.ggml.tokens")
    n_vocab = len(tokens)
    writer = gguf.GGUFWriter(out, shape.arch)
    write_metadata(writer, shape, context, qtype_name)
    for key, value, vtype, sub in fields:
        writer.add_key_value(key, value, vtype, sub_type=sub)
    weights = Weights(writer, qtype, seed)
    head_dim = shape.hidden // shape.heads
    kv_dim = head_dim * shape.kv_heads
    weights.matrix("token_embd.weight", n_vocab, shape.hidden, silent_token_ids(fields))
    weights.vector("output_norm.weight", shape.hidden, 1.0)
    if not shape.tied:
        weights.matrix("output.weight", n_vocab, shape.hidden, silent_token_ids(fields))
    for block in range(shape.layers):
        log(f"block {block + 1}/{shape.layers}")
        prefix = f"blk.{block}."
        weights.vector(prefix + "attn_norm.weight", shape.hidden, 1.0)
        weights.matrix(prefix + "attn_q.weight", shape.hidden, shape.hidden)
        weights.matrix(prefix + "attn_k.weight", kv_dim, shape.hidden)
        weights.matrix(prefix + "attn_v.weight", kv_dim, shape.hidden)
        if shape.arch == "qwen2":
            weights.vector(prefix + "attn_q.bias", shape.hidden)
            weights.vector(prefix + "attn_k.bias", kv_dim)
            weights.vector(prefix + "attn_v.bias", kv_dim)
        weights.matrix(prefix + "attn_output.weight", shape.hidden, shape.hidden)
        weights.vector(prefix + "ffn_norm.weight", shape.hidden, 1.0)
        weights.matrix(prefix + "ffn_gate.weight", shape.ffn, shape.hidden)
        weights.matrix(prefix + "ffn_up.weight", shape.ffn, shape.hidden)
        weights.matrix(prefix + "ffn_down.weight", shape.hidden, shape.ffn)
    log(f"writing {out}")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file(progress=False)
    writer.close()
    return {"parameters": weights.parameters, "vocabSize": n_vocab}


def check_loads(path: Path) -> dict[str, Any]:
    """Load the file with llama.cpp, read its FIM ids and generate a few tokens."""
    import llama_cpp

    from ghost_ls.engine.llama_loading import bare_llama

    llm = bare_llama(str(path), n_ctx=512, n_threads=2, verbose=False)
    vocab = llm._model.vocab
    fim = [
        int(llama_cpp.llama_vocab_fim_pre(vocab)),
        int(llama_cpp.llama_vocab_fim_suf(vocab)),
        int(llama_cpp.llama_vocab_fim_mid(vocab)),
    ]
    started = time.perf_counter()
    out = llm.create_completion("def add(a, b):\n", max_tokens=8, temperature=0.0)
    seconds = time.perf_counter() - started
    text = out["choices"][0]["text"]
    tokens = int(out["usage"]["completion_tokens"])
    llm.close()
    return {"fimTokenIds": fim, "sampleText": text, "sampleTokens": tokens,
            "sampleSeconds": round(seconds, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="qwen2.5-0.5b")
    parser.add_argument("--vocab", choices=sorted(VOCABS), help="override the preset's vocab")
    parser.add_argument("--type", choices=["q8_0", "f16"], default="q8_0")
    parser.add_argument("--context", type=int, default=32768)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="output .gguf (default under bench/.work)")
    parser.add_argument("--force", action="store_true", help="rewrite an existing file")
    parser.add_argument("--no-check", action="store_true", help="skip the llama.cpp load test")
    args = parser.parse_args(argv)
    shape = PRESETS[args.preset]
    if args.vocab:
        shape = Shape(**{**shape.__dict__, "vocab": args.vocab,
                         "file_name": f"{args.preset}-{args.vocab}-random-{args.type}.gguf"})
    out = args.out or OUT_DIR / shape.file_name
    out.parent.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"path": str(out), "preset": args.preset, "arch": shape.arch,
                               "vocab": shape.vocab, "type": args.type}
    if out.exists() and not args.force:
        log(f"exists, keeping: {out}")
        summary["written"] = False
    else:
        started = time.perf_counter()
        tmp = out.with_suffix(".partial")
        summary.update(write_model(shape, tmp, args.type, args.seed, args.context))
        tmp.replace(out)
        summary["written"] = True
        summary["writeSeconds"] = round(time.perf_counter() - started, 1)
    summary["sizeMB"] = round(out.stat().st_size / 1e6, 1)
    if not args.no_check:
        summary["check"] = check_loads(out)
        if min(summary["check"]["fimTokenIds"]) < 0:
            log("llama.cpp found no FIM tokens in this file")
            print(json.dumps(summary, indent=2))
            return 1
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

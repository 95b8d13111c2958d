"""``ghost-ls doctor``: what a user needs to see when something is wrong.

Versions, the llama.cpp build (GPU offload or not, CPU features), the model (found,
verified, loadable, how fast), the tree-sitter languages available, the settings in
effect.  Each failed check says what to run.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import platform
import sys
import threading
import time
from importlib import metadata
from typing import Any

from ghost_ls import __version__
from ghost_ls.commands import print_json
from ghost_ls.commands.speed import probe, verdict
from ghost_ls.config import Settings, settings_as_wire
from ghost_ls.context.languages import SPECS
from ghost_ls.engine.backend import Backend, GenerationRequest, GenerationResult, LlamaEngineInfo, Prompt
from ghost_ls.engine.host import ModelHost
from ghost_ls.models.store import models_dir
from ghost_ls.postprocess.stops import stop_at_newline

PACKAGES = ["pygls", "lsprotocol", "llama-cpp-python", "tree-sitter"]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "MISSING"


def check_llama() -> dict[str, Any]:
    try:
        from ghost_ls.engine.cpu_features import system_info
        from ghost_ls.engine.llama_loading import gpu_offload_supported

        gpu = gpu_offload_supported()
        return {
            "gpuOffloadSupported": gpu,
            "systemInfo": system_info(),
            "advice": ""
            if gpu
            else (
                'CPU-only build. For a GPU: CMAKE_ARGS="-DGGML_CUDA=on" pip install '
                "--force-reinstall --no-cache-dir llama-cpp-python (see README)"
            ),
        }
    except ImportError as error:
        return {"error": f"llama-cpp-python is not importable: {error}"}


def check_languages() -> dict[str, bool]:
    """Whether each grammar wheel of the language records imports (a wheel shared by two
    records, ``tsx`` and ``typescript``, is listed under the first)."""
    available: dict[str, bool] = {}
    modules: set[str] = set()
    for spec in SPECS.values():
        if spec.module in modules:
            continue
        modules.add(spec.module)
        try:
            importlib.import_module(spec.module)
            available[spec.name] = True
        except ImportError:
            available[spec.name] = False
    return available


def check_model(settings: Settings) -> dict[str, Any]:
    """Load the model and run a test completion, both in the engine's child process.

    A native crash of llama.cpp is reported (signal, what to change) instead of ending
    ``doctor``; after a crash at the first decode the engine restarts with extra
    buffer types off, and the test completion is tried once more to show whether that
    is the fix.
    """
    statuses: list[tuple[str, str]] = []
    restarted = threading.Event()

    def on_status(state: str, message: str) -> None:
        statuses.append((state, message))
        if state in ("ready", "error") and len(statuses) > 2 and statuses[-2][0] == "error":
            restarted.set()  # a restart after a crash finished, or gave up

    host = ModelHost(on_status, isolated=True)
    started = time.perf_counter()
    host.load(settings)
    report: dict[str, Any] = {"name": settings.model, "state": host.state, "message": host.message}
    if not host.ready or host.backend is None:
        return report
    try:
        backend = host.backend
        info = backend.info()
        engine = info.engine or LlamaEngineInfo()
        report.update(
            path=info.model_path,
            description=info.description,
            loadSeconds=round(time.perf_counter() - started, 2),
            gpuLayers=engine.gpu_layers,
            threads=engine.threads,
            promptFormat=host.format.name,
            extraBuffers=engine.extra_buffers,
            extraBuffersReason=engine.extra_buffers_reason,
            engineProcessId=engine.process_id,
            fimTokensInVocab=dataclasses.asdict(info.fim) if info.fim else None,
        )
        result = _test_completion(backend)
        if result.stop_reason == "error":
            report.update(state="error", testCompletionError=result.error, message=result.error)
            crashed = engine
            if restarted.wait(120) and host.ready:
                retry = _test_completion(backend)
                engine = backend.info().engine or LlamaEngineInfo()
                if retry.stop_reason != "error":
                    report["message"] = f"{result.error}; {_advice(crashed, engine)}"
                    report.update(
                        extraBuffers=engine.extra_buffers,
                        extraBuffersReason=engine.extra_buffers_reason,
                        retryCompletion=retry.text,
                    )
                    return report
            report["message"] = (
                f"{host.message if host.state == 'error' else result.error}; {_advice(crashed, None)}"
            )
            return report
        speed = probe(backend)
        report.update(
            testCompletion=result.text,
            promptTokensPerSecond=speed.prompt_tokens_per_second,
            generatedTokensPerSecond=speed.generated_tokens_per_second,
            speed=verdict(settings.model, speed, settings.prompt_tokens),
        )
        return report
    finally:
        host.close()


def _test_completion(backend: Backend) -> GenerationResult:
    prompt = Prompt(text="def add(a, b):\n    return")
    request = GenerationRequest(prompt=prompt, max_tokens=16, stop=stop_at_newline, cancel=threading.Event())
    return backend.generate(request)


def _advice(crashed: LlamaEngineInfo, after: LlamaEngineInfo | None) -> str:
    """What to change after the test completion crashed the engine."""
    if after is not None and crashed.extra_buffers and not after.extra_buffers:
        return (
            "with extra buffer types off the engine works: set extraBuffers = off "
            "(ghost-ls does so by itself after such a crash; the setting makes it stick)"
        )
    if crashed.extra_buffers:
        return (
            "try extraBuffers = off (`ghost-ls doctor --extra-buffers off`), gpuLayers = 0, "
            "or another model; `ghost-ls -vv doctor` shows llama.cpp's own messages"
        )
    return (
        "try gpuLayers = 0 or another model (`ghost-ls models list`); `ghost-ls -vv doctor` "
        "shows llama.cpp's own messages"
    )


def run_doctor(args: argparse.Namespace) -> int:
    settings = Settings() if not args.model else dataclasses.replace(Settings(), model=args.model)
    if getattr(args, "extra_buffers", None):
        settings = dataclasses.replace(settings, extra_buffers=args.extra_buffers)
    report: dict[str, Any] = {
        "ghostLs": __version__,
        "python": f"{platform.python_version()} ({sys.executable})",
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in PACKAGES},
        "llamaCpp": check_llama(),
        "modelsDir": str(models_dir()),
        "model": check_model(settings),
        "treeSitterLanguages": check_languages(),
        "settings": settings_as_wire(settings),
    }
    if args.json:
        print_json(report)
    else:
        _print_human(report)
    return 0 if report["model"]["state"] == "ready" else 1


def _print_human(report: dict[str, Any]) -> None:
    ok, bad = "ok ", "!! "
    print(f"ghost-ls {report['ghostLs']}  python {report['python']}")
    print(f"platform {report['platform']}")
    for name, version in report["packages"].items():
        print(f"  {ok if version != 'MISSING' else bad}{name} {version}")
    llama = report["llamaCpp"]
    if "error" in llama:
        print(f"{bad}llama.cpp: {llama['error']}")
    else:
        print(f"{ok}llama.cpp GPU offload: {'yes' if llama['gpuOffloadSupported'] else 'no (CPU)'}")
        print(f"   {llama['systemInfo']}")
        if llama["advice"]:
            print(f"   {llama['advice']}")
    model = report["model"]
    if model["state"] == "ready":
        print(f"{ok}model {model['name']}: {model['path']}")
        print(
            f"   {model['description']}, loaded in {model['loadSeconds']} s, "
            f"{model['gpuLayers']} GPU layers, {model['threads']} threads, "
            f"prompt format {model['promptFormat']}"
        )
        print(f"   extra CPU buffer types {model['extraBuffersReason']}")
        print(f"   engine process {model['engineProcessId']}")
        print(
            f"   prompt {model['promptTokensPerSecond']} tok/s, generation "
            f"{model['generatedTokensPerSecond']} tok/s, test: {model['testCompletion']!r}"
        )
        speed = model["speed"]
        if speed["tooSlow"]:
            print(f"{bad}slow for this model: {speed['advice']}")
        elif speed["newPlaceSeconds"] is not None:
            print(f"{ok}first suggestion at a new place: about {speed['newPlaceSeconds']} s")
    elif "testCompletionError" in model:
        print(f"{bad}model {model['name']}: loaded, but the test completion failed")
        print(f"   {model['message']}")
        if "retryCompletion" in model:
            print(f"   retry with extra buffer types off: {model['retryCompletion']!r}")
    else:
        print(f"{bad}model {model['name']}: {model['message']}")
    languages = report["treeSitterLanguages"]
    missing = [name for name, present in languages.items() if not present]
    present = ", ".join(name for name, found in languages.items() if found)
    absent = f" (missing: {', '.join(missing)})" if missing else ""
    print(f"{ok if not missing else bad}tree-sitter: {present}{absent}")
    print(f"   models dir {report['modelsDir']}")
    print("settings in effect (defaults; editors override them):")
    for key, value in report["settings"].items():
        print(f"   {key} = {value!r}")

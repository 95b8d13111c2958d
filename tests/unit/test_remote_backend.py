"""The remote backends against a scripted server on loopback: streaming, stops, cancel, faults.

Each fault (server dies mid-stream, answers 500, hangs past the timeout, sends malformed
JSON, is not running at first) must give an ``error`` status naming the endpoint, an
empty result instead of an exception, and a normal answer plus a ``ready`` status once
the server behaves again.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterator

import pytest

from fake_inference import FakeInferenceServer, free_port
from ghost_ls.config import Settings
from ghost_ls.engine.backend import GenerationRequest, GenerationResult, Prompt, RemoteServerInfo
from ghost_ls.engine.remote import RemoteBackend, create_remote_backend
from ghost_ls.engine.remote.credentials import credential_problems, key_env_problem, read_api_key
from ghost_ls.engine.remote.endpoint import Endpoint
from ghost_ls.errors import ConfigError

PROMPT = Prompt(
    text="<|fim_prefix|>def add(a, b):\n    <|fim_suffix|>\n<|fim_middle|>",
    prefix="def add(a, b):\n    ",
    suffix="\n",
    extra=(("util.py", "def helper(): ...\n"),),
    path="calc.py",
)


def line_stop(text: str) -> int | None:
    return text.index("\n") if "\n" in text else None


class Statuses:
    """Records ``on_status`` calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, state: str, message: str) -> None:
        self.calls.append((state, message))

    @property
    def last(self) -> tuple[str, str]:
        return self.calls[-1]


@pytest.fixture
def fake() -> Iterator[FakeInferenceServer]:
    with FakeInferenceServer() as server:
        yield server


def make_backend(
    url: str, statuses: Statuses, backend: str = "openai", read_timeout: float = 2.0
) -> RemoteBackend:
    created = create_remote_backend(
        Settings(backend=backend, endpoint=url, model="qwen2.5-coder-0.5b-instruct"), statuses
    )
    assert isinstance(created, RemoteBackend)
    created.read_timeout = read_timeout
    return created


def generate(backend: RemoteBackend, **overrides: object) -> GenerationResult:
    request = GenerationRequest(prompt=PROMPT, max_tokens=32, stop=line_stop, stop_strings=("<|endoftext|>",))
    for name, value in overrides.items():
        setattr(request, name, value)
    return backend.generate(request)


@pytest.mark.parametrize("api", ["openai", "llama-server"])
def test_streams_and_the_stop_rule_cuts(fake: FakeInferenceServer, api: str) -> None:
    statuses = Statuses()
    result = generate(make_backend(fake.url, statuses, api))
    assert (result.text, result.stop_reason) == ("return a + b", "stop-rule")
    assert result.generated_tokens == 5
    assert statuses.calls == []  # healthy from the start: nothing to report


def test_openai_request_body(fake: FakeInferenceServer) -> None:
    generate(make_backend(fake.url, Statuses(), "openai"), temperature=0.25)
    body = fake.bodies[0]
    assert body["prompt"] == PROMPT.text
    assert body["model"] == "qwen2.5-coder-0.5b-instruct"
    assert (body["echo"], body["stream"], body["max_tokens"], body["temperature"]) == (False, True, 32, 0.25)
    assert body["stop"] == ["<|endoftext|>"]
    assert "Authorization" not in fake.headers[0]


def test_llama_server_request_body_and_timings(fake: FakeInferenceServer) -> None:
    result = generate(make_backend(fake.url, Statuses(), "llama-server"), time_budget=1.5)
    body = fake.bodies[0]
    assert (body["input_prefix"], body["input_suffix"], body["prompt"]) == (PROMPT.prefix, "\n", "")
    assert body["input_extra"] == [{"filename": "util.py", "text": "def helper(): ...\n"}]
    assert (body["n_predict"], body["stream"], body["cache_prompt"]) == (32, True, True)
    assert body["samplers"] == ["top_k", "top_p", "temperature"]
    assert body["t_max_predict_ms"] == 4000  # the budget, its line grace and a second: ours ends it first
    assert "prompt_text" not in body and "text" not in body  # only the parts, not the FIM text
    assert result.stop_reason == "stop-rule"


@pytest.mark.parametrize("api", ["openai", "llama-server"])
def test_a_held_back_mark_is_sent_as_a_grammar(fake: FakeInferenceServer, api: str) -> None:
    backend = make_backend(fake.url, Statuses(), api)
    generate(backend)
    generate(backend, prompt=dataclasses.replace(PROMPT, held_back='"'))
    generate(backend, prompt=dataclasses.replace(PROMPT, held_back=" ("))
    assert "grammar" not in fake.bodies[0]  # nothing held back: the answer is free
    # a hex escape, whatever the mark (a quote or a backslash would end the literal)
    assert fake.bodies[1]["grammar"] == 'root ::= [ \\t]? "\\x22" .*'
    assert fake.bodies[2]["grammar"] == 'root ::= [ \\t]? "\\x28" .*'


@pytest.mark.parametrize("api", ["openai", "llama-server"])
def test_a_server_that_refuses_the_grammar_is_asked_again_without_it(
    fake: FakeInferenceServer, api: str
) -> None:
    fake.mode = "strict"
    backend = make_backend(fake.url, Statuses(), api)
    held_back = dataclasses.replace(PROMPT, held_back=",")
    first = generate(backend, prompt=held_back)
    second = generate(backend, prompt=held_back)
    assert (first.text, second.text) == ("return a + b", "return a + b")
    assert ["grammar" in body for body in fake.bodies] == [True, False, False]


def test_a_retry_without_the_grammar_that_is_cancelled_leaves_it_on(fake: FakeInferenceServer) -> None:
    fake.mode = "strict"
    backend = make_backend(fake.url, Statuses())
    cancel = threading.Event()
    result = generate(
        backend, prompt=dataclasses.replace(PROMPT, held_back=","), cancel=cancel,
        on_text=lambda _text: cancel.set(),  # the person typed on while the retry streamed
    )
    assert result.stop_reason == "cancelled"
    assert ["grammar" in body for body in fake.bodies] == [True, False]
    assert backend.sends_grammar  # the retry did not show that the grammar was the fault


def test_a_4xx_that_is_not_about_the_grammar_leaves_it_on(fake: FakeInferenceServer) -> None:
    fake.mode = "400"  # with and without a grammar
    backend = make_backend(fake.url, Statuses())
    result = generate(backend, prompt=dataclasses.replace(PROMPT, held_back=","))
    assert (result.text, result.stop_reason) == ("", "error")
    assert ["grammar" in body for body in fake.bodies] == [True, False]
    assert backend.sends_grammar


def test_llama_server_reports_what_it_evaluated(fake: FakeInferenceServer) -> None:
    fake.pieces = ["x = 1"]
    result = generate(make_backend(fake.url, Statuses(), "llama-server"))
    assert (result.text, result.stop_reason) == ("x = 1", "eos")
    assert (result.prompt_tokens, result.evaluated_tokens, result.reused_tokens) == (40, 3, 37)


def test_a_template_stop_string_ends_the_text(fake: FakeInferenceServer) -> None:
    fake.pieces = ["x", " = 1", "<|endoftext|>", "junk"]
    result = generate(make_backend(fake.url, Statuses()), stop=None)
    assert (result.text, result.stop_reason) == ("x = 1", "eos")


def test_the_stream_is_closed_once_the_suggestion_is_complete(fake: FakeInferenceServer) -> None:
    fake.pieces = ["x = 1", "\n"] + ["more"] * 400
    fake.delay = 0.005
    result = generate(make_backend(fake.url, Statuses()))
    assert result.text == "x = 1"
    assert fake.client_gone.wait(10), "the server went on writing into an open connection"


def test_cancel_while_streaming_closes_the_connection(fake: FakeInferenceServer) -> None:
    fake.pieces = ["tok "] * 400
    fake.delay = 0.005
    cancel = threading.Event()
    result = generate(
        make_backend(fake.url, Statuses()), stop=None, cancel=cancel, on_text=lambda _: cancel.set()
    )
    assert result.stop_reason == "cancelled"
    assert fake.client_gone.wait(10)


def test_cancel_while_waiting_for_the_server(fake: FakeInferenceServer) -> None:
    fake.mode = "hang"
    statuses = Statuses()
    backend = make_backend(fake.url, statuses, read_timeout=600)
    cancel = threading.Event()
    results: list[GenerationResult] = []
    worker = threading.Thread(target=lambda: results.append(generate(backend, cancel=cancel)), daemon=True)
    worker.start()
    assert fake.requested.wait(10)
    cancel.set()
    # the read timeout is 600 s: only the cancel check can close the connection this soon
    assert fake.client_gone.wait(30), "a cancelled request left its connection open"
    worker.join(30)
    assert [result.stop_reason for result in results] == ["cancelled"]
    assert statuses.calls == []  # a cancel says nothing about the server's health


def test_the_time_budget_closes_a_slow_stream(fake: FakeInferenceServer) -> None:
    fake.pieces = ["tok\n", *["tok "] * 400]
    fake.delay = 0.01
    result = generate(make_backend(fake.url, Statuses()), stop=None, max_tokens=1000, time_budget=0.2)
    assert result.stop_reason == "timeout"
    assert result.text == "tok"  # the line the budget cut, never ended, is dropped
    assert fake.client_gone.wait(10)


def test_max_tokens(fake: FakeInferenceServer) -> None:
    fake.pieces = ["a\n", *["a"] * 50]
    result = generate(make_backend(fake.url, Statuses()), stop=None, max_tokens=7)
    assert (result.text, result.stop_reason) == ("a", "max-tokens")  # the cut line dropped


# -- faults ------------------------------------------------------------------------------


def assert_recovers(backend: RemoteBackend, fake: FakeInferenceServer, statuses: Statuses) -> None:
    fake.mode = "ok"
    result = generate(backend)
    assert (result.text, result.stop_reason) == ("return a + b", "stop-rule")
    assert statuses.last == ("ready", f"qwen2.5-coder-0.5b-instruct on {fake.url}")


def test_server_dies_mid_stream(fake: FakeInferenceServer) -> None:
    fake.mode = "die"
    statuses = Statuses()
    backend = make_backend(fake.url, statuses)
    result = generate(backend, stop=None)
    assert (result.text, result.stop_reason) == ("", "error")
    assert fake.requests == 1  # text had arrived: not retried
    state, message = statuses.last
    assert state == "error" and message.startswith(f"{fake.url} stopped answering")
    assert result.error == message
    assert_recovers(backend, fake, statuses)


@pytest.mark.parametrize("api", ["openai", "llama-server"])
def test_server_answers_500_and_is_retried(fake: FakeInferenceServer, api: str) -> None:
    fake.mode = "500"
    fake.error_body = "model exploded"
    statuses = Statuses()
    backend = make_backend(fake.url, statuses, api)
    result = generate(backend)
    assert (result.text, result.stop_reason) == ("", "error")
    assert fake.requests == 3
    assert statuses.calls == [
        ("error", f"{fake.url} answered with an error: HTTP 500 Internal Server Error: model exploded")
    ]
    assert_recovers(backend, fake, statuses)


def test_server_hangs_past_the_read_timeout(fake: FakeInferenceServer) -> None:
    fake.mode = "hang"
    statuses = Statuses()
    backend = make_backend(fake.url, statuses, read_timeout=0.3)
    result = generate(backend)
    assert result.stop_reason == "error"
    assert fake.requests == 1  # a hanging server is not asked again within one request
    assert statuses.last == ("error", f"{fake.url} is not reachable: no answer within 0.3 s")
    assert fake.client_gone.wait(10)
    assert_recovers(backend, fake, statuses)


def test_malformed_json(fake: FakeInferenceServer) -> None:
    fake.mode = "malformed"
    statuses = Statuses()
    backend = make_backend(fake.url, statuses)
    result = generate(backend)
    assert (result.text, result.stop_reason) == ("", "error")
    state, message = statuses.last
    assert state == "error" and message.startswith(f"{fake.url} sent a malformed answer: malformed JSON")
    assert_recovers(backend, fake, statuses)


def test_not_running_at_start_then_started() -> None:
    port = free_port()
    statuses = Statuses()
    backend = make_backend(f"http://127.0.0.1:{port}", statuses)
    result = generate(backend)
    assert (result.text, result.stop_reason) == ("", "error")
    assert statuses.calls == [("error", f"http://127.0.0.1:{port} is not reachable: connection refused")]
    second = generate(backend)  # still down: the same status is not repeated
    assert second.stop_reason == "error" and len(statuses.calls) == 1
    with FakeInferenceServer(port) as fake:
        assert_recovers(backend, fake, statuses)


# -- configuration, key, privacy ---------------------------------------------------------


def test_api_key_goes_only_into_the_header(
    fake: FakeInferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GHOST_LS_API_KEY_TEAM", "sk-secret-123")
    statuses = Statuses()
    settings = Settings(backend="openai", endpoint=fake.url, model="m", api_key_env="GHOST_LS_API_KEY_TEAM")
    backend = create_remote_backend(settings, statuses)
    assert isinstance(backend, RemoteBackend)
    generate(backend)
    assert fake.headers[0]["Authorization"] == "Bearer sk-secret-123"
    fake.mode = "500"
    fake.error_body = "bad key sk-secret-123"
    result = generate(backend)
    assert "sk-secret-123" not in result.error and "***" in result.error
    assert all("sk-secret-123" not in message for _, message in statuses.calls)
    assert "sk-secret-123" not in repr(backend.info())


def test_a_named_but_unset_key_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GHOST_LS_API_KEY_UNSET", raising=False)
    settings = Settings(backend="openai", endpoint="http://127.0.0.1:1", api_key_env="GHOST_LS_API_KEY_UNSET")
    with pytest.raises(ConfigError, match="GHOST_LS_API_KEY_UNSET, which is not set"):
        create_remote_backend(settings)


@pytest.mark.parametrize(
    "name",
    ["HOME", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "GHOST_LS_MODELS_DIR", "GHOST_LS_API_KEYS",
     "ghost_ls_api_key", "GHOST_LS_API_KEY_lower", "GHOST_LS_API_KEY-X"],
)
def test_a_key_variable_not_made_for_ghost_ls_is_refused_before_anything_is_sent(
    fake: FakeInferenceServer, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "the-secret-value")
    settings = Settings(backend="openai", endpoint=fake.url, model="m", api_key_env=name)
    with pytest.raises(ConfigError, match="GHOST_LS_API_KEY") as refused:
        create_remote_backend(settings)
    assert "the-secret-value" not in str(refused.value)
    assert key_env_problem(name) == str(refused.value)
    assert fake.requests == 0 and not fake.headers


@pytest.mark.parametrize("name", ["GHOST_LS_API_KEY", "GHOST_LS_API_KEY_TEAM", "GHOST_LS_API_KEY_2"])
def test_ghost_ls_key_variables_are_read(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "sk-ok")
    assert key_env_problem(name) == ""
    assert read_api_key(name) == "sk-ok"


def test_a_key_typed_into_apikeyenv_by_mistake_is_not_repeated() -> None:
    problem = key_env_problem("sk-live-0123456789abcdef")
    assert problem and "sk-live" not in problem and "0123456789abcdef" not in problem


def test_problems_name_a_refused_key_variable_and_a_url_with_credentials() -> None:
    settings = Settings(api_key_env="HOME", endpoint="https://alice:hunter2@gpu-box:8012/v1")
    problems = credential_problems(settings)
    assert len(problems) == 2, problems
    assert "HOME" in problems[0] and "GHOST_LS_API_KEY" in problems[0]
    assert "https://***@gpu-box:8012/v1" in problems[1]
    assert "hunter2" not in " ".join(problems) and "alice" not in " ".join(problems)
    assert credential_problems(Settings(api_key_env="GHOST_LS_API_KEY", endpoint="https://gpu-box")) == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "needs an endpoint"),
        ("gpu-box:8000", "not an http"),
        ("ftp://gpu-box", "not an http"),
        ("http://user:pw@gpu-box:8000", "credentials"),
        ("http://gpu-box:notaport", "gpu-box:notaport"),
    ],
)
def test_bad_endpoints(url: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        Endpoint.parse(url)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://alice:hunter2@gpu-box:8000", "'http://***@gpu-box:8000' contains credentials"),
        ("https://alice@gpu-box", "'https://***@gpu-box' contains credentials"),
        ("ftp://alice:hunter2@gpu-box", "'ftp://***@gpu-box' is not an http"),
        ("http://alice:hunter2@gpu-box:bad", "'http://***@gpu-box:bad' contains credentials"),
        ("http://alice:hun/ter2@gpu-box", "'http://...': not a valid port"),  # no userinfo to urlsplit
        ("http://gpu-box/?u=alice:hunter2@x", "'http://...' must not have a query"),
    ],
)
def test_a_refused_endpoint_is_quoted_without_its_credentials(url: str, shown: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Endpoint.parse(url)
    message = str(refused.value)
    assert shown in message, message
    assert "hunter2" not in message and "alice" not in message and "ter2" not in message


@pytest.mark.parametrize(
    ("url", "warns"),
    [
        ("http://127.0.0.1:8012", False),
        ("http://localhost:8012", False),
        ("http://[::1]:8012", False),
        ("https://gpu-box.example.com", False),
        ("http://gpu-box:8000", True),
        ("http://10.0.0.7:8000/v1", True),
    ],
)
def test_plain_http_to_another_machine_warns(url: str, warns: bool, caplog: pytest.LogCaptureFixture) -> None:
    backend = create_remote_backend(Settings(backend="openai", endpoint=url))
    server = backend.info().server
    assert server is not None
    assert bool(server.warning) is warns
    assert ("unencrypted" in caplog.text) is warns
    if warns:
        assert "unencrypted" in server.warning and server.endpoint in server.warning


def test_endpoint_base_path() -> None:
    endpoint = Endpoint.parse("https://llm.example.com/team/")
    assert (str(endpoint), endpoint.path("/v1/completions")) == (
        "https://llm.example.com:443/team",
        "/team/v1/completions",
    )


def test_token_count_is_a_safe_estimate() -> None:
    backend = create_remote_backend(Settings(backend="llama-server", endpoint="http://127.0.0.1:1"))
    assert (backend.count_tokens(""), backend.count_tokens("abc"), backend.count_tokens("abcd")) == (0, 1, 2)
    assert backend.fim_tokens() is None
    info = backend.info()
    assert (info.backend, info.server, info.engine) == (
        "llama-server", RemoteServerInfo(endpoint="http://127.0.0.1:1"), None
    )


def test_llama_server_requests_keep_to_one_slot_per_editor(fake: FakeInferenceServer) -> None:
    """The slot comes from /props once; without /props the server chooses."""
    backend = make_backend(fake.url, Statuses(), "llama-server")
    generate(backend)
    assert "id_slot" not in fake.bodies[-1]  # no /props: nothing pinned
    fake.total_slots = 4
    pinned = make_backend(fake.url, Statuses(), "llama-server")
    for _ in range(3):
        generate(pinned)
    assert [body["id_slot"] for body in fake.bodies[-3:]] == [os.getpid() % 4] * 3
    assert fake.props_requests == 1  # asked once, not per request

"""The deployment kit: the image recipe, the compose file and the Kubernetes manifests.

There is no container daemon here, so nothing is built or started; what can be
checked without one is: the manifests against Kubernetes' own schemas (offline,
the schemas ship in ``kubernetes-validate``), the compose file against the
Compose Specification's schema (``compose_spec.json`` beside this file, from
docker-compose 1.29.2, Apache-2.0) and with ``docker compose config`` where a
compose client is installed, the Dockerfile's instructions, and that the image's
requirements cover everything Guild's code imports — and nothing for tests.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30"
APP_CODE = ["app.py", "config.py", "logs.py", "metrics.py", "bot", "handlers", "scheduler", "storage"]
TEST_TOOLS = {"pytest", "pytest-asyncio", "pytest-timeout", "hypothesis", "ruff", "mypy", "kubernetes-validate",
              "jsonschema", "pyyaml"}


# --- requirements ----------------------------------------------------------------------------------------------


def requirement_lines(name: str) -> list[str]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def runtime_requirements() -> list[Requirement]:
    return [Requirement(line) for line in requirement_lines("requirements-runtime.txt")]


def test_runtime_requirements_are_exact_pins_without_test_tools() -> None:
    pins = runtime_requirements()
    assert pins and all(len(r.specifier) == 1 and next(iter(r.specifier)).operator == "==" for r in pins)
    assert not {canonicalize_name(r.name) for r in pins} & TEST_TOOLS


def test_development_requirements_are_the_runtime_ones_plus_test_tools() -> None:
    lines = requirement_lines("requirements.txt")
    assert lines[0] == "-r requirements-runtime.txt"
    tools = {canonicalize_name(Requirement(line).name) for line in lines[1:]}
    assert {"pytest", "kubernetes-validate"} <= tools
    assert not tools & {canonicalize_name(r.name) for r in runtime_requirements()}  # each pin lives in one file


def _installed_closure(requirements: list[Requirement]) -> set[str]:
    """The distributions the runtime pins bring in, their dependencies included (as installed here)."""
    seen: set[str] = set()
    todo = [(r, frozenset(r.extras)) for r in requirements]
    while todo:
        requirement, extras = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        for raw in metadata.requires(requirement.name) or []:
            dependency = Requirement(raw)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if dependency.marker is None or any(dependency.marker.evaluate(env) for env in environments):
                todo.append((dependency, frozenset(dependency.extras)))
    return seen


def _imported_top_level_modules() -> set[str]:
    modules: set[str] = set()
    for entry in APP_CODE:
        path = ROOT / entry
        for source in [path] if path.is_file() else path.rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    return modules


def test_everything_guilds_code_imports_comes_with_the_runtime_requirements() -> None:
    own = {p.stem for p in ROOT.glob("*.py")} | {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    third_party = {m for m in _imported_top_level_modules() - own - set(sys.stdlib_module_names)}
    providers = metadata.packages_distributions()
    installed = _installed_closure(runtime_requirements())
    missing = {m: providers.get(m) for m in third_party
               if not {canonicalize_name(d) for d in providers.get(m, [])} & installed}
    assert not missing, f"imported by app code but not brought in by requirements-runtime.txt: {missing}"


# --- Dockerfile ------------------------------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    instructions = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            instructions.append((word.upper(), " ".join(rest.split())))
    return instructions


def test_the_image_is_slim_python_311_with_only_runtime_dependencies() -> None:
    steps = dockerfile()
    [base] = [args for word, args in steps if word == "FROM"]
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", base)
    installs = [args for word, args in steps if word == "RUN" and "pip install" in args]
    assert installs == ["pip install --no-cache-dir -r requirements-runtime.txt"]
    copies = [args for word, args in steps if word == "COPY"]
    assert copies[0] == "requirements-runtime.txt ./"  # dependencies first, cached apart from the code
    ignored = set(requirement_lines(".dockerignore"))
    assert {"tests", "bench", ".env", ".git", "requirements.txt"} <= ignored  # no tests, tools or secrets inside


def test_the_image_runs_as_a_non_root_user_with_a_healthcheck_and_serves() -> None:
    steps = dockerfile()
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert [word for word, _ in steps].index("USER") < [word for word, _ in steps].index("CMD")
    [healthcheck] = [args for word, args in steps if word == "HEALTHCHECK"]
    assert "CMD" in healthcheck and "/healthz" in healthcheck
    [cmd] = [args for word, args in steps if word == "CMD"]
    assert json.loads(cmd) == ["python", "app.py", "serve"]


async def test_the_image_healthcheck_command_fails_when_healthz_does(tmp_path: Path) -> None:
    """Run the HEALTHCHECK's own command against a server whose /healthz answers 200, then 503."""
    [healthcheck] = [args for word, args in dockerfile() if word == "HEALTHCHECK"]
    probe = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert probe[0] == "python"
    probe[0] = sys.executable  # the image's python is on its PATH; here, the one running the tests
    status = {"now": 200}

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({}, status=status["now"])

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    async with TestServer(app, host="127.0.0.1") as server:
        env = {**os.environ, "PORT": str(server.port)}
        for status["now"], healthy in ((200, True), (503, False)):
            done = await asyncio.create_subprocess_exec(*probe, env=env, cwd=tmp_path,
                                                        stderr=asyncio.subprocess.DEVNULL)
            assert (await asyncio.wait_for(done.wait(), 30) == 0) is healthy


# --- Kubernetes ---------------------------------------------------------------------------------------------------


@cache
def manifests() -> list[dict[str, Any]]:
    found = []
    for path in sorted(K8S.rglob("*.yaml")):
        found += [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    return found


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for doc in manifests() if doc["kind"] == kind]


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test."""

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("validation tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.usefixtures("offline")
def test_every_manifest_is_valid_against_the_kubernetes_schemas_offline() -> None:
    kinds = sorted(doc["kind"] for doc in manifests())
    assert kinds == ["ConfigMap", "Deployment", "Job", "PodDisruptionBudget", "Secret", "Service"]
    for doc in manifests():
        assert kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True) == KUBERNETES_VERSION


def test_the_validator_catches_a_wrong_manifest() -> None:
    [deployment] = of_kind("Deployment")
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def env_of(pod: dict[str, Any]) -> dict[str, str]:
    """The environment a pod's container gets from the ConfigMap and Secret it names."""
    [container] = pod["containers"]
    sources = {(k, d["metadata"]["name"]): {**d.get("data", {}), **d.get("stringData", {})}
               for k, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")) for d in of_kind(kind)}
    env: dict[str, str] = {}
    for source in container["envFrom"]:
        [(ref, named)] = source.items()
        env.update(sources[(ref, named["name"])])
    return env


def test_the_deployment_runs_replicas_that_drain_and_never_migrate() -> None:
    [deployment] = of_kind("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert deployment["spec"]["replicas"] >= 2
    assert container["command"] == ["python", "app.py", "serve"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    env = env_of(pod)
    assert env["GUILD_AUTO_MIGRATE"] == "0"
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    runner_shutdown = 5
    assert pod["terminationGracePeriodSeconds"] >= pre_stop + float(env["GUILD_DRAIN_SECONDS"]) + runner_shutdown
    assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] != 0
    assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_the_migrate_job_runs_app_py_migrate_with_the_same_image_and_settings() -> None:
    [job] = of_kind("Job")
    [deployment] = of_kind("Deployment")
    [migrate] = job["spec"]["template"]["spec"]["containers"]
    [server] = deployment["spec"]["template"]["spec"]["containers"]
    assert migrate["command"] == ["python", "app.py", "migrate"]
    assert migrate["image"] == server["image"] and migrate["envFrom"] == server["envFrom"]
    assert "DATABASE_URL" in env_of(job["spec"]["template"]["spec"])


def test_the_service_and_budget_select_the_servers_pods() -> None:
    [deployment] = of_kind("Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    [service] = of_kind("Service")
    [budget] = of_kind("PodDisruptionBudget")
    assert service["spec"]["selector"].items() <= labels.items()
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert {"name": "http", "containerPort": 3000} in container["ports"]


# --- compose ------------------------------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_file_matches_the_compose_specification_schema() -> None:
    schema = json.loads((Path(__file__).with_name("compose_spec.json")).read_text(encoding="utf-8"))
    jsonschema.Draft201909Validator(schema).validate(compose())
    broken = compose()
    broken["services"]["guild"]["depends_on"]["migrate"]["condition"] = "service_done"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft201909Validator(schema).validate(broken)


def test_compose_runs_guild_after_a_healthy_postgres_and_a_finished_migration() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "migrate", "guild"}
    assert services["postgres"]["image"].startswith("postgres:") and "pg_isready" in str(
        services["postgres"]["healthcheck"]["test"])
    assert services["migrate"]["command"] == ["python", "app.py", "migrate"]
    guild = services["guild"]
    assert guild["command"] == ["python", "app.py", "serve"]
    assert guild["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                   "migrate": {"condition": "service_completed_successfully"}}
    assert "/readyz" in str(guild["healthcheck"]["test"])
    assert guild["environment"]["GUILD_AUTO_MIGRATE"] == "0"
    assert guild["environment"]["DATABASE_URL"].startswith("postgresql://guild:")
    assert int(guild["stop_grace_period"].removesuffix("s")) > int(
        re.search(r":-(\d+)", guild["environment"]["GUILD_DRAIN_SECONDS"]).group(1))  # type: ignore[union-attr]


def compose_client() -> list[str] | None:
    """``docker compose`` (the plugin) or the standalone ``docker-compose``, whichever is installed."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_config_accepts_the_compose_file(tmp_path: Path) -> None:
    client = compose_client()
    if client is None:
        pytest.skip("no docker compose client here (neither the plugin nor docker-compose); "
                    "compose.yaml is still checked against the Compose Specification schema above")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "POSTGRES_PASSWORD": "s3cret"}
    command = [*client, "--project-directory", str(tmp_path), "-f", str(ROOT / "compose.yaml")]
    done = subprocess.run([*command, "config"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    resolved = yaml.safe_load(done.stdout)
    assert resolved["services"]["guild"]["environment"]["DATABASE_URL"] == \
        "postgresql://guild:s3cret@postgres:5432/guild"
    missing = subprocess.run([*command, "config"], capture_output=True, text=True,
                             env={k: v for k, v in env.items() if k != "POSTGRES_PASSWORD"}, timeout=60)
    assert missing.returncode != 0 and "set POSTGRES_PASSWORD in .env" in missing.stderr

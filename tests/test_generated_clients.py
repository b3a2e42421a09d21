"""The OpenAPI document, as the teams who build on it use it: standard generators consume it without
loss, and a client generated from it drives the app's main journey against a live server.

- `openapi-typescript` generates the types and `tsc --noEmit` (strict) type-checks them together with
  `tests/client/journey.ts`, a script written as a mobile team would write it with `openapi-fetch`;
- the journey then runs under Node against `python -m app serve`, failing on any unexpected status;
- `openapi-python-client` (what a bank's Python integration would use) generates with no warning, and
  every model a response refers to is generated;
- `@redocly/cli lint` with its recommended rules reports no error.

The Node tools are pinned in `tests/client/package-lock.json`; `npm ci` installs them on first use.
Without npm the module is skipped, except in CI, where that is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.main import create_app
from tests.conftest import MigratedDatabase
from tests.fixtures.factories import PASSWORD, make_uscc, unique_email
from tests.fixtures.live import live_server, logged_errors

CLIENT_DIR = Path(__file__).parent / "client"
NPM = shutil.which("npm")


def _run(*command: str, cwd: Path = CLIENT_DIR, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own tools and arguments
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)} failed ({result.returncode}):\n{output[-6000:]}"
    return output


@pytest.fixture(scope="module")
def node_tools() -> Path:
    if NPM is None:
        if os.environ.get("CI"):
            pytest.fail("npm is missing: install Node.js 20 and npm")
        pytest.skip("npm is not installed")
    if not (CLIENT_DIR / "node_modules" / ".bin" / "openapi-typescript").exists():
        _run(NPM, "ci", "--no-audit", "--no-fund")
    return CLIENT_DIR / "node_modules" / ".bin"


@pytest.fixture(scope="module")
def document(settings: Settings) -> dict[str, Any]:
    openapi: dict[str, Any] = create_app(settings).openapi()
    return openapi


@pytest.fixture(scope="module")
def document_path(document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def typescript(node_tools: Path, document_path: Path) -> Path:
    """The generated types, type-checked with the journey that uses them."""
    generated = CLIENT_DIR / "generated" / "api.d.ts"
    generated.parent.mkdir(exist_ok=True)
    _run(str(node_tools / "openapi-typescript"), str(document_path), "-o", str(generated))
    return generated


class TestTypeScript:
    def test_generated_types_and_the_journey_type_check(self, node_tools: Path, typescript: Path) -> None:
        _run(str(node_tools / "tsc"), "--noEmit", "-p", "tsconfig.json")
        text = typescript.read_text(encoding="utf-8")
        # Named components a client refers to, not anonymous inline shapes.
        for name in ("Problem", "DemandStatus", "ProductSearchHit", "NotificationOut", "Readiness"):
            assert re.search(rf"\b{name}: ", text), f"{name} is not a generated component"

    def test_the_journey_runs_against_a_live_server(
        self,
        node_tools: Path,
        typescript: Path,
        migrated_database: MigratedDatabase,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> None:
        _run(str(node_tools / "tsc"), "-p", "tsconfig.json")  # to tests/client/dist/
        workdir = tmp_path_factory.mktemp("journey")
        admin_email = unique_email("admin")
        with migrated_database(admin_email) as url:
            with live_server(url, workdir, NOTIFICATION_STREAM_MAX_SECONDS="60") as server:
                env = {
                    **os.environ,
                    "API_URL": server.base_url,
                    "ADMIN_EMAIL": admin_email,
                    "ADMIN_PASSWORD": PASSWORD,
                    "USCC_ENTERPRISE": make_uscc("511100"),
                    "USCC_SUPPLIER": make_uscc("511100"),
                }
                output = _run("node", str(CLIENT_DIR / "dist" / "journey.js"), env=env)
            errors = logged_errors(server)
        assert "journey ok" in output, output
        assert "notification pushed on the stream" in output
        assert not errors, "\n".join(errors[:20])


class TestRedocly:
    def test_the_recommended_rules_report_no_error(self, node_tools: Path, document_path: Path) -> None:
        result = subprocess.run(  # noqa: S603
            [str(node_tools / "redocly"), "lint", str(document_path), "--format=json"],
            cwd=CLIENT_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        report = json.loads(result.stdout[result.stdout.index("{") :])
        errors = [p for p in report["problems"] if p["severity"] == "error"]
        assert not errors, json.dumps(errors[:10], ensure_ascii=False, indent=1)
        assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def generated(document_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("python-client") / "client"
    config = CLIENT_DIR / "openapi-python-client.yaml"
    generator = Path(sys.executable).with_name("openapi-python-client")
    output = _run(
        str(generator), "generate", "--path", str(document_path), "--output-path", str(out),
        "--meta", "none", "--config", str(config),
    )  # fmt: skip
    return out, output


class TestPythonClient:
    def test_it_generates_without_a_warning(self, generated: tuple[Path, str]) -> None:
        _, output = generated
        assert "warning" not in output.lower(), output

    def test_every_response_model_is_generated(
        self, generated: tuple[Path, str], document: dict[str, Any]
    ) -> None:
        out, _ = generated
        referenced = set()
        for path_item in document["paths"].values():
            for operation in path_item.values():
                for response in operation["responses"].values():
                    for media in response.get("content", {}).values():
                        referenced |= set(re.findall(r"#/components/schemas/(\w+)", json.dumps(media)))
        assert {"QuoteOut", "QuoteList", "Overview", "Problem", "Readiness"} <= referenced
        models = out / "models"
        generated_names = set()
        for module in models.glob("*.py"):
            generated_names |= set(re.findall(r"^class (\w+)", module.read_text(encoding="utf-8"), re.M))
        missing = sorted(name for name in referenced if _class_name(name) not in generated_names)
        assert not missing, f"not generated: {missing}"


def _class_name(component: str) -> str:
    """The class openapi-python-client makes of a component name (PascalCase of its words)."""
    words = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", component)
    return "".join(word[:1].upper() + word[1:] for word in words)

"""The committed OpenAPI schema and the front end's generated client match the app.

Both are generated (`frontend/openapi.json` from `create_app().openapi()`, then
`frontend/src/api/client/` from it by @hey-api/openapi-ts) and committed, so a change to a
route or schema that is not regenerated would leave the front end typed against an API that
no longer exists. The fix is always the same command.
"""

import filecmp
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.main import create_app

pytestmark = pytest.mark.integration

FRONTEND = Path(__file__).resolve().parents[3] / "frontend"
REGENERATE = "run `make generate-client` (scripts/generate-client.sh) and commit the result"


def differences(committed: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Which operations and component schemas differ, named the way a reader finds them."""
    found = []
    for section, key in (("paths", "paths"), ("components.schemas", "components")):
        old = committed.get(key, {})
        new = current.get(key, {})
        if key == "components":
            old, new = old.get("schemas", {}), new.get("schemas", {})
        found += [
            f"{section}: {name}"
            for name in sorted(old.keys() | new.keys())
            if old.get(name) != new.get(name)
        ]
    rest = (committed.keys() | current.keys()) - {"paths", "components"}
    found += [name for name in sorted(rest) if committed.get(name) != current.get(name)]
    return found


def test_committed_schema_matches_the_app() -> None:
    committed = json.loads((FRONTEND / "openapi.json").read_text())
    current = create_app().openapi()
    if committed != current:
        changed = differences(committed, current)
        pytest.fail(f"frontend/openapi.json is out of date ({', '.join(changed)}): {REGENERATE}")


def changed_files(generated: Path, committed: Path) -> list[str]:
    comparison = filecmp.dircmp(generated, committed)
    found = [*comparison.left_only, *comparison.right_only, *comparison.diff_files]
    for name, sub in comparison.subdirs.items():
        found += [f"{name}/{file}" for file in changed_files(Path(sub.left), Path(sub.right))]
    return sorted(found)


def test_committed_client_matches_the_committed_schema(tmp_path: Path) -> None:
    npx = shutil.which("npx")
    if npx is None or not (FRONTEND / "node_modules" / "@hey-api").is_dir():
        pytest.fail("the front end's node_modules are missing: run `make setup`")
    output = tmp_path / "client"
    subprocess.run(
        [npx, "--no-install", "openapi-ts", "--silent", "--output", str(output)],
        cwd=FRONTEND,
        check=True,
        timeout=120,
    )
    changed = changed_files(output, FRONTEND / "src" / "api" / "client")
    if changed:
        pytest.fail(
            f"frontend/src/api/client differs from what openapi-ts generates from "
            f"frontend/openapi.json ({', '.join(changed)}): {REGENERATE}"
        )

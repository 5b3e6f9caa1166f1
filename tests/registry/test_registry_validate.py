"""`registry validate` through the real CLI: every file another command loads from a registry folder is
checked with that command's loader, so validate never says "ok" for a folder `fit` then refuses."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from hubgate.testhub import HubSim

GOOD_GPU = {
    "id": "lab-card",
    "name": "Lab card",
    "vendor": "lab",
    "memory": 10,
    "memory_unit": "GB",
    "sources": {"memory": "our inventory"},
}


def _folder(tmp_path: Path, **gpus: dict | str) -> Path:  # type: ignore[type-arg]
    folder = tmp_path / "lab-registry"
    (folder / "gpus").mkdir(parents=True)
    for stem, body in gpus.items():
        text = body if isinstance(body, str) else yaml.safe_dump(body)
        (folder / "gpus" / f"{stem}.yaml").write_text(text)
    return folder


def test_validate_reports_each_broken_gpu_file_that_fit_refuses(run_cli, hub: HubSim, tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        **{
            "lab-card": GOOD_GPU,
            "typo": {**GOOD_GPU, "id": "typo", "memory_gb": 8},  # a field the schema does not have
            "wrong-name": {**GOOD_GPU, "id": "other"},  # the id names another file
            "broken": "id: broken\nname: [unclosed\n",  # not YAML
        },
    )
    fit = run_cli("fit", "gpt2", "--gpu", "t4", "--registry", str(folder))
    assert fit.code == 2 and "GPU catalogue" in fit.stderr
    result = run_cli("registry", "validate", str(folder))
    assert result.code == 1, (result.stdout, result.stderr)
    bad_files = {line.split(":", 1)[0] for line in result.stdout.splitlines()}
    assert {Path(name).name for name in bad_files} == {"typo.yaml", "wrong-name.yaml", "broken.yaml"}
    (typo,) = [line for line in result.stdout.splitlines() if "typo.yaml:" in line]
    assert typo.endswith(": memory_gb: not a field of the GPU schema; did you mean 'memory'?")
    assert result.stderr.strip().splitlines()[-1].endswith(f"0 model(s) and 1 GPU(s) valid in {folder}")
    as_json = json.loads(run_cli("registry", "validate", str(folder), "--format", "json").stdout)
    assert as_json["ok"] is False
    assert {Path(p["file"]).name for p in as_json["problems"]} == {
        "typo.yaml",
        "wrong-name.yaml",
        "broken.yaml",
    }


def test_a_folder_fit_accepts_validates_ok_and_counts_its_gpus(run_cli, hub: HubSim, tmp_path: Path) -> None:
    folder = _folder(tmp_path, **{"lab-card": GOOD_GPU})
    assert run_cli("fit", "gpt2", "--gpu", "lab-card", "--registry", str(folder)).code == 0
    result = run_cli("registry", "validate", str(folder))
    assert result.code == 0 and result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == f"ok: 0 model(s) and 1 GPU(s) valid in {folder}"
    assert json.loads(run_cli("registry", "validate", str(folder), "--format", "json").stdout)["ok"] is True


def test_an_unknown_model_field_gets_the_closest_one(run_cli, hub: HubSim, tmp_path: Path) -> None:
    from tests.registry.test_registry_schema import write_entry

    path = write_entry(tmp_path, "acme/tiny", type="chat")
    text = path.read_text()
    path.write_text(text.replace("type: chat", "type: chat\nlicence:\n  id: mit"))
    result = run_cli("registry", "validate", str(tmp_path))
    assert result.code == 1
    assert "licence: not a field of the schema; did you mean 'license'?" in result.stdout

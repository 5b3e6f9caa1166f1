"""The GPU catalogue: bundled entries, user folders merged over them, problems that name file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hubgate.fit.catalog import CatalogError, UnknownGpuError, load_catalog

MIB = 2**20
GIB = 2**30


def write_gpu(root: Path, gpu_id: str = "acme-x1", **fields: object) -> Path:
    data: dict[str, object] = {
        "id": gpu_id,
        "name": "Acme X1",
        "vendor": "acme",
        "aliases": ["x1"],
        "memory": 12,
        "memory_unit": "GB",
        "sources": {"memory": "acme spec sheet"},
    }
    data.update(fields)
    path = root / "gpus" / f"{gpu_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def bundled():  # type: ignore[no-untyped-def]
    return load_catalog(env=False)


def test_bundled_catalogue_has_the_gpus_users_ask_about(bundled) -> None:  # type: ignore[no-untyped-def]
    for name in ("t4", "v100", "v100-32gb", "a10g", "l4", "l40s", "rtx3090", "rtx4090", "a100-40gb",
                 "a100-80gb", "h100", "h200", "mi300x"):  # fmt: skip
        assert bundled.get(name) is not None, name
    for size in (16, 24, 32, 36, 48, 64, 96, 128, 192):
        apple = bundled.resolve(f"apple-{size}gb")
        assert apple.unified and apple.nominal_bytes == size * GIB
        assert apple.usable_bytes < apple.nominal_bytes  # only part of unified memory is the GPU's


def test_every_bundled_figure_is_sourced_and_plausible(bundled) -> None:  # type: ignore[no-untyped-def]
    for gpu in bundled.gpus.values():
        assert "memory" in gpu.sources
        if gpu.reported_mib:
            # The driver's total is at most the nominal size, and not far below it (ECC, firmware).
            assert 0.9 * gpu.nominal_bytes <= gpu.usable_bytes <= gpu.nominal_bytes, gpu.id


def test_driver_totals_are_what_fits_use(bundled) -> None:  # type: ignore[no-untyped-def]
    t4 = bundled.resolve("T4")
    assert (t4.memory, t4.memory_unit, t4.bf16) == (16, "GiB", False)
    assert t4.usable_bytes == 15360 * MIB  # nvidia-smi: 15360MiB
    assert bundled.resolve("NVIDIA H100 80GB").usable_bytes == 81559 * MIB
    assert bundled.resolve("apple-32gb").usable_bytes == int(32 * GIB * 2 / 3)  # Metal: 21845.34 MB of 32 GB
    assert bundled.resolve("apple-64gb").usable_bytes == 48 * GIB


def test_names_resolve_loosely_and_unknown_ones_suggest(bundled) -> None:  # type: ignore[no-untyped-def]
    assert bundled.resolve("A100 80GB").id == "nvidia-a100-80gb"
    assert bundled.resolve("rtx 4090").id == "nvidia-rtx-4090"
    assert bundled.resolve("nvidia-l4").id == bundled.resolve("L4").id == "nvidia-l4"
    with pytest.raises(UnknownGpuError) as caught:
        bundled.resolve("RTX 4080")
    assert "nvidia-rtx-4090" in caught.value.suggestions


def test_user_folder_adds_and_overrides(tmp_path: Path) -> None:
    write_gpu(tmp_path)
    write_gpu(tmp_path, "nvidia-t4", name="NVIDIA T4 (ECC off)", aliases=["t4"], memory=16, memory_unit="GiB")
    catalog = load_catalog([tmp_path], env=False)
    assert catalog.resolve("x1").usable_bytes == 12 * 10**9
    assert catalog.resolve("t4").usable_bytes == 16 * GIB  # the user's entry replaces the bundled one
    assert any("nvidia-t4" in line for line in catalog.overrides)


def test_env_folders_are_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_gpu(tmp_path)
    monkeypatch.setenv("HUBGATE_REGISTRY", str(tmp_path))
    assert load_catalog().get("acme-x1") is not None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"memory_unit": "GByte"}, "memory_unit", "'GB' or 'GiB'"),
        ({"memory": -1}, "memory", "greater than 0"),
        ({"sources": {}}, "memory", "sources"),
        ({"unified": True}, "gpu_fraction", "required for unified memory"),
        (
            {"gpu_fraction": "2/3", "sources": {"memory": "x", "gpu_fraction": "y"}},
            "gpu_fraction",
            "only for unified",
        ),
        ({"vram": 12}, "vram", "not a field"),
        ({"id": "Acme X1"}, "id", "lower-case"),
    ],
)
def test_problems_name_file_line_and_field(tmp_path: Path, fields: dict, field: str, message: str) -> None:
    path = write_gpu(tmp_path, **fields)
    with pytest.raises(CatalogError) as caught:
        load_catalog([tmp_path], bundled=False, env=False)
    problem = caught.value.problems[0]
    assert problem.file.endswith(path.name) and problem.field == field and message in problem.message
    text = path.read_text().splitlines()
    assert text[problem.line - 1].startswith(field.split(".")[0]) or field == "gpu_fraction"


def test_file_name_must_match_id_and_aliases_must_be_unique(tmp_path: Path) -> None:
    path = write_gpu(tmp_path)
    path.rename(path.with_name("other.yaml"))
    with pytest.raises(CatalogError, match=r"belongs in acme-x1\.yaml"):
        load_catalog([tmp_path], bundled=False, env=False)
    (tmp_path / "gpus" / "other.yaml").unlink()
    write_gpu(tmp_path, "acme-x2", aliases=["t4"])
    with pytest.raises(CatalogError, match="'t4' already names nvidia-t4"):
        load_catalog([tmp_path], env=False)

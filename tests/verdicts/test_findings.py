"""Pre-flight findings, --fail-on with findings, revision pinning and the policy file: pure logic, no Hub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hubgate.hub.answers import facts_from_metadata
from hubgate.inputs.policy import PreflightRules, load_policy
from hubgate.inputs.policy_file import PolicyError
from hubgate.inputs.refs import InvalidRef, RepoRef, parse_ref
from hubgate.units import human_bytes, parse_bytes
from hubgate.verdicts.exit_codes import (
    EXIT_ACTION,
    EXIT_OK,
    FailOnError,
    exit_code_for_verdicts,
    parse_fail_on,
)
from hubgate.verdicts.findings import download_size, findings_for
from hubgate.verdicts.verdict import Status, Verdict


def facts(**body: Any):  # type: ignore[no-untyped-def]
    files = body.pop("files", {"config.json": 600, "model.safetensors": 10})
    sized = body.pop("sized", False)
    siblings = [{"rfilename": name, **({"size": size} if sized else {})} for name, size in files.items()]
    return facts_from_metadata("org/model", {"id": "org/model", "siblings": siblings, **body})


def kinds(found: list) -> list[str]:  # type: ignore[type-arg]
    return [f.kind for f in found]


LICENSED = {"cardData": {"license": "apache-2.0"}}


def test_auto_map_names_the_files_that_would_run() -> None:
    config = {"auto_map": {"AutoConfig": "configuration_x.XConfig", "AutoModel": "modeling_x.XModel"}}
    found = findings_for(facts(config=config, **LICENSED), PreflightRules())
    assert kinds(found) == ["remote-code"]
    assert found[0].files == ("configuration_x.py", "modeling_x.py")
    assert "auto_map" in found[0].message and "modeling_x.py" in found[0].message


def test_auto_map_from_another_repo_and_tokenizer_lists() -> None:
    config = {
        "auto_map": {
            "AutoModel": "other/code--modeling_y.YModel",
            "AutoTokenizer": ["tokenization_y.YTokenizer", None],
        }
    }
    found = findings_for(facts(config=config, **LICENSED), PreflightRules())
    assert found[0].files == ("other/code:modeling_y.py", "tokenization_y.py")


def test_custom_code_tag_without_auto_map_lists_the_repo_python_files() -> None:
    body = {"tags": ["custom_code"], "files": {"config.json": 1, "model.py": 2, "model.safetensors": 3}}
    found = findings_for(facts(**body, **LICENSED), PreflightRules())
    assert kinds(found) == ["remote-code"] and found[0].files == ("model.py",)
    assert "custom_code" in found[0].message


def test_python_files_alone_do_not_run_on_load() -> None:
    body = {"files": {"config.json": 1, "train.py": 2, "model.safetensors": 3}}
    assert findings_for(facts(**body, **LICENSED), PreflightRules()) == []


@pytest.mark.parametrize("allowed", [("org",), ("ORG/model",), ("*",)])
def test_allow_remote_code_by_org_repo_or_all(allowed: tuple[str, ...]) -> None:
    config = {"auto_map": {"AutoModel": "modeling_x.XModel"}}
    assert findings_for(facts(config=config, **LICENSED), PreflightRules(allow_remote_code=allowed)) == []
    assert kinds(
        findings_for(facts(config=config, **LICENSED), PreflightRules(allow_remote_code=("other",)))
    ) == ["remote-code"]


def test_pickle_only_weights_but_not_mixed_formats() -> None:
    pickled = facts(files={"config.json": 1, "pytorch_model.bin": 2, "training_args.bin": 3}, **LICENSED)
    found = findings_for(pickled, PreflightRules())
    assert kinds(found) == ["pickle"] and found[0].files == ("pytorch_model.bin", "training_args.bin")
    mixed = facts(files={"model.safetensors": 1, "pytorch_model.bin": 2}, **LICENSED)
    assert findings_for(mixed, PreflightRules()) == []
    assert findings_for(pickled, PreflightRules(allow_pickle=True)) == []


@pytest.mark.parametrize(
    ("card", "rules", "expected"),
    [
        ({}, PreflightRules(), "no license tag on the card"),
        (
            {"license": "other", "license_name": "acme"},
            PreflightRules(),
            "license tag 'other': read the terms: acme",
        ),
        (
            {"license": "cc-by-nc-4.0"},
            PreflightRules(denied_licenses=frozenset({"cc-by-nc-4.0"})),
            "denied-licenses",
        ),
        (
            {"license": ["llama2"]},
            PreflightRules(allowed_licenses=frozenset({"mit"})),
            "not in the policy's allowed-licenses",
        ),
        ({"license": "Apache-2.0"}, PreflightRules(allowed_licenses=frozenset({"apache-2.0"})), None),
        ({"license": "mit"}, PreflightRules(), None),
    ],
)
def test_licence(card: dict, rules: PreflightRules, expected: str | None) -> None:  # type: ignore[type-arg]
    found = findings_for(facts(cardData=card), rules)
    if expected is None:
        assert found == []
    else:
        assert kinds(found) == ["license"] and expected in found[0].message


def test_licence_from_the_tags_when_the_card_has_none() -> None:
    found = findings_for(facts(tags=["license:gpl-3.0"]), PreflightRules(allowed_licenses=frozenset({"mit"})))
    assert found[0].license == "gpl-3.0"


def test_size_prefers_safetensors_like_the_libraries() -> None:
    mixed = facts(
        files={
            "config.json": 600,
            "model.safetensors": 3_000,
            "pytorch_model.bin": 3_000,
            "tf_model.h5": 3_000,
        },
        sized=True,
    )
    assert download_size(mixed) == (3_600, "file sizes")
    pickled = facts(files={"config.json": 600, "pytorch_model.bin": 3_000}, sized=True)
    assert download_size(pickled) == (3_600, "file sizes")


def test_size_from_safetensors_parameters_when_no_file_sizes() -> None:
    body = {"safetensors": {"total": 1000, "parameters": {"BF16": 1000}}}
    assert download_size(facts(**body)) == (2000, "safetensors tensors")
    assert download_size(facts()) == (None, "unknown")


def test_size_over_max_size_or_free_disk() -> None:
    body = {"safetensors": {"total": 10**9, "parameters": {"F32": 10**9}}, **LICENSED}
    assert findings_for(facts(**body), PreflightRules()) == []
    over = findings_for(facts(**body), PreflightRules(max_size=parse_bytes("3GB")))
    assert kinds(over) == ["size"] and over[0].bytes == 4 * 10**9 and "over max-size 3 GB" in over[0].message
    disk = findings_for(facts(**body), PreflightRules(disk_free=10**9, disk_path="/data"))
    assert "1 GB free on /data" in disk[0].message
    assert findings_for(facts(**body), PreflightRules(max_size=5 * 10**9, disk_free=10**10)) == []


def test_ignored_repos_have_no_findings() -> None:
    assert findings_for(facts(), PreflightRules(ignore=frozenset({"org/model"}))) == []


def test_byte_units() -> None:
    assert [parse_bytes(t) for t in ("20GB", "1.5 tb", "500MB", "2GiB", "1000")] == [
        20 * 10**9,
        15 * 10**11,
        5 * 10**8,
        2 * 2**30,
        1000,
    ]
    with pytest.raises(ValueError):
        parse_bytes("lots")
    assert human_bytes(1_340_000_000) == "1.34 GB" and human_bytes(12) == "12 B"


def verdict(status: Status, *finding_kinds: str) -> Verdict:
    from hubgate.verdicts.findings import Finding

    found = tuple(Finding(kind=k, message=k) for k in finding_kinds)  # type: ignore[arg-type]
    return Verdict(input="x/y", model_id="x/y", status=status, message="", findings=found)


def test_fail_on_selects_findings_as_needs_action() -> None:
    flagged = [verdict(Status.OPEN, "remote-code"), verdict(Status.GRANTED)]
    assert (
        exit_code_for_verdicts(flagged, parse_fail_on("action")) == EXIT_OK
    )  # findings fail only when selected
    assert exit_code_for_verdicts(flagged, parse_fail_on("action,remote-code")) == EXIT_ACTION
    assert exit_code_for_verdicts(flagged, parse_fail_on("findings")) == EXIT_ACTION
    assert exit_code_for_verdicts(flagged, parse_fail_on("pickle")) == EXIT_OK
    assert parse_fail_on("pending,size") == {Status.PENDING, "size"}
    with pytest.raises(FailOnError, match="unknown status trust"):
        parse_fail_on("action,trust")


def test_revision_pins() -> None:
    ref = parse_ref("org/name@v1.0")
    assert isinstance(ref, RepoRef) and (ref.repo_id, ref.revision, ref.input) == (
        "org/name",
        "v1.0",
        "org/name@v1.0",
    )
    pr = parse_ref("datasets/org/data@refs/pr/3")
    assert isinstance(pr, RepoRef) and (pr.repo_type, pr.repo_id, pr.revision) == (
        "dataset",
        "org/data",
        "refs/pr/3",
    )
    page = parse_ref("https://huggingface.co/org/name/tree/v2.0")
    assert isinstance(page, RepoRef) and page.revision == "v2.0"
    uri = parse_ref("hf://org/name@abc1234")
    assert isinstance(uri, RepoRef) and uri.revision == "abc1234"
    option = parse_ref("org/name", revision="dev")
    own = parse_ref("org/name@main", revision="dev")
    assert isinstance(option, RepoRef) and option.revision == "dev"
    assert isinstance(own, RepoRef) and own.revision == "main"  # an input's own pin wins over --revision
    assert parse_ref("org/name").key != parse_ref("org/name@v1").key  # type: ignore[union-attr]
    for bad in ("org/name@", "org/name@..", "bad id@v1"):
        assert isinstance(parse_ref(bad), InvalidRef), bad


# -- the policy file ----------------------------------------------------------------------------------


def test_policy_from_pyproject_found_upward(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.hubgate]\nmax-size = "20GB"\nfail-on = ["action", "pickle"]\n'
        'allowed-licenses = ["Apache-2.0", "mit"]\nallow-remote-code = ["microsoft"]\n'
    )
    deep = tmp_path / "src" / "pkg"
    deep.mkdir(parents=True)
    policy = load_policy(deep)
    assert policy.file == tmp_path / "pyproject.toml"
    rules = policy.rules()
    assert rules.max_size == 20 * 10**9 and rules.allowed_licenses == {"apache-2.0", "mit"}
    assert rules.allow_remote_code == ("microsoft",) and policy.fail_on == "action,pickle"
    assert policy.settings["max-size"].source.endswith("pyproject.toml [tool.hubgate] max-size")
    assert policy.settings["allow-pickle"].source == "default"


def test_hubgate_toml_wins_over_pyproject_and_options_win_over_files(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.hubgate]\nmax-size = "1GB"\n')
    (tmp_path / "hubgate.toml").write_text('max-size = "2GB"\nallow-pickle = true\n')
    policy = load_policy(tmp_path)
    assert policy.file == tmp_path / "hubgate.toml" and policy.value("max-size") == 2 * 10**9
    over = load_policy(tmp_path, {"max-size": (5, "--max-size"), "fail-on": (None, "--fail-on")})
    assert over.settings["max-size"].value == 5 and over.settings["max-size"].source == "--max-size"
    assert over.settings["fail-on"].source == "default"  # an option not given does not override


def test_no_policy_file_means_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no [tool.hubgate]: keep looking
    policy = load_policy(tmp_path)
    assert policy.rules() == PreflightRules() and policy.fail_on == "action"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('max-size = "lots"', "key 'max-size': not a size"),
        ("allow-pickle = 1", "key 'allow-pickle'"),
        ("colour = 1", "key 'colour': unknown key"),
        ('fail-on = ["action", "trust"]', "key 'fail-on'"),
        ("allowed-licenses = 'mit'", "key 'allowed-licenses'"),
        ("allowed-licences = 'mit'", "key 'allowed-licences'"),  # the other spelling, named as written
        ("max-size = [", "not valid TOML"),
    ],
)
def test_invalid_policy_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "hubgate.toml").write_text(text + "\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path, check_fail_on=parse_fail_on)
    assert str(caught.value).startswith(str(tmp_path / "hubgate.toml")) and message in str(caught.value)


def test_a_validated_policy_is_kept_and_any_edit_is_validated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schema (pydantic) validates a policy table once; the same table at the same place is read back
    with the same values and sources. Any edit, even one of the same size a moment later, is new."""
    from hubgate.inputs import policy_schema

    project = tmp_path / "project"
    project.mkdir()
    policy_file = project / "hubgate.toml"
    policy_file.write_text('max-size = "2GB"\nfail-on = "action,pickle"\nallowed-licences = ["MIT"]\n')
    first = load_policy(project, check_fail_on=parse_fail_on)
    validated: list[Path] = []
    real = policy_schema.file_values
    monkeypatch.setattr(
        policy_schema, "file_values", lambda path, *rest: (validated.append(path), real(path, *rest))[1]
    )
    again = load_policy(project, check_fail_on=parse_fail_on)
    assert again == first and validated == []
    assert again.settings["allowed-licenses"].source.endswith("hubgate.toml allowed-licences")
    policy_file.write_text('max-size = "3GB"\nfail-on = "action,pickle"\nallowed-licences = ["MIT"]\n')
    assert load_policy(project, check_fail_on=parse_fail_on).value("max-size") == 3 * 10**9
    assert validated == [policy_file]
    load_policy(project)  # fail-on words not checked: not the table that was kept
    assert validated == [policy_file, policy_file]


def test_a_policy_with_a_problem_is_refused_on_every_run(tmp_path: Path) -> None:
    (tmp_path / "hubgate.toml").write_text('fail-on = ["action", "trust"]\n')
    for _ in range(2):
        with pytest.raises(PolicyError, match="key 'fail-on'"):
            load_policy(tmp_path, check_fail_on=parse_fail_on)
    assert not list((tmp_path / "metadata-cache").rglob("policy-*.json"))


def test_a_damaged_kept_policy_is_validated_again(tmp_path: Path) -> None:
    (tmp_path / "hubgate.toml").write_text('max-size = "2GB"\n')
    load_policy(tmp_path)
    (kept,) = (tmp_path / "metadata-cache").rglob("policy-*.json")
    kept.write_bytes(kept.read_bytes().replace(b"2000000000", b"9000000000"))  # still JSON; digest differs
    assert load_policy(tmp_path).value("max-size") == 2 * 10**9


def test_several_licences_on_the_card_are_called_out() -> None:
    found = findings_for(facts(cardData={"license": ["mit", "cc-by-nc-4.0"]}), PreflightRules())
    assert kinds(found) == ["license"] and "mit, cc-by-nc-4.0" in found[0].message


# -- registry verify agrees with the findings -----------------------------------------------------------


def test_registry_verify_reports_size_drift_with_the_findings_figure() -> None:
    from hubgate.hub.answers import HubAnswer
    from hubgate.registry.schema import ModelEntry
    from hubgate.registry.verify import DriftKind, compare
    from tests.registry.test_registry_schema import minimal

    def entry(size: int) -> ModelEntry:
        specs = {"parameters": 1000, "download_bytes": size}
        return ModelEntry.model_validate(
            minimal("acme/m", sources={"specs": "t", "gated": "t"}, gated=False, specs=specs)
        )

    answer = HubAnswer(
        200,
        body={"id": "acme/m", "gated": False, "safetensors": {"total": 1000, "parameters": {"BF16": 1000}}},
    )
    assert compare(entry(2010), answer) == []  # within 2%: tensors alone leave small files out
    (drift,) = compare(entry(4000), answer)
    assert (drift.field, drift.kind, drift.registry, drift.hub) == (
        "download_bytes",
        DriftKind.DRIFT,
        4000,
        2000,
    )
    assert "-50.00%" in drift.message


def test_registry_verify_reads_the_licence_as_the_finding_does() -> None:
    from hubgate.hub.answers import HubAnswer
    from hubgate.registry.schema import ModelEntry
    from hubgate.registry.verify import DriftKind, compare
    from tests.registry.test_registry_schema import minimal

    e = ModelEntry.model_validate(
        minimal("acme/m", sources={"gated": "t"}, gated=False, license={"id": "mit"})
    )
    tagged = {"id": "acme/m", "gated": False, "cardData": {}, "tags": ["license:gpl-3.0"]}
    (drift,) = compare(e, HubAnswer(200, body=tagged))
    assert (drift.field, drift.kind, drift.hub) == ("license", DriftKind.DRIFT, "gpl-3.0")
    assert (
        findings_for(
            facts_from_metadata("acme/m", tagged), PreflightRules(allowed_licenses=frozenset({"mit"}))
        )[0].license
        == "gpl-3.0"
    )


def test_size_just_over_the_limit_gives_the_exact_figure() -> None:
    body = {"files": {"model.safetensors": 2_000_000_000, "config.json": 43_800}, "sized": True, **LICENSED}
    (found,) = findings_for(facts(**body), PreflightRules(max_size=2 * 10**9))
    assert found.message == "download is 2,000,043,800 bytes, over max-size 2 GB"

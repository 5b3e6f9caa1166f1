"""`hubgate scan`: every form of reference in the fixture project is found at its exact place, and
nothing else (traps: local paths, strings never loaded, dynamic values, ignored lines, .venv/,
.gitignore'd files, binaries). The scan reads files only: no Hub client import, no request."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubgate.inputs.scan import may_name_a_repo, scan_file, scan_paths, scan_refs
from hubgate.inputs.scan.ids import hub_id
from hubgate.testhub import HubSim

FIXTURE = Path(__file__).parents[1] / "fixtures" / "scan_project"

M, D = "model", "dataset"
# (repo id, kind, place, call or key): what a reader of the fixture finds by hand.
EXPECTED = {
    # Python: constants, keyword arguments, f-strings and `+` of constants, legacy names, loops, dicts
    ("meta-llama/Llama-2-7b-hf", M, "train.py:15:46", "AutoModelForCausalLM.from_pretrained"),
    ("meta-llama/Llama-2-7b-hf", M, "train.py:16:73", "AutoTokenizer.from_pretrained"),
    ("mistralai/Mistral-7B-v0.1", M, "train.py:17:37", "AutoConfig.from_pretrained"),
    ("google/gemma-2b", M, "train.py:18:46", "AutoModel.from_pretrained"),
    ("gpt2", M, "train.py:19:47", "AutoModelForCausalLM.from_pretrained"),
    ("Qwen/Qwen2-0.5B", M, "train.py:28:42", "AutoModelForCausalLM.from_pretrained"),
    ("microsoft/phi-2", M, "train.py:28:42", "AutoModelForCausalLM.from_pretrained"),
    ("stanfordnlp/sst2", D, "train.py:32:18", "load_dataset"),
    ("rajpurkar/squad", D, "train.py:32:18", "load_dataset"),
    ("HuggingFaceFW/fineweb-edu", D, "train.py:34:19", "load_dataset"),
    # pipelines, PEFT adapters, sentence-transformers, diffusers, timm, vLLM, huggingface_hub
    ("distilbert/distilbert-base-uncased-finetuned-sst-2-english", M, "infer/serve.py:10:51", "pipeline"),
    ("TinyLlama/TinyLlama-1.1B-Chat-v1.0", M, "infer/serve.py:11:41", "pipeline"),
    ("meta-llama/Meta-Llama-3-8B", M, "infer/serve.py:14:45", "AutoModelForCausalLM.from_pretrained"),
    ("ybelkada/opt-350m-lora", M, "infer/serve.py:15:41", "PeftModel.from_pretrained"),
    ("sentence-transformers/all-MiniLM-L6-v2", M, "infer/serve.py:18:32", "SentenceTransformer"),
    ("cross-encoder/ms-marco-MiniLM-L-6-v2", M, "infer/serve.py:19:25", "CrossEncoder"),
    (
        "stabilityai/stable-diffusion-xl-base-1.0",
        M,
        "infer/serve.py:20:51",
        "StableDiffusionXLPipeline.from_pretrained",
    ),
    ("timm/vit_base_patch16_224.augreg_in21k", M, "infer/serve.py:21:25", "timm.create_model"),
    ("Qwen/Qwen2.5-7B-Instruct", M, "infer/serve.py:23:17", "LLM"),
    ("openai/whisper-large-v3", M, "infer/serve.py:25:27", "hf_hub_download"),
    ("allenai/c4", D, "infer/serve.py:26:36", "snapshot_download"),
    ("google-bert/bert-base-uncased", M, "infer/serve.py:29:23", "api.model_info"),
    ("openslr/librispeech_asr", D, "infer/serve.py:30:29", "api.list_repo_files"),
    # a notebook: constants across cells, a call over several lines, `!` shell lines
    ("openai-community/gpt2-medium", M, "explore.ipynb:cell 2:2:14", "hf download"),
    ("HuggingFaceTB/SmolLM2-360M", M, "explore.ipynb:cell 4:1:37", "AutoTokenizer.from_pretrained"),
    ("HuggingFaceTB/SmolLM2-360M", M, "explore.ipynb:cell 4:3:5", "AutoModelForCausalLM.from_pretrained"),
    ("imdb", D, "explore.ipynb:cell 5:2:19", "load_dataset"),
    # configs: YAML (lists too), models_config.yaml, JSON, TOML
    ("meta-llama/Llama-2-7b-hf", M, "configs/train.yaml:2:21", "model_name_or_path"),
    ("hf-internal-testing/llama-tokenizer", M, "configs/train.yaml:3:17", "tokenizer_name"),
    ("tatsu-lab/alpaca", D, "configs/train.yaml:4:15", "dataset_name"),
    ("mistralai/Mistral-7B-v0.1", M, "configs/train.yaml:9:5", "base_model"),
    ("meta-llama/Llama-3.2-1B-Instruct", M, "configs/models_config.yaml:2:11", "name"),
    ("HuggingFaceTB/SmolLM2-135M", M, "configs/models_config.yaml:5:11", "name"),
    ("EleutherAI/pythia-160m", M, "configs/deepspeed.json:3:38", "pretrained_model_name_or_path"),
    ("EleutherAI/pythia-410m", M, "configs/deepspeed.json:7:24", "model_id"),
    ("tiiuae/falcon-7b", M, "configs/settings.toml:2:14", "base_model"),
    ("HuggingFaceH4/ultrachat_200k", D, "configs/settings.toml:6:16", "dataset_name"),
    # Dockerfile, shell script, CI workflow, the hand-kept list
    ("meta-llama/Llama-3.1-8B-Instruct", M, "Dockerfile:3:14", "HF_MODEL"),
    ("Qwen/Qwen2-0.5B", M, "Dockerfile:6:37", "hf download"),
    ("HuggingFaceH4/ultrachat_200k", D, "Dockerfile:7:50", "huggingface-cli download"),
    ("openai/gsm8k", D, "scripts/fetch.sh:3:19", "HF_DATASET"),
    ("google/gemma-2-9b", M, "scripts/fetch.sh:4:19", "BASE_MODEL"),
    ("google/gemma-2-9b", M, "scripts/fetch.sh:5:13", "hf download"),
    ("nvidia/HelpSteer2", D, "scripts/fetch.sh:6:11", "git clone"),
    ("BAAI/bge-small-en-v1.5", M, "scripts/fetch.sh:8:81", "hf_hub_download"),
    ("microsoft/Phi-3-mini-4k-instruct", M, ".github/workflows/preflight.yml:4:13", "HF_MODEL"),
    ("mistralai/Mistral-7B-Instruct-v0.3", M, ".github/workflows/preflight.yml:10:26", "hf download"),
    ("meta-llama/Llama-2-7b-hf", M, "models_to_check.txt:2:1", "models_to_check.txt"),
    ("allenai/c4", D, "models_to_check.txt:3:1", "models_to_check.txt"),
    ("google/gemma-7b", M, "models_to_check.txt:4:1", "models_to_check.txt"),
}
EXPECTED_DYNAMIC = {
    ("train.py:23:49", "os.environ['MODEL']"),
    ("train.py:38:42", "model_name"),
    ("explore.ipynb:cell 5:3:22", "user_choice"),
    ("configs/train.yaml:6:8", "${oc.env:MODEL_NAME}"),
    ("Dockerfile:8:18", "$HF_MODEL"),
}


@pytest.fixture
def in_fixture(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(FIXTURE)
    return FIXTURE


def test_fixture_project_exact_set_both_ways(in_fixture: Path) -> None:
    result = scan_paths(["."])
    found = {(f.repo_id, f.repo_type, str(f.place), f.place.via) for f in result.found}
    assert found - EXPECTED == set(), "found references that are not in the fixture (noise)"
    assert EXPECTED - found == set(), "missed references"
    assert len(result.found) == len(EXPECTED)  # no place reported twice
    assert {(str(d.place), d.expression) for d in result.dynamic} == EXPECTED_DYNAMIC
    assert result.problems == [
        "explore.ipynb:cell 6:1: not valid Python, cell skipped ('(' was never closed)"
    ]
    assert result.files == 11  # .venv/, node_modules/, .gitignore'd files and the binary were not read


def test_the_traps_are_in_the_fixture(in_fixture: Path) -> None:
    """The fixture really holds what the scan must leave out, so the exact-set test means something."""
    assert "ignored/in-venv" in (FIXTURE / ".venv/lib/python3.12/site-packages/pkg/mod.py").read_text()
    assert "ignored/by-gitignore" in (FIXTURE / "outputs/leftover.py").read_text()
    assert "ignored/local-pattern" in (FIXTURE / "scratch.local.py").read_text()
    assert "ignored/in-node-modules" in (FIXTURE / "node_modules/pkg/run.sh").read_text()
    assert b"\0" in (FIXTURE / "weights.py").read_bytes()
    train = (FIXTURE / "train.py").read_text()
    for trap in ('"google/unused-model"', '"./checkpoints/llama-ft"', "Llama-2-70b-hf", '"~/models/tok"'):
        assert trap in train
    assert "deepseek-ai/DeepSeek-R1" in (FIXTURE / "infer/serve.py").read_text()
    scanned = {f.repo_id for f in scan_paths(["."]).found}
    assert not any(r.startswith(("ignored/", "google/unused", "deepseek-ai/", "gradio/")) for r in scanned)
    assert "meta-llama/Llama-2-70b-hf" not in scanned and "microsoft/phi-2" in scanned


def test_include_and_exclude_globs(in_fixture: Path) -> None:
    only_configs = scan_paths(["."], include=["configs/"])
    assert {f.place.file for f in only_configs.found} == {
        "configs/train.yaml",
        "configs/models_config.yaml",
        "configs/deepspeed.json",
        "configs/settings.toml",
    }
    without = scan_paths(["."], exclude=["*.ipynb", "infer/"])
    files = {f.place.file for f in without.found}
    assert "explore.ipynb" not in files and "infer/serve.py" not in files and "train.py" in files
    single = scan_paths(["Dockerfile"])
    assert {f.repo_id for f in single.found} == {
        "meta-llama/Llama-3.1-8B-Instruct",
        "Qwen/Qwen2-0.5B",
        "HuggingFaceH4/ultrachat_200k",
    }


def test_gitignore_above_the_scanned_folder_and_environments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("src/generated/\n!src/generated/keep.py\n")
    load = 'AutoModel.from_pretrained("{}")\n'
    for path, repo in {
        "src/generated/x.py": "ignored/generated",
        "src/app.py": "org/app",
        "src/env/rl.py": "org/in-env-folder",  # a folder named env is code, not an environment
        "src/myenv/lib/site.py": "ignored/venv",
        "src/conda/lib/site.py": "ignored/conda",
    }.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(load.format(repo))
    (tmp_path / "src/myenv/pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "src/conda/conda-meta").mkdir()
    monkeypatch.chdir(tmp_path)
    found = {f.repo_id: f.place.file for f in scan_paths(["src"]).found}
    assert found == {"org/app": "src/app.py", "org/in-env-folder": "src/env/rl.py"}
    monkeypatch.chdir(tmp_path / "src")
    assert {f.place.file for f in scan_paths(["."]).found} == {"app.py", "env/rl.py"}


def test_scan_refs_gives_one_ref_per_repo_with_its_places(in_fixture: Path) -> None:
    refs, places, _ = scan_refs(["."])
    keys = [ref.key for ref in refs]
    assert len(keys) == len(set(keys)) == len({(kind, repo) for repo, kind, _, _ in EXPECTED})
    llama = next(ref for ref in refs if ref.repo_id == "meta-llama/Llama-2-7b-hf")
    assert [str(p) for p in places[("model", "meta-llama/Llama-2-7b-hf")]] == [
        "configs/train.yaml:2:21",
        "models_to_check.txt:2:1",
        "train.py:15:46",
        "train.py:16:73",
    ]
    assert llama.origin == "configs/train.yaml:2"
    # the same id as a model and as a dataset are two repos
    assert ("dataset", "allenai/c4") in places and ("model", "allenai/c4") not in places


@pytest.mark.parametrize(
    ("source", "expected", "dynamic"),
    [
        ('A = "org/a"\nB = A\nfrom_pretrained(B)\n', {"org/a"}, 0),
        ('X = "org/a"\nX = input()\nAutoModel.from_pretrained(X)\n', set(), 1),  # one unknown value: dynamic
        ('v = "2"\nAutoModel.from_pretrained(f"org/m-{v}")\n', {"org/m-2"}, 0),
        ('AutoModel.from_pretrained(f"org/m-{size}")\n', set(), 1),
        ('M = {"a": "org/a", "b": "org/b"}\nAutoModel.from_pretrained(M["b"])\n', {"org/b"}, 0),
        ('for m in ("org/a", "org/b"):\n    x = AutoModel.from_pretrained(m)\n', {"org/a", "org/b"}, 0),
        (
            'a, b = "org/a", "./local"\nAutoModel.from_pretrained(a)\nAutoModel.from_pretrained(b)\n',
            {"org/a"},
            0,
        ),
        ('m = AutoModel.from_pretrained("org/a")\npipeline("fill-mask", model=m)\n', {"org/a"}, 0),
        ('AutoModel.from_pretrained("org/a" if big else "org/b")\n', {"org/a", "org/b"}, 0),
        ('AutoModel.from_pretrained("https://huggingface.co/org/a")\n', {"org/a"}, 0),
        ('hf_hub_download(repo_id="org/d", filename="x", repo_type=kind)\n', set(), 0),  # unknown type: skip
        ('AutoModel.from_pretrained("org/a")  # hubgate: ignore\n', set(), 0),
        ('load_dataset("csv", data_files="x.csv")\nload_dataset("./data/script.py")\n', set(), 0),
        (
            'SentenceTransformer("all-mpnet-base-v2")\nSentenceTransformer("bert-base-uncased")\n',
            {"sentence-transformers/all-mpnet-base-v2", "bert-base-uncased"},
            0,
        ),
        (
            'class Config:\n    MODEL: str = "org/a"\n    DATA = "org/d"\nAutoModel.from_pretrained(Config.MODEL)\n',
            {"org/a"},
            0,
        ),
        ("AutoModel.from_pretrained(config.model_name)\n", set(), 1),
        ("def f(:\n    from_pretrained('org/a')\n", set(), 0),  # a syntax error is a problem, not a crash
    ],
)
def test_python_values(source: str, expected: set[str], dynamic: int) -> None:
    found, dynamics, _ = scan_file(source, "x.py", "python")
    assert {f.repo_id for f in found} == expected
    assert len(dynamics) == dynamic


def test_id_shapes() -> None:
    assert hub_id("org/name", legacy=False) == "org/name"
    assert hub_id("gpt2", legacy=False) is None and hub_id("gpt2", legacy=True) == "gpt2"
    for local in ("./x", "../x/y", "/abs/path", "~/m", "C:\\models\\x", "a/b/c", "org/name.safetensors"):
        assert hub_id(local, legacy=True) is None, local
    for bad in ("org/na--me", "org/name.", "-org/name", "org/", "a b/c"):
        assert hub_id(bad, legacy=True) is None, bad


@pytest.mark.slow  # a fresh interpreter: what a start-up imports
def test_scan_never_imports_the_hub_client() -> None:
    code = (
        "import sys\n"
        "from hubgate.inputs.scan import scan_paths\n"
        f"r = scan_paths([{str(FIXTURE)!r}])\n"
        "assert r.found\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('huggingface_hub', 'httpx', 'requests')))\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_scan_cli_json_and_no_request(run_cli, hub: HubSim) -> None:
    result = run_cli("scan", "--format", "json", cwd=FIXTURE)
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["files_scanned"] == 11
    got = {(r["id"], r["repo_type"], p["via"]) for r in data["repos"] for p in r["places"]}
    assert got == {(repo, kind, via) for repo, kind, _, via in EXPECTED}
    first = next(r for r in data["repos"] if r["id"] == "HuggingFaceTB/SmolLM2-360M")
    assert first["places"][0] == {
        "file": "explore.ipynb",
        "line": 1,
        "column": 37,
        "cell": 4,
        "via": "AutoTokenizer.from_pretrained",
        "revision": None,
        "unpinned": True,
    }
    assert {d["expression"] for d in data["dynamic"]} == {e for _, e in EXPECTED_DYNAMIC}
    assert all(d["note"] == "dynamic: not checked" for d in data["dynamic"])
    assert "not valid Python" in result.stderr
    assert hub.log == []  # the scan never talks to the Hub
    schema = json.loads(resources.files("hubgate").joinpath("schemas/scan-v1.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema)
    data["repos"][0]["repo_type"] = "space"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_scan_cli_table_and_bad_path(run_cli, hub: HubSim) -> None:
    result = run_cli("scan", "scripts", "Dockerfile", cwd=FIXTURE)
    assert result.code == 0
    assert "nvidia/HelpSteer2 (dataset)\n  scripts/fetch.sh:6:11  git clone\n" in result.stdout
    assert "Dockerfile:8:18  hf download: $HF_MODEL" in result.stdout
    assert result.stdout.rstrip().endswith("in 2 files; 3 unpinned; 1 dynamic values not checked")
    missing = run_cli("scan", "no/such/dir", cwd=FIXTURE)
    assert missing.code == 2
    assert missing.stderr == "hubgate: error: no/such/dir: no such file or folder to scan\n"


def test_scan_cli_cyclonedx_validates(run_cli, hub: HubSim, tmp_path: Path) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    out = tmp_path / "bom.json"
    result = run_cli("scan", "--format", "cyclonedx", "-o", str(out), cwd=FIXTURE)
    assert result.code == 0, result.stderr
    text = out.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    by_ref = {c["bom-ref"]: c for c in bom["components"]}
    assert by_ref["model:meta-llama/Llama-2-7b-hf"]["type"] == "machine-learning-model"
    assert by_ref["dataset:allenai/c4"]["type"] == "data"
    assert by_ref["model:meta-llama/Llama-2-7b-hf"]["purl"] == "pkg:huggingface/meta-llama/Llama-2-7b-hf"
    assert len(by_ref) == len({(kind, repo) for repo, kind, _, _ in EXPECTED})
    broken = text.replace('"machine-learning-model"', '"not-a-type"')
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(broken) is not None


@pytest.mark.slow  # a process: the blocker must be on PYTHONPATH when the interpreter starts
def test_cyclonedx_without_the_library_is_one_line(run_process, hub: HubSim, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker" / "cyclonedx"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text(
        "raise ImportError(\"No module named 'cyclonedx'\", name='cyclonedx')\n"
    )
    # The blocker must stand in front of the real library when the interpreter starts: a process.
    result = run_process(
        "scan", "--format", "cyclonedx", "Dockerfile", cwd=FIXTURE, PYTHONPATH=str(tmp_path / "blocker")
    )
    assert result.code == 2
    assert result.stderr == (
        "hubgate: error: --format cyclonedx needs cyclonedx-python-lib (cyclonedx is missing)\n"
        "  hint: pip install 'hubgate[cyclonedx]'\n"
    )
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("shell", "ENV HF_MODEL meta-llama/A\n", {("meta-llama/A", "model", 1, 14)}),
        (
            "shell",
            "MODEL ?= org/make\nBASE_MODEL := org/b\n",
            {("org/make", "model", 1, 10), ("org/b", "model", 2, 15)},
        ),
        ("shell", "hf download --repo-type=dataset org/d --revision main\n", {("org/d", "dataset", 1, 33)}),
        ("shell", "hf download org/s --repo-type space\nMODEL_DIR=org/x\n", set()),
        ("shell", "git lfs clone https://hf.co/org/m.git\n", {("org/m", "model", 1, 15)}),
        ("toml", 'base_model = ["org/a", "org/b"]\n', {("org/a", "model", 1, 15), ("org/b", "model", 1, 24)}),
        (
            "json",
            '{"a": {"model": "org/x"},\n "b": {"model": "org/x"}}\n',
            {("org/x", "model", 1, 17), ("org/x", "model", 2, 17)},
        ),
        (
            "yaml",
            "model: org/one\n---\nmodel: 'org/two'\n",
            {("org/one", "model", 1, 8), ("org/two", "model", 3, 8)},
        ),
        (
            "yaml",
            "name: org/top-level\njobs:\n  build:\n    steps:\n      - name: org/workflow-step\n",
            set(),  # `name:` counts only in the models_config.yaml shape (groups of entries)
        ),
        ("yaml", "gated:\n  - name: org/entry\n", {("org/entry", "model", 2, 11)}),
        (
            "yaml",
            "model: 12\nmodel_id: gpt2\ndataset: https://huggingface.co/datasets/org/d\n",
            {("org/d", "dataset", 3, 10)},
        ),
    ],
)
def test_config_and_shell_forms(kind: str, text: str, expected: set[tuple[str, str, int, int]]) -> None:
    found, _, problems = scan_file(text, "f", kind)
    assert {(f.repo_id, f.repo_type, f.place.line, f.place.column) for f in found} == expected
    assert problems == []


# Pieces a scanner reacts to (calls, keys, commands, URLs) and bytes around them: not UTF-8, a BOM, NUL.
_PIECES = st.sampled_from(
    [
        'from_pretrained("org/name")', 'load_dataset("org/data")', "hf download org/x", "model: org/m",
        '{"model_name_or_path": "org/j"}', 'model = "org/t"', "https://huggingface.co/org/u", "MODEL=org/v",
        "pipeline(model='org/p')", "\n", " ", "x = 1\n", "\ufeff", "é", "#", ":", "[", '"',
    ]
)  # fmt: skip
_JUNK = st.binary(max_size=6).filter(lambda b: b"\0" not in b)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["python", "notebook", "yaml", "json", "toml", "shell", "list"]),
    parts=st.lists(st.one_of(_PIECES.map(str.encode), _JUNK), max_size=8),
)
def test_byte_prefilter_never_hides_a_find(kind: str, parts: list[bytes]) -> None:
    """The pre-filter judges bytes before they are decoded; wherever a scanner finds a repo, a dynamic
    value or a problem in the decoded text, the pre-filter must have let the file through."""
    data = b"".join(parts)
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    try:
        found, dynamic, problems = scan_file(text, "f", kind)
    except Exception:  # a parser's refusal is the scan's business, not the pre-filter's
        return
    if found or dynamic or problems:
        assert may_name_a_repo(data, kind), (kind, data)


def test_byte_prefilter_skips_files_without_trigger_words(tmp_path: Path) -> None:
    """A broken Python file naming no loader is read and counted, never parsed (no problem line); the
    same file with a loader name in a comment is parsed and its syntax error reported."""
    (tmp_path / "plain.py").write_text("def broken(:\n    pass\n")
    (tmp_path / "named.py").write_text("# from_pretrained\ndef broken(:\n    pass\n")
    result = scan_paths([str(tmp_path)])
    assert result.files == 2
    assert len(result.problems) == 1 and "named.py" in result.problems[0]
    assert not may_name_a_repo(b"def broken(:\n", "python")
    assert may_name_a_repo(b"anything", "list")  # every line of a models list is an id

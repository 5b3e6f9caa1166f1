"""Every output block in README.md and docs/ is real output of the current code.

A fenced block preceded by a marker comment is one of:

- `<!-- example: token=ALICE world=alternatives cwd=thesis -->` then a ```text block: a transcript. Each
  `$ hubgate ...` line is run in this process against the test Hub (its address reads as
  https://huggingface.co, the temporary home as /home/you) and the lines after it must equal what it
  prints, line by line. `$ echo $?` shows the previous exit code and `$ cat FILE` a file; ` 2>&1` after a
  command adds what it printed on stderr; `HF_TOKEN=$DAVE hubgate ...` runs one command with another of the
  test Hub's tokens (tests/conftest.py names them). Options: `token` (a test Hub token by name), `world` (extra
  repos, comma-separated: see WORLDS), `cwd` (the project folder's name, default `project`).
- `<!-- file: PATH -->`: a file the page's examples find in their project folder (any language).
- `<!-- synopsis -->`: a command's options (checked against `--help` by tests/docs/test_docs_synopsis.py).
- `<!-- not-output: why -->`: shows something that cannot be run here; it is not output.

A ```text or ```console block (or one without a language) must carry one of these markers: output that no
test runs would drift from the code. Command lists are ```bash blocks without `$ ` prompts.

Regenerate every example block from the current code (then review the diff):

    HUBGATE_REGEN_DOCS=1 PYTEST_WORKERS=1 ./test.sh tests/docs/test_docs_examples.py
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from filelock import FileLock

from hubgate.testhub import HubSim, Repo
from tests import conftest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
REGEN = os.environ.get("HUBGATE_REGEN_DOCS") == "1"
HOME_SHOWN = "/home/you"
HUB_SHOWN = "https://huggingface.co"
MARKER = re.compile(r"^<!-- (?P<kind>example|file|synopsis|not-output)(?::(?P<options>.*?))? -->$")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+)(?P<lang>[\w+-]*)\s*$")
OUTPUT_LANGUAGES = ("text", "console", "")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z| UTC)?")


@dataclass
class Block:
    page: Path
    number: int  # among the page's fenced blocks, from 0
    line: int  # of the opening fence, from 1
    lang: str
    kind: str | None  # the marker's kind, None when unmarked
    options: str
    body: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The page's fenced blocks, each with the marker on the line just above it (if any)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = index + 1
        closing = opening["indent"] + opening["fence"]
        while end < len(lines) and lines[end].rstrip() != closing:
            end += 1
        marker = MARKER.match(lines[index - 1]) if index else None
        found.append(
            Block(
                page,
                len(found),
                index + 1,
                opening["lang"],
                marker["kind"] if marker else None,
                (marker["options"] or "").strip() if marker else "",
                "\n".join(lines[index + 1 : end]),
            )
        )
        index = end + 1
    return found


ALL = [block for page in PAGES for block in blocks(page)]
EXAMPLES = [b for b in ALL if b.kind == "example"]


# -- worlds: repos an example needs beyond the contract's cases (tests/conftest.py populate) ---------------

# Open models the registry offers as alternatives, as the real Hub has them.
ALTERNATIVES = {
    "EleutherAI/pythia-2.8b": "apache-2.0",
    "microsoft/phi-2": "mit",
    "bigscience/bloom-1b7": "bigscience-bloom-rail-1.0",
    "Qwen/Qwen3-1.7B": "apache-2.0",
    "Qwen/Qwen3-0.6B": "apache-2.0",
}
ADAPTER_FILES = {"README.md": 10, "adapter_config.json": 100, "adapter_model.safetensors": 10**6}


def _alternatives(hub: HubSim, project: Path) -> None:
    for repo_id, licence in ALTERNATIVES.items():
        hub.add_repo(Repo(repo_id, card_data={"license": licence}))


def _dinov3(hub: HubSim, project: Path) -> None:
    from tests.access.test_request import dinov3_world

    dinov3_world(hub, project)


def _owner(hub: HubSim, project: Path) -> None:
    from tests.owner.test_owner_service import owner_world

    owner_world(hub)


def _drift(hub: HubSim, project: Path) -> None:
    """Two facts the registry records differently from this Hub: what `registry verify` is for."""
    hub.repos[("model", conftest.GPT2)].gated = "auto"
    hub.repos[("model", conftest.LLAMA32)].card_data = {"license": "other"}


def _adapter(hub: HubSim, project: Path) -> None:
    hub.add_repo(
        Repo(
            "someone/llama32-lora",
            card_data={"base_model": conftest.LLAMA32, "license": "mit"},
            files=ADAPTER_FILES,
        )
    )


def _registry(hub: HubSim, project: Path) -> None:
    """Registry models the contract's world lacks, as the real Hub has them."""
    hub.add_repo(Repo("microsoft/Phi-3-mini-128k-instruct", card_data={"license": "mit"}))
    hub.add_repo(Repo("Qwen/Qwen3-8B", card_data={"license": "apache-2.0"}))


def _collections(hub: HubSim, project: Path) -> None:
    from hubgate.testhub.worlds import populate_collections

    populate_collections(hub)


WORLDS: dict[str, Callable[[HubSim, Path], None]] = {
    "collections": _collections,
    "registry": _registry,
    "alternatives": _alternatives,
    "dinov3": _dinov3,
    "owner": _owner,
    "drift": _drift,
    "adapter": _adapter,
}


# -- running a transcript ----------------------------------------------------------------------------------


@dataclass
class Session:
    """One example's shell: a home, a project folder, the test Hub, and the last exit code."""

    hub: HubSim
    home: Path
    project: Path
    env: dict[str, str]
    code: int = 0
    shown: list[str] = field(default_factory=list)

    def show(self, text: str) -> str:
        text = text.replace(self.hub.url, HUB_SHOWN).replace(str(self.home), HOME_SHOWN)
        return text.replace(self.hub.url.replace("http://", ""), HUB_SHOWN.replace("https://", ""))

    def run(self, command: str) -> list[str]:
        merge = command.endswith(" 2>&1")
        words = shlex.split(command.removesuffix(" 2>&1"))
        if words == ["echo", "$?"]:
            return [str(self.code)]
        if words[0] == "cat" and len(words) == 2:
            return self.show((self.project / words[1]).read_text(encoding="utf-8")).splitlines()
        extra: dict[str, str] = {}
        while words and re.fullmatch(r"[A-Z][A-Z0-9_]*=.*", words[0]):
            name, value = words.pop(0).split("=", 1)
            # `HF_TOKEN=$DAVE hubgate ...`: one of the test Hub's tokens, by name, for this command only
            extra[name] = getattr(conftest, value[1:]) if value.startswith("$") else value
        assert words[0] == "hubgate", f"examples run hubgate, echo $? and cat FILE only: {command!r}"
        out, err = self.hubgate(words[1:], extra)
        # A usage error shown to nobody would leave an empty block that regenerates as "right".
        assert merge or self.code != 2, f"`{command}` failed (exit 2): {err}"
        text = out + err if merge else out
        return self.show(text).rstrip("\n").splitlines() if text.strip() else []

    def hubgate(self, args: list[str], extra: dict[str, str]) -> tuple[str, str]:
        """The installed entry point (`hubgate.cli:main`) in this process: no interpreter start-up."""
        from click.testing import CliRunner
        from huggingface_hub import get_session

        from hubgate import cli
        from hubgate.cli import main

        # main() registers the command groups on the app each time it runs (once per process in real
        # use): restore the list after each run, or every later run here builds a bigger app.
        app = getattr(cli, "app", None)
        groups = list(getattr(app, "registered_groups", []))
        argv, cwd = sys.argv, Path.cwd()
        sys.argv = ["hubgate", *args]
        os.chdir(self.project)
        try:
            with CliRunner().isolation(input="", env={**self.env, **extra}) as (stdout, stderr, _):
                try:
                    main()
                    self.code = 0
                except SystemExit as done:
                    self.code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
                sys.stdout.flush()
                sys.stderr.flush()
                return stdout.getvalue().decode(), stderr.getvalue().decode()
        finally:
            if app is not None and hasattr(app, "registered_groups"):
                app.registered_groups[:] = groups
            sys.argv = argv
            os.chdir(cwd)
            get_session().timeout = None  # type: ignore[assignment]  (commands give the shared client one)


def transcript(body: str) -> Iterator[tuple[list[str], str, list[str]]]:
    """(the command's lines as written, the command, the output lines shown) for each `$ ` line."""
    lines = body.splitlines()
    index = 0
    while index < len(lines):
        assert lines[index].startswith("$ "), f"an example starts each command with '$ ': {lines[index]!r}"
        written = [lines[index]]
        while written[-1].endswith("\\"):
            index += 1
            written.append(lines[index])
        command = " ".join(line.rstrip("\\").strip() for line in written)[2:]
        index += 1
        output = []
        while index < len(lines) and not lines[index].startswith("$ "):
            output.append(lines[index])
            index += 1
        yield written, command, output


def environment(hub: HubSim, home: Path, token: str | None, cache: Path) -> dict[str, str | None]:
    """A fresh user's environment (as tests/conftest.py clean_env), for an in-process run."""
    env: dict[str, str | None] = {
        key: None
        for key in os.environ
        if key.startswith(("HF_", "HUBGATE_", "HUGGING")) or key in ("COLUMNS", "LINES", "FORCE_COLOR")
    }
    env.update(
        {
            "HOME": str(home),
            "HF_ENDPOINT": hub.url,
            "HF_HOME": str(home / ".cache" / "huggingface"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "NO_COLOR": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HUBGATE_REGISTRY_CACHE": str(cache),  # shared: the bundled registry parses once per worker
        }
    )
    if token:
        env["HF_TOKEN"] = token
    return env


def page_files(page: Path) -> dict[str, str]:
    return {b.options: b.body + "\n" for b in blocks(page) if b.kind == "file"}


def run_example(block: Block, hub: HubSim, home: Path, cache: Path) -> str:
    options = dict(item.split("=", 1) for item in block.options.split())
    unknown = set(options) - {"token", "world", "cwd"}
    assert not unknown, f"{block.where}: unknown example options {unknown}"
    project = home / options.get("cwd", "project")
    project.mkdir(parents=True)
    for world in filter(None, options.get("world", "").split(",")):
        WORLDS[world](hub, project)
    for repo in hub.repos.values():  # commits the docs can show: the test Hub draws random ones
        repo.sha = hashlib.sha1(f"{repo.repo_type}/{repo.id}".encode()).hexdigest()
    for name, text in page_files(block.page).items():  # after the worlds: what the page shows wins
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    token = getattr(conftest, options["token"]) if "token" in options else None
    env = environment(hub, home, token, cache)
    session = Session(hub, home, project, env)  # type: ignore[arg-type]
    produced: list[str] = []
    for written, command, _ in transcript(block.body):
        produced += written
        produced += session.run(command)
    for value in conftest.ALL_TOKENS:
        assert value not in "\n".join(produced), f"{block.where}: a token value in the output"
    return "\n".join(produced)


def comparable(text: str) -> list[str]:
    """Lines as compared: times of day and dates vary from run to run."""
    return [TIMESTAMP.sub("<time>", line) for line in text.splitlines()]


def rewrite(block: Block, body: str) -> None:
    """Replace the block's body in its page (under a lock: pytest-xdist workers share the pages)."""
    with FileLock(str(block.page) + ".lock"):
        lines = block.page.read_text(encoding="utf-8").splitlines()
        current = blocks(block.page)[block.number]
        assert current.kind == "example"
        start = current.line  # the first body line (0-based index of the line after the fence)
        end = start + len(current.body.splitlines())
        lines[start:end] = body.splitlines()
        block.page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(str(block.page) + ".lock").unlink(missing_ok=True)


@pytest.fixture(scope="module")
def registry_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("registry-cache")


@pytest.mark.parametrize("block", EXAMPLES, ids=[b.where for b in EXAMPLES])
def test_example_is_what_the_code_prints(
    block: Block, hub: HubSim, tmp_path: Path, registry_cache: Path
) -> None:
    produced = run_example(block, hub, tmp_path / "home", registry_cache)
    if comparable(produced) == comparable(block.body):
        return
    if REGEN:
        rewrite(block, produced)
        return
    expected = comparable(block.body)
    shown = comparable(produced)
    first = next(
        (i for i, (a, b) in enumerate(zip(expected, shown, strict=False)) if a != b),
        min(len(expected), len(shown)),
    )
    pytest.fail(
        f"{block.where}: the block differs from real output at its line {first + 1}\n"
        f"  docs: {expected[first] if first < len(expected) else '(nothing)'}\n"
        f"  real: {shown[first] if first < len(shown) else '(nothing)'}\n"
        f"Real output:\n{produced}\n"
        "Regenerate: HUBGATE_REGEN_DOCS=1 PYTEST_WORKERS=1 ./test.sh tests/docs/test_docs_examples.py"
    )


def test_the_docs_have_examples_of_every_main_job() -> None:
    commands = set()
    for block in EXAMPLES:
        for _, command, _ in transcript(block.body):
            words = [w for w in shlex.split(command) if not re.fullmatch(r"[A-Z][A-Z0-9_]*=.*", w)]
            if words[0] == "hubgate":
                commands.add(words[1])
    assert {"check", "scan", "watch", "request", "requests", "fit", "registry", "policy"} <= commands


def test_every_output_block_is_checked_or_marked() -> None:
    """A ```text block nobody runs is how the old README came to show output the code no longer prints."""
    unmarked = [b.where for b in ALL if b.kind is None and b.lang in OUTPUT_LANGUAGES]
    assert not unmarked, (
        "mark these blocks (example, file, synopsis or not-output: see this module's doc): "
        + ", ".join(unmarked)
    )
    prompts = [
        b.where for b in ALL if b.kind is None and any(line.startswith("$ ") for line in b.body.splitlines())
    ]
    assert not prompts, "blocks with '$ ' prompts are transcripts: mark them as examples: " + ", ".join(
        prompts
    )
    reasons = [b.where for b in ALL if b.kind == "not-output" and not b.options]
    assert not reasons, "a not-output marker says why: " + ", ".join(reasons)
    files = [
        b.where
        for b in ALL
        if b.kind == "file" and (not b.options or ".." in b.options or b.options.startswith("/"))
    ]
    assert not files, "a file marker names a path inside the project folder: " + ", ".join(files)


# -- links, the README's shape, the Python shown -------------------------------------------------------------

LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<target>[^)\s]+)\)|^\[[^\]]+\]:\s*(?P<ref>\S+)", re.MULTILINE)


def prose(page: Path) -> str:
    """The page without its fenced blocks (output and code may show URLs; they are not links)."""
    kept, fenced = [], None
    for line in page.read_text(encoding="utf-8").splitlines():
        opening = FENCE.match(line)
        if fenced is None and opening:
            fenced = opening["indent"] + opening["fence"]
        elif fenced is not None and line.rstrip() == fenced:
            fenced = None
        elif fenced is None:
            kept.append(line)
    return "\n".join(kept)


def slugs(page: Path) -> set[str]:
    """Heading anchors as GitHub makes them and as MkDocs makes them: a link must work on both."""
    github, mkdocs = set(), set()
    for line in prose(page).splitlines():
        heading = re.match(r"#{1,6} (.+)", line)
        if heading:
            text = heading[1].strip().replace("`", "").lower()
            github.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
            mkdocs.add(re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text).strip()))
    return github & mkdocs


def test_no_link_leaves_the_repository_and_every_link_resolves() -> None:
    problems = []
    for page in PAGES:
        for match in LINK.finditer(prose(page)):
            target = match["target"] or match["ref"]
            where = f"{page.relative_to(ROOT)}: {target}"
            if re.match(r"[a-z][a-z0-9+.-]*:", target):
                problems.append(f"{where}: points outside the repository")
                continue
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                problems.append(f"{where}: no such file in the repository")
            elif page.is_relative_to(ROOT / "docs") and not resolved.is_relative_to(ROOT / "docs"):
                problems.append(f"{where}: the docs site holds docs/ only; name the file in `code` instead")
            elif anchor and resolved.suffix == ".md" and anchor not in slugs(resolved):
                problems.append(f"{where}: no heading #{anchor} (as GitHub and MkDocs both spell it)")
    assert not problems, "\n".join(problems)


def test_nothing_cites_the_contract_outside_the_repository() -> None:
    """docs/hub.md is the Hub contract in the project's words; sources cite it by section name."""
    files = [*PAGES, *(ROOT / "src").rglob("*.py"), ROOT / "mkdocs.yml", ROOT / "pyproject.toml"]
    cited = [
        str(path.relative_to(ROOT))
        for path in files
        if path.exists() and re.search(r"\.\./shared|hub-contract|contract section", path.read_text("utf-8"))
    ]
    assert not cited, f"cite docs/hub.md instead: {cited}"


def test_the_readme_is_short_and_its_contents_reach_every_section() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 300
    contents = text[text.index("**Contents**") : text.index("\n## ")]
    linked = set(re.findall(r"\]\(#([^)]+)\)", contents))
    sections = {s for s in slugs(README)} - {"hubgate"}
    assert sections <= linked, f"sections missing from the contents: {sorted(sections - linked)}"
    pages = {p.name for p in (ROOT / "docs").glob("*.md")} - {"index.md"}
    assert pages <= set(re.findall(r"\(docs/([\w-]+\.md)\)", text)), "the README links every docs page"


def test_the_python_shown_imports() -> None:
    """Names the Python blocks import exist: an API rename breaks this test, not a reader's first try."""
    import ast
    import importlib

    missing = []
    for block in ALL:
        if block.lang != "python":
            continue
        for node in ast.walk(ast.parse(block.body)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "hubgate":
                module = importlib.import_module(node.module or "")
                missing += [
                    f"{block.where}: {node.module}.{a.name}"
                    for a in node.names
                    if not hasattr(module, a.name)
                ]
    assert not missing, missing

"""Python sources, read with `ast`: the calls that load from the Hub, and the values they are given.

Values are followed through string constants, simple assignments anywhere in the file (every value a
name is given counts), `for` loops over lists, tuples and dicts of ids, dict look-ups with constant
keys, `+` and f-strings whose parts are all constants. Anything else is dynamic: reported, never guessed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from hubgate.inputs.refs import RepoType
from hubgate.inputs.scan.ids import PACKAGED_BUILDERS, hub_id, hub_url, revision_name
from hubgate.inputs.scan.model import IGNORE_MARK, Dynamic, Found, Place

# Cheap pre-filter: a file naming none of these has no loading call (most files of a big tree).
TRIGGERS = (
    "from_pretrained", "pipeline", "load_dataset", "hf_hub_download", "snapshot_download", "HfApi",
    "_info", "SentenceTransformer", "CrossEncoder", "create_model", "LLM", "repo_id", "hf_hub",
)  # fmt: skip

# huggingface_hub functions (and HfApi methods) that take a repo id first or as `repo_id=`.
_HUB_FUNCTIONS = frozenset(
    {"hf_hub_download", "snapshot_download", "model_info", "dataset_info", "repo_info", "list_repo_files",
     "list_repo_tree", "list_repo_refs", "list_repo_commits", "file_exists", "repo_exists",
     "get_paths_info", "get_safetensors_metadata", "auth_check", "hf_hub_url", "try_to_load_from_cache",
     "get_hf_file_metadata", "list_repo_likers", "get_repo_discussions"}
)  # fmt: skip
# sentence-transformers prefixes a bare name with `sentence-transformers/`, except the classic
# transformers checkpoints (its `basic_transformer_models` list, whose names start like these).
_LEGACY_TRANSFORMERS = (
    "albert-", "bert-", "camembert-", "ctrl", "distilbert-", "distilgpt2", "distilroberta-", "flaubert",
    "gpt2", "openai-gpt", "roberta-", "t5-", "transfo-xl", "xlm-", "xlnet-",
)  # fmt: skip
# ... of which these download files (`revision=` pins them); the others only ask about the repo.
_DOWNLOADS = frozenset({"hf_hub_download", "snapshot_download", "hf_hub_url"})
_STRING_CALLS = frozenset({"getenv", "get", "input", "str", "format", "join", "strip", "lower", "replace"})
# What following one value may cost. Real code names an id through a few assignments and a handful of
# alternatives; a chain of a thousand assignments, `a = a + a` doubling, or a 10,000-way product of
# conditionals is not worth following: the value is dynamic (reported, not guessed), in bounded time.
MAX_DEPTH = 64  # assignments and expressions followed into one another
MAX_STEPS = 200_000  # expressions looked at for one file (well under a second)
MAX_USE_STEPS = 20_000  # ... and for one call's value, so that one costly value leaves the others known
MAX_VALUES = 1_000  # strings one value may be (a loop over a long list of ids stays known)
MAX_TEXT = 512  # longer strings are not repo ids (96 characters per part at most)
MAX_SHOWN = 200  # characters of a dynamic expression shown


class _Unknown:
    """A value the scan cannot know (a parameter, `args.model`, `os.environ[...]`)."""


class _Object:
    """A value that is not a string (a loaded model passed on): neither an id nor dynamic."""


UNKNOWN, OBJECT = _Unknown(), _Object()
Value = list[str] | _Unknown | _Object


@dataclass
class _Env:
    """Every value each name is given in the file (assignments and loop targets)."""

    nodes: dict[str, list[ast.expr]] = field(default_factory=dict)
    loops: dict[str, list[ast.expr]] = field(default_factory=dict)  # name -> iterables it loops over


def _collect(tree: ast.AST, env: _Env) -> list[ast.Call]:
    """Fills `env` and returns the file's calls: one walk of the tree, which costs more than the parse."""
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            calls.append(node)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    env.nodes.setdefault(target.id, []).append(node.value)
                elif isinstance(target, ast.Tuple | ast.List):  # a, b = "x", "y"
                    for index, element in enumerate(target.elts):
                        if isinstance(element, ast.Name):
                            value = node.value
                            item = (
                                value.elts[index]
                                if isinstance(value, ast.Tuple | ast.List)
                                and len(value.elts) == len(target.elts)
                                else ast.Name(id="<unknown>")
                            )
                            env.nodes.setdefault(element.id, []).append(item)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            env.nodes.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.For | ast.comprehension):
            target, iterable = node.target, node.iter
            if isinstance(target, ast.Name):
                env.loops.setdefault(target.id, []).append(iterable)
            elif isinstance(target, ast.Tuple) and _items_call(iterable):
                # for key, value in D.items()
                names = [e.id if isinstance(e, ast.Name) else "" for e in target.elts]
                if len(names) == 2:
                    base = iterable.func.value  # type: ignore[attr-defined]
                    env.loops.setdefault(names[0], []).append(_method(base, "keys"))
                    env.loops.setdefault(names[1], []).append(_method(base, "values"))
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:  # class constants: Config.MODEL_ID
                targets = statement.targets if isinstance(statement, ast.Assign) else []
                if isinstance(statement, ast.AnnAssign) and statement.value is not None:
                    targets = [statement.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        env.nodes.setdefault(f"{node.name}.{target.id}", []).append(statement.value)  # type: ignore[attr-defined]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
                # A parameter can be given anything; its default is one value among others.
                env.nodes.setdefault(arg.arg, []).append(ast.Name(id="<unknown>"))
    return calls


def _items_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "items"


def _method(base: ast.expr, name: str) -> ast.Call:
    return ast.Call(func=ast.Attribute(value=base, attr=name), args=[], keywords=[])


class _Resolver:
    def __init__(self, env: _Env) -> None:
        self.env = env
        self.active: set[str] = set()
        self.depth = 0
        self.steps = 0
        self.use_steps = 0
        self.cuts = 0  # cycles or bounds cut short: a name resolved while one was cut is not remembered
        self.known: dict[str, Value] = {}  # for the whole file
        self.tentative: dict[str, Value] = {}  # for one call's value, cuts included

    def resolve(self, node: ast.expr) -> Value:
        """The value a loading call is given. Each name is followed once per call (a name reached again
        answers from `tentative`, so `a = a + a` chains are linear) and once per file when no cut
        shaped its value."""
        self.tentative = {}
        self.use_steps = 0
        return self.value(node)

    def _enter(self) -> bool:
        self.steps += 1
        self.use_steps += 1
        self.depth += 1
        return self.depth <= MAX_DEPTH and self.steps <= MAX_STEPS and self.use_steps <= MAX_USE_STEPS

    def value(self, node: ast.expr) -> Value:
        """The strings `node` may be, UNKNOWN, or OBJECT."""
        try:
            if not self._enter():
                self.cuts += 1
                return UNKNOWN
            return _bounded(self._value(node))
        finally:
            self.depth -= 1

    def items(self, node: ast.expr) -> Value:
        """The strings a `for` over `node` yields."""
        try:
            if not self._enter():
                self.cuts += 1
                return UNKNOWN
            return _bounded(self._items(node))
        finally:
            self.depth -= 1

    def _value(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant):
            return [node.value] if isinstance(node.value, str) else OBJECT
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.value(node.left), self.value(node.right)
            if isinstance(left, list) and isinstance(right, list):
                return _product(left, right)
            return UNKNOWN
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            return self._name(dotted) if dotted in self.env.nodes else UNKNOWN
        if isinstance(node, ast.Call):
            name = _callee(node)[1]
            return UNKNOWN if name in _STRING_CALLS else OBJECT
        if isinstance(node, ast.IfExp):
            return self._union([self.value(node.body), self.value(node.orelse)])
        if isinstance(node, ast.BoolOp):
            return self._union([self.value(v) for v in node.values])
        if isinstance(node, ast.Lambda | ast.List | ast.Tuple | ast.Dict | ast.Set | ast.ListComp):
            return OBJECT
        return UNKNOWN

    def _items(self, node: ast.expr) -> Value:
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return self._union([self.value(e) for e in node.elts])
        if isinstance(node, ast.Dict):
            return self._union([self.value(k) for k in node.keys if k is not None])
        if isinstance(node, ast.Name):
            if node.id in self.active or node.id not in self.env.nodes:
                return UNKNOWN
            self.active.add(node.id)
            try:
                return self._union([self.items(v) for v in self.env.nodes[node.id]])
            finally:
                self.active.discard(node.id)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args:
            container = self._container(node.func.value)
            if isinstance(container, ast.Dict):
                if node.func.attr == "keys":
                    return self.items(container)
                if node.func.attr == "values":
                    return self._union([self.value(v) for v in container.values])
        if isinstance(node, ast.Call) and _callee(node)[1] in {"enumerate", "sorted", "reversed", "list"}:
            return self.items(node.args[0]) if node.args else UNKNOWN
        return UNKNOWN

    def _container(self, node: ast.expr) -> ast.expr | None:
        if isinstance(node, ast.Name) and len(self.env.nodes.get(node.id, [])) == 1:
            return self.env.nodes[node.id][0]
        return node

    def _name(self, name: str) -> Value:
        if name in self.known:
            return self.known[name]
        if name in self.tentative:
            return self.tentative[name]
        if name in self.active:
            self.cuts += 1
            return UNKNOWN
        sources = self.env.nodes.get(name, [])
        loops = self.env.loops.get(name, [])
        if not sources and not loops:
            return UNKNOWN
        self.active.add(name)
        cuts = self.cuts
        try:
            found = self._union([self.value(v) for v in sources] + [self.items(i) for i in loops])
        finally:
            self.active.discard(name)
        self.tentative[name] = found
        if self.cuts == cuts:  # the same whatever is being resolved around it
            self.known[name] = found
        return found

    def _fstring(self, node: ast.JoinedStr) -> Value:
        results = [""]
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                pieces = [part.value]
            elif isinstance(part, ast.FormattedValue) and part.format_spec is None and part.conversion == -1:
                found = self.value(part.value)
                if not isinstance(found, list):
                    return UNKNOWN
                pieces = found
            else:
                return UNKNOWN
            joined = _product(results, pieces)
            if not isinstance(joined, list):
                return joined
            results = joined
        return results

    def _subscript(self, node: ast.Subscript) -> Value:
        container = self._container(node.value)
        key = self.value(node.slice)
        if isinstance(container, ast.Dict) and isinstance(key, list) and len(key) == 1:
            for k, v in zip(container.keys, container.values, strict=True):
                if isinstance(k, ast.Constant) and k.value == key[0]:
                    return self.value(v)
        return UNKNOWN

    @staticmethod
    def _union(values: list[Value]) -> Value:
        if any(value is UNKNOWN for value in values):
            return UNKNOWN  # one unknown source makes the name dynamic: never report half of it as sure
        strings = list(dict.fromkeys(s for value in values if isinstance(value, list) for s in value))
        return strings if strings else OBJECT


def _product(left: list[str], right: list[str]) -> Value:
    """`left + right` for every pair, refused (dynamic) before it is built when it would be too many."""
    if len(left) * len(right) > MAX_VALUES:
        return UNKNOWN
    return _bounded([a + b for a in left for b in right if len(a) + len(b) <= MAX_TEXT] or OBJECT)


def _bounded(value: Value) -> Value:
    """Strings too long to be an id are not ids; too many alternatives make the value dynamic."""
    if not isinstance(value, list):
        return value
    if len(value) > MAX_VALUES:
        return UNKNOWN
    kept = [text for text in value if len(text) <= MAX_TEXT]
    return kept if kept or not value else OBJECT


def _shown(node: ast.expr) -> str:
    """The expression as written, cut short: a dynamic value is a hint, not a copy of the file."""
    try:
        text = ast.unparse(node)
    except RecursionError:
        return "<expression nested too deep to show>"
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _callee(call: ast.Call) -> tuple[str, str]:
    """(dotted base, final name) of the called function: `transformers.AutoModel.from_pretrained` ->
    (`transformers.AutoModel`, `from_pretrained`)."""
    func = call.func
    if isinstance(func, ast.Name):
        return "", func.id
    if isinstance(func, ast.Attribute):
        return _dotted(func.value), func.attr
    return "", ""


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        return _dotted(node.func) + "()"
    return ""


def _arg(call: ast.Call, index: int | None, *names: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    if index is not None and len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return None


def _repo_type(call: ast.Call, default: RepoType) -> RepoType | None:
    """`repo_type=` when constant ("dataset", "model"); None for spaces and other kinds."""
    node = _arg(call, None, "repo_type")
    if node is None:
        return default
    if isinstance(node, ast.Constant) and node.value in (None, "model"):
        return "model"
    if isinstance(node, ast.Constant) and node.value == "dataset":
        return "dataset"
    return None


@dataclass(frozen=True)
class _Use:
    node: ast.expr
    repo_type: RepoType
    via: str
    prefix: str = ""  # e.g. sentence-transformers/ for bare SentenceTransformer names
    timm: bool = False
    pin_key: str = ""  # the keyword that pins what this call downloads; empty: it downloads nothing


def _uses(call: ast.Call) -> Iterator[_Use]:
    """The arguments of `call` that name a Hub repo, with the kind and how it is named."""
    base, name = _callee(call)
    last = base.rsplit(".", 1)[-1]
    via = f"{last}.{name}" if last else name
    if name == "from_pretrained":
        if last.startswith("PeftModel") or last in {"PeftMixedModel"}:
            node = _arg(call, 1, "model_id")  # PeftModel.from_pretrained(base_model, adapter_id)
        else:
            node = _arg(call, 0, "pretrained_model_name_or_path", "model_id")
        if node is not None:
            yield _Use(node, "model", via, pin_key="revision")
    elif name == "pipeline" and base in {"", "transformers"}:
        for node in (_arg(call, 1, "model"), _arg(call, None, "tokenizer")):
            if node is not None:
                yield _Use(node, "model", "pipeline", pin_key="revision")
    elif name == "load_dataset" or (name == "load_dataset_builder"):
        node = _arg(call, 0, "path")
        if node is not None:
            yield _Use(node, "dataset", name, pin_key="revision")
    elif name in _HUB_FUNCTIONS and base not in {"self", "cls"}:
        kind: RepoType = "dataset" if name == "dataset_info" else "model"
        resolved = _repo_type(call, kind)
        node = _arg(call, 0, "repo_id")
        if node is not None and resolved is not None:
            yield _Use(node, resolved, via, pin_key="revision" if name in _DOWNLOADS else "")
    elif name in {"SentenceTransformer", "CrossEncoder", "SparseEncoder"}:
        node = _arg(call, 0, "model_name_or_path", "model_name")
        if node is not None:
            prefix = "sentence-transformers/" if name == "SentenceTransformer" else ""
            yield _Use(node, "model", name, prefix=prefix, pin_key="revision")
    elif name == "create_model" and last in {"", "timm"}:
        node = _arg(call, 0, "model_name")
        if node is not None:
            yield _Use(node, "model", via, timm=True)
    elif name == "LLM" and last in {"", "vllm"}:
        for node, key in (
            (_arg(call, 0, "model"), "revision"),
            (_arg(call, None, "tokenizer"), "tokenizer_revision"),
        ):
            if node is not None:
                yield _Use(node, "model", via, pin_key=key)


def _pin(call: ast.Call, key: str) -> tuple[str | None, str]:
    """(the revision a call pins, as a constant; the keyword that would pin it, when it pins nothing).
    A revision that is not a constant (a variable, `**kwargs`) pins, to a value the scan cannot know."""
    if not key:
        return None, ""
    node = _arg(call, None, key)
    if node is None:
        if any(keyword.arg is None for keyword in call.keywords):
            return None, ""  # `**kwargs` may carry it
        return None, key
    if isinstance(node, ast.Constant):
        if node.value is None:
            return None, key  # revision=None: the default branch, as if not given
        if isinstance(node.value, str):
            return revision_name(node.value), ""
    return None, ""


def _marked(lines: list[str]) -> frozenset[int]:
    """The 1-based lines holding `# hubgate: ignore`, found once rather than once per call."""
    return frozenset(n for n, line in enumerate(lines, start=1) if IGNORE_MARK in line)


def _resolve_id(value: str, use: _Use) -> tuple[RepoType, str] | None:
    if use.timm:
        for prefix in ("hf-hub:", "hf_hub:"):
            if value.startswith(prefix):
                found = hub_id(value[len(prefix) :].split("@", 1)[0], legacy=False)
                return (use.repo_type, found) if found else None
        return None  # timm's own names (resnet50) are not Hub ids
    url = hub_url(value)
    if url is not None:
        return url  # type: ignore[return-value]
    if use.repo_type == "dataset" and value in PACKAGED_BUILDERS:
        return None
    found = hub_id(value, legacy=True)  # in a loading call a single name (`gpt2`) is a Hub id
    if found is None:
        return None
    if use.prefix and "/" not in found and not found.lower().startswith(_LEGACY_TRANSFORMERS):
        found = use.prefix + found
    return use.repo_type, found


def scan_tree(
    tree: ast.AST, source_lines: list[str], file: str, *, cell_of: dict[int, tuple[int, int]] | None = None
) -> tuple[list[Found], list[Dynamic]]:
    """Every reference in a parsed module. `cell_of` maps a line of a joined notebook to (cell, line)."""
    env = _Env()
    calls = _collect(tree, env)
    resolver = _Resolver(env)
    ignored = _marked(source_lines)
    found: list[Found] = []
    dynamic: list[Dynamic] = []

    def place(node: ast.expr, via: str, revision: str | None = None, pin_with: str = "") -> Place:
        line, column = node.lineno, node.col_offset + 1
        if cell_of is not None:
            cell, cell_line = cell_of[line]
            return Place(file, cell_line, column, via, cell, revision=revision, pin_with=pin_with)
        return Place(file, line, column, via, revision=revision, pin_with=pin_with)

    for call in calls:
        for use in _uses(call):
            if call.lineno in ignored or use.node.lineno in ignored:
                continue
            value = resolver.resolve(use.node)
            if isinstance(value, _Unknown):
                dynamic.append(Dynamic(place(use.node, use.via), _shown(use.node)))
                continue
            if isinstance(value, _Object):
                continue
            revision, pin_with = _pin(call, use.pin_key)
            for text in value:
                resolved = _resolve_id(text, use)
                if resolved is not None:
                    where = place(use.node, use.via, revision, pin_with)
                    found.append(Found(resolved[1], resolved[0], where))
    return found, dynamic


def scan_python(text: str, file: str) -> tuple[list[Found], list[Dynamic], str | None]:
    """(found, dynamic, problem): a file that does not parse is a problem line, never a crash."""
    if not any(trigger in text for trigger in TRIGGERS):
        return [], [], None
    try:
        tree = ast.parse(text, filename=file)  # RecursionError (a 50,000-term `+`) is the caller's note
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return (
            [],
            [],
            f"{file}{f':{line}' if line else ''}: not valid Python, skipped ({getattr(exc, 'msg', exc)})",
        )
    found, dynamic = scan_tree(tree, text.splitlines(), file)
    return found, dynamic, None

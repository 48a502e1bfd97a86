"""A build's code: the built-in templates, and the checks LLM-written code must pass before it runs.

The checks (``validate_files``): the three files are there; ``requirements.txt`` is plain ``name[extras]
<spec>`` lines whose names are on ``ALLOWED_PACKAGES`` (no options, URLs, paths or includes, which could
pull code from anywhere); ``train.py`` and ``app.py`` parse as Python; ``train.py`` writes ``model.joblib``;
``app.py`` names the ``/health``, ``/predict`` and ``/info`` routes and reads ``PORT``. The checks look at
string literals in the syntax tree, so a route named only in a comment does not count.
"""

from __future__ import annotations

import ast
import re
from importlib.resources import files

from modal_app.contract import BuildFiles, BuildTask
from modal_app.pyparse import parse

ALLOWED_PACKAGES = frozenset(
    {
        "scikit-learn", "joblib", "numpy", "pandas", "scipy", "threadpoolctl", "fastapi", "uvicorn",
        "pydantic", "starlette", "flask", "xgboost", "lightgbm", "statsmodels", "category-encoders",
        "imbalanced-learn", "nltk", "python-multipart",
    }
)  # fmt: skip
_REQUIREMENT = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9_,\s-]*\])?"
    r"\s*((===|==|!=|<=|>=|~=|<|>)\s*[A-Za-z0-9.*+!_-]+\s*(,\s*(===|==|!=|<=|>=|~=|<|>)\s*[A-Za-z0-9.*+!_-]+\s*)*)?$"
)
TEMPLATE_REQUIREMENTS = "scikit-learn\njoblib\n"
_TRAIN_TEMPLATE = {
    BuildTask.TABULAR_CLASSIFICATION: "tabular_train.py",
    BuildTask.TABULAR_REGRESSION: "tabular_train.py",
    BuildTask.TEXT_CLASSIFICATION: "text_train.py",
}


class CodeRejected(ValueError):
    """Generated code failed a check; ``field`` names the file (``files.train_py`` …), the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def template_files(task: BuildTask) -> BuildFiles:
    """The built-in template's three files for ``task``."""
    folder = files("modal_app.builder.template_files")
    return BuildFiles(
        requirements_txt=TEMPLATE_REQUIREMENTS,
        train_py=(folder / _TRAIN_TEMPLATE[task]).read_text(encoding="utf-8"),
        app_py=(folder / "serve_app.py").read_text(encoding="utf-8"),
    )


def normalize(name: str) -> str:
    """A package name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirements(text: str) -> list[str]:
    """The package names of a requirements file; raises ``CodeRejected`` for a line that is not a plain one."""
    names = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        match = _REQUIREMENT.match(line)
        if match is None:
            raise CodeRejected(
                "files.requirements_txt", f"requirements.txt line {number} is not a plain requirement: {line[:80]!r}"
            )
        names.append(normalize(match["name"]))
    return names


def _strings(tree: ast.AST) -> set[str]:
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def _parse(source: str, field: str, name: str) -> ast.Module:
    try:
        return parse(source, name)
    except SyntaxError as error:
        raise CodeRejected(field, f"{name} is not valid Python (line {error.lineno}: {error.msg})") from error


def validate_files(code: BuildFiles) -> None:
    """Check LLM-written code as the module docstring says; raises ``CodeRejected``."""
    names = parse_requirements(code.requirements_txt)
    if not names:
        raise CodeRejected("files.requirements_txt", "requirements.txt lists no packages")
    refused = sorted({name for name in names if name not in ALLOWED_PACKAGES})
    if refused:
        raise CodeRejected(
            "files.requirements_txt",
            f"requirements.txt asks for packages not on the allow-list: {', '.join(refused)}",
        )
    train = _strings(_parse(code.train_py, "files.train_py", "train.py"))
    if not any("model.joblib" in text for text in train):
        raise CodeRejected("files.train_py", "train.py must write the model to model.joblib")
    app = _strings(_parse(code.app_py, "files.app_py", "app.py"))
    missing = [route for route in ("/health", "/predict", "/info") if route not in app]
    if missing:
        raise CodeRejected("files.app_py", f"app.py does not serve {', '.join(missing)}")
    if "PORT" not in app:
        raise CodeRejected("files.app_py", "app.py must listen on the port given in the PORT environment variable")


def as_files(code: BuildFiles) -> dict[str, str]:
    """The files as written into the sandbox."""
    return {"requirements.txt": code.requirements_txt, "train.py": code.train_py, "app.py": code.app_py}

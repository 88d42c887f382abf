"""Agencies meet only on the bus: no service imports another, and shared imports none."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists())
PURE = {"domain.py"}
FORBIDDEN_IN_DOMAIN = ("sqlalchemy", "nameko", "marshmallow", "kombu", "pika", "amqp", "requests")


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                parts = path.relative_to(ROOT).with_suffix("").parts[: -node.level]
                names.append(".".join([*parts, node.module] if node.module else parts))
            else:
                names.append(node.module or "")
    return names


def py_files(folder: Path):
    return [p for p in folder.rglob("*.py") if "__pycache__" not in p.parts]


def test_no_service_imports_another_service():
    broken = []
    for agency in SERVICES:
        for path in py_files(ROOT / "services" / agency):
            for name in imports(path):
                parts = name.split(".")
                if parts[0] == "services" and len(parts) > 1 and parts[1] != agency:
                    broken.append(f"{path.relative_to(ROOT)} imports {name}")
    assert broken == []


def test_shared_never_imports_a_service():
    broken = [f"{p.relative_to(ROOT)} imports {n}" for p in py_files(ROOT / "shared") for n in imports(p)
              if n.split(".")[0] == "services"]
    assert broken == []


def test_domain_modules_do_no_io():
    broken = []
    for agency in SERVICES:
        folder = ROOT / "services" / agency
        for path in [*folder.glob("domain.py"), *folder.glob("domain/*.py")]:
            for name in imports(path):
                if name.split(".")[0] in FORBIDDEN_IN_DOMAIN:
                    broken.append(f"{path.relative_to(ROOT)} imports {name}")
    assert broken == []


def test_the_check_catches_a_cross_service_import(tmp_path):
    """The walker itself must see a violation, or the tests above prove nothing."""
    probe = tmp_path / "probe.py"
    probe.write_text("from services.finance import domain\nimport services.tax.models\n")
    assert imports(probe) == ["services.finance", "services.tax.models"]

"""An import-linter contract type for submodules of an external package (``lint-imports`` reads it from
``pyproject.toml``).

import-linter keeps an external package as one node (``PySide6``), so its own ``forbidden`` contract can
forbid PySide6 as a whole but not ``PySide6.QtWidgets`` while allowing ``PySide6.QtCore``. This contract
reads the import statements grimp recorded for each import of the external package instead.
"""

from __future__ import annotations

import re
from typing import cast

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class ForbiddenExternalSubmodulesContract(Contract):
    """Modules under ``source_modules`` never import any of ``forbidden_modules`` (e.g. ``PySide6.QtGui``),
    written as ``import P.Sub``, ``from P.Sub import x`` or ``from P import Sub``. Direct imports only: an
    indirect path runs through another first-party module, which the layers contract covers."""

    type_name = "forbidden external submodules"

    source_modules = fields.ListField(subfield=fields.StringField())
    forbidden_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        violations: list[dict[str, object]] = []
        for forbidden in cast(list[str], self.forbidden_modules):
            package, _, submodule = forbidden.partition(".")
            if not submodule:
                raise ValueError(f"{forbidden!r}: name a submodule; a whole package needs the forbidden contract")
            pattern = re.compile(
                rf"^\s*(?:import\s+{re.escape(forbidden)}\b|from\s+{re.escape(forbidden)}\b"
                rf"|from\s+{re.escape(package)}\s+import\s+.*\b{re.escape(submodule)}\b)"
            )
            if package not in graph.modules:
                continue
            for source in cast(list[str], self.source_modules):
                importers = {source} | graph.find_descendants(source)
                for importer in sorted(importers & graph.find_modules_that_directly_import(package)):
                    for detail in graph.get_import_details(importer=importer, imported=package):
                        if pattern.search(str(detail["line_contents"])):
                            violations.append({"forbidden": forbidden, **detail})
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for violation in check.metadata["violations"]:
            output.print_error(
                f"{violation['importer']}:{violation['line_number']} imports {violation['forbidden']}: "
                f"{violation['line_contents']}"
            )
            output.new_line()

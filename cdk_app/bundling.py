"""Bundle the Lambda code without Docker: pip installs manylinux wheels for Lambda's Python."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import aws_cdk as cdk
import jsii

from cdk_app.constants import FUNCTION_PACKAGES, LAMBDA_PLATFORM, PYTHON_VERSION


@jsii.implements(cdk.ILocalBundling)
class PipLocalBundling:
    def __init__(self, source_dir: Path, requirements: Path, *, python_version: str = PYTHON_VERSION,
                 platform: str = LAMBDA_PLATFORM, run: Callable[..., Any] = subprocess.run):
        self.source_dir = source_dir
        self.requirements = requirements
        self.python_version = python_version
        self.platform = platform
        self._run = run

    def pip_command(self, output_dir: str) -> list[str]:
        return [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--platform", self.platform, "--implementation", "cp", "--python-version", self.python_version,
            "--only-binary=:all:", "--no-compile", "--target", output_dir, "-r", str(self.requirements),
        ]

    def try_bundle(self, output_dir: str, *args: Any, **kwargs: Any) -> bool:  # options arrive positionally
        result = self._run(self.pip_command(output_dir), capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"bundling the Lambda dependencies failed (pip exit {result.returncode}): {result.stderr[-2000:]}")
        for package in FUNCTION_PACKAGES:
            shutil.copytree(self.source_dir / package, Path(output_dir) / package, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        return True

"""Builds the ochredb package: the pure-Python sources from bindings/python plus the _ochredb
extension, which CMake builds from this repository (target _ochredb, over the ochre library).

Metadata is in pyproject.toml. Environment knobs: OCHRE_BUILD_JOBS (parallel jobs, default: all
cores), CMAKE_BUILD_TYPE (default Release), OCHRE_CMAKE_ARGS (extra arguments for the configure step).
"""

import glob
import os
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    """Configures a private CMake build with only the Python module enabled and copies the module
    where setuptools expects the extension."""

    def build_extension(self, ext: Extension) -> None:
        build_dir = os.path.abspath(os.path.join(self.build_temp, "cmake"))
        os.makedirs(build_dir, exist_ok=True)
        configure = [
            "cmake",
            "-S",
            ROOT,
            "-B",
            build_dir,
            f"-DCMAKE_BUILD_TYPE={os.environ.get('CMAKE_BUILD_TYPE', 'Release')}",
            "-DOCHRE_BUILD_PYTHON=ON",
            "-DOCHRE_BUILD_TESTS=OFF",
            "-DOCHRE_BUILD_BENCHMARKS=OFF",
            "-DOCHRE_BUILD_EXAMPLES=OFF",
            "-DOCHRE_BUILD_SERVER=OFF",
            # The interpreter running pip is the one the module is for.
            f"-DPYTHON_EXECUTABLE={sys.executable}",
            f"-DPython_EXECUTABLE={sys.executable}",
        ]
        if shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        configure += shlex.split(os.environ.get("OCHRE_CMAKE_ARGS", ""))
        jobs = os.environ.get("OCHRE_BUILD_JOBS", str(os.cpu_count() or 1))
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", build_dir, "--target", "_ochredb", "-j", jobs], check=True)
        built = glob.glob(os.path.join(build_dir, "python", "ochredb", "_ochredb*.so"))
        if not built:
            raise RuntimeError("CMake did not produce the _ochredb module (is pybind11-dev installed?)")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built[0], target)


setup(
    ext_modules=[CMakeExtension("ochredb._ochredb")],
    cmdclass={"build_ext": CMakeBuild},
    # Not build/: that is the Makefile's CMake build directory.
    options={"build": {"build_base": "build-pip"}},
)

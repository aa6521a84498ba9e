"""Shared helpers for the Python examples: import ochredb from the build tree when it is not
installed, and record checks so that each script exits non-zero when one fails."""

import glob
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def import_ochredb():
    try:
        import ochredb  # noqa: F401
    except ImportError:
        for build in (os.environ.get("OCHREDB_BUILD_DIR", ""), "build", "build-python"):
            d = os.path.join(ROOT, build, "python") if build else ""
            if d and glob.glob(os.path.join(d, "ochredb", "_ochredb*.so")):
                sys.path.insert(0, d)
                break
    import ochredb

    return ochredb


class Checks:
    """Prints PASS/FAIL lines and counts failures."""

    def __init__(self) -> None:
        self.failures = 0

    def check(self, ok: bool, what: str) -> bool:
        print(f"  [{'PASS' if ok else 'FAIL'}] {what}")
        if not ok:
            self.failures += 1
        return ok

    def exit_code(self) -> int:
        return 1 if self.failures else 0


def child_env() -> dict:
    """The environment for a child Python that must import the same ochredb."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env

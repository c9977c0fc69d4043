"""Files a failed step must not leave behind."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def removed_on_failure(*paths: Path) -> Iterator[None]:
    """Run the block; if it raises (an interrupt too), remove those of ``paths`` that did not
    exist when it began (a folder with all it holds), so a failed step leaves nothing
    half-written. Paths that existed before are never touched."""
    made = [path for path in paths if not path.exists()]
    try:
        yield
    except BaseException:
        for path in made:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise

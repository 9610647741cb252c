"""The files of a training run folder, written so that a crash never leaves half of one.

Every file goes through ``serialization.atomic_path``, as checkpoints do: a temporary name in
the same folder (``.tmp-*``), flushed and fsynced, given the permissions a new file normally
gets (``0o666`` minus the umask: ``mkstemp`` would leave 0600) and then renamed over its
target. A SIGKILL at any moment leaves either the old
file or the new one, plus at most a ``.tmp-*`` file, which the next ``train`` in the folder
removes. A lock (``.lock``, held while training) keeps two runs from sharing a folder, so
that removal never touches a live run's file.
"""

from __future__ import annotations

import contextlib
import json
import os

from ..serialization import TMP_PREFIX, atomic_path, file_mode

LOCK = ".lock"


class RunFolderError(ValueError):
    """A run folder, or a file in it, that training or evaluation cannot use."""


@contextlib.contextmanager
def atomic_open(path, mode="w"):
    """``with atomic_open(p) as f: f.write(...)``: ``p`` appears complete or not at all."""
    with atomic_path(path, suffix="-" + os.path.basename(path)) as tmp, \
            open(tmp, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        yield f


def write_json(path, obj):
    with atomic_open(path) as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def read_json(path, who):
    """The JSON object in ``path``; a RunFolderError naming the file when it is not one."""
    try:
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as e:
        raise RunFolderError(f"{who}: cannot read {path}: {e}") from None
    except json.JSONDecodeError as e:
        what = "is empty" if not e.doc.strip() else f"is not valid JSON ({e})"
        raise RunFolderError(f"{who}: {path} {what}; the run folder is damaged") from None
    if not isinstance(obj, dict):
        raise RunFolderError(f"{who}: {path} should hold a JSON object, found "
                             f"{type(obj).__name__}")
    return obj


def remove_stale_temp_files(folder):
    """Delete the ``.tmp-*`` files a killed save left in ``folder``; return their names."""
    removed = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith(TMP_PREFIX) and os.path.isfile(path) and not os.path.islink(path):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
                removed.append(name)
    return removed


@contextlib.contextmanager
def locked(folder, who):
    """Hold ``folder/.lock`` for the duration; a second run in the folder is refused."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): run unlocked
        yield
        return
    fd = os.open(os.path.join(folder, LOCK), os.O_RDWR | os.O_CREAT, file_mode())
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RunFolderError(f"{who}: {folder} is in use by another training run (it "
                                 f"holds {os.path.join(folder, LOCK)}); wait for it to end or "
                                 "choose another --out") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock; a killed process releases it too

"""The kernel cache under damage, concurrency, interruption and a read-only directory.

Each test runs on a private cache directory (and, where the per-user fallback is
involved, a private temporary directory).  A cached kernel is trusted only when
its text hashes to its name and to the hash its reference records; anything else
is generated again.  Processes are real subprocesses.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from codegen_cases import lambdified, sample, spec
from common import INTERRUPTIBLE

from exactflow.codegen.artefacts import Artefacts, store
from exactflow.codegen.cache import (
    fallback_dir,
    read_verified,
    source_hash,
    write_atomic,
    write_text_atomic,
)
from exactflow.codegen.targets import load_cached

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def _env(cache: Path, tmp: Path | None = None) -> dict:
    env = dict(os.environ, EXACTFLOW_CACHE_DIR=str(cache),
               PYTHONPATH=os.pathsep.join([str(ROOT), str(HERE)]))
    if tmp is not None:
        env["TMPDIR"] = str(tmp)
    return env


def _check_clean(directory: Path) -> list[Path]:
    """Every stored text verifies, every reference parses; no temporary files."""
    texts = []
    for p in directory.rglob("*"):
        if p.is_dir() or "__pycache__" in p.parts:
            continue
        assert not p.name.endswith(".tmp"), f"temporary file left: {p}"
        if p.parent.name == "index":
            json.loads(p.read_text(encoding="utf-8"))
        else:
            assert read_verified(p) is not None, f"partial or damaged file: {p}"
            texts.append(p)
    return texts


# ------------------------------------------------------------- content and name


def test_read_verified_refuses_a_file_whose_text_is_not_its_name(tmp_path):
    text = "x = 1\n"
    path = write_atomic(tmp_path, text, ".py")
    assert read_verified(path) == text
    assert read_verified(path, source_hash(text)) == text
    assert read_verified(path, "0" * 64) is None
    path.write_text("x = 2\n", encoding="utf-8")  # edited: same name, other text
    assert read_verified(path) is None
    path.write_text(text[:3], encoding="utf-8")  # truncated
    assert read_verified(path) is None
    assert read_verified(tmp_path / "missing.py") is None


def test_write_atomic_replaces_a_damaged_file(tmp_path):
    text = "y = 3\n"
    path = write_atomic(tmp_path, text, ".py")
    path.write_text("garbage", encoding="utf-8")
    assert write_atomic(tmp_path, text, ".py") == path
    assert path.read_text(encoding="utf-8") == text


def test_a_tampered_cached_kernel_is_regenerated_never_loaded(cache_dir):
    s = spec("plain", name="tamper_probe")
    built = []

    def make():
        built.append(1)
        return s

    key = "test-tamper-probe"
    f = load_cached("numpy", Artefacts(key), make)
    entry = Artefacts(key).lookup("module")
    assert entry is not None and len(built) == 1
    # an edit that keeps the file valid Python (and its name): never loaded
    bad = entry.text.replace("numpy.sqrt(", "numpy.exp(")
    assert bad != entry.text
    entry.path.write_text(bad, encoding="utf-8")
    assert Artefacts(key).lookup("module") is None
    g = load_cached("numpy", Artefacts(key), make)
    assert len(built) == 2  # generated again
    assert entry.path.read_text(encoding="utf-8") == entry.text  # and repaired
    args = sample(50)
    want = lambdified("plain")(*args)
    for got in (f(*args), g(*args)):
        np.testing.assert_allclose(got[0], want[0], rtol=1e-14)


@pytest.mark.parametrize("damage", ["not json", '{"format": 1}', "truncated",
                                    "wrong sha", "bad info"])
def test_a_damaged_reference_is_a_miss(cache_dir, damage):
    s = spec("plain", name=f"ref_probe_{abs(hash(damage)) % 1000}")
    key = f"test-ref-probe-{damage}"
    load_cached("numpy", Artefacts(key), lambda: s)
    ref = next(p for p in (cache_dir / "index").iterdir()
               if json.loads(p.read_text(encoding="utf-8")).get("key") == key)
    data = json.loads(ref.read_text(encoding="utf-8"))
    if damage == "not json":
        ref.write_text("{", encoding="utf-8")
    elif damage == "truncated":
        ref.write_text(ref.read_text(encoding="utf-8")[:40], encoding="utf-8")
    elif damage == "wrong sha":
        data["sha256"] = source_hash("something else")
        ref.write_text(json.dumps(data), encoding="utf-8")
    elif damage == "bad info":
        data["meta"]["info"] = {"name": "exact"}
        ref.write_text(json.dumps(data), encoding="utf-8")
    else:
        ref.write_text(damage, encoding="utf-8")
    built = []
    f = load_cached("numpy", Artefacts(key), lambda: built.append(1) or s)
    assert built == [1]
    np.testing.assert_allclose(f(*sample(5))[0], lambdified("plain")(*sample(5))[0],
                               rtol=1e-14)


# ------------------------------------------------------------------------ numba


_NUMBA_RUN = (
    "import sys, numpy as np\n"
    "from codegen_cases import spec, sample, lambdified\n"
    "from exactflow.codegen.artefacts import Artefacts\n"
    "from exactflow.codegen.targets import load_cached\n"
    "f = load_cached('numba', Artefacts('numba-probe'), lambda: spec('plain', "
    "name='numba_probe'))\n"
    "args = sample(64)\n"
    "for g, r in zip(f(*args), lambdified('plain')(*args)):\n"
    "    assert np.allclose(g, r, rtol=1e-13, atol=0), (g, r)\n"
    "print('ok', f.module.__file__)\n"
)


def test_a_damaged_numba_module_or_numba_cache_is_rebuilt(tmp_path):
    pytest.importorskip("numba")
    cache = tmp_path / "cache"

    def run():
        return subprocess.run([sys.executable, "-c", _NUMBA_RUN], env=_env(cache),
                              capture_output=True, text=True, timeout=300)

    first = run()
    assert first.returncode == 0, first.stderr
    module = Path(first.stdout.split()[1])
    compiled = [p for p in (module.parent / "__pycache__").iterdir()
                if p.name.startswith(module.stem + ".")]
    assert {p.suffix for p in compiled} == {".nbi", ".nbc"}
    for p in compiled:  # Numba's own cache files damaged
        p.write_bytes(b"garbage")
    second = run()
    assert second.returncode == 0, second.stderr
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace("math.sqrt(", "math.exp("), encoding="utf-8")
    third = run()  # the cached module edited: rewritten, then imported
    assert third.returncode == 0, third.stderr
    assert module.read_text(encoding="utf-8") == text
    _check_clean(cache)


# -------------------------------------------------------- read-only, fallback


def test_fallback_dir_is_private(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert fallback_dir(create=False) is None
    path = fallback_dir()
    assert path.parent == tmp_path and path.stat().st_mode & 0o777 == 0o700
    if hasattr(os, "getuid"):
        path.chmod(0o777)
        with pytest.raises(OSError, match="not a private directory"):
            fallback_dir()


def test_unwritable_cache_warns_and_uses_one_private_directory(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("EXACTFLOW_CACHE_DIR", str(blocker / "sub"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    with pytest.warns(RuntimeWarning, match="cannot write to the kernel cache"):
        path = store("x = 1\n")
    assert path.parent == fallback_dir(create=False)
    assert read_verified(path) == "x = 1\n"


def test_read_only_cache_leaves_no_folder_per_process(tmp_path):
    """Processes whose cache directory cannot be written share one private
    fallback directory under TMPDIR, and the kernels there are found again."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    code = ("import warnings; warnings.simplefilter('ignore')\n" + _NUMBA_RUN
            if _has_numba() else
            "import warnings; warnings.simplefilter('ignore')\n"
            + _NUMBA_RUN.replace("'numba'", "'numpy'").replace(
                "print('ok', f.module.__file__)", "print('ok', '-')"))
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", code],
                             env=_env(blocker / "cache", tmp), capture_output=True,
                             text=True, timeout=300)
        assert out.returncode == 0, out.stderr
    uid = os.getuid() if hasattr(os, "getuid") else 0
    assert sorted(p.name for p in tmp.iterdir()) == [f"exactflow-{uid}"]
    stored = _check_clean(tmp / f"exactflow-{uid}")
    assert stored  # the kernel went to the fallback, once


def _has_numba() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------ concurrency


def test_four_processes_fill_one_empty_cache(tmp_path):
    cache = tmp_path / "cache"
    target = "numba" if _has_numba() else "numpy"
    code = _NUMBA_RUN.replace("'numba'", repr(target)).replace(
        "print('ok', f.module.__file__)", "print('ok')")
    procs = [subprocess.Popen([sys.executable, "-c", code], env=_env(cache),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    results = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert out.strip() == "ok"
    stored = _check_clean(cache)
    assert len([p for p in stored if p.suffix == ".py"]) == 1
    assert len(list((cache / "index").iterdir())) == 1


# ----------------------------------------------------------------- interruption


@pytest.mark.parametrize("where", ["fsync", "chmod", "replace"])
def test_interrupted_write_leaves_no_file(tmp_path, monkeypatch, where):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, where, interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(tmp_path / "kernel.py", "x = 1\n" * 1000)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_interrupted_generation_leaves_no_partial_file(tmp_path):
    """SIGINT at several moments while a process generates kernels: whatever
    it left in the cache is whole (each text hashes to its name).  The process
    says 'start' once its first kernel is stored, so that there is a file to
    check however slow the machine (a fixed delay from its start interrupted
    it before any on a slow one)."""
    cache = tmp_path / "cache"
    code = ("import itertools\n"
            "from codegen_cases import spec\n"
            "from exactflow.codegen.artefacts import Artefacts\n"
            "from exactflow.codegen.targets import load_cached\n"
            "load_cached('numpy', Artefacts('interrupt-first'),\n"
            "            lambda: spec('mixed', name='first'))\n"
            "print('start', flush=True)\n"
            "for i in itertools.count():\n"
            "    load_cached('numpy', Artefacts(f'interrupt-{i}'),\n"
            "                lambda: spec('mixed', name=f'k{i % 50}'))\n")
    for delay in (0.05, 0.2, 0.5):
        proc = subprocess.Popen([sys.executable, "-c", INTERRUPTIBLE + code],
                                env=_env(cache), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "start"
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        for _ in range(24):
            try:
                _, err = proc.communicate(timeout=5)
                break
            except subprocess.TimeoutExpired:
                # a KeyboardInterrupt raised inside a destructor is ignored by
                # Python ("Exception ignored in …"): interrupt again
                proc.send_signal(signal.SIGINT)
        else:
            proc.kill()
            _, err = proc.communicate()
        assert proc.returncode != 0 and "KeyboardInterrupt" in err
    assert _check_clean(cache)

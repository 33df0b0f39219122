"""Atomic, content-addressed artefacts; loading with linecache registration."""

from __future__ import annotations

import hashlib
import inspect
import linecache
import os
import sys
import threading
from pathlib import Path

import pytest
import sympy as sp
from codegen_cases import spec

from exactflow.codegen import (
    KernelSpec,
    cache_dir,
    emit,
    filename,
    load,
    load_source,
    write_atomic,
)
from exactflow.codegen.cache import write_text_atomic
from exactflow.codegen.loading import store


def test_write_atomic_names_the_file_by_its_hash(tmp_path):
    text = "# some source\nx = 1\n"
    path = write_atomic(tmp_path / "cache", text, ".py")
    assert path.name == hashlib.sha256(text.encode()).hexdigest()[:20] + ".py"
    assert path.read_text(encoding="utf-8") == text
    stamp = path.stat().st_mtime_ns
    assert write_atomic(tmp_path / "cache", text, ".py") == path
    assert path.stat().st_mtime_ns == stamp  # present already: not rewritten
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp


def test_concurrent_writers_never_leave_a_partial_file(tmp_path):
    target = tmp_path / "kernel.py"
    texts = [f"# writer {i}\n" + "x = 1\n" * 20000 for i in range(8)]
    seen: list[str] = []

    def read_while_writing():
        for _ in range(200):
            if target.exists():
                seen.append(target.read_text(encoding="utf-8"))

    threads = [threading.Thread(target=write_text_atomic, args=(target, s))
               for s in texts] + [threading.Thread(target=read_while_writing)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert target.read_text(encoding="utf-8") in texts
    assert all(s in texts for s in seen)
    assert [p.name for p in tmp_path.iterdir()] == ["kernel.py"]


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("EXACTFLOW_CACHE_DIR", str(tmp_path / "here"))
    assert cache_dir() == tmp_path / "here"
    monkeypatch.delenv("EXACTFLOW_CACHE_DIR")
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert cache_dir() == tmp_path / "xdg" / "exactflow"
        monkeypatch.delenv("XDG_CACHE_HOME")
        assert cache_dir() == Path.home() / ".cache" / "exactflow"


def test_load_stores_the_source_in_the_cache(cache_dir):
    load(spec("plain"))
    source = emit(spec("plain"))
    path = cache_dir / (hashlib.sha256(source.encode()).hexdigest()[:20] + ".py")
    assert path.read_text(encoding="utf-8") == source
    assert store(source) == path


def test_load_source_registers_linecache_and_fresh_namespace():
    source = "def f(a):\n    return 1 / a\n"
    f = load_source(source, "<exactflow:test:f:numpy:float64>", "f")
    assert linecache.getlines("<exactflow:test:f:numpy:float64>") == source.splitlines(
        True)
    with pytest.raises(ZeroDivisionError):
        f(0)
    g = load_source(source, "<exactflow:test:g:numpy:float64>", "f")
    assert g is not f and g.__globals__ is not f.__globals__


def test_codegen_keeps_no_memo_the_glue_does():
    # exactflow._build holds the one memo (keyed by names); codegen.load
    # generates and loads what it is given
    assert load(spec("plain")) is not load(spec("plain"))


def test_same_names_different_kernels_keep_their_own_lines():
    x = sp.Symbol("x", real=True)
    first = KernelSpec("twin", "codegen_tests", (x,), (("r", x + 1),))
    second = KernelSpec("twin", "codegen_tests", (x,), (("r", x - 1),))
    f, g = load(first), load(second)
    assert f is not g and f(1.0)[0] == 2.0 and g(1.0)[0] == 0.0
    assert "numpy.add" in inspect.getsource(f)
    assert "numpy.subtract" in inspect.getsource(g)
    assert f.__code__.co_filename == filename(first, "numpy")
    assert g.__code__.co_filename.startswith(filename(first, "numpy")[:-1] + ":")


def test_cache_file_permissions_are_readable(tmp_path):
    path = write_atomic(tmp_path, "x = 2\n", ".py")
    if os.name == "posix":
        assert path.stat().st_mode & 0o444 == 0o444

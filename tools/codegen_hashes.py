"""Print the SHA-256 of every generated kernel source, as JSON.

Used while restructuring the package: the generated text of every catalog
entry x kernel x target x dtype must not change unless a commit says why.

    python tools/codegen_hashes.py > before.json
    ... move code ...
    python tools/codegen_hashes.py | diff before.json -
"""

from __future__ import annotations

import hashlib
import json
import sys

import exactflow
from exactflow.codegen.targets import TARGETS

DTYPES = ("float64", "float32")


def main(argv: list[str]) -> int:
    kernels = argv[1].split(",") if len(argv) > 1 else None
    out = {}
    for name in exactflow.catalog():
        d = exactflow.derivation(name)
        roles = kernels or [k.name for k in d.kernels()]
        for kernel in roles:
            for target in TARGETS:
                for dtype in DTYPES:
                    try:
                        source = d.kernel_source(target, kernel, dtype)
                    except Exception as exc:  # a kernel a target cannot print
                        digest = f"error: {type(exc).__name__}"
                    else:
                        digest = hashlib.sha256(source.encode()).hexdigest()
                    out[f"{name}/{kernel}/{target}/{dtype}"] = digest
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

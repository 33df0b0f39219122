"""What a loaded kernel knows about itself: names and dtype, without SymPy.

A :class:`~exactflow.codegen.spec.KernelSpec` holds SymPy expressions; loading a
kernel whose source is already in the cache needs only its :class:`KernelInfo`
(the names of its arguments and outputs, its dtype), which is stored beside the
source as JSON.  Importing this module loads no SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DTYPES", "KernelInfo"]

#: The floating types every target prints.
DTYPES = ("float64", "float32")


def _names(what: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(v, str) and v.isidentifier() for v in value):
        raise ValueError(f"{what} must be a list of identifiers, got {value!r}")
    return tuple(value)


@dataclass(frozen=True)
class KernelInfo:
    """The names and dtype of a generated kernel.

    Attributes
    ----------
    name : str
        Kernel role (``"exact"``, ``"rhs"``, ...), the generated function's name.
    derivation : str
        The derivation it belongs to.
    dtype : {"float64", "float32"}
    input_names, output_names : tuple of str
        Arguments and outputs, in order.

    Examples
    --------
    >>> info = KernelInfo("exact", "demo", "float64", ("t", "x"), ("y",))
    >>> KernelInfo.from_json(info.to_json()) == info
    True
    """

    name: str
    derivation: str
    dtype: str
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]

    def __post_init__(self) -> None:
        for what in ("name", "derivation"):
            value = getattr(self, what)
            if not isinstance(value, str) or not value.isidentifier():
                raise ValueError(f"{what} must be an identifier, got {value!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {list(DTYPES)}, got {self.dtype!r}")
        object.__setattr__(self, "input_names", _names("input_names",
                                                       self.input_names))
        object.__setattr__(self, "output_names", _names("output_names",
                                                        self.output_names))

    def to_json(self) -> dict:
        """A JSON-serialisable dict (see :meth:`from_json`)."""
        return {"name": self.name, "derivation": self.derivation, "dtype": self.dtype,
                "inputs": list(self.input_names), "outputs": list(self.output_names)}

    @classmethod
    def from_json(cls, data: object) -> KernelInfo:
        """The info stored by :meth:`to_json`.

        Raises
        ------
        ValueError
            When ``data`` is not such a dict (a damaged cache entry).
        """
        if not isinstance(data, dict):
            raise ValueError(f"kernel info must be a dict, got {type(data).__name__}")
        try:
            return cls(data["name"], data["derivation"], data["dtype"],
                       data["inputs"], data["outputs"])
        except KeyError as exc:
            raise ValueError(f"kernel info lacks {exc}") from None

"""The failing line of a backprop that raised, and what its operands are (for ``crash``).

The traceback of the exception still holds the frames of the student's code with their local
variables as they were when it failed.  Nothing of the student's code runs again: the source of
the failing statement comes from ``linecache`` (where a Jupyter kernel keeps each cell), the
failing part of it from the traceback's positions, and its operands (the names, attributes,
subscripts and transposes in it) are read again in the frame by a small evaluator that calls
nothing (no function, no property: only variables, attributes in an object's own dictionary,
items of lists and arrays, integer arithmetic in indices).  Each operand is compared with the
reference quantities (``Reference.quantities``): ``self.weights[-l+1]`` *is* w^2 whatever the
code calls it.
"""

import ast
import inspect
import linecache
import operator
import os
import sysconfig
import traceback
import types
from typing import NamedTuple, Optional

import numpy as np

from .reference import close

__all__ = ["Operand", "student_frames", "site", "identify", "list_kind", "progress"]

COMPOUND = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try,
            ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Match)
SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
INDEX_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                    ast.FloorDiv: operator.floordiv}


class Operand(NamedTuple):
    """One operand of the failing line, and the quantity of (1)-(5) it is."""
    text: str                 # the source of the operand, e.g. "self.weights[-l+1]"
    value: object             # its value in the frame (None when it could not be read)
    kind: Optional[str]       # the reference quantity it equals: "w", "delta", ... (None: none)
    layer: Optional[int]
    transposed: bool
    failure: Optional[BaseException]   # the error reading it raised (the line's own IndexError)
    container: object = None  # for a subscript that failed: the list or array subscripted
    index: object = None      # and the index


# ------------------------------------------------------------------------------- the frames

def _library_dirs():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # nnlib
    paths = {os.path.dirname(np.__file__), here}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            paths.add(path)
    return tuple(os.path.normcase(os.path.realpath(p)) + os.sep for p in paths)


LIBRARY = _library_dirs()


def _is_library(filename):
    """Is this numpy's, nnlib's or Python's own file (not the student's code)?  A notebook
    cell's file is the kernel's temporary file; "<string>" is code run by exec."""
    if filename.startswith("<"):
        return filename.startswith("<frozen")
    return os.path.normcase(os.path.realpath(filename)).startswith(LIBRARY)


def student_frames(error):
    """[(frame, FrameSummary)] of the student's code in the traceback, outermost first: the
    library's frames (nnlib's caller, numpy) are left out."""
    tbs, tb = [], error.__traceback__
    while tb is not None:
        tbs.append(tb)
        tb = tb.tb_next
    summaries = traceback.extract_tb(error.__traceback__)
    return [(t.tb_frame, s) for t, s in zip(tbs, summaries)
            if not _is_library(t.tb_frame.f_code.co_filename)]


def site(entry, ref, caller=False):
    """The failing statement of one frame: its source line, the failing part, its operands and
    assignment targets (as dicts), or None when its source cannot be read.  In a ``caller``'s
    line (one that called the student's helper where the error came from) the arguments handed
    to that helper are not operands: they say what the helper got, not what this line computes."""
    frame, summary = entry
    tree, shift = _parse(frame)
    if tree is None or summary.lineno is None:
        return None
    lineno = summary.lineno
    # the failing part's columns: Python 3.11's traceback positions (3.10 has the line only)
    col, end = getattr(summary, "colno", None), getattr(summary, "end_colno", None)
    col = None if col is None else col - shift
    end = None if end is None else end - shift
    best = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= lineno <= (node.end_lineno or lineno):
            inner = isinstance(node, COMPOUND) and any(
                isinstance(c, ast.stmt) and c.lineno <= lineno <= (c.end_lineno or c.lineno)
                for c in ast.iter_child_nodes(node))
            if not inner and (best is None or _span(node) <= _span(best)):
                best = node
    if best is None:
        return None
    if isinstance(best, COMPOUND):  # the header failed: a for's iterable, an if's test
        heads = [getattr(best, name) for name in ("target", "iter", "test") if
                 isinstance(getattr(best, name, None), ast.AST)]
        line = _source(frame, tree, heads[-1], shift) if heads else None
        exprs, targets = heads, []
    else:
        line = _source(frame, tree, best, shift)
        exprs = [best]
        targets = list(getattr(best, "targets", [])) + ([best.target] if isinstance(
            best, (ast.AugAssign, ast.AnnAssign)) else [])
        if targets:
            exprs = [best.value] if getattr(best, "value", None) is not None else []
        if isinstance(best, ast.AugAssign):  # delta *= sp reads delta too
            exprs = [best.target, best.value]
    part = part_node = None
    if col is not None:
        for node in ast.walk(best):
            if isinstance(node, ast.expr) and (node.lineno, node.col_offset, node.end_lineno,
                                               node.end_col_offset) == (
                    lineno, col, getattr(summary, "end_lineno", None), end):
                part, part_node = _source(frame, tree, node, shift), node
                break
    handed = set(map(id, ast.walk(part_node))) if caller and part_node else set()
    if caller and part_node is None:
        exprs, targets = [], []

    def operand(node, store=False):
        return _operand(node, lambda n: _source(frame, tree, n, shift), frame, ref, store)
    operands = [operand(n) for e in exprs for n in _chains(e) if id(n) not in handed]
    stores = []
    for t in targets:
        for n in ([t] if not isinstance(t, (ast.Tuple, ast.List)) else t.elts):
            if isinstance(n, ast.Subscript):
                operands.append(operand(n, store=True))
                stores.append(operand(n.value))
    return dict(line=line, part=part, operands=[o for o in operands if o is not None],
                stores=[s for s in stores if s is not None],
                is_raise=isinstance(best, ast.Raise))


def _span(node):
    return ((node.end_lineno or node.lineno) - node.lineno,
            (node.end_col_offset or 0) - node.col_offset)


def _parse(frame):
    """(syntax tree of the frame's source file, column shift), or (None, 0)."""
    filename = frame.f_code.co_filename
    lines = linecache.getlines(filename, frame.f_globals)
    if lines:
        try:
            return ast.parse("".join(lines)), 0
        except (SyntaxError, ValueError):
            pass
    try:  # only the function's own source (a file that no longer parses as a whole)
        lines, start = inspect.getsourcelines(frame.f_code)
    except (OSError, TypeError):
        return None, 0
    indent = min((len(s) - len(s.lstrip()) for s in lines if s.strip()), default=0)
    try:
        tree = ast.parse("".join(s[indent:] if s.strip() else "\n" for s in lines))
    except SyntaxError:
        return None, 0
    ast.increment_lineno(tree, start - 1)
    return tree, indent


def _source(frame, tree, node, shift):
    """The source text of ``node``, on one line."""
    lines = linecache.getlines(frame.f_code.co_filename, frame.f_globals)
    first, last = node.lineno, node.end_lineno or node.lineno
    if not lines or last > len(lines):
        return ast.unparse(node)
    # column offsets count UTF-8 bytes
    chunk = [lines[k - 1].rstrip("\n").encode("utf-8") for k in range(first, last + 1)]
    chunk[-1] = chunk[-1][:node.end_col_offset + shift]
    chunk[0] = chunk[0][node.col_offset + shift:]
    return " ".join(c.decode("utf-8", "replace").strip() for c in chunk)


# ------------------------------------------------------------------ operands and their values

class _Unsafe(Exception):
    """Reading this would run code (a call, a property): the operand is left out."""


def _is_chain(node):
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        return _is_chain(node.value)
    if isinstance(node, ast.Call) and not node.keywords:  # x.transpose(), np.transpose(x)
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "transpose":
            return (not node.args and _is_chain(f.value)) or (
                len(node.args) == 1 and _is_chain(node.args[0]))
    return False


def _chains(node):
    """The operands of an expression, left to right: maximal chains of names, attributes,
    subscripts and transposes.  A called function is not an operand (a method's receiver is);
    lambdas and comprehensions have variables of their own and are skipped."""
    found = []

    def visit(n):
        if isinstance(n, SCOPES):
            return
        if _is_chain(n):
            found.append(n)
        elif isinstance(n, ast.Call):
            if isinstance(n.func, ast.Attribute):
                visit(n.func.value)
            for child in n.args + [k.value for k in n.keywords]:
                visit(child)
        else:
            for child in ast.iter_child_nodes(n):
                visit(child)
    visit(node)
    return found


def _read(node, frame):
    """The value of a chain (or an index expression) in ``frame``, calling nothing."""
    if isinstance(node, ast.Name):
        for scope in (frame.f_locals, frame.f_globals, frame.f_builtins):
            if node.id in scope:
                return scope[node.id]
        raise NameError(node.id)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            raise _Unsafe(node.attr)
        base = _read(node.value, frame)
        if isinstance(base, np.ndarray):
            if node.attr == "T":
                return base.T
            raise _Unsafe(node.attr)
        value = inspect.getattr_static(base, node.attr)
        if hasattr(type(value), "__get__") and not isinstance(base, types.ModuleType):
            raise _Unsafe(node.attr)  # a property or method: reading it runs code
        return value
    if isinstance(node, ast.Subscript):
        base = _read(node.value, frame)
        if not isinstance(base, (list, tuple, np.ndarray)):
            raise _Unsafe("subscript")
        return base[_read_index(node.slice, frame)]
    if isinstance(node, ast.Call):
        f = node.func
        if not node.args:
            base = _read(f.value, frame)
        else:
            if _read(f, frame) is not np.transpose:
                raise _Unsafe("call")
            base = _read(node.args[0], frame)
        if not isinstance(base, np.ndarray):
            raise _Unsafe("call")
        return base.T
    raise _Unsafe(type(node).__name__)


def _read_index(node, frame):
    """An index as ``x[-l+1]`` or ``x[l-1:]`` has it: integers, slices, tuples of them."""
    if isinstance(node, ast.Slice):
        return slice(*(None if p is None else _read_index(p, frame)
                       for p in (node.lower, node.upper, node.step)))
    if isinstance(node, ast.Tuple):
        return tuple(_read_index(e, frame) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _integer(_read_index(node.operand, frame))
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in INDEX_ARITHMETIC:
        a, b = _integer(_read_index(node.left, frame)), _integer(_read_index(node.right, frame))
        return INDEX_ARITHMETIC[type(node.op)](a, b)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1 \
            and _read(node.func, frame) is len:
        base = _read(node.args[0], frame)
        if isinstance(base, (list, tuple, np.ndarray)):
            return len(base)
        raise _Unsafe("len")
    value = _read(node, frame)
    if value is None:
        return None
    return _integer(value)


def _integer(v):
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    raise _Unsafe("index")


def _operand(node, source, frame, ref, store=False):
    """The Operand for a chain (``source(node)`` its text); None for a value that is no array
    or list (a module, a function, a number) or one that would run code to read.  An operand
    that cannot be read (the line's own IndexError) is the innermost part that fails, with
    the list and the index of a subscript out of range."""
    try:
        value = _read(node, frame)
    except (IndexError, KeyError, NameError, AttributeError) as failure:
        inner = node
        while not isinstance(inner, ast.Subscript) and isinstance(
                getattr(inner, "value", None), ast.AST):
            inner = inner.value  # x[i].T, x[i].transpose(): the subscript inside
        if isinstance(getattr(inner, "func", None), ast.Attribute):
            inner = inner.func.value
            while not isinstance(inner, ast.Subscript) and isinstance(
                    getattr(inner, "value", None), ast.AST):
                inner = inner.value
        if isinstance(inner, ast.Subscript):
            try:
                container, index = _read(inner.value, frame), _read_index(inner.slice, frame)
                return Operand(source(inner), None, None, None, False, failure, container, index)
            except Exception:
                pass
        return Operand(source(node), None, None, None, False, failure)
    except (_Unsafe, TypeError, ValueError):
        return None
    if store:
        return None
    kind, layer, transposed = identify(value, ref)
    if kind is None and not isinstance(value, (np.ndarray, list, tuple)):
        return None
    return Operand(source(node), value, kind, layer, transposed, None)


def identify(value, ref):
    """(kind, layer, transposed) of the reference quantity ``value`` equals, or (None,) * 3.
    All-zero arrays are left unnamed: they are where a gradient starts, not a result."""
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu" or value.ndim != 2 \
            or not np.any(value):
        return None, None, False
    v = value.astype(np.float64)
    for transposed in (False, True):
        for kind, layer, array in ref.quantities:
            if array is not None and close(v.T if transposed else v, array):
                return kind, layer, transposed
    return None, None, False


def list_kind(value, ref):
    """What a list holds, as (description, layer of item 0) or None: the weights, biases,
    a^0..a^k, z^1..z^k, or gradients shaped like the biases or weights (nabla_b, nabla_w)."""
    if not isinstance(value, (list, tuple)) or not value or len(value) > ref.L + 1:
        return None
    arrays = [v if isinstance(v, np.ndarray) else None for v in value]
    named = [identify(v, ref) if v is not None else (None, None, False) for v in arrays]
    n = len(value)
    for kind, first, what in (("w", 1, "w"), ("b", 1, "b"), ("a", 0, "a"), ("z", 1, "z")):
        if all(k == kind and l == first + i and not t for i, (k, l, t) in enumerate(named)):
            return "%s^%d..%s^%d" % (what, first, what, first + n - 1), first
    if n == ref.L and all(a is not None for a in arrays):
        if [a.shape for a in arrays] == [b.shape for b in ref.b[1:]]:
            return "one array per layer 1..%d shaped like the biases" % ref.L, 1
        if [a.shape for a in arrays] == [w.shape for w in ref.w[1:]]:
            return "one array per layer 1..%d shaped like the weights" % ref.L, 1
    return None


# ------------------------------------------------------------ what was computed right

def progress(ref, frames):
    """{(kind, layer)} of the quantities found right in the student's local variables."""
    found = set()
    for frame in frames:
        for value in list(frame.f_locals.values()):
            items = value if isinstance(value, (list, tuple)) and len(value) <= 4 * (ref.L + 2) \
                else [value]
            for item in items:
                kind, layer, transposed = identify(item, ref)
                if kind is not None and not transposed:
                    found.add((kind, layer))
    return found

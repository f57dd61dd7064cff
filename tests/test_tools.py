"""make student: solution blocks become exercise stubs."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("make_student", ROOT / "tools" / "make_student.py")
make_student = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_student)


def test_block_replaced_with_stub_at_its_indentation():
    source = ("def f(x):\n"
              "    y = 1\n"
              "    ### BEGIN SOLUTION\n"
              "    y = x * 2\n"
              "    ### END SOLUTION\n"
              "    return y\n")
    assert make_student.strip_solutions(source) == ("def f(x):\n"
                                                    "    y = 1\n"
                                                    "    # YOUR CODE HERE\n"
                                                    "    raise NotImplementedError()\n"
                                                    "    return y\n")


def test_stub_raises_when_run():
    code = make_student.strip_solutions("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\n")
    with pytest.raises(NotImplementedError):
        exec(code, {})


@pytest.mark.parametrize("source", ["### BEGIN SOLUTION\nx = 1\n",
                                    "x = 1\n### END SOLUTION\n",
                                    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n"])
def test_unbalanced_markers_are_errors(source):
    with pytest.raises(ValueError, match="SOLUTION"):
        make_student.strip_solutions(source)


def test_student_notebook_clears_outputs():
    nb = {"cells": [{"cell_type": "code", "source": ["x = 1\n", "### BEGIN SOLUTION\n", "x = 2\n",
                                                     "### END SOLUTION\n"],
                     "outputs": [{"output_type": "stream", "text": "2"}], "execution_count": 3},
                    {"cell_type": "markdown", "source": "### BEGIN SOLUTION is text here"}]}
    out = make_student.student_notebook(nb)
    assert out["cells"][0]["outputs"] == [] and out["cells"][0]["execution_count"] is None
    assert "x = 2" not in out["cells"][0]["source"]
    assert out["cells"][1] == nb["cells"][1] and nb["cells"][0]["execution_count"] == 3

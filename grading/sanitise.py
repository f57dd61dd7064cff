"""No student HTML or script runs for the instructor: what a student wrote is sanitised before it is shown.

The formgrader (manual grading of the written answers) and the feedback both render the autograded
notebook (``COURSE/autograded/STUDENT/ASSIGNMENT/*.ipynb``) as HTML, in a page where the instructor's
Jupyter session is live.  :class:`SanitiseNotebook` runs last in nbgrader's autograde step
(``AUTOGRADE_PREPROCESSORS``, after ``SaveAutoGrades`` has compared the written answers with their
release checksums) and again whenever an ``HTMLExporter`` is built with nbgrader_config.py (the
formgrader's page and ``nbgrader generate_feedback``), so that a notebook autograded before it existed is
covered too.  The sanitiser is nh3 (Rust's ammonia), with an allow-list:

* markdown cells (and ``text/markdown`` outputs) are rendered to HTML with nbconvert's own markdown
  renderer (math stays ``$...$`` text for MathJax), cleaned, and stored as one line of HTML in a
  ``<div>``, which every markdown renderer passes through untouched (a CommonMark HTML block ends only at
  a blank line), so the text stays readable in the formgrader, the feedback and the live notebook;
* raw cells and ``text/html`` outputs are cleaned as HTML;
* outputs keep ``text/plain``, ``image/png`` and ``image/jpeg`` (valid base64, numeric width and height
  only); ``application/javascript``, ``image/svg+xml`` (SVG can carry script), widget views and every
  other type are dropped, and so is the notebook's widget state.

Kept tags: paragraphs, emphasis, code, lists, tables, headings, block quotes, sub/sup, span, div, line
breaks; links only to http(s), images only as ``data:image/png`` or ``data:image/jpeg``; no attribute
beyond those (no event handlers, no ``style``), no script, style, iframe, object, embed, SVG or MathML.
"""

import base64
import binascii
import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

TAGS = {"p", "br", "hr", "em", "i", "strong", "b", "u", "s", "del", "ins", "mark", "small", "sub", "sup",
        "code", "pre", "kbd", "samp", "var", "tt", "blockquote", "q", "cite", "abbr", "dfn", "ul", "ol", "li",
        "dl", "dt", "dd", "a", "img", "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr",
        "th", "td", "h1", "h2", "h3", "h4", "h5", "h6", "span", "div", "details", "summary"}
# removed with everything inside them (other tags outside TAGS are removed but keep their text)
DROPPED_WITH_CONTENT = {"script", "style", "svg", "math", "iframe", "frame", "frameset", "object", "embed",
                        "applet", "template", "noscript", "noembed", "textarea", "select", "title", "head",
                        "meta", "link", "base", "form", "button", "audio", "video", "canvas", "xmp",
                        "plaintext", "noframes"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
              "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align", "scope"},
              "ol": {"start"}, "abbr": {"title"}, "col": {"span"}, "colgroup": {"span"}}
LINK = re.compile(r"https?://", re.I)
IMAGE = re.compile(r"data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]*\Z", re.I)
NUMBER = re.compile(r"\d{1,5}%?\Z")
IMAGE_WITHOUT_SOURCE = re.compile(r'<img(?![^>]*\ssrc=")(?:\s+[a-z-]+="[^"]*")*\s*/?>')
CELL_KEYS = {"id", "cell_type", "metadata", "source", "outputs", "execution_count"}


def _attribute(tag, attribute, value):
    value = value.strip()
    if attribute == "href":
        return value if LINK.match(value) else None
    if attribute == "src":
        return value if IMAGE.match(value) else None
    if attribute in ("width", "height", "colspan", "rowspan", "start", "span"):
        return value if NUMBER.match(value) else None
    return value


def clean_html(text):
    """HTML with only the allowed tags, attributes and URLs (nh3); comments removed."""
    import nh3       # only the instructor's environment (the dev extra) needs it

    clean = nh3.clean(str(text), tags=TAGS, clean_content_tags=DROPPED_WITH_CONTENT, attributes=ATTRIBUTES,
                      attribute_filter=_attribute, url_schemes={"http", "https", "data"}, url_relative="deny",
                      strip_comments=True, link_rel="noopener noreferrer nofollow")
    # cosmetic, on nh3's canonical output: an image whose source was removed is left out, not drawn broken
    return IMAGE_WITHOUT_SOURCE.sub("", clean)


class _Attachments(dict):
    """A cell's png/jpeg attachments; a missing one gives an image nothing keeps (not an exception)."""

    def __contains__(self, name):
        return True

    def __missing__(self, name):
        return {"text/plain": ""}


def _attachments(cell):
    found = _Attachments()
    for name, bundle in (cell.get("attachments") or {}).items():
        images = {mime: data for mime, data in (bundle or {}).items()
                  if mime in ("image/png", "image/jpeg") and _base64(data) is not None}
        if images:
            found[name] = images
    return found


def markdown_html(source, attachments=None):
    """Markdown rendered as nbconvert renders it, cleaned, as one line in a <div> (a markdown renderer
    passes a one-line HTML block through as it is: no markdown inside it is read again)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=False, exclude_anchor_links=True,
                               attachments=attachments if attachments is not None else _Attachments())
    html = clean_html(MarkdownWithMath(renderer=renderer).render(str(source)))
    return "<div>" + html.replace("\r", "").replace("\n", "&#10;") + "</div>"


def _base64(data):
    """The base64 text of an image (whitespace removed), or None if it is not base64."""
    if isinstance(data, list):
        data = "".join(data)
    if not isinstance(data, str):
        return None
    compact = re.sub(r"\s+", "", data)
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return compact


def _size(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1e5 else None


def clean_output(output):
    """The output with only inert content, or None if nothing of it is kept."""
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        return {"output_type": "stream", "name": name, "text": "".join(text) if isinstance(text, list) else str(text)}
    if kind == "error":
        return {"output_type": "error", "ename": str(output.get("ename", "")), "evalue": str(output.get("evalue", "")),
                "traceback": [str(line) for line in output.get("traceback") or []]}
    if kind not in ("display_data", "execute_result"):
        return None
    given = output.get("data") or {}
    data, metadata = {}, {}
    for mime, value in given.items():
        text = "".join(value) if isinstance(value, list) else value
        if mime == "text/plain" and isinstance(text, str):
            data[mime] = text
        elif mime in ("image/png", "image/jpeg") and _base64(text) is not None:
            data[mime] = _base64(text)
            sizes = (output.get("metadata") or {}).get(mime) or {}
            sizes = {k: _size(sizes.get(k)) for k in ("width", "height")} if isinstance(sizes, dict) else {}
            if any(v is not None for v in sizes.values()):
                metadata[mime] = {k: v for k, v in sizes.items() if v is not None}
        elif mime == "text/html" and isinstance(text, str):
            data[mime] = clean_html(text)
        elif mime == "text/markdown" and isinstance(text, str):
            data[mime] = markdown_html(text)
    dropped = sorted(set(given) - set(data))
    if not data:
        if not dropped:
            return None
        data["text/plain"] = f"[an output of type {', '.join(dropped)} was removed: it could run code]"
    cleaned = {"output_type": kind, "data": data, "metadata": metadata}
    if kind == "execute_result":
        count = output.get("execution_count")
        cleaned["execution_count"] = count if isinstance(count, int) and not isinstance(count, bool) else None
    return cleaned


def sanitise_cell(cell):
    """Markdown and raw cells: cleaned HTML; code cells: inert outputs; anything else: None (dropped)."""
    kind = cell.get("cell_type")
    if kind not in ("markdown", "raw", "code"):
        return None
    for key in set(cell) - CELL_KEYS - ({"attachments"} if kind != "code" else set()):
        del cell[key]
    source = "".join(cell.get("source") or []) if isinstance(cell.get("source"), list) else str(cell.get("source", ""))
    if kind == "markdown":
        cell["source"] = markdown_html(source, _attachments(cell))
        cell.pop("attachments", None)
    elif kind == "raw":
        cell["source"] = clean_html(source)
        cell.pop("attachments", None)
    else:
        count = cell.get("execution_count")       # printed as it is in the prompt: a number or nothing
        cell["execution_count"] = count if isinstance(count, int) and not isinstance(count, bool) else None
        outputs = (clean_output(output) for output in cell.get("outputs") or [])
        cell["outputs"] = [_node(output) for output in outputs if output is not None]
    return cell


def _node(value):
    from nbformat import NotebookNode, from_dict

    return value if isinstance(value, NotebookNode) else from_dict(value)


def sanitise_notebook(nb):
    """The notebook (changed in place) with every markdown, raw and output sanitised; no widget state."""
    for key in [k for k in nb.get("metadata", {}) if "widget" in k.lower()]:
        del nb["metadata"][key]
    nb["cells"] = [cell for cell in (sanitise_cell(cell) for cell in nb.get("cells", [])) if cell is not None]
    return nb


class SanitiseNotebook(Preprocessor):
    """nbconvert/nbgrader preprocessor form of :func:`sanitise_notebook` (see the module)."""

    enabled = Bool(True, help="on wherever it is listed").tag(config=True)

    def preprocess(self, nb, resources):
        return sanitise_notebook(nb), resources

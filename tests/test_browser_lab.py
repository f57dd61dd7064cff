"""The playground in JupyterLab as a student sees it: a laptop screen (1280 x 800), the file browser
open, notebook 01 opened from a lab started the way the README's ``make lab`` starts it (the
``jupyter_lab`` fixture of tests/conftest.py: the Makefile decides the folder; this test serves a
temporary copy of ``notebooks/`` so that nothing tracked is modified).

It runs the cells up to the playground, then checks what a person would see: every control of the
widget inside the widget and inside the window's notebook panel, no two controls overlapping, no
label or button whose text is cut (``scrollWidth <= clientWidth``), the large map fully visible; it
presses play (the first epoch shows "preparing" while the kernel compiles, then epochs count up),
hovers a neuron (the large map follows), and loads a guided preset (its settings and commentary
appear), checking the layout again after each step; then four hidden layers (the widest
drawing): the drawing inside the visible part of the notebook, the status line on one line, and
the tooltip of a link at the right edge flipped to the left of the pointer, whole, with its weight;
the same at 1400 x 900.  Screenshots go to build/browser/lab_*.png.
"""

import json
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "browser"
NOTEBOOK = "01_playground.ipynb"

# Every control of the playground whose box must be whole and apart from the others: the
# ipywidgets (buttons, drop-downs, sliders with their readouts, checkboxes, text boxes) and the
# drawing surface's canvases.  Nested boxes are not compared with what they contain.
CONTROLS = (".widget-button, .widget-toggle-button, .widget-dropdown, .widget-slider, "
            ".widget-checkbox, .widget-text, .widget-upload, .nnpg-heatmap, .nnpg-network, "
            ".nnpg-loss-curve")
LAYOUT_PROBLEMS = r"""
(root) => {
  const problems = [];
  const visible = (e) => { const s = getComputedStyle(e), r = e.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; };
  const rootBox = root.getBoundingClientRect();
  let panel = root.closest('.jp-WindowedPanel-outer, .jp-Notebook, .jp-NotebookPanel') || document.body;
  const panelBox = panel.getBoundingClientRect();
  const name = (e) => (e.className && e.className.baseVal === undefined ? e.className : e.tagName)
    .toString().split(' ').filter((c) => c.startsWith('nnpg') || c.startsWith('widget-')).join('.')
    + ' "' + (e.innerText || e.title || '').trim().slice(0, 30) + '"';
  const controls = [...root.querySelectorAll(SELECTOR)].filter(visible);
  const outer = controls.filter((e) => !controls.some((o) => o !== e && o.contains(e) === false && e.contains(o)));
  const boxes = outer.map((e) => [e, e.getBoundingClientRect()]);
  for (const [e, r] of boxes) {
    if (r.left < rootBox.left - 1 || r.right > rootBox.right + 1)
      problems.push(`outside the widget: ${name(e)} [${r.left.toFixed(0)}, ${r.right.toFixed(0)}] ` +
                    `vs widget [${rootBox.left.toFixed(0)}, ${rootBox.right.toFixed(0)}]`);
    if (r.right > panelBox.right + 1)
      problems.push(`cut by the notebook panel: ${name(e)} right ${r.right.toFixed(0)} > ${panelBox.right.toFixed(0)}`);
  }
  for (let a = 0; a < boxes.length; a++) for (let b = a + 1; b < boxes.length; b++) {
    const [ea, ra] = boxes[a], [eb, rb] = boxes[b];
    if (ea.contains(eb) || eb.contains(ea)) continue;
    const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (w > 1 && h > 1) problems.push(`overlap ${w.toFixed(0)}x${h.toFixed(0)}: ${name(ea)} / ${name(eb)}`);
  }
  // text that does not fit: labels, buttons, drop-downs, slider readouts
  const texts = root.querySelectorAll('button, select, .widget-label, .widget-readout, ' +
                                      '.widget-label-basic, .widget-checkbox label, .nnpg-preset-note');
  for (const e of texts) {
    if (!visible(e)) continue;
    if (e.scrollWidth > e.clientWidth)
      problems.push(`text cut: ${name(e)} (${e.scrollWidth} > ${e.clientWidth})`);
    if (e.tagName === 'SELECT') {            // the chosen option's text against the box
      const c = document.createElement('canvas').getContext('2d');
      const s = getComputedStyle(e);
      c.font = `${s.fontSize} ${s.fontFamily}`;
      const text = e.options[e.selectedIndex] ? e.options[e.selectedIndex].text : '';
      const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      if (c.measureText(text).width > room + 1)
        problems.push(`drop-down text cut: "${text}" (${c.measureText(text).width.toFixed(0)} > ${room.toFixed(0)})`);
    }
  }
  return problems;
}
""".replace("SELECTOR", json.dumps(CONTROLS))


def _cells_up_to_playground(path):
    """How many cells (from the first) to run so that the first playground is displayed."""
    cells = json.loads(Path(path).read_text())["cells"]
    for k, cell in enumerate(cells):
        src = "".join(cell["source"])
        if cell["cell_type"] == "code" and src.startswith("pg = Playground("):
            return k + 1
    raise AssertionError("notebook 01 has no cell starting with 'pg = Playground('")


def _run_up_to_playground(page, n_cells, attempts=3):
    """Select the first cell and press Shift+Enter once per cell up to the playground's; a
    lab that is still connecting its kernel may drop the first presses, so it tries again."""
    root = page.locator(".nnpg-root").first
    for attempt in range(attempts):
        page.locator(".jp-NotebookPanel .jp-Cell").first.click()
        page.keyboard.press("Escape")                      # command mode
        for _ in range(n_cells):
            page.keyboard.press("Shift+Enter")
        try:
            root.wait_for(timeout=60_000 * (attempt + 1))
            return root
        except Exception:
            page.screenshot(path=str(BUILD / f"lab_no_playground_{attempt}.png"))
    raise AssertionError("the playground cell did not display the widget; see "
                         f"{BUILD / 'lab_no_playground_*.png'}")


def layout_problems(root):
    return root.evaluate(LAYOUT_PROBLEMS)


def _check_layout(page, root, what):
    page.wait_for_timeout(400)
    problems = layout_problems(root)
    root.screenshot(path=str(BUILD / f"lab_{what}.png"))
    assert not problems, f"{what}: " + "\n".join(problems)


BOX = "e => { const b = e.getBoundingClientRect(); return {left: b.left, right: b.right, " \
      "top: b.top, bottom: b.bottom, scroll: e.scrollWidth, client: e.clientWidth}; }"
# what the student can see of the notebook: its panel (which scrolls) cut by the window
VISIBLE = ("r => { const p = r.closest('.jp-WindowedPanel-outer, .jp-NotebookPanel')"
           ".getBoundingClientRect(); return {left: Math.max(p.left, 0), right: Math.min(p.right, "
           "innerWidth), top: Math.max(p.top, 0), bottom: Math.min(p.bottom, innerHeight)}; }")


def _inside(box, area, what):
    assert (area["left"] - 1 <= box["left"] and box["right"] <= area["right"] + 1
            and area["top"] - 1 <= box["top"] and box["bottom"] <= area["bottom"] + 1), \
        f"{what} is not inside the visible part of the notebook: {box} vs {area}"


def _check_drawing_and_tip(page, root, what):
    """The network drawing whole and inside the visible notebook, the status line on one line,
    and the tooltip of the link into the output from the last hidden layer (the drawing's right
    edge): inside the visible notebook, whole, left of the pointer, showing the link's weight."""
    view = root.locator(".nnpg-view")
    canvas = root.locator("canvas.nnpg-network")
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    area = root.evaluate(VISIBLE)
    drawing = canvas.evaluate(BOX)
    _inside(drawing, area, f"{what}: the network drawing")
    box = root.locator(".nnpg-diagram").evaluate(BOX)
    assert box["scroll"] <= box["client"], f"{what}: the drawing is scrolled ({box})"
    groups = root.locator(".nnpg-readout > span").evaluate_all(
        "s => s.map(e => { const b = e.getBoundingClientRect(); return {top: b.top, bottom: "
        "b.bottom, lines: e.getClientRects().length, text: e.innerText}; })")
    assert len(groups) == 3 and all(g["lines"] == 1 for g in groups), groups
    assert max(g["top"] for g in groups) < min(g["bottom"] for g in groups), \
        f"{what}: the status line wraps: {groups}"
    assert "Accuracy: test" in groups[2]["text"] and "training" in groups[2]["text"], groups
    sizes = view.evaluate("v => v.__nnpg.sizes()")
    last, i = len(sizes) - 2, sizes[-2] - 1
    where = view.evaluate(f"v => v.__nnpg.link({last}, 0, {i})")
    page.mouse.move(where["x"], where["y"])
    tip = root.locator(".nnpg-tip")
    tip.wait_for(state="visible")
    weight = view.evaluate(f"v => v.__nnpg.weight({last}, 0, {i})")
    assert f"w = {weight:.3f}" in tip.inner_text(), tip.inner_text()
    box = tip.evaluate(BOX)
    _inside(box, area, f"{what}: the link's tooltip")
    assert box["scroll"] <= box["client"], f"{what}: the tooltip's text is cut ({box})"
    if where["x"] + 12 + box["right"] - box["left"] > area["right"]:   # no room on the right
        assert box["right"] <= where["x"], f"{what}: the tooltip is not left of the pointer " \
                                           f"at the right edge ({box}, pointer {where})"
    page.screenshot(path=str(BUILD / f"lab_{what}_tooltip.png"))
    page.mouse.move(5, 5)
    return drawing, box


def test_playground_in_jupyterlab_at_laptop_width(tmp_path, chromium, jupyter_lab):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, folder / NOTEBOOK)
    n_cells = _cells_up_to_playground(folder / NOTEBOOK)
    lab = jupyter_lab(folder)
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(lab.url(NOTEBOOK), timeout=120_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
    # the file browser is open (a student's default), at its usual width
    browser_tab = page.locator(".jp-DirListing, #filebrowser").first
    if not browser_tab.is_visible():
        page.locator("[data-id='filebrowser']").first.click()
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
    assert page.locator(".jp-DirListing").first.is_visible()
    # the kernel is up and idle before the cells are run
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           state="attached", timeout=120_000)
    # read before running: the stored playground cell shows its picture, not VBox(...)
    stored = page.locator(".jp-CodeCell", has_text="pg = Playground(seed=0)").first
    stored.scroll_into_view_if_needed()
    stored.locator(".jp-RenderedImage img").first.wait_for(timeout=30_000)
    assert "VBox(children" not in stored.locator(".jp-OutputArea").inner_text()
    no_news = page.locator(".jp-toast-button", has_text="No")
    if no_news.count():
        no_news.first.click()               # the "Jupyter news?" toast
    root = _run_up_to_playground(page, n_cells)
    page.wait_for_function("() => document.querySelector('.nnpg-network')", timeout=60_000)
    root.scroll_into_view_if_needed()
    # a live kernel shows the widget, not the still picture stored beside it
    cell = root.locator("xpath=ancestor::div[contains(@class, 'jp-CodeCell')][1]")
    assert cell.locator(".jp-RenderedImage").count() == 0
    view = root.locator(".nnpg-view")
    _check_layout(page, root, "1280_start")

    # play: the label says it is preparing or playing at once, epochs follow
    play = root.locator("button.nnpg-play").first
    play.click()
    page.wait_for_function("b => !b.innerText.trim().startsWith('play')",
                           arg=play.element_handle(), timeout=5_000)
    page.wait_for_function(
        "r => parseInt(r.querySelector('.nnpg-epoch-value').innerText.replace(/,/g, '')) > 3",
        arg=root.element_handle(), timeout=120_000)
    _check_layout(page, root, "1280_playing")
    play.click()

    # hover a neuron: the large map shows it
    where = view.evaluate("v => v.__nnpg.neuron(1, 0)")
    page.mouse.move(where["x"], where["y"])
    page.wait_for_function("v => v.querySelector('.nnpg-map-label').innerText"
                           ".includes('layer 1, neuron 1')", arg=view.element_handle(),
                           timeout=30_000)
    page.mouse.move(5, 5)

    # a guided preset: its settings and commentary
    presets = root.locator(".nnpg-presets select")
    options = presets.locator("option").all_inner_texts()
    assert len(options) >= 10, options
    spiral = next(o for o in options if "spiral" in o.lower())
    presets.select_option(label=spiral)
    note = root.locator(".nnpg-preset-note")
    page.wait_for_function("n => n.innerText.trim().length > 20",
                           arg=note.element_handle(), timeout=30_000)
    assert root.locator(".nnpg-dataset select").input_value() == "spiral"
    _check_layout(page, root, "1280_preset")

    # three hidden layers (a preset), then a fourth with the slider's arrow key, as a student
    deep = next(o for o in options if "depth" in o.lower() or "deep" in o.lower())
    presets.select_option(label=deep)
    page.wait_for_timeout(500)
    _check_layout(page, root, "1280_deep")
    layers = view.evaluate("v => v.__nnpg.sizes().length") - 2
    root.locator(".nnpg-layers .noUi-handle, .nnpg-layers [role='slider']").first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"v => v.__nnpg.sizes().length == {layers + 3}",
                           arg=view.element_handle(), timeout=30_000)
    assert layers + 1 == 4
    _check_layout(page, root, "1280_four_layers")
    drawing, tip = _check_drawing_and_tip(page, root, "1280_four_layers")
    print(f"1280 x 800, file browser open, four hidden layers: drawing x {drawing['left']:.0f}.."
          f"{drawing['right']:.0f}, tooltip x {tip['left']:.0f}..{tip['right']:.0f}")

    page.set_viewport_size({"width": 1400, "height": 900})
    _check_layout(page, root, "1400_four_layers")
    _check_drawing_and_tip(page, root, "1400_four_layers")
    # 1280 px with the side bar closed: the notebook is wider, nothing may be cut either
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id='filebrowser'], "
                 "[data-id='filebrowser']").first.click()
    page.wait_for_timeout(500)
    _check_layout(page, root, "1280_sidebar_closed")
    _check_drawing_and_tip(page, root, "1280_sidebar_closed")
    assert not errors, errors

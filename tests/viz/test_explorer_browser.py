"""The explorer page in a real browser: Playwright driving Debian's /usr/bin/chromium (headless; the
``browser`` fixture of tests/viz/conftest.py, which skips with the reason where either is missing).
The 100,000-word page (the default) is built once for the module.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest

import embedkit
from embedkit import Vectors
from embedkit.viz.explorer import explore
from tests.viz.pages import open_page

pytest.importorskip("plotly", reason="plotly is not installed: pip install 'embedkit[explore]'")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big(tmp_path_factory, glove):
    """The default page: the 100,000 most frequent words, PCA, with two small groups."""
    groups = {"animals": ["frog", "toad", "snake", "lizard"], "royals": ["king", "queen", "prince", "princess"]}
    ex = explore(glove, groups=groups)
    path = ex.save(tmp_path_factory.mktemp("explore") / "explore.html")
    return ex, path


@pytest.fixture(scope="module")
def page(browser, big):
    p, log = open_page(browser, big[1])
    yield p, log
    p.close()


def test_loads_offline_without_errors(page, big):
    """Check that the page loads from file:// with no console error and no request but the file itself."""
    p, log = page
    assert log["errors"] == []
    assert log["requests"] == [big[1].as_uri()]
    assert p.evaluate("window.embedkitExplorer.words.length") == 100_000
    assert p.evaluate("window.embedkitExplorer.embedded") is True


def test_vectors_are_decoded_on_first_use(browser, tmp_path, glove):
    """Check that the page decodes its float16 rows only after the first render, and answers from them."""
    ex = explore(glove, 2000, clusters=0, k=3)
    p, log = open_page(browser, ex.save(tmp_path / "lazy.html"))
    try:
        got = p.evaluate("window.embedkitExplorer.neighbors('king', 3)")
        assert [w for w, _ in got] == embedkit.nearest(ex.vectors, "king", k=3).words
        t = p.evaluate("window.embedkitExplorer.timings")
        assert t["vectors_decode_start_ms"] >= t["first_render_ms"] > 0
        assert log["errors"] == []
    finally:
        p.close()


def _settled_view(p):
    """The page's view() once its map has caught up with the last question."""
    p.evaluate("window.embedkitExplorer.settled()")
    return p.evaluate("window.embedkitExplorer.view()")


def _outside(view) -> list[str]:
    """The highlighted words drawn outside the visible ranges."""
    (x0, x1), (y0, y1) = view["x_range"], view["y_range"]
    pos = view["highlighted_positions"]
    return [w for w, (x, y) in pos.items() if not (x0 <= x <= x1 and y0 <= y <= y1)]


def test_search_brings_frog_and_every_neighbour_into_view(page, big):
    """Check that after search('frog') the view is narrower than the map and holds frog and all 10 neighbours."""
    p, _ = page
    p.evaluate("window.embedkitExplorer.search('frog')")
    v = _settled_view(p)
    assert v["highlighted"][0] == "frog" and len(v["highlighted"]) == 11
    assert v["highlighted"][1:4] == ["snake", "ape", "toad"]
    assert _outside(v) == []
    span = np.ptp(big[0].projection.coords[:, 0])
    assert v["x_range"][1] - v["x_range"][0] < 0.5 * span  # zoomed in, not the whole map
    x, y = p.evaluate("window.embedkitExplorer.position('toad')")
    np.testing.assert_allclose([x, y], big[0].projection.coords[big[0].vectors.index["toad"]], atol=1e-6)
    assert v["projection"] == "pca" and v["projections"] == ["pca"] and v["dims"] == 2


def test_clicking_a_point_brings_it_and_its_neighbours_into_view(page, big):
    """Check that clicking a point selects it and moves the view so that it and every neighbour are in it."""
    p, _ = page
    ex = big[0]
    p.evaluate("window.embedkitExplorer.search('gamma')")
    _settled_view(p)
    # Click a point that stands alone, near the centre of the current view (not gamma: the view must move again).
    v = p.evaluate("window.embedkitExplorer.view()")
    size = p.evaluate("(() => { const s = document.getElementById('plot')._fullLayout._size; return [s.w, s.h]; })()")
    (x0, x1), (y0, y1) = v["x_range"], v["y_range"]
    px = (ex.projection.coords - [x0, y0]) / [x1 - x0, y1 - y0] * size  # (n, 2) pixels in the plot area
    centre = np.hypot(*(px - np.array(size) / 2).T)
    taken = {ex.vectors.index[w] for w in v["highlighted"]}

    # no other point within 8 px: the distance to each point's nearest other point, all at once
    from scipy.spatial import cKDTree

    nearest = cKDTree(px).query(px, k=2)[0][:, 1]
    i = next(int(i) for i in np.argsort(centre) if i not in taken and nearest[i] > 8)
    word = ex.projection.words[i]
    xy = p.evaluate(
        """([x, y]) => { const gd = document.getElementById('plot'), L = gd._fullLayout, r = gd.getBoundingClientRect();
        return [r.left + L._size.l + L.xaxis.l2p(x), r.top + L._size.t + L.yaxis.l2p(y)]; }""",
        [float(ex.projection.coords[i, 0]), float(ex.projection.coords[i, 1])],
    )
    p.mouse.click(xy[0], xy[1])
    p.wait_for_function("w => window.embedkitExplorer.selected === w", arg=word)
    v = _settled_view(p)
    assert v["highlighted"][0] == word and len(v["highlighted"]) == 11
    assert _outside(v) == []


def test_analogy_box_brings_all_four_words_into_view(page):
    """Check that 'france paris italy' answers rome and the view holds all four words."""
    p, _ = page
    p.evaluate("Plotly.relayout('plot', {'xaxis.range': [0, 0.001], 'yaxis.range': [0, 0.001]})")
    p.fill("#analogy", "france paris italy")
    p.press("#analogy", "Enter")
    p.wait_for_selector("#analogy-result li")
    v = _settled_view(p)
    assert sorted(v["highlighted"]) == ["france", "italy", "paris", "rome"]
    assert _outside(v) == []
    assert p.evaluate("window.embedkitExplorer.state()")["analogy"] == ["france", "paris", "italy"]


def test_api_analogy_brings_all_four_words_into_view(page):
    """Check that analogy() called through the API fits the view to its four words and the panels follow it."""
    p, _ = page
    p.evaluate("window.embedkitExplorer.search('frog')")
    p.evaluate("Plotly.relayout('plot', {'xaxis.range': [0, 0.001], 'yaxis.range': [0, 0.001]})")
    got = p.evaluate("window.embedkitExplorer.analogy('france', 'paris', 'italy', 3)")
    assert got[0][0] == "rome"
    v = _settled_view(p)
    assert sorted(v["highlighted"]) == ["france", "italy", "paris", "rome"] and _outside(v) == []
    assert p.locator("#analogy-result li").first.get_attribute("data-word") == "rome"
    # The neighbour panel no longer lists frog's neighbours, which are not what the map shows.
    assert p.get_attribute("#neighbors", "data-word") is None
    assert p.inner_text("#neighbors").startswith("The map shows the analogy france : paris :: italy : ?")
    assert p.evaluate("window.embedkitExplorer.selected") is None


def test_api_neighbors_bring_the_word_and_its_neighbours_into_view(page):
    """Check that neighbors() called through the API highlights the word and its neighbours, all in view."""
    p, _ = page
    p.evaluate("Plotly.relayout('plot', {'xaxis.range': [0, 0.001], 'yaxis.range': [0, 0.001]})")
    got = p.evaluate("window.embedkitExplorer.neighbors('gamma', 10)")
    v = _settled_view(p)
    assert v["highlighted"] == ["gamma"] + [w for w, _ in got] and _outside(v) == []
    assert p.get_attribute("#neighbors", "data-word") == "gamma"


def test_capitalised_words_find_the_lowercase_vectors(page):
    """Check that 'Paris' finds paris in search, neighbours and the analogy box."""
    p, _ = page
    assert p.evaluate("window.embedkitExplorer.search('Paris')")[0] == ["paris", 1]
    got = p.evaluate("window.embedkitExplorer.neighbors('Paris', 3)")
    assert got == p.evaluate("window.embedkitExplorer.neighbors('paris', 3)")
    p.fill("#analogy", "France Paris Italy")
    p.press("#analogy", "Enter")
    p.wait_for_selector("#analogy-result li")
    assert p.locator("#analogy-result li").first.get_attribute("data-word") == "rome"


def test_neighbour_count_is_chosen_in_the_page(page):
    """Check that setting the neighbour count to 3 lists and highlights three neighbours."""
    p, _ = page
    p.evaluate("window.embedkitExplorer.search('frog')")
    p.fill("#k", "3")
    p.press("#k", "Enter")
    p.wait_for_function("document.querySelectorAll('#neighbors li').length === 3")
    v = _settled_view(p)
    assert v["highlighted"] == ["frog", "snake", "ape", "toad"] and _outside(v) == []
    assert p.evaluate("window.embedkitExplorer.state()")["k"] == 3
    p.fill("#k", "10")
    p.press("#k", "Enter")
    p.wait_for_function("document.querySelectorAll('#neighbors li').length === 10")


def test_word_of_the_vectors_outside_the_page_is_named_as_such(browser, tmp_path, glove):
    """Check that a word in the vectors but not among the page's words gets its own message, and a word in neither gets 'unknown word'."""
    ex = explore(glove, 2000, clusters=0, k=3)
    assert "frog" not in ex.vectors.index and ex.other_words_total == len(glove) - 2000
    p, log = open_page(browser, ex.save(tmp_path / "small.html"))
    try:
        want = "'frog' is in the vectors but not among this page's 2,000 words"
        call = "q => { try { window.embedkitExplorer.%s } catch (e) { return e.message } }"
        assert p.evaluate(call % "neighbors(q)", "frog") == want
        assert p.evaluate(call % "search(q)", "Frog") == want
        assert p.evaluate(call % "neighbors(q)", "zzqqxx") == "unknown word: 'zzqqxx'"
        p.fill("#search", "frog")
        p.press("#search", "Enter")
        assert p.inner_text("#search-results .err") == want
        assert log["errors"] == []
    finally:
        p.close()


def test_groups_file_opens_coloured_with_labelled_members(browser, big):
    """Check that a page built with groups opens coloured by them, each member drawn larger and labelled."""
    p, log = open_page(browser, big[1])
    try:
        assert p.input_value("#color-by") == p.evaluate(
            "[...document.querySelectorAll('#color-by option')].find(o => o.textContent === 'groups').value"
        )
        labels = p.locator("#plot .textpoint text").evaluate_all("els => els.map(e => e.textContent)")
        assert sorted(labels) == ["frog", "king", "lizard", "prince", "princess", "queen", "snake", "toad"]
        sizes = p.evaluate("document.getElementById('plot').data.map(t => t.marker.size)")
        assert sizes[0] == sizes[1] == 8 and sizes[2] == 3  # animals, royals, other
        assert log["errors"] == []
    finally:
        p.close()


def test_information_panel_is_readable(page):
    """Check that the panel shows parameters as words (no JSON), explains trustworthiness, fits its width, and the title shows once."""
    p, _ = page
    info = p.inner_text("#info")
    assert not any(c in info for c in '{}"')
    assert "trustworthiness measured with\tk 10, sample 2,000" in info
    assert "drawn\t2-D" in info and "dim\t" not in info  # the map's dimensions, not the fit's parameter
    assert p.get_attribute("#info abbr", "title").startswith("The share of each word's nearest neighbours on the map")
    assert p.evaluate("document.getElementById('side').scrollWidth <= document.getElementById('side').clientWidth")
    assert p.locator("#plot .gtitle").count() == 0 and p.locator("h1").count() == 1
    # The y axis title sits left of every tick label.
    title = p.locator("#plot .ytitle").bounding_box()
    ticks = p.locator("#plot .ytick text").evaluate_all("els => els.map(e => e.getBoundingClientRect().left)")
    assert title["x"] + title["width"] <= min(ticks)


def test_many_colours_get_a_compact_legend(page):
    """Check that the 20 k-means colours fit in a legend of at most 12% of the plot's area."""
    p, _ = page
    p.select_option("#color-by", label="k-means (20 clusters)")
    p.wait_for_function("document.querySelectorAll('#plot .legend .traces').length === 20")
    legend = p.locator("#plot .legend").bounding_box()
    plot = p.locator("#plot").bounding_box()
    assert legend["width"] * legend["height"] <= 0.12 * plot["width"] * plot["height"]
    p.select_option("#color-by", label="groups")


def test_search_box_selects_frog_and_lists_its_neighbours(page):
    """Check that searching 'frog' selects it and the neighbour panel lists snake, ape, toad first."""
    p, _ = page
    p.fill("#search", "frog")
    p.press("#search", "Enter")
    p.wait_for_selector("#neighbors[data-word='frog']")
    assert p.evaluate("window.embedkitExplorer.selected") == "frog"
    items = p.locator("#neighbors li").evaluate_all("els => els.map(e => e.dataset.word)")
    assert items[:3] == ["snake", "ape", "toad"]
    assert len(items) == 10


def test_api_search_finds_prefixes_and_names_unknown_words(page):
    """Check that search returns the word and then the words it begins, and throws naming an unknown word."""
    p, _ = page
    got = p.evaluate("window.embedkitExplorer.search('frog')")
    assert [w for w, _ in got[:4]] == ["frog", "frogs", "frogmen", "froggy"]
    assert got[0][1] == 1
    msg = p.evaluate("() => { try { window.embedkitExplorer.neighbors('zzqqxx', 3) } catch (e) { return e.message } }")
    assert msg == "unknown word: 'zzqqxx'"
    msg = p.evaluate(
        "() => { try { window.embedkitExplorer.analogy('man', 'qqzz', 'zzqq') } catch (e) { return e.message } }"
    )
    assert msg == "unknown words: 'qqzz', 'zzqq'"


def test_js_answers_equal_nearest_and_analogy_on_the_embedded_rows(page, big):
    """Check that the page's neighbours and 3CosAdd answers equal embedkit's on the page's float16 rows."""
    p, _ = page
    ex = big[0]
    assert ex.vectors.matrix.dtype == np.float16
    rng = np.random.default_rng(0)
    words = [ex.vectors.keys[i] for i in rng.choice(len(ex.vectors), 40, replace=False)] + ["frog", "the"]
    js = p.evaluate("ws => ws.map(w => window.embedkitExplorer.neighbors(w, 10))", words)
    questions = [
        ("man", "king", "woman"),
        ("paris", "france", "tokyo"),
        ("good", "better", "bad"),
        ("slow", "slower", "fast"),
    ]
    js_an = p.evaluate("qs => qs.map(q => window.embedkitExplorer.analogy(q[0], q[1], q[2], 5))", questions)
    ours = embedkit.nearest_many(ex.vectors, words, k=10) + embedkit.analogy_many(ex.vectors, questions, k=5)
    for got, want in zip(js + js_an, ours):
        got_scores = np.array([s for _, s in got])
        np.testing.assert_allclose(got_scores, np.array(want.scores), atol=2e-6)
        # Equal words, except where two scores tie within float32 rounding.
        for (gw, gs), ww in zip(got, want.words):
            assert gw == ww or abs(gs - dict(want)[ww]) < 2e-6
    assert js_an[0][0][0] == "queen"


def test_hover_shows_the_word(page, big):
    """Check that moving the mouse onto a point shows its word in the hover label."""
    p, _ = page
    ex = big[0]
    i = int(np.argmax(ex.projection.coords[:, 0]))  # the right-most point stands alone
    # await the relayout, so that the pixel position below is computed on the new axes
    p.evaluate("() => Plotly.relayout('plot', {'xaxis.autorange': true, 'yaxis.autorange': true})")
    p.wait_for_timeout(300)
    xy = p.evaluate(
        """([x, y]) => { const gd = document.getElementById('plot'), L = gd._fullLayout, r = gd.getBoundingClientRect();
        return [r.left + L._size.l + L.xaxis.l2p(x), r.top + L._size.t + L.yaxis.l2p(y)]; }""",
        [float(ex.projection.coords[i, 0]), float(ex.projection.coords[i, 1])],
    )
    p.mouse.move(xy[0] - 20, xy[1] - 20)
    p.mouse.move(xy[0], xy[1], steps=4)
    # The label may first show a point passed on the way; wait (up to 5 s) for the one under the mouse.
    from playwright.sync_api import expect

    expect(p.locator(".hoverlayer .hovertext").first).to_have_text(ex.projection.words[i], timeout=5000)


def test_colour_by_groups_shows_a_legend_that_toggles(page):
    """Check that colouring by the groups file shows a legend with each group, and a click hides one."""
    p, _ = page
    p.select_option("#color-by", label="groups")
    p.wait_for_selector(".legend .traces")
    entries = p.locator(".legend .traces .legendtext").evaluate_all("els => els.map(e => e.textContent)")
    assert entries == ["animals (4)", "royals (4)", "other (99,992)"]
    p.locator(".legend .traces").nth(0).click()
    p.wait_for_function("document.getElementById('plot').data[0].visible === 'legendonly'")
    p.select_option("#color-by", label="one colour")


def test_analogy_box_answers_queen(page):
    """Check that typing 'man king woman' in the analogy box answers 'queen' first."""
    p, _ = page
    p.fill("#analogy", "man king woman")
    p.press("#analogy", "Enter")
    p.wait_for_selector("#analogy-result li")
    assert p.locator("#analogy-result li").first.get_attribute("data-word") == "queen"


def test_downloaded_csv_equals_the_saved_projection(page, big, tmp_path):
    """Check that 'download coordinates' gives the bytes Projection.save writes to a .csv."""
    p, _ = page
    with p.expect_download() as dl:
        p.click("#download-csv")
    got = Path(dl.value.path()).read_bytes()
    want = big[0].projection.save(tmp_path / "p.csv").read_bytes()
    assert got == want


def test_box_selection_lists_and_downloads_words(browser, big):
    """Check that a box selection lists the words inside it and downloads them."""
    p, _ = open_page(browser, big[1])  # a fresh page: no hover label or highlight in the way
    ex = big[0]
    p.evaluate("Plotly.relayout('plot', {dragmode: 'select'})")
    p.wait_for_timeout(500)
    box = p.locator("#plot .nsewdrag").first.bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.45
    p.mouse.move(x0, y0)
    p.mouse.down()
    p.mouse.move(x0 + 60, y0 + 50, steps=8)
    p.mouse.up()
    p.wait_for_selector("#download-selection")
    n = p.evaluate("window.embedkitExplorer.selection.length")
    assert n > 0 and n < len(ex)
    with p.expect_download() as dl:
        p.click("#download-selection")
    words = Path(dl.value.path()).read_text().split("\n")[:-1]
    assert words == p.evaluate("window.embedkitExplorer.selection")
    assert set(words) <= set(ex.projection.words)
    p.close()


def test_screenshot_is_not_blank(page):
    """Check that a screenshot of the page holds a drawn map (many distinct colours)."""
    import matplotlib.image

    p, _ = page
    img = matplotlib.image.imread(io.BytesIO(p.screenshot()), format="png")
    colours = np.unique((img[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50
    assert img[..., :3].std() > 0.05


def test_page_above_the_budget_uses_precomputed_neighbours(browser, tmp_path, glove):
    """Check that a page without the vectors lists the precomputed neighbours and says analogies need them."""
    ex = explore(glove, 3000, embed=False, clusters=0, k=5)
    path = ex.save(tmp_path / "nb.html")
    p, log = open_page(browser, path)
    try:
        assert p.evaluate("window.embedkitExplorer.embedded") is False
        got = p.evaluate("window.embedkitExplorer.neighbors('king', 5)")
        want = embedkit.nearest(ex.vectors, "king", k=5)
        assert [w for w, _ in got] == want.words
        np.testing.assert_allclose([s for _, s in got], want.scores, atol=1e-6)
        msg = p.evaluate(
            "() => { try { window.embedkitExplorer.analogy('man', 'king', 'woman') } catch (e) { return e.message } }"
        )
        assert msg.startswith("analogies need the vectors, which this page does not hold")
        assert "cannot answer analogies" in p.inner_text("#budget-note")
        assert log["errors"] == []
    finally:
        p.close()


def test_page_of_any_vectors(browser, tmp_path):
    """Check that a page of hand-made vectors (no source) answers neighbours from its float16 rows."""
    v = Vectors(["a", "b", "c", "d"], np.array([[1, 0], [0.9, 0.1], [0, 1], [-1, 0]], dtype=np.float32))
    ex = explore(v, None, clusters=2, k=2)
    p, log = open_page(browser, ex.save(tmp_path / "tiny.html"))
    try:
        got = p.evaluate("window.embedkitExplorer.neighbors('a', 2)")
        assert [w for w, _ in got] == ["b", "c"]
        np.testing.assert_allclose([s for _, s in got], embedkit.nearest(ex.vectors, "a", k=2).scores, atol=1e-6)
        assert log["errors"] == []
    finally:
        p.close()


def test_projection_switch_keeps_the_selection(browser, tmp_path, glove, monkeypatch):
    """Check that setProjection('tsne') draws the t-SNE coordinates with the same selection and highlights, in view."""
    from embedkit.viz import explorer as explorer_module

    monkeypatch.setattr(explorer_module, "SLOW_METHOD_MAX", 1200)
    ex = explore(glove, 1500, method=["pca", "tsne"], clusters=0, k=5)
    p, log = open_page(browser, ex.save(tmp_path / "two.html"))
    try:
        p.evaluate("window.embedkitExplorer.search('king')")
        before = _settled_view(p)
        assert before["projection"] == "pca" and before["projections"] == ["pca", "tsne"]
        p.select_option("#projection", "tsne")
        p.wait_for_function("window.embedkitExplorer.view().projection === 'tsne'")
        v = _settled_view(p)
        assert v["highlighted"] == before["highlighted"] and p.evaluate("window.embedkitExplorer.selected") == "king"
        tsne = ex.more[0]
        row = tsne.words.index("king")
        np.testing.assert_allclose(p.evaluate("window.embedkitExplorer.position('king')"), tsne.coords[row], atol=1e-5)
        drawn = {w: xy for w, xy in v["highlighted_positions"].items() if np.isfinite(xy[0])}
        assert set(drawn) == set(v["highlighted"]) & set(tsne.words)
        assert _outside({**v, "highlighted_positions": drawn}) == []
        missing = [w for w in v["highlighted"] if w not in tsne.words]
        assert missing  # k=5 neighbours of king among 1,500 words: some lie past the first 1,200
        assert p.inner_text("#projection-note") == (
            "Not in the t-SNE projection (it holds the first 1,200 words): " + ", ".join(missing)
        )
        assert "t-SNE" in p.inner_text("#info")
        p.evaluate("window.embedkitExplorer.setProjection('pca')")
        back = _settled_view(p)
        assert back["projection"] == "pca" and back["highlighted"] == before["highlighted"] and _outside(back) == []
        msg = p.evaluate(
            "() => { try { window.embedkitExplorer.setProjection('umap') } catch (e) { return e.message } }"
        )
        assert msg == "no projection 'umap' in this page (it holds pca, tsne)"
        p.evaluate("window.embedkitExplorer.setProjection('tsne')")
        msg = p.evaluate("() => { try { window.embedkitExplorer.set3d(true) } catch (e) { return e.message } }")
        assert msg == "this page holds no 3-D fit of t-SNE (build it with three_d=True, or --3d)"
        assert log["errors"] == []
    finally:
        p.close()


def test_pca_axes_are_chosen_in_the_page(page, big, glove):
    """Check that choosing PC3 for y draws every word at (PC1, PC3) of the page's exact PCA, keeping the selection."""
    from embedkit.viz.reduce import pca, prepare_matrix

    p, _ = page
    ex = big[0]
    p.evaluate("window.embedkitExplorer.search('frog')")
    p.select_option("#pc-y", "3")
    p.wait_for_function("window.embedkitExplorer.state().pca_axes[1] === 3")
    v = _settled_view(p)
    assert v["highlighted"][0] == "frog" and _outside(v) == []
    coords, info = pca(prepare_matrix(glove.subset(ex.projection.words).matrix, "cosine"), 3)  # float32 rows
    row = ex.vectors.index["frog"]
    np.testing.assert_allclose(p.evaluate("window.embedkitExplorer.position('frog')"), coords[row, [0, 2]], atol=1e-5)
    assert (
        p.locator("#plot .ytitle").text_content()
        == f"PC3 ({100 * info['explained_variance_ratio'][2]:.1f}% of variance)"
    )
    msg = p.evaluate("() => { try { window.embedkitExplorer.setPcaAxes(1, 11) } catch (e) { return e.message } }")
    assert msg == "principal components run from 1 to 10, got 11"
    p.evaluate("window.embedkitExplorer.setPcaAxes(1, 2)")
    _settled_view(p)
    np.testing.assert_allclose(
        p.evaluate("window.embedkitExplorer.position('frog')"), ex.projection.coords[row], atol=1e-6
    )


def test_axes_made_of_words(page, big):
    """Check that axes man->woman and poor->rich place each word at its unit row's component along them, king nearer man."""
    p, _ = page
    ex = big[0]
    p.evaluate("window.embedkitExplorer.setProjection('pca')")
    p.fill("#axes", "Man woman poor rich")
    p.press("#axes", "Enter")
    p.wait_for_function("window.embedkitExplorer.view().projection === 'custom'")
    _settled_view(p)
    U = ex.vectors.matrix.astype(np.float32)
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    row = ex.vectors.index

    def along(a, b):
        d = U[row[b]] - U[row[a]]
        return U @ d / np.linalg.norm(d)

    x, y = along("man", "woman"), along("poor", "rich")
    got = p.evaluate("['king', 'man', 'woman', 'frog'].map(w => window.embedkitExplorer.position(w))")
    want = [[x[row[w]], y[row[w]]] for w in ["king", "man", "woman", "frog"]]
    np.testing.assert_allclose(got, want, atol=1e-5)
    king, man, woman = (g[0] for g in got[:3])
    assert abs(king - man) < abs(king - woman)
    assert p.locator("#plot .xtitle").text_content() == "man \u2192 woman"
    assert p.evaluate("window.embedkitExplorer.state()")["axes"] == ["man", "woman", "poor", "rich"]
    p.fill("#axes", "man woman poor")
    p.press("#axes", "Enter")
    assert p.inner_text("#axes-result") == "type four words: a b c d (x from a to b, y from c to d)"
    p.evaluate("window.embedkitExplorer.setProjection('pca')")
    p.wait_for_function("window.embedkitExplorer.view().projection === 'pca'")
    _settled_view(p)


def test_search_by_regular_expression(page):
    """Check that '/^fro.*g$/' lists the matching words, most frequent first, and a bad pattern is named."""
    p, _ = page
    got = p.evaluate("window.embedkitExplorer.search('/^FRO.*G$/', 5)")
    words = p.evaluate("window.embedkitExplorer.words")
    want = [w for w in words if w.startswith("fro") and w.endswith("g")][:5]
    assert [w for w, _ in got] == want and want[0] == "frog"
    msg = p.evaluate("() => { try { window.embedkitExplorer.search('/fr(/') } catch (e) { return e.message } }")
    assert msg.startswith("not a regular expression: /fr(/ (")


def test_euclidean_neighbours(page, big):
    """Check that the Euclidean choice lists the words nearest by distance on the page's float16 rows."""
    p, _ = page
    ex = big[0]
    M = ex.vectors.matrix.astype(np.float64)
    for word in ["frog", "king"]:
        d = np.linalg.norm(M - M[ex.vectors.index[word]], axis=1)
        d[ex.vectors.index[word]] = np.inf
        order = np.argsort(d, kind="stable")[:5]
        got = p.evaluate("w => window.embedkitExplorer.neighbors(w, 5, 'euclidean')", word)
        np.testing.assert_allclose([s for _, s in got], d[order], rtol=1e-5)
        assert [w for w, _ in got] == [ex.vectors.keys[i] for i in order]
    p.select_option("#metric", "euclidean")
    p.evaluate("window.embedkitExplorer.search('frog')")
    p.wait_for_function("document.querySelector('#neighbors div').textContent.includes('Euclidean distance')")
    assert p.evaluate("window.embedkitExplorer.state()")["metric"] == "euclidean"
    p.select_option("#metric", "cosine")
    msg = p.evaluate(
        "() => { try { window.embedkitExplorer.neighbors('frog', 3, 'l1') } catch (e) { return e.message } }"
    )
    assert msg == "metric must be 'cosine' or 'euclidean', got 'l1'"


def test_inline_page_works_in_its_iframe(browser, glove):
    """Check that Jupyter's inline HTML (an srcdoc iframe) answers a search and fits the view, with no console error."""
    ex = explore(glove, 500, clusters=0)
    p = browser.new_page()
    errors = []
    p.on("console", lambda m: m.type == "error" and errors.append(m.text))
    p.on("pageerror", lambda e: errors.append(str(e)))
    try:
        p.set_content("<html><body>" + ex._repr_html_() + "</body></html>")
        f = p.frames[1]
        f.wait_for_selector("body[data-ready='1']", timeout=60_000)
        f.evaluate("window.embedkitExplorer.search('year')")
        f.evaluate("window.embedkitExplorer.settled()")
        v = f.evaluate("window.embedkitExplorer.view()")
        assert v["highlighted"][0] == "year" and _outside(v) == []
        assert errors == []
    finally:
        p.close()


@pytest.fixture(scope="module")
def three(tmp_path_factory, glove):
    """A 500-word page of PCA, UMAP and t-SNE (each also fitted in 3-D), with a metadata file of two columns."""
    folder = tmp_path_factory.mktemp("three")
    meta = folder / "words.tsv"
    rows = "".join(f"{w}\t{w[0].upper()}\t{len(w)}\n" for w in glove.keys[:500])
    meta.write_text("word\tinitial\tlength\n" + rows, encoding="utf-8")
    ex = explore(glove, 500, method=["pca", "umap", "tsne"], metadata=meta, clusters=3, k=5, three_d=True)
    return ex, ex.save(folder / "three.html")


@pytest.fixture(scope="module")
def tpage(browser, three):
    p, log = open_page(browser, three[1])
    yield p, log
    p.close()


API = "window.embedkitExplorer"
HIGHLIGHT = "document.getElementById('plot').data.at(-1)"  # the highlight trace of the 2-D map


def _error(p, call: str, *args) -> str:
    """The message of the error that the API call throws."""
    return p.evaluate(f"(a) => {{ try {{ {API}.{call}; return null }} catch (e) {{ return e.message }} }}", list(args))


def test_search_by_metadata_column(tpage, three):
    """Check that 'INITIAL:s' finds the words whose initial is S, a value the legend folds into 'other' is found too, and the box searches a chosen column."""
    p, log = tpage
    words = list(three[0].projection.words)
    got = p.evaluate(f"{API}.search('INITIAL:s', 100)")
    want = [w for w in words if w[0] == "s"]
    assert [w for w, _ in got] == want and len(want) == 41
    v = _settled_view(p)
    assert v["highlighted"] == want and _outside(v) == []
    assert p.inner_text("#neighbors").startswith("The map shows the 41 words found by initial:s")
    folded = next(c for c in three[0].colorings if c.name == "initial").categories
    rare = next(w[0].upper() for w in words if w[0].upper() not in folded)
    got = p.evaluate(f"q => {API}.search(q, 100, 'initial')", rare.lower())
    assert [w for w, _ in got] == [w for w in words if w[0].upper() == rare]
    p.select_option("#search-column", "length")
    p.fill("#search", "3")
    p.press("#search", "Enter")
    p.wait_for_function(f"{API}.state().search === 'length:3'")
    listed = p.locator("#search-results li:not(.note)").all_inner_texts()
    assert listed == [w for w in words if len(w) == 3][:100]
    p.select_option("#search-column", "word")
    assert _error(p, "search('x', 5, 'colour')") == (
        "no column 'colour' in this page (it has 'initial', 'length', 'k-means (3 clusters)')"
    )
    assert _error(p, "search('length:99')") == "no word has '99' in the column 'length'"
    assert log["errors"] == []


def test_isolate_and_reproject_a_selection(tpage, three):
    """Check that isolate() draws only the chosen words, reproject() places them at the PCA of their own rows, and 'show all' brings every word back."""
    from embedkit.viz.reduce import pca, prepare_matrix

    p, log = tpage
    ex = three[0]
    drawn = "document.getElementById('plot').data.slice(0, -1).reduce((n, t) => n + t.x.length, 0)"
    assert _error(p, "reproject()") == "isolate words first (isolate(), or the box or lasso tool and 'isolate')"
    p.evaluate(f"{API}.setProjection('pca')")
    chosen = [w for w in ex.projection.words if w[0] == "s"]
    p.evaluate(f"ws => {API}.isolate(ws)", chosen)
    assert _settled_view(p)["isolated"] == len(chosen) and p.evaluate(drawn) == len(chosen)
    p.click("#reproject")
    p.wait_for_function(f"{API}.view().projection === 'selection'")
    _settled_view(p)
    want, info = pca(prepare_matrix(ex.vectors.subset(chosen).matrix, "cosine"), 2)
    got = p.evaluate(f"ws => ws.map(w => {API}.position(w))", chosen)
    np.testing.assert_allclose(got, want, atol=1e-5)
    share = 100 * info["explained_variance_ratio"][0]
    assert p.locator("#plot .xtitle").text_content() == f"PC1 of the 41 isolated words ({share:.1f}% of their variance)"
    p.click("#show-all")
    p.wait_for_function(f"{API}.view().isolated === 0 && {API}.view().projection === 'pca'")
    _settled_view(p)
    assert p.evaluate(drawn) == 500
    row = ex.vectors.index["city"]
    np.testing.assert_allclose(p.evaluate(f"{API}.position('city')"), ex.projection.coords[row], atol=1e-6)
    # With nothing box-selected, 'isolate' takes the highlighted words: city and its 5 neighbours.
    p.evaluate(f"{API}.search('city')")
    p.click("#isolate")
    p.wait_for_function(f"{API}.view().isolated === 6")
    assert p.evaluate(drawn) == 6 and _outside(_settled_view(p)) == []
    p.click("#show-all")
    p.wait_for_function(f"{API}.view().isolated === 0")
    assert log["errors"] == []


def test_labels_on_demand(tpage):
    """Check that the highlighted words' labels turn off and on, and show a metadata column's values when labelled by it."""
    p, log = tpage
    p.evaluate(f"{API}.search('city')")
    words = _settled_view(p)["highlighted"]
    assert p.evaluate(f"{HIGHLIGHT}.mode") == "markers+text" and p.evaluate(f"{HIGHLIGHT}.text") == words
    p.uncheck("#labels")
    p.wait_for_function(f"{HIGHLIGHT}.mode === 'markers'")
    assert p.evaluate(f"{API}.state().labels") is False
    p.check("#labels")
    p.select_option("#label-by", "length")
    p.wait_for_function(f"{API}.state().label_by === 'length'")
    _settled_view(p)
    assert p.evaluate(f"{HIGHLIGHT}.mode") == "markers+text"
    assert p.evaluate(f"{HIGHLIGHT}.text") == [str(len(w)) for w in words]
    p.select_option("#label-by", "word")
    p.wait_for_function(f"{API}.state().label_by === null")
    _settled_view(p)
    assert p.evaluate(f"{HIGHLIGHT}.text") == words
    assert log["errors"] == []


def test_switching_to_umap_and_tsne_keeps_the_selection(tpage, three):
    """Check that the select box switches to UMAP and t-SNE with the same selection and highlights, drawn at each one's coordinates, in view."""
    p, log = tpage
    ex = three[0]
    p.evaluate(f"{API}.search('city')")
    before = _settled_view(p)
    for name, q in zip(["umap", "tsne"], ex.more):
        assert q.method == name and len(q) == 500
        p.select_option("#projection", name)
        p.wait_for_function(f"n => {API}.view().projection === n", arg=name)
        v = _settled_view(p)
        assert v["highlighted"] == before["highlighted"] and p.evaluate(f"{API}.selected") == "city"
        np.testing.assert_allclose(p.evaluate(f"{API}.position('city')"), q.coords[q.words.index("city")], atol=1e-5)
        assert _outside(v) == []
    p.evaluate(f"{API}.setProjection('pca')")
    assert log["errors"] == []


def test_3d_view_of_umap_and_tsne(tpage, three):
    """Check that a page built with three_d draws UMAP's and t-SNE's 3-D fits, keeps the highlights, and comes back to 2-D in view."""
    p, log = tpage
    ex = three[0]
    assert ex.to_dict()["fits3d"] == ["umap", "tsne"]
    for name, fit in zip(["umap", "tsne"], ex.fits3d[1:]):
        assert fit is not None and fit.method == name and fit.dim == 3
        p.evaluate(f"n => {API}.setProjection(n)", name)
        p.evaluate(f"{API}.search('city')")
        before = _settled_view(p)
        p.check("#view-3d")
        p.wait_for_function(f"{API}.view().dims === 3")
        v = _settled_view(p)
        assert v["highlighted"] == before["highlighted"]
        np.testing.assert_allclose(
            p.evaluate(f"{API}.position('city')"), fit.coords[fit.words.index("city")], atol=1e-5
        )
        assert p.evaluate("document.getElementById('plot3d').data.every(t => t.type === 'scatter3d')")
        assert f"trustworthiness of the 3-D fit\t{fit.trustworthiness:.3f}" in p.inner_text("#info")
        p.uncheck("#view-3d")
        p.wait_for_function(f"{API}.view().dims === 2")
        back = _settled_view(p)
        assert back["highlighted"] == before["highlighted"] and _outside(back) == []
    p.evaluate(f"{API}.setProjection('pca')")
    assert log["errors"] == []


def _not_blank(png: bytes) -> bool:
    """Whether a screenshot holds a drawn map: many distinct colours, not one flat tone."""
    import matplotlib.image

    img = matplotlib.image.imread(io.BytesIO(png), format="png")[::2, ::2, :3]  # every 4th pixel is enough
    return len(np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 50 and img.std() > 0.05


def test_screenshot_of_each_state_is_not_blank(tpage):
    """Check that a screenshot of each state (search, metadata search, isolated, re-projected, 3-D, UMAP, t-SNE) holds a drawn map."""
    p, log = tpage
    states = {
        "search": f"{API}.search('city')",
        "metadata": f"{API}.search('initial:s', 100)",
        "isolated": f"{API}.isolate()",
        "reprojected": f"{API}.reproject()",
        "all": f"{API}.showAll()",
        "3d": f"{API}.set3d(true)",
        "2d": f"{API}.set3d(false)",
        "umap": f"{API}.setProjection('umap')",
        "tsne": f"{API}.setProjection('tsne')",
    }
    keep = os.environ.get("EMBEDKIT_SCREENSHOTS")  # a folder to look at them in
    for name, call in states.items():
        p.evaluate(call)
        p.evaluate(f"{API}.settled()")
        p.wait_for_timeout(200)
        png = p.screenshot()
        if keep:
            Path(keep, f"explorer_{name}.png").write_bytes(png)
        assert _not_blank(png), name
    p.evaluate(f"{API}.setProjection('pca')")
    assert log["errors"] == []


def test_reload_restores_a_metadata_search_and_labels(tpage):
    """Check that the fragment keeps a metadata search and the label column, and reloading restores both."""
    p, _ = tpage
    p.evaluate(f"{API}.search('length:3')")
    p.evaluate(f"{API}.setLabels(true, 'initial')")
    p.evaluate(f"{API}.settled()")
    want = p.evaluate(f"{API}.state()")
    p.reload()
    p.wait_for_selector("body[data-ready='1']", timeout=60_000)
    p.evaluate(f"{API}.settled()")
    got = p.evaluate(f"{API}.state()")
    assert (got["search"], got["label_by"], got["labels"]) == ("length:3", "initial", True)
    assert got["x_range"] == pytest.approx(want["x_range"]) and got["y_range"] == pytest.approx(want["y_range"])
    assert p.input_value("#label-by") == "initial"


def test_3d_view_keeps_the_highlights(browser, three, glove):
    """Check that set3d(true) draws PC1-PC3 with the same highlights, and set3d(false) returns with them in view."""
    from embedkit.viz.reduce import pca, prepare_matrix

    ex = three[0]
    p, log = open_page(browser, three[1])
    try:
        p.evaluate("window.embedkitExplorer.search('city')")
        before = _settled_view(p)
        p.check("#view-3d")
        p.wait_for_function("window.embedkitExplorer.view().dims === 3")
        v = _settled_view(p)
        assert v["highlighted"] == before["highlighted"] and p.locator("#plot3d .gl-container canvas").count() >= 1
        coords, _ = pca(prepare_matrix(glove.subset(ex.projection.words).matrix, "cosine"), 3)
        np.testing.assert_allclose(
            p.evaluate("window.embedkitExplorer.position('city')"), coords[ex.vectors.index["city"]], atol=1e-5
        )
        assert p.evaluate("document.getElementById('plot3d').data.every(t => t.type === 'scatter3d')")
        assert "drawn\t3-D (PC1, PC2, PC3)" in p.inner_text("#info")
        p.evaluate("window.embedkitExplorer.set3d(false)")
        back = _settled_view(p)
        assert back["dims"] == 2 and back["highlighted"] == before["highlighted"] and _outside(back) == []
        assert log["errors"] == []
    finally:
        p.close()


def test_view_state_is_kept_in_the_url_and_restored_on_reload(browser, three):
    """Check that the fragment mirrors state() and reloading the page restores projection, selection, colouring, k and ranges."""
    p, log = open_page(browser, three[1])
    try:
        api = "window.embedkitExplorer"
        p.evaluate(f"{api}.search('city')")
        p.evaluate(f"{api}.setProjection('tsne')")
        p.select_option("#color-by", label="k-means (3 clusters)")
        p.fill("#k", "4")
        p.press("#k", "Enter")
        p.wait_for_function("document.querySelectorAll('#neighbors li').length === 4")
        p.evaluate(f"{api}.settled()")
        want = p.evaluate(f"{api}.state()")
        assert want["projection"] == "tsne" and want["selected"] == "city" and want["k"] == 4
        assert want["coloring"] == "k-means (3 clusters)"
        assert json.loads(unquote(p.evaluate("location.hash")[1:])) == want
        p.reload()
        p.wait_for_selector("body[data-ready='1']", timeout=60_000)
        p.evaluate(f"{api}.settled()")  # ready comes after the restored view is drawn; settled() to be sure
        got = p.evaluate(f"{api}.state()")
        for key in ("projection", "selected", "k", "coloring", "dims", "axes", "pca_axes"):
            assert got[key] == want[key], key
        np.testing.assert_allclose(got["x_range"] + got["y_range"], want["x_range"] + want["y_range"], rtol=1e-6)
        assert p.input_value("#color-by") != "-1" and len(p.locator("#neighbors li").all()) == 4
        assert log["errors"] == []
    finally:
        p.close()


SENTENCES = [
    "The river bank was flooded after the storm.",
    (
        "She opened a savings account at the bank on Monday morning, hoping that the interest rate would stay "
        "where it was for at least another year while she saved for a house."
    ),
    "The bank raised its interest rates again.",
    "We had a picnic on the grassy bank of the river.",
    "My cat sleeps on the windowsill all afternoon.",
    "The kitten chased a ball of yarn across the floor.",
]


def test_sentences_as_points(browser, tmp_path, minilm):
    """Check that a page of MiniLM sentence vectors lists sentences as neighbours, wraps a long one in the hover and cuts its label."""
    from embedkit.contextual import encode

    vecs = Vectors(SENTENCES, encode(SENTENCES, model=minilm))
    ex = explore(vecs, None, clusters=2, k=3)
    p, log = open_page(browser, ex.save(tmp_path / "sentences.html"))
    try:
        got = p.evaluate("s => window.embedkitExplorer.neighbors(s, 3)", SENTENCES[4])
        want = embedkit.nearest(ex.vectors, SENTENCES[4], k=3)
        assert [s for s, _ in got] == want.words and want.words[0] == SENTENCES[5]
        np.testing.assert_allclose([x for _, x in got], want.scores, atol=2e-6)
        assert p.inner_text("#neighbors li").startswith(SENTENCES[5])
        hits = p.evaluate("window.embedkitExplorer.search('/interest rate/')")
        assert [s for s, _ in hits] == [SENTENCES[1], SENTENCES[2]]
        _settled_view(p)
        hover = p.evaluate(f"{HIGHLIGHT}.hovertext[0]")
        lines = hover.split("<br>")
        assert " ".join(lines) == SENTENCES[1] and max(map(len, lines)) <= 60 and len(lines) == 3
        assert p.evaluate(f"{HIGHLIGHT}.text[0]") == SENTENCES[1][:39] + "\u2026"
        assert log["errors"] == []
    finally:
        p.close()

"""plotly.js as the explorer inlines it: trace types registered by the page (embedkit/viz/plotlyjs.py).

The rewriting is checked on small bundles of the shape esbuild gives plotly.js; the installed bundle,
in Chromium: the page registers scattergl alone at load, draws with it, and holds every type of the
whole bundle once its 3-D view is shown; a page whose first factory is not scattergl's still works.
"""

from __future__ import annotations

import re

import pytest

from embedkit.viz.plotlyjs import deferred
from tests.viz.pages import open_page

WRAPPER = "var W=(e,t)=>()=>(t||e((t={exports:{}}).exports,t),t.exports);"
MODULES = {
    "gl": 'm.exports={moduleType:"trace",name:"scattergl",plot:p()}',
    "p": "m.exports=1",
    "bar": 'm.exports={moduleType:"trace",name:"bar"}',
    "pgl": 'var g=p();m.exports={moduleType:"trace",name:"scatterpolargl"}',  # shares a module with scattergl
    "F1": "m.exports=bar()",
    "F2": "var x=gl();m.exports=x",
    "F3": "m.exports=pgl()",
}


def bundle(modules: dict[str, str], register: str = "F1(),F2(),F3()") -> str:
    """A bundle of lazy modules, as esbuild writes them, whose core registers ``register``."""
    body = "".join(f"var {name}=W((a,m)=>{{{text}}});" for name, text in modules.items())
    return WRAPPER + body + f"var core=W((a,m)=>{{var R=reg();R.register([{register}]);m.exports=R}});"


def test_the_factory_that_leads_to_scattergl_is_handed_over_first():
    """Check that the register call becomes the factories and scattergl's position, and nothing else changes."""
    src = bundle(MODULES)
    out = deferred(src)
    later = "(globalThis.embedkitPlotlyLater={first:1,traces:[F1,F2,F3]},[])"
    assert out == src.replace("[F1(),F2(),F3()]", later)
    assert deferred(bundle(MODULES, "F3(),F1(),F2()")).count("{first:2,traces:[F3,F1,F2]}") == 1


@pytest.mark.parametrize(
    "change",
    [
        {"F1": "m.exports=gl()"},  # two factories lead to scattergl's module
        {"pgl": 'var g=gl();m.exports={moduleType:"trace",name:"scatterpolargl"}'},  # so, two calls further
        {"bar": 'm.exports={moduleType:"trace",name:"scattergl"}'},  # two modules declare it
        {"gl": 'm.exports={moduleType:"trace",name:"scatter"}'},  # none does
        {"F2": "m.exports=bar()"},  # no factory reaches it
    ],
    ids=["two", "two-further", "declared-twice", "not-declared", "not-reached"],
)
def test_a_bundle_that_does_not_say_which_is_scattergl_is_left_whole(change):
    """Check that where no factory or several lead to scattergl's module, or its declaration is missing or doubled, the bundle is unchanged."""
    src = bundle({**MODULES, **change})
    assert deferred(src) == src


def test_a_bundle_of_another_shape_is_left_whole():
    """Check that a bundle without one register call of factories, or whose factories are not modules, is unchanged."""
    assert deferred("var Plotly = {};") == "var Plotly = {};"
    twice = bundle(MODULES) + "S.register([F1(),F2()]);"
    assert deferred(twice) == twice
    unknown = bundle(MODULES, "F1(),F2(),F9()")
    assert deferred(unknown) == unknown


# The installed plotly.js (skipped, with the reason, without plotly), and in Chromium (the ``browser``
# fixture of tests/viz/conftest.py); the rewriting tests above need neither.
TYPES = "Object.keys(Plotly.PlotSchema.get().traces).sort()"


@pytest.fixture(scope="module")
def plotly_js() -> str:
    """The installed plotly.js bundle, as plotly ships it."""
    offline = pytest.importorskip("plotly.offline", reason="plotly is not installed: pip install 'embedkit[explore]'")
    return offline.get_plotlyjs()


@pytest.fixture(scope="module")
def small(plotly_js, tmp_path_factory, glove):
    """A 500-word PCA page (three components, so it has a 3-D view)."""
    from embedkit.viz.explorer import explore

    return explore(glove, 500, clusters=0).save(tmp_path_factory.mktemp("plotlyjs") / "small.html")


@pytest.fixture(scope="module")
def whole_types(browser, plotly_js, tmp_path_factory):
    """The trace types of the whole installed bundle, loaded as it is."""
    path = tmp_path_factory.mktemp("whole") / "whole.html"
    path.write_text(f"<html><body><script>{plotly_js}</script></body></html>", encoding="utf-8")
    page = browser.new_page()
    page.goto(path.as_uri())
    types = page.evaluate(TYPES)
    page.close()
    return types


def test_the_installed_bundle_is_rewritten(plotly_js):
    """Check that the installed plotly.js has the shape the rewriting expects (else the page loads it whole)."""
    out = deferred(plotly_js)
    assert out != plotly_js
    assert len(re.findall(r"globalThis\.embedkitPlotlyLater=\{first:\d+,traces:\[", out)) == 1


@pytest.mark.slow
def test_page_draws_with_scattergl_alone_then_holds_every_type_in_3d(browser, small, whole_types):
    """Check that at load only scatter and scattergl are registered and the map is scattergl, and after the 3-D view every type of the whole bundle is."""
    p, log = open_page(browser, small)
    try:
        assert p.evaluate(TYPES) == ["scatter", "scattergl"]
        assert p.evaluate("document.getElementById('plot')._fullData.map(t => t.type)")[0] == "scattergl"
        p.evaluate("window.embedkitExplorer.set3d(true)")
        assert p.evaluate("document.getElementById('plot3d')._fullData.map(t => t.type)")[0] == "scatter3d"
        assert p.evaluate(TYPES) == whole_types
        assert "scatter3d" in whole_types and len(whole_types) > 40
        assert log["errors"] == []
    finally:
        p.close()


@pytest.mark.slow
def test_page_whose_first_factory_is_not_scattergl_registers_every_type(browser, small, tmp_path, whole_types):
    """Check that a wrong first position (here bar's) makes the page register everything at load and still draw scattergl."""
    text = small.read_text(encoding="utf-8")
    wrong, n = re.subn(r"embedkitPlotlyLater=\{first:\d+,", "embedkitPlotlyLater={first:0,", text)
    assert n == 1
    path = tmp_path / "wrong.html"
    path.write_text(wrong, encoding="utf-8")
    p, log = open_page(browser, path)
    try:
        assert p.evaluate(TYPES) == whole_types
        assert p.evaluate("document.getElementById('plot')._fullData.map(t => t.type)")[0] == "scattergl"
        assert log["errors"] == []
    finally:
        p.close()


@pytest.mark.slow
def test_page_with_the_whole_bundle_works_as_before(browser, glove, tmp_path, monkeypatch, whole_types):
    """Check that a page whose bundle was left whole (another plotly.js build) registers everything at load and draws both views."""
    from embedkit.viz import explorer as module

    monkeypatch.setattr(module, "deferred", lambda bundle: bundle)
    path = module.explore(glove, 500, clusters=0).save(tmp_path / "whole.html")
    assert "globalThis.embedkitPlotlyLater=" not in path.read_text(encoding="utf-8")
    p, log = open_page(browser, path)
    try:
        assert p.evaluate("window.embedkitPlotlyLater === undefined")
        assert p.evaluate(TYPES) == whole_types
        assert p.evaluate("document.getElementById('plot')._fullData.map(t => t.type)")[0] == "scattergl"
        p.evaluate("window.embedkitExplorer.set3d(true)")
        assert p.evaluate("document.getElementById('plot3d')._fullData.map(t => t.type)")[0] == "scatter3d"
        assert log["errors"] == []
    finally:
        p.close()

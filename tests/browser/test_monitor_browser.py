"""The monitor in a real JupyterLab + Chromium: live plot updates, Stop, queued cells, interrupt."""

import json
import re
import time

from .lab import LabPage

TRAIN_CELL = 1


def test_stop_button_ends_running_loop(browser, lab, notebook_copy, screenshots):
    page = LabPage(browser, lab, notebook_copy("stop_button.ipynb"), screenshots)
    try:
        page.run_all()
        page.wait_running(TRAIN_CELL)
        page.watch_cell_done(TRAIN_CELL)
        # The plot image must change at least three times while the cell runs: four sources.
        page.wait_image_changes(4, timeout=45)
        assert "*" in page.prompts()[TRAIN_CELL], "the training cell ended before Stop"
        page.screenshot("monitor-running")
        page.screenshot("monitor-widget-running", ".dl-monitor-root")
        page.click_stop()
        page.wait_done(TRAIN_CELL, timeout=60)
        timings = page.timings()
        click_to_done_ms = timings["done"][str(TRAIN_CELL)] - timings["click"]
        print(f"\nStop click -> cell done: {click_to_done_ms:.0f} ms")
        (screenshots / "stop-timing.json").write_text(json.dumps(
            {"click_to_done_ms": click_to_done_ms,
             "image_sources": len(page.image_sources())}))
        # What is required is that Stop ends the loop while the cell runs: without it the
        # loop runs on for up to 300 s. A working Stop ends the cell in 35-200 ms on a quiet
        # machine (design/STOP-BUTTON.md); 30 s leaves a factor of 150 for a loaded 2-core
        # machine and is still ten times shorter than the loop would run, so the limit
        # separates "Stop works" from "Stop does not" without depending on the machine.
        assert 0 <= click_to_done_ms < 30_000
        # The queued cells ran afterwards, once each and in order; no warnings, no figures.
        page.wait_done(4, timeout=60)
        result = page.output_text(4)
        assert "RESULT ['train', 'A', 'B'] True True True [] 0" in result, result
        assert page.prompts()[2:5] == sorted(page.prompts()[2:5]), page.prompts()
        # After the loop: no Stop button, and the clock and the plots stay as they are while
        # later cells run (the final frame is drawn just after the cell's reply: wait for it).
        time.sleep(2.0)
        after = page.monitor_state(TRAIN_CELL)
        assert after is not None and not after["stop_visible"], after
        elapsed = re.search(r"elapsed (\d+:\d\d:\d\d)", after["text"]).group(1)
        sources = len(page.image_sources())
        prompt = page.prompts()[2]
        page.page.evaluate(
            "() => { const nb = window.jupyterapp.shell.currentWidget.content;"
            " nb.activeCellIndex = 2; }")
        time.sleep(1.5)  # a ticking clock would now show at least one more second
        page.command("notebook:run-cell")
        page.page.wait_for_function(
            "([i, p]) => { const q = document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')"
            "[i]; return q && /\\[\\d+\\]/.test(q.textContent) && q.textContent.trim() !== p; }",
            arg=[2, prompt], timeout=30_000)
        time.sleep(1.5)
        later = page.monitor_state(TRAIN_CELL)
        assert f"elapsed {elapsed}" in later["text"], (elapsed, later["text"])
        assert len(page.image_sources()) == sources and not later["stop_visible"]
        page.screenshot("monitor-stopped", ".dl-monitor-root")
        page.screenshot("notebook-after-stop")
        assert not page.errors, page.errors
    finally:
        page.close()


def test_interrupt_leaves_monitor_consistent(browser, lab, notebook_copy, screenshots):
    page = LabPage(browser, lab, notebook_copy("interrupt.ipynb"), screenshots)
    try:
        page.run_all()
        page.wait_running(TRAIN_CELL)
        page.wait_image_changes(1, timeout=45)
        time.sleep(0.5)
        page.interrupt()
        page.wait_done(TRAIN_CELL, timeout=10)
        assert "KeyboardInterrupt" in page.output_text(TRAIN_CELL)
        # Jupyter aborts the cells queued behind an interrupted one: they never run.
        time.sleep(0.5)
        assert "QUEUED-CELL-RAN" not in page.output_text(2)
        # The monitor and the loop's variables are usable afterwards.
        page.page.evaluate(
            "() => { const nb = window.jupyterapp.shell.currentWidget.content;"
            " nb.activeCellIndex = 3; }")
        page.command("notebook:run-cell")
        page.page.wait_for_function(
            "() => { const o = document.querySelectorAll('.jp-CodeCell')[3]"
            ".querySelector('.jp-OutputArea'); return o && o.innerText.includes('CHECK'); }",
            timeout=20_000)
        assert "CHECK True True True True [False, False, False]" in page.output_text(3)
        assert not page.errors, page.errors
    finally:
        page.close()


def test_explorers_render(browser, lab, notebook_copy, screenshots):
    page = LabPage(browser, lab, notebook_copy("explorers.ipynb"), screenshots)
    try:
        page.run_all()
        page.wait_done(4, timeout=90)
        for index in range(1, 5):
            page.page.wait_for_function(
                "(i) => { const img = document.querySelectorAll('.jp-CodeCell')[i]"
                ".querySelector('.dl-explorer img');"
                " return img && img.naturalWidth > 100; }", arg=index, timeout=30_000)
            assert page.count_in_cell(index, ".dl-explorer .widget-dropdown, "
                                             ".dl-explorer .widget-slider, "
                                             ".dl-explorer .widget-select-multiple") >= 1
            page.page.locator(".jp-CodeCell").nth(index).scroll_into_view_if_needed()
            page.page.locator(".jp-CodeCell").nth(index).locator(".dl-explorer").screenshot(
                path=str(screenshots / f"explorer-{index}.png"), timeout=10_000)
        # A control change in the browser redraws the figure.
        cell = page.page.locator(".jp-CodeCell").nth(1)
        cell.scroll_into_view_if_needed()
        before = cell.locator(".dl-explorer img").get_attribute("src")
        cell.locator("select").first.select_option("he")
        page.page.wait_for_function(
            "(src) => document.querySelectorAll('.jp-CodeCell')[1]"
            ".querySelector('.dl-explorer img').getAttribute('src') !== src", arg=before,
            timeout=20_000)
        assert not page.errors, page.errors
    finally:
        page.close()

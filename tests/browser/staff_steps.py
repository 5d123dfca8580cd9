"""Steps of the warehouse floor the role tests share: reading the loading dock and the
pick list, and a buyer's recall in a browser of their own."""

from __future__ import annotations


def every_truck_shown(page) -> None:
    """Wait until the loading dock has read every truck's load (each card asks on its own)."""
    page.wait_for_url("**/loading*")
    page.wait_for_function("""() => document.querySelector('[data-route]')
        && !document.querySelector('[data-route][aria-busy]')""")


def order_with_a_lot_of_its_own(page) -> tuple[str, str]:
    """An order still to pick with a lot no other order on the pick list takes from, read
    off the page's table (bin, product, lot, expiry, order, ...)."""
    # Read in one go: a day's pick list has hundreds of rows.
    rows = page.eval_on_selector_all(
        ".pick-table tbody tr",
        "rows => rows.map(r => [...r.querySelectorAll('td')].map(td => td.innerText.trim()))")
    orders_of: dict[str, set[str]] = {}
    for cells in rows:
        orders_of.setdefault(cells[2], set()).add(cells[4])
    for ref in page.eval_on_selector_all("[data-pick]", "bs => bs.map(b => b.dataset.pick)"):
        own = sorted(lot for lot, refs in orders_of.items() if refs == {ref})
        if own:
            return ref, own[0]
    raise AssertionError(f"no order has a lot of its own: {orders_of}")


def recall(browser, base_url: str, shots, lot: str) -> None:
    """A buyer recalls the lot on the trace page, in a browser of their own."""
    from tests.browser.conftest import _tab

    tabs = _tab(browser, base_url, shots, "desktop")
    buyer = next(tabs)
    buyer.sign_in("buyer")
    page = buyer.page
    page.fill("input[name=q]", lot)
    page.click("#search button[type=submit]")
    page.locator("#results li").first.wait_for()
    # The only lot found opens by itself; opening it again would redraw the recall form.
    if page.locator("#results [data-open]").count() > 1:
        page.locator("#results li", has_text=lot).first.locator("[data-open]").click()
    page.wait_for_selector(f"#lot-title[data-lot='{lot}']")
    page.click("#recall-open")
    page.fill("#recall-form input[name=reason]", "supplier notice")
    page.check("#recall-form input[name=sure]")
    page.once("dialog", lambda d: d.accept())
    page.click("#recall-form button[type=submit]")
    page.wait_for_selector("#recall-flash.good")
    next(tabs, None)

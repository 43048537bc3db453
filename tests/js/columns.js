// The narrowest column any text runs in: for each visible text, the content width of the
// block it flows in (inline and inline-block boxes are part of a line; a bullet alone and a
// button sized to its label are not columns), less the width of any float beside its lines
// (a float shortens the lines, not the block). Also how far the page scrolls sideways.
(() => {
  const floats = [...document.body.querySelectorAll("*")]
    .filter((el) => getComputedStyle(el).float !== "none" && el.getClientRects().length)
    .map((el) => {
      const s = getComputedStyle(el), r = el.getBoundingClientRect();
      return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
              room: r.width + parseFloat(s.marginLeft) + parseFloat(s.marginRight)};
    });
  const widths = [];
  for (const el of document.body.querySelectorAll("*")) {
    const nodes = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim());
    const own = nodes.map((n) => n.textContent).join("").trim();
    if (!own || own === "\u2022" || !el.getClientRects().length) continue;
    if (el.closest(".btc")) continue;
    let block = el;
    while (block.parentElement && /^inline/.test(getComputedStyle(block).display)) {
      block = block.parentElement;
    }
    const s = getComputedStyle(block);
    if (s.display === "none") continue;
    let width = block.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    const box = block.getBoundingClientRect();
    for (const rect of el.getClientRects()) {
      for (const f of floats) {
        const beside = f.top < rect.bottom && f.bottom > rect.top;
        const inside = f.left >= box.left - 1 && f.right <= box.right + 1;
        if (beside && inside) width = Math.min(width, box.width - f.room);
      }
    }
    widths.push({width: Math.round(width), text: own.slice(0, 30), tag: block.tagName.toLowerCase()});
  }
  widths.sort((a, b) => a.width - b.width);
  return {narrowest: widths.slice(0, 5), scroll: document.documentElement.scrollWidth - innerWidth};
})()

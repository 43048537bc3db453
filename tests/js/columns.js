// The narrowest column any text runs in: the content width of the block each visible text
// flows in (inline and inline-block boxes are part of a line; a bullet alone and a
// button sized to its label are not columns), and how far the page scrolls sideways.
(() => {
  const widths = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!own || own === "\u2022" || !el.getClientRects().length) continue;
    if (el.closest(".btc")) continue;  // a button sizes to its label: not a column
    let block = el;
    while (block.parentElement && /^inline/.test(getComputedStyle(block).display)) block = block.parentElement;
    const s = getComputedStyle(block);
    if (s.display === "none") continue;
    const width = block.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    widths.push({width: Math.round(width), text: own.slice(0, 30), tag: block.tagName.toLowerCase()});
  }
  widths.sort((a, b) => a.width - b.width);
  return {narrowest: widths.slice(0, 5), scroll: document.documentElement.scrollWidth - innerWidth};
})()

// Every visible text, image alt text (images off) and list bullet: its colour, the first
// opaque background behind it (itself or an ancestor; the canvas when none) and the WCAG
// contrast ratio between the two. Run by tests and benchmarks through page.evaluate().
(() => {
  const rgba = (css) => (css.match(/[\d.]+/g) || ["0", "0", "0", "0"]).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05); };
  const dark = matchMedia("(prefers-color-scheme: dark)").matches;
  const behind = (el) => {
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const bg = rgba(getComputedStyle(node).backgroundColor);
      if (bg.length < 4 || bg[3] > 0) return bg.slice(0, 3);
    }
    return dark ? [0, 0, 0] : [255, 255, 255];
  };
  const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const shown = (el) => {
    if (!el.getClientRects().length) return false;
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const s = getComputedStyle(node);
      if (s.display === "none" || s.visibility === "hidden" || Number(s.opacity) === 0) return false;
      if (node.classList.contains("ph")) return false;
    }
    return true;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const alt = el.tagName === "IMG" && el.alt && !(el.complete && el.naturalWidth > 0);
    const marker = el.tagName === "LI" && getComputedStyle(el).listStyleType !== "none";
    if (!(ownText || alt || marker) || !shown(el)) continue;
    const fg = rgba(getComputedStyle(el).color), bg = behind(el);
    const text = (alt ? el.alt : el.textContent).trim().slice(0, 40);
    out.push({tag: el.tagName.toLowerCase(), cls: el.className, text, kind: alt ? "alt" : marker ? "bullet" : "text",
              fg: hex(fg), bg: hex(bg), ratio: Math.round(ratio(fg, bg) * 100) / 100});
  }
  return out;
})()

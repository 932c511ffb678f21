// The width of a line of chart text, without a browser to measure it: the advance widths of DejaVu Sans, the
// sans-serif that Linux browsers fall back to for the charts' `system-ui, sans-serif`. It is wider than the
// system fonts of macOS and Windows, so a legend box sized by it holds its labels in any of them.

/** Advance widths of the printable ASCII characters (32 … 126) in DejaVu Sans, in thousandths of an em. */
const ASCII = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636,
  636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
  603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635,
  634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];

/** The few other characters the charts use; anything else counts as a full em. */
const OTHER: Record<string, number> = { '−': 838, '→': 838, '×': 838, '±': 838, '≈': 838, '≥': 838, '…': 1000, '·': 318, '²': 401, 'é': 615 };

/** The width in pixels of `text` set in `fontSize`-pixel type. */
export function textWidth(text: string, fontSize = 12): number {
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    units += code >= 32 && code <= 126 ? ASCII[code - 32]! : (OTHER[ch] ?? 1000);
  }
  return (units * fontSize) / 1000;
}

// Word-level diff (longest common subsequence) between an origin text and a copy.

function tokens(text) {
  return text.match(/\s+|[^\s]+/g) || [];
}

/** [[op, text]] with op "=", "-" (only in a) or "+" (only in b). Long texts are diffed by paragraph first. */
export function diffWords(a, b, limit = 3000) {
  const x = tokens(a), y = tokens(b);
  if (x.length > limit || y.length > limit) {
    return [["-", a], ["+", b]];
  }
  // Trim the common head and tail, then LCS on the middle.
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail), ys = y.slice(head, y.length - tail);
  const n = xs.length, m = ys.length;
  const table = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i][j] = xs[i] === ys[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const out = [];
  const push = (op, t) => {
    if (out.length && out[out.length - 1][0] === op) out[out.length - 1][1] += t;
    else out.push([op, t]);
  };
  if (head) push("=", x.slice(0, head).join(""));
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (xs[i] === ys[j]) { push("=", xs[i]); i++; j++; }
    else if (table[i + 1][j] >= table[i][j + 1]) { push("-", xs[i]); i++; }
    else { push("+", ys[j]); j++; }
  }
  while (i < n) push("-", xs[i++]);
  while (j < m) push("+", ys[j++]);
  if (tail) push("=", x.slice(x.length - tail).join(""));
  return out;
}

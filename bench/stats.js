// What the bench scripts share: medians, and one aligned line per figure.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function report(label, value, goal) {
  console.log(`${label.padEnd(52)} ${value}${goal ? `   (goal ${goal})` : ''}`);
}

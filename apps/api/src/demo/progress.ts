/** A terminal progress bar on stderr; one plain line per 10% when stderr is not a terminal (CI, logs). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let lastTenth = -1;
  const started = performance.now();
  return (done: number, total: number) => {
    const ratio = total === 0 ? 1 : done / total;
    const pct = Math.floor(ratio * 100);
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      stream.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(pct).padStart(3)}% ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")}`);
      if (done >= total) stream.write(` in ${((performance.now() - started) / 1000).toFixed(1)}s\n`);
    } else if (Math.floor(pct / 10) > lastTenth || done >= total) {
      lastTenth = Math.floor(pct / 10);
      stream.write(`${label}: ${pct}% (${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")})\n`);
    }
  };
}

// Loaded with `node --import` by the benchmarks: prints the process's peak memory as it exits.
process.on('exit', () => process.stderr.write(`\nvirt-bench max-rss ${process.resourceUsage().maxRSS * 1024}\n`));

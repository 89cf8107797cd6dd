// Benchmarks: status latency and, later, runbook timings. Filled in by the foundation work.
return 0;

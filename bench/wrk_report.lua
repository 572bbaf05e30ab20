-- Prints wrk's summary as one JSON line (rps, latency percentiles in microseconds, errors).
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'JSON {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50": %d, "p95": %d, "p99": %d, "errors": %d, "bytes": %d}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), errors, summary.bytes))
end

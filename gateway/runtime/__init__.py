"""Long-running loops (outbox relay, worker) and the one-process runner behind `gateway up`."""

// Test classes share one process-wide torch thread pool and warning handler; run them one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

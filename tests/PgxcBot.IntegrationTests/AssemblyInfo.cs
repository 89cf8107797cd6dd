// Integration tests start real servers and assert on timing (probe deadlines); running them one at a time
// keeps a 2-core machine from turning CPU contention into false timeouts.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

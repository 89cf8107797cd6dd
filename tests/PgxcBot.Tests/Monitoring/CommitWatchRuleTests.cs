namespace PgxcBot.Tests.Monitoring;

/// <summary>The fast path's trigger: waiting commits meet a missing or silent slave, measured against the
/// slave's own pace, never against a fixed latency.</summary>
public sealed class CommitWatchRuleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static readonly DatanodePair Pair = new("datanode1",
        new ServerLocation("h1", "10.0.0.1", 5432, "/d"), new ServerLocation("h2", "10.0.0.2", 5432, "/d"), "datanode1_slave", null);

    private static CommitWatchSender Slave(long flush, DateTimeOffset? reply = null, string state = "streaming", string address = "10.0.0.2",
        string name = "datanode1_slave") =>
        new(name, address, state, new Lsn((ulong)flush), reply);

    private static CommitSample At(int ms, int waiters, params CommitWatchSender[] senders) => new(T0.AddMilliseconds(ms), false, waiters, senders);

    [Fact]
    public void Waiting_commits_and_no_wal_sender_of_the_slave_ask_for_a_poll_at_once()
    {
        var rule = new CommitWatchRule(Pair);
        Assert.Equal(CommitWatchKind.None, rule.Observe(At(0, 0, Slave(100))).Kind);
        var verdict = rule.Observe(At(50, 3));
        Assert.Equal(CommitWatchKind.SlaveMissing, verdict.Kind);
        Assert.Contains("3 commit(s)", verdict.Reason);
    }

    [Theory]
    [InlineData("catchup", "10.0.0.2", "datanode1_slave")]   // connected, not streaming
    [InlineData("streaming", "10.0.0.9", "datanode1_slave")] // another client took the slave's name
    [InlineData("streaming", "10.0.0.2", "spare")]           // the slave's address streams under another name
    public void A_wal_sender_that_is_not_the_slave_streaming_counts_as_missing(string state, string address, string name)
    {
        var rule = new CommitWatchRule(Pair);
        Assert.Equal(CommitWatchKind.SlaveMissing, rule.Observe(At(0, 1, Slave(100, state: state, address: address, name: name))).Kind);
    }

    [Fact]
    public void Without_waiting_commits_a_missing_slave_is_left_to_the_poll()
    {
        var rule = new CommitWatchRule(Pair);
        Assert.Equal(CommitWatchKind.None, rule.Observe(At(0, 0)).Kind);
        Assert.Equal(CommitWatchKind.None, rule.Observe(At(0, 2) with { InRecovery = true }).Kind);
    }

    [Fact]
    public void A_pair_without_a_slave_is_never_asked_about()
    {
        var rule = new CommitWatchRule(Pair with { Slave = null });
        Assert.Equal(CommitWatchKind.None, rule.Observe(At(0, 5)).Kind);
    }

    [Fact]
    public void A_slave_that_stops_confirming_while_commits_wait_is_silent_after_the_floor()
    {
        var rule = new CommitWatchRule(Pair);
        var reply = T0;
        // Healthy: confirms every 50 ms while one commit waits.
        for (var ms = 0; ms <= 1000; ms += 50)
            Assert.Equal(CommitWatchKind.None, rule.Observe(At(ms, 1, Slave(ms, reply = T0.AddMilliseconds(ms)))).Kind);
        // Frozen at 1000 ms: same flush, same reply_time.
        var (verdict, ms2) = FirstSilence(rule, 1000, 1000, reply);
        Assert.Equal(1000 + (int)CommitWatchRule.SilentFloor.TotalMilliseconds, ms2);
        // The measurement the next poll judges with: of this master, at that sample, silent for the floor.
        var sighting = Assert.IsType<SilentSlaveSighting>(verdict.Sighting);
        Assert.Equal(Pair.Master.Endpoint, sighting.Master);
        Assert.Equal(T0.AddMilliseconds(ms2), sighting.At);
        Assert.Equal(CommitWatchRule.SilentFloor, sighting.SilentFor);
        Assert.Equal(CommitWatchRule.SilentFloor, sighting.SilentAfter);
        Assert.Equal(1, sighting.Waiters);
        // What the slave last confirmed, for the poll to check that the silence still lasts.
        Assert.Equal(new Lsn(1000), sighting.LastFlush);
        Assert.Equal(reply, sighting.LastReply);
    }

    [Theory]
    [InlineData(400)]  // a GC pause
    [InlineData(1500)] // a thread-starved read on a loaded host
    public void A_delay_of_the_bot_between_the_master_answering_and_the_sample_being_read_is_not_the_slaves_silence(int botDelayMs)
    {
        var rule = new CommitWatchRule(Pair);
        // The master answers every 50 ms by its own clock and the slave confirms at every sample.
        for (var ms = 0; ms <= 1000; ms += 50)
            rule.Observe(At(ms, 1, Slave(ms, T0.AddMilliseconds(ms))) with { MasterClock = T0.AddMilliseconds(ms) });
        // The next sample ran on the master 50 ms later, before the slave's next reply, but the bot read it late.
        var late = At(1050 + botDelayMs, 1, Slave(1000, T0.AddMilliseconds(1000))) with { MasterClock = T0.AddMilliseconds(1050) };
        Assert.Equal(CommitWatchKind.None, rule.Observe(late).Kind);
        // Without the master's clock the same delay reads as silence.
        var receiptOnly = new CommitWatchRule(Pair);
        for (var ms = 0; ms <= 1000; ms += 50)
            receiptOnly.Observe(At(ms, 1, Slave(ms, T0.AddMilliseconds(ms))));
        Assert.Equal(CommitWatchKind.SlaveSilent, receiptOnly.Observe(late with { MasterClock = null }).Kind);
    }

    [Fact]
    public void On_the_masters_clock_a_slave_that_stays_silent_is_still_called_silent()
    {
        var rule = new CommitWatchRule(Pair);
        for (var ms = 0; ms <= 1000; ms += 50)
            rule.Observe(At(ms, 1, Slave(ms, T0.AddMilliseconds(ms))) with { MasterClock = T0.AddHours(-1).AddMilliseconds(ms) });
        // The master's clock runs an hour behind the bot's: only its own gaps count.
        var verdict = rule.Observe(At(1400, 1, Slave(1000, T0.AddMilliseconds(1000))) with { MasterClock = T0.AddHours(-1).AddMilliseconds(1400) });
        Assert.Equal(CommitWatchKind.SlaveSilent, verdict.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(400), verdict.Sighting!.SilentFor);
        // Freshness is judged on the bot's clock.
        Assert.Equal(T0.AddMilliseconds(1400), verdict.Sighting.At);
    }

    [Fact]
    public void A_slow_slave_sets_its_own_pace_and_is_not_called_silent_between_its_confirmations()
    {
        var rule = new CommitWatchRule(Pair);
        // A 400 ms round trip: confirmations every 400 ms while commits wait continuously (sampled every 50 ms).
        long flush = 0;
        for (var ms = 0; ms <= 8000; ms += 50)
        {
            if (ms % 400 == 0) flush += 10;
            // Not even on its first wait, before its pace is known (UnknownPaceFloor).
            Assert.Equal(CommitWatchKind.None, rule.Observe(At(ms, 1, Slave(flush, T0.AddMilliseconds(ms - ms % 400)))).Kind);
        }
        Assert.Equal(TimeSpan.FromMilliseconds(400), rule.Pace);
        Assert.Equal(TimeSpan.FromMilliseconds(1200), rule.SilentAfter);
    }

    [Fact]
    public void An_idle_stretch_before_commits_wait_does_not_stretch_the_pace()
    {
        var rule = new CommitWatchRule(Pair);
        rule.Observe(At(0, 0, Slave(10, T0)));
        // Ten seconds idle (an idle slave replies every wal_receiver_status_interval), then a commit waits and is confirmed in 20 ms.
        rule.Observe(At(10_000, 1, Slave(10, T0)));
        rule.Observe(At(10_050, 1, Slave(20, T0.AddMilliseconds(10_040))));
        Assert.True(rule.Pace <= TimeSpan.FromMilliseconds(50), $"pace {rule.Pace}");
        Assert.Equal(CommitWatchRule.SilentFloor, rule.SilentAfter);
    }

    [Fact]
    public void Without_reply_time_the_flush_position_alone_shows_progress()
    {
        var rule = new CommitWatchRule(Pair);
        for (var ms = 0; ms <= 1000; ms += 50)
            Assert.Equal(CommitWatchKind.None, rule.Observe(At(ms, 1, Slave(ms, reply: null))).Kind);
        Assert.Equal(CommitWatchKind.None, rule.Observe(At(1200, 1, Slave(1000, reply: null))).Kind);
        Assert.Equal(CommitWatchKind.SlaveSilent, rule.Observe(At(1300, 1, Slave(1000, reply: null))).Kind);
    }

    [Fact]
    public void A_master_nobody_writes_to_is_sampled_every_few_ticks_until_it_writes_or_a_commit_waits()
    {
        var rule = new CommitWatchRule(Pair);
        CommitSample Sample(int i, long wal, int waiters = 0) => At(i * 50, waiters, Slave(100, T0)) with { WalPosition = new Lsn((ulong)wal) };
        var i = 0;
        // A second of samples with the same WAL position and nobody waiting: idle from then on.
        for (; i <= CommitWatchRule.IdleAfterSamples; i++)
        {
            Assert.Equal(1, rule.TicksToNext);
            rule.Observe(Sample(i, 1000));
        }
        Assert.Equal(CommitWatchRule.IdleEvery, rule.TicksToNext);

        // It writes: every tick again, for another quiet second.
        rule.Observe(Sample(i++, 1064));
        Assert.Equal(1, rule.TicksToNext);
        for (var k = 0; k < CommitWatchRule.IdleAfterSamples; k++) rule.Observe(Sample(i++, 1064));
        Assert.Equal(CommitWatchRule.IdleEvery, rule.TicksToNext);

        // A commit waits (its WAL was written before the sample that sees it wait): every tick.
        rule.Observe(Sample(i++, 1064, waiters: 1));
        Assert.Equal(1, rule.TicksToNext);
    }

    [Fact]
    public void A_master_quiet_for_ten_seconds_is_sampled_every_500_ms_and_at_every_tick_from_its_first_write()
    {
        var rule = new CommitWatchRule(Pair);
        // The sample's own time follows the pace the rule sets, as the watch's ticker does (50 ms ticks).
        var ms = 0;
        CommitSample Next(long wal, int waiters = 0)
        {
            ms += 50 * rule.TicksToNext;
            return At(ms, waiters, Slave(100, T0)) with { WalPosition = new Lsn((ulong)wal) };
        }
        rule.Observe(Next(1000));
        while (rule.TicksToNext != CommitWatchRule.QuietEvery) rule.Observe(Next(1000));
        // Quiet after ten seconds of the master's time, not sooner, and one tick of samples in between at 200 ms.
        Assert.InRange(ms, 9_800, 10_200);
        Assert.Equal(CommitWatchRule.QuietEvery, rule.TicksToNext);
        for (var k = 0; k < 100; k++) rule.Observe(Next(1000));
        Assert.Equal(CommitWatchRule.QuietEvery, rule.TicksToNext);

        // The first write: every tick at once, and idle again only after a second.
        rule.Observe(Next(1064));
        Assert.Equal(1, rule.TicksToNext);
        rule.Observe(Next(1064));
        Assert.Equal(1, rule.TicksToNext);

        // Quiet again, then a commit waits on an unchanged WAL position: every tick at once.
        while (rule.TicksToNext != CommitWatchRule.QuietEvery) rule.Observe(Next(1064));
        rule.Observe(Next(1064, waiters: 1));
        Assert.Equal(1, rule.TicksToNext);
    }

    [Fact]
    public void A_quiet_master_whose_slave_link_broke_is_sampled_at_every_tick_for_five_seconds_then_by_its_quiet_pace()
    {
        var rule = new CommitWatchRule(Pair);
        var ms = 0;
        CommitSample Next()
        {
            ms += 50 * rule.TicksToNext;
            return At(ms, 0, Slave(100, T0)) with { WalPosition = new Lsn(1000) };
        }
        while (rule.TicksToNext != CommitWatchRule.QuietEvery) rule.Observe(Next());

        rule.Hasten();
        var hastenedAt = ms;
        Assert.Equal(1, rule.TicksToNext);
        while (rule.TicksToNext == 1) rule.Observe(Next());

        // Every tick for five seconds of samples, though nothing was written and nobody waited; then quiet again at
        // once (the link's loss is no write).
        Assert.Equal(CommitWatchRule.HastenedSamples * 50, ms - hastenedAt);
        Assert.Equal(CommitWatchRule.QuietEvery, rule.TicksToNext);
    }

    [Fact]
    public void A_source_that_does_not_say_the_wal_position_is_sampled_at_every_tick()
    {
        var rule = new CommitWatchRule(Pair);
        for (var i = 0; i < CommitWatchRule.IdleAfterSamples * 3; i++) rule.Observe(At(i * 50, 0, Slave(100, T0)));
        Assert.Equal(1, rule.TicksToNext);
    }

    [Fact]
    public void Commits_that_stop_waiting_reset_the_silence()
    {
        var rule = new CommitWatchRule(Pair);
        // The slave's pace is known: it confirmed every 50 ms while commits waited, up to 500 ms.
        for (var ms = 0; ms <= 500; ms += 50) rule.Observe(At(ms, 1, Slave(ms, T0.AddMilliseconds(ms))));
        rule.Observe(At(750, 0, Slave(500, T0.AddMilliseconds(500))));
        // A new wait starts at 1000 ms: silence counts from there, not from the last confirmation.
        Assert.Equal(CommitWatchKind.None, rule.Observe(At(1000, 1, Slave(500, T0.AddMilliseconds(500)))).Kind);
        Assert.Equal(CommitWatchKind.None, rule.Observe(At(1250, 1, Slave(500, T0.AddMilliseconds(500)))).Kind);
        Assert.Equal(CommitWatchKind.SlaveSilent, rule.Observe(At(1300, 1, Slave(500, T0.AddMilliseconds(500)))).Kind);
    }

    [Theory]
    [InlineData(350)] // the slow-link test's link (120 ms each way) on a loaded host
    [InlineData(450)]
    [InlineData(900)]
    public void A_slow_first_round_trip_before_any_pace_is_known_is_not_silence(int roundTripMs)
    {
        // The bot starts beside a quiet master; the first commit waits a whole round trip of a slow link.
        var rule = new CommitWatchRule(Pair);
        rule.Observe(At(0, 0, Slave(10, T0)));
        Assert.Equal(CommitWatchRule.UnknownPaceFloor, rule.SilentAfter);
        for (var ms = 50; ms < 50 + roundTripMs; ms += 50)
            Assert.Equal(CommitWatchKind.None, rule.Observe(At(ms, 1, Slave(10, T0))).Kind);
        Assert.Equal(CommitWatchKind.None, rule.Observe(At(50 + roundTripMs, 1, Slave(20, T0.AddMilliseconds(40 + roundTripMs)))).Kind);
        // That round trip is the pace from now on: three of them, or the floor.
        Assert.Equal(TimeSpan.FromMilliseconds(roundTripMs), rule.Pace);
        Assert.Equal(TimeSpan.FromMilliseconds(Math.Max(300, 3 * roundTripMs)), rule.SilentAfter);
    }

    [Fact]
    public void A_fast_slave_whose_commits_never_wait_at_a_sample_has_a_known_pace_from_wal_it_confirmed_since_the_previous_sample()
    {
        // Commits of a few milliseconds: no sample sees one wait, but each sample finds the slave has confirmed WAL the
        // master had not written at the previous one (a round trip under 50 ms).
        var rule = new CommitWatchRule(Pair);
        for (var ms = 0; ms <= 500; ms += 50)
            rule.Observe(At(ms, 0, Slave(ms + 40, T0.AddMilliseconds(ms))) with { WalPosition = new Lsn((ulong)(ms + 40)) });
        Assert.Equal(TimeSpan.FromMilliseconds(50), rule.Pace);
        Assert.Equal(CommitWatchRule.SilentFloor, rule.SilentAfter);
        // Then it freezes and a commit waits from the next sample (550 ms): silent at the floor, not a second later.
        var (_, at) = FirstSilence(rule, 500, 540, T0.AddMilliseconds(500));
        Assert.Equal(550 + (int)CommitWatchRule.SilentFloor.TotalMilliseconds, at);
    }

    [Fact]
    public void A_fast_slaves_occasional_slow_wait_keeps_setting_the_pace_while_it_stays_fast()
    {
        var rule = new CommitWatchRule(Pair);
        long wal = 0;
        // Fast: every sample finds WAL written since the previous one confirmed.
        for (var ms = 0; ms <= 500; ms += 50)
            rule.Observe(At(ms, 0, Slave(wal += 40, T0.AddMilliseconds(ms))) with { WalPosition = new Lsn((ulong)wal) });
        // Once, a commit waits 200 ms (a slow fsync on the slave) before it is confirmed.
        var waited = wal + 40;
        for (var ms = 550; ms < 750; ms += 50)
            rule.Observe(At(ms, 1, Slave(wal, T0.AddMilliseconds(500))) with { WalPosition = new Lsn((ulong)waited) });
        rule.Observe(At(750, 0, Slave(wal = waited, T0.AddMilliseconds(745))) with { WalPosition = new Lsn((ulong)waited) });
        Assert.Equal(TimeSpan.FromMilliseconds(200), rule.Pace);
        // Then fast again for two seconds (40 samples, more than the pace window): that wait still sets the silence allowed.
        for (var ms = 800; ms <= 2800; ms += 50)
            rule.Observe(At(ms, 0, Slave(wal += 40, T0.AddMilliseconds(ms))) with { WalPosition = new Lsn((ulong)wal) });
        Assert.Equal(TimeSpan.FromMilliseconds(200), rule.Pace);
        Assert.Equal(TimeSpan.FromMilliseconds(600), rule.SilentAfter);
    }

    [Theory]
    [InlineData(50, false)]  // the slave confirms only WAL written before the previous sample: a slow link
    [InlineData(500, true)]  // a quiet master sampled every 500 ms: too far apart to bound anything
    public void Confirmations_that_bound_no_round_trip_leave_the_pace_unknown(int everyMs, bool newWal)
    {
        var rule = new CommitWatchRule(Pair);
        for (var i = 1; i <= 10; i++)
        {
            var ms = i * everyMs;
            // The slave's flush reaches what the master had written two samples ago, or (quiet) what it wrote since the last.
            var flush = newWal ? ms - 10 : ms - 2 * everyMs;
            rule.Observe(At(ms, 0, Slave(flush, T0.AddMilliseconds(ms))) with { WalPosition = new Lsn((ulong)ms) });
        }
        Assert.Equal(TimeSpan.Zero, rule.Pace);
        Assert.Equal(CommitWatchRule.UnknownPaceFloor, rule.SilentAfter);
    }

    [Fact]
    public void A_slave_frozen_before_the_first_wait_is_silent_at_the_unknown_pace_floor()
    {
        var rule = new CommitWatchRule(Pair);
        rule.Observe(At(0, 0, Slave(10, T0)));
        var (verdict, ms) = FirstSilence(rule, 0, 10, T0);
        Assert.Equal(50 + (int)CommitWatchRule.UnknownPaceFloor.TotalMilliseconds, ms);
        Assert.Equal(CommitWatchRule.UnknownPaceFloor, verdict.Sighting!.SilentAfter);
    }

    /// <summary>Samples every 50 ms after <paramref name="fromMs"/>, one commit waiting and the slave's flush and reply
    /// unchanged, until the rule calls it silent (asserted, within 5 s): that verdict and the sample's time (ms).</summary>
    private static (CommitWatchVerdict Verdict, int AtMs) FirstSilence(CommitWatchRule rule, int fromMs, long flush, DateTimeOffset reply)
    {
        var verdict = CommitWatchVerdict.Quiet;
        var ms = fromMs;
        while (verdict.Kind == CommitWatchKind.None && ms < fromMs + 5000)
            verdict = rule.Observe(At(ms += 50, 1, Slave(flush, reply)));
        Assert.Equal(CommitWatchKind.SlaveSilent, verdict.Kind);
        return (verdict, ms);
    }
}

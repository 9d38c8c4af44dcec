using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Retention;

namespace AgentPortal.Core.Tests.Telemetry;

/// <summary>What every telemetry store adapter must do. Each adapter's test class derives from this.</summary>
public abstract class TelemetryStoreContractTests : IAsyncLifetime
{
    private static readonly DateTime s_hour = new(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc);

    protected ITelemetryStore Store { get; private set; } = null!;

    protected abstract Task<ITelemetryStore> CreateStoreAsync();

    protected virtual Task DisposeStoreAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
        await Store.InitializeAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => DisposeStoreAsync();

    [Fact]
    public async Task StartThenEnd_StoresTheRunAndItsRootSpan()
    {
        var run = NewRun("agent-a", s_hour.AddMinutes(5));

        await WriteAsync(new TelemetryWrite.StartRun(run));
        var running = await Store.GetRunAsync(run.TraceId, CancellationToken.None);
        Assert.Equal(RunStatus.Running, running!.Status);
        Assert.Equal("what is our revenue?", running.Input);

        var ended = await WriteAsync(new TelemetryWrite.EndRun(End(run, s_hour.AddMinutes(5).AddMilliseconds(1500), RunStatus.Ok, output: "42")));

        Assert.Equal(WriteOutcomeKind.Done, ended.Kind);
        var stored = await Store.GetRunAsync(run.TraceId, CancellationToken.None);
        Assert.Equal(RunStatus.Ok, stored!.Status);
        Assert.Equal("42", stored.Output);
        Assert.Equal(1_500_000_000, stored.DurationNanos);
        var root = Assert.Single(await Store.GetTraceAsync(run.TraceId, CancellationToken.None));
        Assert.True(root.IsRunRoot);
        Assert.Equal(run.SpanId, root.SpanId);
        Assert.Equal("agent-a", root.AgentId);
        Assert.Equal(1_500_000_000, root.DurationNanos);
        Assert.Contains(root.Attributes, a => a.Key == "gen_ai.agent.name" && a.Value == "agent-a-name");
    }

    [Fact]
    public async Task ObservedRun_FromARootSpan_CountsTheTracesCallsBeforeWithAndAfterIt_AndARetryChangesNothing()
    {
        // An OpenTelemetry-only agent: its LLM calls end (and are exported) before the run's root span.
        var start = s_hour.AddMinutes(7);
        var (root, observed) = ObservedRoot("agent-o", start, seconds: 3, failed: true);
        var before = LlmSpanOf(observed.Run, start.AddMilliseconds(100), "gpt-4o", 100, 10);
        await WriteAsync(new TelemetryWrite.AppendSpans([before]));
        var with = LlmSpanOf(observed.Run, start.AddMilliseconds(900), "gpt-4o", 20, 2, failed: true);

        var appended = await WriteAsync(new TelemetryWrite.AppendSpans([with, root], [observed]));
        var after = LlmSpanOf(observed.Run, start.AddSeconds(2), "gpt-4o-mini", 3, 1);
        await WriteAsync(new TelemetryWrite.AppendSpans([after]));
        // The exporter retries the batch that held the root span.
        var retried = await WriteAsync(new TelemetryWrite.AppendSpans([with, root], [observed]));

        Assert.Equal((2, 0), (appended.Count, retried.Count));
        var run = await Store.GetRunAsync(observed.Run.TraceId, CancellationToken.None);
        Assert.NotNull(run);
        Assert.Equal((RunStatus.Error, "tool failed", "agent-o", root.SpanId), (run.Status, run.Error, run.AgentId, run.SpanId));
        Assert.Equal(("plan a trip", "booked"), (run.Input, run.Output));
        Assert.Equal(3_000_000_000, run.DurationNanos);
        Assert.Equal((3L, 123L, 13L), (run.LlmCalls, run.InputTokens, run.OutputTokens));
        var trace = await Store.GetTraceAsync(observed.Run.TraceId, CancellationToken.None);
        Assert.Equal(4, trace.Count);
        Assert.True(Assert.Single(trace, s => s.SpanId == root.SpanId).IsRunRoot);

        var usage = await Store.GetAgentUsageAsync("agent-o", s_hour, s_hour.AddHours(1), CancellationToken.None);
        Assert.Equal((1L, 1L, 3L, 1L), (usage.Runs, usage.Errors, usage.LlmCalls, usage.LlmErrors));
        Assert.NotNull(usage.P95Milliseconds);
        var listed = await Store.ListRunsAsync(new ListRunsRequest { AgentId = "agent-o" }, CancellationToken.None);
        Assert.Equal(observed.Run.TraceId, Assert.Single(listed.Items).TraceId);
        var errors = await Store.GetTopErrorsAsync("agent-o", s_hour, s_hour.AddHours(1), 10, CancellationToken.None);
        Assert.Contains(errors, e => e.IsRunRoot && e.Message == "tool failed");
    }

    [Fact]
    public async Task ObservedRun_ForATraceThatIsAlreadyARun_LeavesThatRunAsItIs()
    {
        var started = NewRun("agent-a", s_hour.AddMinutes(2));
        await WriteAsync(new TelemetryWrite.StartRun(started));
        var (root, observed) = ObservedRoot("agent-o", s_hour.AddMinutes(2), seconds: 1, failed: false, traceId: started.TraceId);

        await WriteAsync(new TelemetryWrite.AppendSpans([root], [observed]));

        var run = await Store.GetRunAsync(started.TraceId, CancellationToken.None);
        Assert.Equal(("agent-a", RunStatus.Running, started.SpanId), (run!.AgentId, run.Status, run.SpanId));
        Assert.Equal(0, (await Store.GetAgentUsageAsync("agent-o", s_hour, s_hour.AddHours(1), CancellationToken.None)).Runs);
    }

    /// <summary>A root span as ingestion marks an agent invocation, with the run it stands for.</summary>
    private static (SpanRecord Root, ObservedRun Run) ObservedRoot(string agentId, DateTime start, int seconds, bool failed, string? traceId = null)
    {
        var root = new SpanRecord
        {
            TraceId = traceId ?? AgentRunService.NewHexId(16),
            SpanId = AgentRunService.NewHexId(8),
            Name = "invoke_agent " + agentId,
            AgentId = agentId,
            ProjectId = "default-project",
            StartTimeUnixNano = Nanos(start),
            DurationNanos = seconds * 1_000_000_000L,
            Status = failed ? SpanStatusCode.Error : SpanStatusCode.Ok,
            StatusMessage = failed ? "tool failed" : null,
            Operation = "invoke_agent",
            IsRunRoot = true,
        };
        var run = new RunRecord
        {
            TraceId = root.TraceId,
            SpanId = root.SpanId,
            AgentId = agentId,
            ProjectId = "default-project",
            StartedUnixNano = root.StartTimeUnixNano,
            EndedUnixNano = root.StartTimeUnixNano + root.DurationNanos,
            Status = failed ? RunStatus.Error : RunStatus.Ok,
            Error = root.StatusMessage,
            Input = "plan a trip",
            Output = "booked",
        };
        return (root, new ObservedRun(run, agentId + "-name"));
    }

    private static SpanRecord LlmSpanOf(RunRecord run, DateTime start, string model, long input, long output, bool failed = false) =>
        LinkedTo(LlmSpan(run.TraceId, run.SpanId, start, model, input, output, failed), run.AgentId, run.ProjectId);

    [Fact]
    public async Task End_UnknownRun_IsNotFound_AndSecondEnd_IsConflict()
    {
        var run = NewRun("agent-a", s_hour);
        Assert.Equal(WriteOutcomeKind.NotFound, (await WriteAsync(new TelemetryWrite.EndRun(End(run, s_hour, RunStatus.Ok)))).Kind);

        await WriteAsync(new TelemetryWrite.StartRun(run));
        Assert.Equal(WriteOutcomeKind.Done, (await WriteAsync(new TelemetryWrite.EndRun(End(run, s_hour.AddSeconds(1), RunStatus.Ok)))).Kind);
        var second = await WriteAsync(new TelemetryWrite.EndRun(End(run, s_hour.AddSeconds(2), RunStatus.Error)));

        Assert.Equal(WriteOutcomeKind.Conflict, second.Kind);
        Assert.Equal(RunStatus.Ok, (await Store.GetRunAsync(run.TraceId, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task End_ByAnotherAgent_IsNotFound()
    {
        var run = NewRun("agent-a", s_hour);
        await WriteAsync(new TelemetryWrite.StartRun(run));

        var outcome = await WriteAsync(new TelemetryWrite.EndRun(new RunEnd { TraceId = run.TraceId, AgentId = "agent-b", EndedUnixNano = Nanos(s_hour.AddSeconds(1)), Status = RunStatus.Ok }));

        Assert.Equal(WriteOutcomeKind.NotFound, outcome.Kind);
    }

    [Fact]
    public async Task Start_SameTraceIdTwice_IsConflict()
    {
        var run = NewRun("agent-a", s_hour);
        await WriteAsync(new TelemetryWrite.StartRun(run));

        Assert.Equal(WriteOutcomeKind.Conflict, (await WriteAsync(new TelemetryWrite.StartRun(run))).Kind);
    }

    [Fact]
    public async Task LlmSpansInARun_AreCountedForTheRunAndItsAgent()
    {
        var run = NewRun("agent-a", s_hour.AddMinutes(1));
        await WriteAsync(new TelemetryWrite.StartRun(run));
        var calls = new[]
        {
            LlmSpan(run, s_hour.AddMinutes(1).AddMilliseconds(10), "gpt-4o", 100, 20),
            LlmSpan(run, s_hour.AddMinutes(1).AddMilliseconds(400), "gpt-4o-mini", 50, 5, failed: true),
        };

        var appended = await WriteAsync(new TelemetryWrite.AppendSpans(calls));
        await WriteAsync(new TelemetryWrite.EndRun(End(run, s_hour.AddMinutes(1).AddSeconds(1), RunStatus.Ok)));

        Assert.Equal(2, appended.Count);
        var stored = await Store.GetRunAsync(run.TraceId, CancellationToken.None);
        Assert.Equal(2, stored!.LlmCalls);
        Assert.Equal(150, stored.InputTokens);
        Assert.Equal(25, stored.OutputTokens);
        var trace = await Store.GetTraceAsync(run.TraceId, CancellationToken.None);
        Assert.Equal(3, trace.Count);
        Assert.All(trace.Where(s => !s.IsRunRoot), s =>
        {
            Assert.Equal("agent-a", s.AgentId);
            Assert.Equal(run.SpanId, s.ParentSpanId);
        });

        var usage = await Store.GetAgentUsageAsync("agent-a", s_hour, s_hour.AddHours(1), CancellationToken.None);
        Assert.Equal(1, usage.Runs);
        Assert.Equal(2, usage.LlmCalls);
        // The run succeeded, but one of its LLM calls failed: both error rates are kept.
        Assert.Equal(0, usage.Errors);
        Assert.Equal(1, usage.LlmErrors);
        Assert.Equal(0.5, usage.LlmErrorRate);
        Assert.Equal(1, Assert.Single(await Store.GetUsageByAgentAsync(s_hour, s_hour.AddHours(1), CancellationToken.None), u => u.AgentId == "agent-a").LlmErrors);
        Assert.Equal(150, usage.InputTokens);
        Assert.Equal(25, usage.OutputTokens);
    }

    [Fact]
    public async Task ModelUsage_IsPerHourAndModel_WithReportedCost()
    {
        var traceId = AgentRunService.NewHexId(16);
        SpanRecord Call(string model, int minute, long input, long output, long cached, double? reported) => new()
        {
            TraceId = traceId,
            SpanId = AgentRunService.NewHexId(8),
            Name = "chat",
            AgentId = "agent-m",
            StartTimeUnixNano = Nanos(s_hour.AddMinutes(minute)),
            DurationNanos = 1,
            Operation = "chat",
            RequestModel = model,
            InputTokens = input,
            OutputTokens = output,
            CachedInputTokens = cached,
            ReportedCost = reported,
        };

        await WriteAsync(new TelemetryWrite.AppendSpans(
        [
            Call("gpt-4o", 1, 100, 10, 40, 0.001),
            Call("gpt-4o", 2, 50, 5, 0, 0.0005),
            Call("gpt-4o-mini", 3, 7, 1, 0, null),
            Call("gpt-4o", 61, 1, 1, 0, null),
        ]));

        var usage = await Store.GetModelUsageAsync("agent-m", s_hour, s_hour.AddHours(2), CancellationToken.None);

        Assert.Equal(3, usage.Count);
        var first = usage.Single(u => u.Hour == s_hour && u.Model == "gpt-4o");
        Assert.Equal(2, first.LlmCalls);
        Assert.Equal(150, first.InputTokens);
        Assert.Equal(15, first.OutputTokens);
        Assert.Equal(40, first.CachedInputTokens);
        Assert.Equal(0.0015, first.ReportedCost, 9);
        Assert.Equal(7, usage.Single(u => u.Model == "gpt-4o-mini").InputTokens);
        Assert.Equal(1, usage.Single(u => u.Hour == s_hour.AddHours(1)).LlmCalls);
    }

    [Fact]
    public async Task AppendSpans_SameSpanTwice_IsStoredAndCountedOnce()
    {
        var run = NewRun("agent-a", s_hour);
        await WriteAsync(new TelemetryWrite.StartRun(run));
        var call = LlmSpan(run, s_hour.AddMilliseconds(5), "gpt-4o", 10, 1);

        await WriteAsync(new TelemetryWrite.AppendSpans([call]));
        var again = await WriteAsync(new TelemetryWrite.AppendSpans([LlmSpan(run, s_hour.AddMilliseconds(5), "gpt-4o", 10, 1, spanId: call.SpanId)]));

        Assert.Equal(0, again.Count);
        Assert.Equal(1, (await Store.GetRunAsync(run.TraceId, CancellationToken.None))!.LlmCalls);
    }

    [Fact]
    public async Task AppendSpans_ASpanReusingAnotherSpansIdsAtAnotherStartTime_IsADifferentSpan()
    {
        // A retry repeats a span exactly; the same ids with another start time are what every store
        // documents as a different span (docs/AGENT_MONITORING.md, Storage and durability).
        var call = WithAgent(LlmSpan(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), s_hour.AddMinutes(1), "gpt-4o", 10, 1), "agent-i");
        await WriteAsync(new TelemetryWrite.AppendSpans([call]));

        var later = await WriteAsync(new TelemetryWrite.AppendSpans([WithAgent(
            LlmSpan(call.TraceId, call.ParentSpanId!, s_hour.AddMinutes(2), "gpt-4o", 10, 1, spanId: call.SpanId), "agent-i")]));

        Assert.Equal(1, later.Count);
        Assert.Equal(2, (await Store.GetAgentUsageAsync("agent-i", s_hour, s_hour.AddHours(1), CancellationToken.None)).LlmCalls);
    }

    [Fact]
    public async Task AppendSpans_ARetriedExportOfThousands_IsCountedOnce_AndALaterBatchCountsOnlyItsNewSpans()
    {
        var calls = Enumerable.Range(0, 2_500)
            .Select(i => WithAgent(LlmSpan(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), s_hour.AddMilliseconds(i * 7), "gpt-4o-mini", 10, 2), "agent-r"))
            .ToList();

        Assert.Equal(2_500, (await WriteAsync(new TelemetryWrite.AppendSpans(calls))).Count);
        var retried = await WriteAsync(new TelemetryWrite.AppendSpans([.. calls.Select(Copy)]));
        var fresh = new[] { 0, 1_234, 2_499 }.Select(i => Copy(calls[i]))
            .Concat(Enumerable.Range(0, 2).Select(i => WithAgent(LlmSpan(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), s_hour.AddMinutes(30 + i), "gpt-4o-mini", 10, 2), "agent-r")))
            .ToList();
        var mixed = await WriteAsync(new TelemetryWrite.AppendSpans(fresh));

        Assert.Equal(0, retried.Count);
        Assert.Equal(2, mixed.Count);
        var usage = await Store.GetAgentUsageAsync("agent-r", s_hour, s_hour.AddHours(1), CancellationToken.None);
        Assert.Equal(2_502, usage.LlmCalls);
        Assert.Equal(2_502 * 10, usage.InputTokens);
        Assert.Single(await Store.GetTraceAsync(calls[1_234].TraceId, CancellationToken.None));
    }

    [Fact]
    public async Task AgentUsage_CountsRunsErrorsAndPercentilesFromRollups()
    {
        // Nine 100 ms runs that succeed and one 3 s run that fails, in two different hours.
        for (var i = 0; i < 10; i++)
        {
            var started = s_hour.AddMinutes(50 + (i * 2));
            var run = NewRun("agent-p", started);
            await WriteAsync(new TelemetryWrite.StartRun(run));
            var failed = i == 9;
            await WriteAsync(new TelemetryWrite.EndRun(End(run, started.AddMilliseconds(failed ? 3_000 : 100), failed ? RunStatus.Error : RunStatus.Ok, error: failed ? "tool crashed" : null)));
        }

        var usage = await Store.GetAgentUsageAsync("agent-p", s_hour, s_hour.AddHours(2), CancellationToken.None);

        Assert.Equal(10, usage.Runs);
        Assert.Equal(1, usage.Errors);
        Assert.Equal(0.1, usage.ErrorRate, 6);
        Assert.InRange(usage.P50Milliseconds!.Value, 95, 105);
        Assert.InRange(usage.P95Milliseconds!.Value, 2_850, 3_150);

        var hourly = await Store.GetHourlyUsageAsync("agent-p", s_hour, s_hour.AddHours(2), CancellationToken.None);
        Assert.Equal([s_hour, s_hour.AddHours(1)], hourly.Select(h => h.Hour));
        Assert.Equal(10, hourly.Sum(h => h.Runs));
        Assert.Equal(1, hourly.Single(h => h.Errors == 1).Errors);

        var otherAgent = await Store.GetAgentUsageAsync("agent-q", s_hour, s_hour.AddHours(2), CancellationToken.None);
        Assert.Equal(0, otherAgent.Runs);
        Assert.Null(otherAgent.P50Milliseconds);
    }

    [Fact]
    public async Task UsageByAgent_SumsEachAgentsRunsCallsAndDurations()
    {
        for (var i = 0; i < 3; i++)
        {
            var run = NewRun("agent-u1", s_hour.AddMinutes(10 + i));
            await WriteAsync(new TelemetryWrite.StartRun(run));
            await WriteAsync(new TelemetryWrite.AppendSpans([LlmSpan(run, s_hour.AddMinutes(10 + i), "gpt-4o", 10, 2)]));
            await WriteAsync(new TelemetryWrite.EndRun(End(run, s_hour.AddMinutes(10 + i).AddMilliseconds(200), i == 0 ? RunStatus.Error : RunStatus.Ok)));
        }
        var other = NewRun("agent-u2", s_hour.AddMinutes(70));
        await WriteAsync(new TelemetryWrite.StartRun(other));
        await WriteAsync(new TelemetryWrite.EndRun(End(other, s_hour.AddMinutes(70).AddSeconds(2), RunStatus.Ok)));
        var outside = NewRun("agent-u3", s_hour.AddHours(5));
        await WriteAsync(new TelemetryWrite.StartRun(outside));
        await WriteAsync(new TelemetryWrite.EndRun(End(outside, s_hour.AddHours(5).AddSeconds(1), RunStatus.Ok)));

        var usage = await Store.GetUsageByAgentAsync(s_hour, s_hour.AddHours(2), CancellationToken.None);

        Assert.Equal(["agent-u1", "agent-u2"], usage.Select(u => u.AgentId).Order());
        var first = usage.Single(u => u.AgentId == "agent-u1");
        Assert.Equal(3, first.Runs);
        Assert.Equal(1, first.Errors);
        Assert.Equal(3, first.LlmCalls);
        Assert.Equal(30, first.InputTokens);
        Assert.Equal(3, first.RunDurations.Sum(d => d.Count));
        Assert.Equal(30, Assert.Single(first.Models).InputTokens);
        Assert.InRange(DurationHistogram.Quantile(usage.Single(u => u.AgentId == "agent-u2").RunDurations, 0.5)!.Value, 1_900, 2_100);
    }

    [Fact]
    public async Task ListRuns_FiltersByAgentStatusTimeAndText_AndPages()
    {
        for (var i = 0; i < 5; i++)
        {
            var run = NewRun("agent-l", s_hour.AddMinutes(i), input: i == 3 ? "find the Invoice total" : $"question {i}");
            await WriteAsync(new TelemetryWrite.StartRun(run));
            if (i % 2 == 0)
            {
                await WriteAsync(new TelemetryWrite.EndRun(End(run, s_hour.AddMinutes(i).AddSeconds(1), i == 4 ? RunStatus.Error : RunStatus.Ok)));
            }
        }
        await WriteAsync(new TelemetryWrite.StartRun(NewRun("agent-other", s_hour)));

        var all = await Store.ListRunsAsync(new ListRunsRequest { AgentId = "agent-l" }, CancellationToken.None);
        Assert.Equal(5, all.TotalCount);
        Assert.Equal(all.Items.Select(r => r.StartedUnixNano).OrderDescending(), all.Items.Select(r => r.StartedUnixNano));

        Assert.Equal(2, (await Store.ListRunsAsync(new ListRunsRequest { AgentId = "agent-l", Status = RunStatus.Running }, CancellationToken.None)).TotalCount);
        Assert.Equal(1, (await Store.ListRunsAsync(new ListRunsRequest { AgentId = "agent-l", Status = RunStatus.Error }, CancellationToken.None)).TotalCount);
        Assert.Equal(2, (await Store.ListRunsAsync(new ListRunsRequest { AgentId = "agent-l", From = s_hour.AddMinutes(1), To = s_hour.AddMinutes(3) }, CancellationToken.None)).TotalCount);
        var text = await Store.ListRunsAsync(new ListRunsRequest { AgentId = "agent-l", Text = "invoice" }, CancellationToken.None);
        Assert.Equal("find the Invoice total", Assert.Single(text.Items).Input);

        var page2 = await Store.ListRunsAsync(new ListRunsRequest { AgentId = "agent-l", Page = 2, PageSize = 2 }, CancellationToken.None);
        Assert.Equal(2, page2.Items.Count);
        Assert.True(page2.HasMore);
        Assert.Equal(all.Items[2].TraceId, page2.Items[0].TraceId);
    }

    [Fact]
    public async Task ListRuns_FiltersBySessionAndUser_FromAnyDialectOrTheRunsMetadata()
    {
        var genAi = NewRun("agent-s", s_hour);
        var langfuse = NewRun("agent-s", s_hour.AddMinutes(1));
        var started = new RunStart
        {
            TraceId = AgentRunService.NewHexId(16),
            SpanId = AgentRunService.NewHexId(8),
            AgentId = "agent-s",
            AgentName = "agent-s-name",
            ProjectId = "default-project",
            StartedUnixNano = Nanos(s_hour.AddMinutes(2)),
            Metadata = """{"session_id": "conv-7", "user_id": "kim"}""",
        };
        var other = NewRun("agent-s", s_hour.AddMinutes(3));
        foreach (var run in new[] { genAi, langfuse, started, other })
        {
            await WriteAsync(new TelemetryWrite.StartRun(run));
        }
        SpanRecord With(SpanRecord span, params (string Key, string Value)[] attributes)
        {
            span.Attributes = [.. attributes.Select(a => new KeyValuePair<string, string>(a.Key, a.Value))];
            return span;
        }
        await WriteAsync(new TelemetryWrite.AppendSpans(
        [
            With(LlmSpan(genAi, s_hour, "gpt-4o", 1, 1), ("gen_ai.conversation.id", "conv-7"), ("user.id", "lee")),
            With(LlmSpan(langfuse, s_hour.AddMinutes(1), "gpt-4o", 1, 1), ("langfuse.session.id", "conv-7"), ("langfuse.user.id", "kim")),
            With(LlmSpan(other, s_hour.AddMinutes(3), "gpt-4o", 1, 1), ("session.id", "conv-8"), ("user.id", "kim' OR '1'='1")),
        ]));

        async Task<IReadOnlyList<string>> Find(ListRunsRequest request) =>
            [.. (await Store.ListRunsAsync(request, CancellationToken.None)).Items.Select(r => r.TraceId)];

        Assert.Equal([started.TraceId, langfuse.TraceId, genAi.TraceId], await Find(new ListRunsRequest { AgentId = "agent-s", Session = "conv-7" }));
        Assert.Equal([started.TraceId, langfuse.TraceId], await Find(new ListRunsRequest { AgentId = "agent-s", User = "kim" }));
        Assert.Equal([genAi.TraceId], await Find(new ListRunsRequest { AgentId = "agent-s", Session = "conv-7", User = "lee" }));
        Assert.Equal([other.TraceId], await Find(new ListRunsRequest { AgentId = "agent-s", User = "kim' OR '1'='1" }));
        Assert.Empty(await Find(new ListRunsRequest { AgentId = "agent-s", Session = "conv" }));
    }

    [Fact]
    public async Task ListRuns_FiltersByModelAndSpanName()
    {
        var withMini = NewRun("agent-m", s_hour);
        var withOther = NewRun("agent-m", s_hour.AddMinutes(1));
        var plain = NewRun("agent-m", s_hour.AddMinutes(2));
        foreach (var run in new[] { withMini, withOther, plain })
        {
            await WriteAsync(new TelemetryWrite.StartRun(run));
        }
        var answeredBy = LlmSpan(withOther, s_hour.AddMinutes(1), "gpt-4o", 10, 1, responseModel: "gpt-4o-2024-08-06");
        await WriteAsync(new TelemetryWrite.AppendSpans(
        [
            LlmSpan(withMini, s_hour, "gpt-4o-mini", 10, 1),
            answeredBy,
            new SpanRecord { TraceId = plain.TraceId, SpanId = AgentRunService.NewHexId(8), ParentSpanId = plain.SpanId, Name = "tool lookup_Invoice", StartTimeUnixNano = Nanos(s_hour.AddMinutes(2)) },
        ]));

        async Task<IReadOnlyList<string>> Find(ListRunsRequest request) =>
            [.. (await Store.ListRunsAsync(request, CancellationToken.None)).Items.Select(r => r.TraceId)];

        Assert.Equal([withMini.TraceId], await Find(new ListRunsRequest { AgentId = "agent-m", Model = "gpt-4o-mini" }));
        Assert.Equal([withOther.TraceId], await Find(new ListRunsRequest { AgentId = "agent-m", Model = "gpt-4o-2024-08-06" }));
        Assert.Equal([withOther.TraceId], await Find(new ListRunsRequest { AgentId = "agent-m", Model = "gpt-4o" }));
        Assert.Empty(await Find(new ListRunsRequest { AgentId = "agent-m", Model = "gpt-4" }));
        Assert.Equal([plain.TraceId], await Find(new ListRunsRequest { AgentId = "agent-m", SpanName = "LOOKUP_invoice" }));
        Assert.Equal(3, (await Find(new ListRunsRequest { AgentId = "agent-m", SpanName = "agent-m-name" })).Count);
        Assert.Empty(await Find(new ListRunsRequest { AgentId = "agent-m", SpanName = "lookup", Model = "gpt-4o-mini" }));
    }

    [Fact]
    public async Task TopErrors_GroupFailedRunsAndSpansByNameAndMessage_MostFrequentFirst()
    {
        for (var i = 0; i < 3; i++)
        {
            var run = NewRun("agent-e", s_hour.AddMinutes(i));
            await WriteAsync(new TelemetryWrite.StartRun(run));
            await WriteAsync(new TelemetryWrite.AppendSpans([LlmSpan(run, s_hour.AddMinutes(i), "gpt-4o", 1, 1, failed: i < 2, statusMessage: i < 2 ? "rate limited" : null)]));
            await WriteAsync(new TelemetryWrite.EndRun(End(run, s_hour.AddMinutes(i).AddSeconds(1), i == 0 ? RunStatus.Ok : RunStatus.Error, error: i == 0 ? null : "SQL syntax error")));
        }
        var late = NewRun("agent-e", s_hour.AddMinutes(30));
        await WriteAsync(new TelemetryWrite.StartRun(late));
        await WriteAsync(new TelemetryWrite.EndRun(End(late, s_hour.AddMinutes(31), RunStatus.Error, error: "timeout")));
        var outside = NewRun("agent-e", s_hour.AddHours(2));
        await WriteAsync(new TelemetryWrite.StartRun(outside));
        await WriteAsync(new TelemetryWrite.EndRun(End(outside, s_hour.AddHours(2).AddMinutes(1), RunStatus.Error, error: "timeout")));

        var errors = await Store.GetTopErrorsAsync("agent-e", s_hour, s_hour.AddHours(1), 10, CancellationToken.None);

        Assert.Equal(3, errors.Count);
        Assert.Equal(("invoke_agent agent-e-name", "SQL syntax error", true, 2L), (errors[0].SpanName, errors[0].Message, errors[0].IsRunRoot, errors[0].Count));
        Assert.Equal(("chat gpt-4o", "rate limited", false, 2L), (errors[1].SpanName, errors[1].Message, errors[1].IsRunRoot, errors[1].Count));
        Assert.Equal(("timeout", 1L, late.TraceId), (errors[2].Message, errors[2].Count, errors[2].LatestTraceId));
        Assert.Equal(Nanos(s_hour.AddMinutes(2)), errors[0].LastSeenUnixNano);
        Assert.Single(await Store.GetTopErrorsAsync("agent-e", s_hour, s_hour.AddHours(1), 1, CancellationToken.None));
        Assert.Empty(await Store.GetTopErrorsAsync("agent-other", s_hour, s_hour.AddHours(1), 10, CancellationToken.None));
    }

    [Fact]
    public async Task RunModelUsage_SumsEachRunsLlmCallsByModelAndHour_LeavingOutOtherSpans()
    {
        var priced = NewRun("agent-c", s_hour.AddMinutes(50));
        var single = NewRun("agent-c", s_hour.AddMinutes(51));
        var noCalls = NewRun("agent-c", s_hour.AddMinutes(52));
        foreach (var run in new[] { priced, single, noCalls })
        {
            await WriteAsync(new TelemetryWrite.StartRun(run));
        }
        SpanRecord Other(string? operation, string? model, long? tokens) => new()
        {
            TraceId = priced.TraceId,
            SpanId = AgentRunService.NewHexId(8),
            ParentSpanId = priced.SpanId,
            Name = operation ?? "step",
            AgentId = "agent-c",
            StartTimeUnixNano = Nanos(s_hour.AddMinutes(57)),
            DurationNanos = 1,
            Operation = operation,
            RequestModel = model,
            InputTokens = tokens,
            OutputTokens = tokens,
        };
        await WriteAsync(new TelemetryWrite.AppendSpans(
        [
            LlmSpan(priced, s_hour.AddMinutes(55), "gpt-4o", 100, 10, cachedInput: 40),
            LlmSpan(priced, s_hour.AddMinutes(56), "gpt-4o", 50, 5),
            LlmSpan(priced, s_hour.AddMinutes(70), "gpt-4o-mini", 7, 3, responseModel: "gpt-4o-mini-2024-07-18"),
            Other(null, "claude-3-5-haiku", 20),
            Other("execute_tool", "gpt-4o", 1_000),
            Other(null, null, 1_000),
            LlmSpan(single, s_hour.AddMinutes(51), "gpt-4o", 1, 2),
        ]));
        await WriteAsync(new TelemetryWrite.EndRun(End(priced, s_hour.AddMinutes(71), RunStatus.Ok)));

        var usage = await Store.GetRunModelUsageAsync([priced.TraceId, single.TraceId, noCalls.TraceId, AgentRunService.NewHexId(16)], CancellationToken.None);

        var rows = usage.Select(u => (u.TraceId, u.Usage.Hour, u.Usage.Model, u.Usage.LlmCalls, u.Usage.InputTokens, u.Usage.OutputTokens, u.Usage.CachedInputTokens))
            .OrderBy(r => r.TraceId == priced.TraceId ? 0 : 1).ThenBy(r => r.Hour).ThenBy(r => r.Model, StringComparer.Ordinal).ToList();
        Assert.Equal(
        [
            (priced.TraceId, s_hour, "claude-3-5-haiku", 1L, 20L, 20L, 0L),
            (priced.TraceId, s_hour, "gpt-4o", 2L, 150L, 15L, 40L),
            (priced.TraceId, s_hour.AddHours(1), "gpt-4o-mini-2024-07-18", 1L, 7L, 3L, 0L),
            (single.TraceId, s_hour, "gpt-4o", 1L, 1L, 2L, 0L),
        ], rows);
        Assert.All(usage, u => Assert.Equal(0, u.Usage.ReportedCost));
        Assert.Empty(await Store.GetRunModelUsageAsync([], CancellationToken.None));
    }

    [Fact]
    public async Task CloseTimedOutRuns_ClosesOnlyOldRunningRunsAsErrors()
    {
        var old = NewRun("agent-t", s_hour);
        var recent = NewRun("agent-t", s_hour.AddMinutes(50));
        var finished = NewRun("agent-t", s_hour.AddMinutes(1));
        await WriteAsync(new TelemetryWrite.StartRun(old));
        await WriteAsync(new TelemetryWrite.StartRun(recent));
        await WriteAsync(new TelemetryWrite.StartRun(finished));
        await WriteAsync(new TelemetryWrite.EndRun(End(finished, s_hour.AddMinutes(2), RunStatus.Ok)));

        var closed = await WriteAsync(new TelemetryWrite.CloseTimedOutRuns(Nanos(s_hour.AddMinutes(30)), Nanos(s_hour.AddHours(1)), "timed out"));

        Assert.Equal(1, closed.Count);
        var timedOut = await Store.GetRunAsync(old.TraceId, CancellationToken.None);
        Assert.Equal(RunStatus.Error, timedOut!.Status);
        Assert.Equal("timed out", timedOut.Error);
        Assert.Equal(RunStatus.Running, (await Store.GetRunAsync(recent.TraceId, CancellationToken.None))!.Status);
        Assert.Equal(RunStatus.Ok, (await Store.GetRunAsync(finished.TraceId, CancellationToken.None))!.Status);
        Assert.Equal(1, (await Store.GetAgentUsageAsync("agent-t", s_hour, s_hour.AddHours(2), CancellationToken.None)).Errors);
    }

    [Fact]
    public async Task Batch_WithOneFailingWrite_AppliesTheOthers()
    {
        var run = NewRun("agent-b", s_hour);
        var outcomes = await Store.WriteBatchAsync(
        [
            new TelemetryWrite.StartRun(run),
            new TelemetryWrite.EndRun(End(NewRun("agent-b", s_hour), s_hour, RunStatus.Ok)),
            new TelemetryWrite.EndRun(End(run, s_hour.AddSeconds(2), RunStatus.Ok)),
        ], CancellationToken.None);

        Assert.Equal([WriteOutcomeKind.Done, WriteOutcomeKind.NotFound, WriteOutcomeKind.Done], outcomes.Select(o => o.Kind));
        Assert.Equal(RunStatus.Ok, (await Store.GetRunAsync(run.TraceId, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Spans_KeepAttributesEventsAndValuesThatLookLikeSql()
    {
        const string tricky = "'; DROP TABLE spans; -- \\ \" \u0000 ünïcødé";
        var span = new SpanRecord
        {
            TraceId = AgentRunService.NewHexId(16),
            SpanId = AgentRunService.NewHexId(8),
            Name = tricky,
            AgentId = "agent-s",
            StartTimeUnixNano = Nanos(s_hour),
            DurationNanos = 5,
            Status = SpanStatusCode.Error,
            StatusMessage = tricky,
            Attributes = [new("metadata.note", tricky), new("gen_ai.request.model", "gpt-4o")],
            ResourceAttributes = [new("service.name", "vanna")],
            Events = [new SpanEvent("exception", Nanos(s_hour) + 3, [new("exception.message", tricky)])],
        };

        await WriteAsync(new TelemetryWrite.AppendSpans([span]));
        var stored = Assert.Single(await Store.GetTraceAsync(span.TraceId, CancellationToken.None));

        Assert.Equal(tricky, stored.Name);
        Assert.Equal(tricky, stored.StatusMessage);
        Assert.Contains(new KeyValuePair<string, string>("metadata.note", tricky), stored.Attributes);
        Assert.Contains(new KeyValuePair<string, string>("service.name", "vanna"), stored.ResourceAttributes);
        var stormEvent = Assert.Single(stored.Events);
        Assert.Equal(tricky, stormEvent.Attributes.Single().Value);
    }

    [Fact]
    public async Task Spans_KeepEveryColumn_WithTextOutsideAscii_AndEveryOptionalColumnEmpty()
    {
        const string korean = "매출 보고서 요약 🚀 — naïve";
        var full = new SpanRecord
        {
            TraceId = AgentRunService.NewHexId(16),
            SpanId = AgentRunService.NewHexId(8),
            ParentSpanId = AgentRunService.NewHexId(8),
            Name = korean,
            Kind = SpanKindCode.Client,
            ServiceName = "서비스",
            AgentId = "agent-k",
            ProjectId = "project-k",
            StartTimeUnixNano = Nanos(s_hour) + 123_456_789,
            DurationNanos = 987_654_321,
            Status = SpanStatusCode.Ok,
            StatusMessage = korean,
            Operation = "chat",
            Provider = "openai",
            RequestModel = "gpt-4o",
            ResponseModel = "gpt-4o-2024-08-06",
            InputTokens = long.MaxValue / 4,
            OutputTokens = 0,
            CachedInputTokens = 7,
            Attributes = [new("질문", korean)],
            ResourceAttributes = [new("service.name", "서비스")],
            Events = [new SpanEvent("생각", Nanos(s_hour) + 1, [new("내용", korean)])],
            Links = [new SpanLink(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), [new("link.reason", korean)]), new SpanLink(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), [])],
        };
        var bare = new SpanRecord
        {
            TraceId = full.TraceId,
            SpanId = AgentRunService.NewHexId(8),
            Name = "bare",
            StartTimeUnixNano = Nanos(s_hour),
        };

        await WriteAsync(new TelemetryWrite.AppendSpans([full, bare]));
        var stored = await Store.GetTraceAsync(full.TraceId, CancellationToken.None);

        var fullBack = stored.Single(s => s.SpanId == full.SpanId);
        Assert.Equal(
            (full.ParentSpanId, full.Name, full.Kind, full.ServiceName, full.AgentId, full.ProjectId, full.StartTimeUnixNano, full.DurationNanos, full.Status, full.StatusMessage),
            (fullBack.ParentSpanId, fullBack.Name, fullBack.Kind, fullBack.ServiceName, fullBack.AgentId, fullBack.ProjectId, fullBack.StartTimeUnixNano, fullBack.DurationNanos, fullBack.Status, fullBack.StatusMessage));
        Assert.Equal(
            (full.Operation, full.Provider, full.RequestModel, full.ResponseModel, full.InputTokens, full.OutputTokens, full.CachedInputTokens, full.IsRunRoot),
            (fullBack.Operation, fullBack.Provider, fullBack.RequestModel, fullBack.ResponseModel, fullBack.InputTokens, fullBack.OutputTokens, fullBack.CachedInputTokens, fullBack.IsRunRoot));
        Assert.Equal(full.Attributes, fullBack.Attributes);
        Assert.Equal(full.ResourceAttributes, fullBack.ResourceAttributes);
        var thought = Assert.Single(fullBack.Events);
        Assert.Equal(("생각", korean), (thought.Name, thought.Attributes.Single().Value));
        Assert.Equal(full.Links.Select(l => (l.TraceId, l.SpanId, l.Attributes.ToList())), fullBack.Links.Select(l => (l.TraceId, l.SpanId, l.Attributes.ToList())));

        var bareBack = stored.Single(s => s.SpanId == bare.SpanId);
        Assert.Equal(
            ((string?)null, (string?)null, (string?)null, (string?)null, (string?)null, (string?)null, (long?)null, (long?)null, (long?)null),
            (bareBack.ParentSpanId, bareBack.ServiceName, bareBack.AgentId, bareBack.StatusMessage, bareBack.Operation, bareBack.RequestModel, bareBack.InputTokens, bareBack.OutputTokens, bareBack.CachedInputTokens));
        Assert.Empty(bareBack.Attributes);
        Assert.Empty(bareBack.ResourceAttributes);
        Assert.Empty(bareBack.Events);
        Assert.Empty(bareBack.Links);
    }

    [Fact]
    public async Task Purge_DeletesSpansAndRunsBeforeTheirCutoff_AndKeepsRollupsUntilTheirs()
    {
        var september = new DateTime(2026, 9, 10, 8, 0, 0, DateTimeKind.Utc);
        var early = new DateTime(2026, 11, 2, 8, 0, 0, DateTimeKind.Utc);
        var old = await EndedRunWithCallAsync("agent-r", september);
        var earlyRun = await EndedRunWithCallAsync("agent-r", early);
        var recent = await EndedRunWithCallAsync("agent-r", s_hour);

        // Months wholly before the cut-off (September), and the rows before it in the month it falls in (2 November).
        var outcome = await PurgeUntilDoneAsync(new DateTime(2026, 11, 10, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 8, 1, 0, 0, 0, DateTimeKind.Utc));

        Assert.True(outcome.Spans >= 4, $"deleted {outcome.Spans} spans");
        await EventuallyAsync(async () => await Store.GetRunAsync(old.TraceId, CancellationToken.None) is null
            && await Store.GetRunAsync(earlyRun.TraceId, CancellationToken.None) is null
            && (await Store.GetTraceAsync(earlyRun.TraceId, CancellationToken.None)).Count == 0);
        Assert.Empty(await Store.GetTraceAsync(old.TraceId, CancellationToken.None));
        Assert.NotNull(await Store.GetRunAsync(recent.TraceId, CancellationToken.None));
        Assert.Equal(2, (await Store.GetTraceAsync(recent.TraceId, CancellationToken.None)).Count);
        // The rollups of the deleted runs stay: the charts still show September.
        var septemberUsage = await Store.GetAgentUsageAsync("agent-r", september.Date, september.Date.AddDays(1), CancellationToken.None);
        Assert.Equal((1L, 1L), (septemberUsage.Runs, septemberUsage.LlmCalls));

        await PurgeUntilDoneAsync(new DateTime(2026, 11, 10, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 10, 0, 0, 0, DateTimeKind.Utc));

        await EventuallyAsync(async () => (await Store.GetAgentUsageAsync("agent-r", september.Date, early.AddDays(1), CancellationToken.None)).Runs == 0);
        Assert.Equal(1, (await Store.GetAgentUsageAsync("agent-r", s_hour, s_hour.AddHours(1), CancellationToken.None)).Runs);
    }

    [Fact]
    public async Task Stats_CountRowsPerTable_AndTheOldestAndNewestSpan()
    {
        var empty = await Store.GetStatsAsync(CancellationToken.None);
        Assert.Null(empty.OldestSpan);
        Assert.All(empty.Tables, t => Assert.Equal(0, t.Rows));

        await EndedRunWithCallAsync("agent-s", s_hour.AddDays(-3));
        await EndedRunWithCallAsync("agent-s", s_hour);

        var stats = await Store.GetStatsAsync(CancellationToken.None);

        Assert.Equal(Store.Name, stats.Store);
        Assert.Equal(s_hour.AddDays(-3), stats.OldestSpan);
        Assert.Equal(s_hour.AddSeconds(1), stats.NewestSpan);
        Assert.True(Assert.Single(stats.Tables, t => t.Name == "spans").Rows >= 4);
        Assert.True(Assert.Single(stats.Tables, t => t.Name == "runs").Rows >= 2);
        Assert.True(stats.Bytes > 0 && stats.UsedBytes > 0, $"{stats.Bytes} bytes, {stats.UsedBytes} used");
    }

    /// <summary>An ended run with one LLM call a second after it started.</summary>
    protected async Task<RunStart> EndedRunWithCallAsync(string agentId, DateTime started)
    {
        var run = NewRun(agentId, started);
        await WriteAsync(new TelemetryWrite.StartRun(run));
        await WriteAsync(new TelemetryWrite.AppendSpans([WithAgent(LlmSpan(run, started.AddSeconds(1), "gpt-4o", 10, 5), agentId)]));
        await WriteAsync(new TelemetryWrite.EndRun(End(run, started.AddSeconds(2), RunStatus.Ok)));
        return run;
    }

    protected async Task<PurgeOutcome> PurgeUntilDoneAsync(DateTime spansBefore, DateTime rollupsBefore, int batchSize = 1000)
    {
        long spans = 0, runs = 0, rollups = 0;
        for (var round = 0; round < 100; round++)
        {
            var outcome = await Store.PurgeAsync(new PurgeRequest(Nanos(spansBefore), Nanos(rollupsBefore), batchSize), CancellationToken.None);
            (spans, runs, rollups) = (spans + outcome.Spans, runs + outcome.Runs, rollups + outcome.RollupRows);
            if (outcome.Done)
            {
                return new PurgeOutcome(spans, runs, rollups, true, outcome.Method);
            }
        }
        throw new InvalidOperationException("Retention did not finish in 100 rounds.");
    }

    /// <summary>ClickHouse applies deletes in the background: wait (bounded) until the condition holds.</summary>
    protected static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail("The condition did not hold within 10 s.");
    }

    protected async Task<WriteOutcome> WriteAsync(TelemetryWrite write) => (await Store.WriteBatchAsync([write], CancellationToken.None))[0];

    protected static RunStart NewRun(string agentId, DateTime started, string input = "what is our revenue?") => new()
    {
        TraceId = AgentRunService.NewHexId(16),
        SpanId = AgentRunService.NewHexId(8),
        AgentId = agentId,
        AgentName = agentId + "-name",
        ProjectId = "default-project",
        StartedUnixNano = Nanos(started),
        Input = input,
    };

    protected static RunEnd End(RunStart run, DateTime ended, RunStatus status, string? output = null, string? error = null) => new()
    {
        TraceId = run.TraceId,
        AgentId = run.AgentId,
        EndedUnixNano = Nanos(ended),
        Status = status,
        Output = output,
        Error = error,
    };

    [Fact]
    public async Task UsageByUser_GroupsLlmCallsByTheirCaller_HourAndModel_AndByProject()
    {
        SpanRecord Call(string? user, string project, string model, int minute, long input)
        {
            var span = LlmSpan(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), s_hour.AddMinutes(minute), model, input, 1);
            span.ProjectId = project;
            span.AgentId = "agent-u";
            if (user is not null)
            {
                span.Attributes = [new("user.id", user)];
            }
            return span;
        }
        await WriteAsync(new TelemetryWrite.AppendSpans([
            Call("ana@example.com", "p1", "gpt-4o", 1, 10),
            Call("ana@example.com", "p1", "gpt-4o", 2, 20),
            Call("apikey:ap_abc…", "p2", "gpt-4o-mini", 3, 5),
            Call(null, "p1", "gpt-4o", 4, 7),
        ]));

        var all = await Store.GetUsageByUserAsync(s_hour, s_hour.AddHours(1), null, CancellationToken.None);
        var ana = Assert.Single(all, u => u.User == "ana@example.com");
        Assert.Equal((2L, 30L, "gpt-4o", s_hour), (ana.Usage.LlmCalls, ana.Usage.InputTokens, ana.Usage.Model, ana.Usage.Hour));
        Assert.Equal(5, Assert.Single(all, u => u.User == "apikey:ap_abc…").Usage.InputTokens);
        Assert.Equal(7, Assert.Single(all, u => u.User == "").Usage.InputTokens);

        var p2 = Assert.Single(await Store.GetUsageByUserAsync(s_hour, s_hour.AddHours(1), "p2", CancellationToken.None));
        Assert.Equal("apikey:ap_abc…", p2.User);
    }

    protected static SpanRecord LlmSpan(string traceId, string parentSpanId, DateTime start, string model, long input, long output, bool failed = false, string? spanId = null,
        string? responseModel = null, string? statusMessage = null, long? cachedInput = null) => new()
        {
            TraceId = traceId,
            SpanId = spanId ?? AgentRunService.NewHexId(8),
            ParentSpanId = parentSpanId,
            Name = $"chat {model}",
            Kind = SpanKindCode.Client,
            StartTimeUnixNano = Nanos(start),
            DurationNanos = 200_000_000,
            Status = failed ? SpanStatusCode.Error : SpanStatusCode.Ok,
            StatusMessage = statusMessage,
            Operation = "chat",
            Provider = "openai",
            RequestModel = model,
            ResponseModel = responseModel ?? model,
            InputTokens = input,
            OutputTokens = output,
            CachedInputTokens = cachedInput,
        };

    /// <summary>An LLM call inside a run, linked to the run's agent as ingestion links it.</summary>
    protected static SpanRecord LlmSpan(RunStart run, DateTime start, string model, long input, long output, bool failed = false, string? spanId = null,
        string? responseModel = null, string? statusMessage = null, long? cachedInput = null)
        => LinkedTo(LlmSpan(run.TraceId, run.SpanId, start, model, input, output, failed, spanId, responseModel, statusMessage, cachedInput), run.AgentId, run.ProjectId);

    /// <summary>A span linked to an agent as ingestion links it before the store sees it.</summary>
    private static SpanRecord LinkedTo(SpanRecord span, string agentId, string projectId)
    {
        span.AgentId = agentId;
        span.ProjectId = projectId;
        return span;
    }

    private static SpanRecord WithAgent(SpanRecord span, string agentId) => LinkedTo(span, agentId, "default-project");

    /// <summary>The same span as a new object, as a retried export parses it again.</summary>
    private static SpanRecord Copy(SpanRecord span) => WithAgent(
        LlmSpan(span.TraceId, span.ParentSpanId!, AgentRunService.FromUnixNano(span.StartTimeUnixNano), span.RequestModel!, span.InputTokens!.Value, span.OutputTokens!.Value, spanId: span.SpanId),
        span.AgentId!);

    protected static long Nanos(DateTime time) => AgentRunService.ToUnixNano(time);
}

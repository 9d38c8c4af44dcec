using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Tests.Telemetry;

public sealed class SpanJsonTests
{
    [Fact]
    public void Attributes_RepeatedKey_KeepsTheLastValue_InAShortList()
    {
        var text = SpanJson.WriteAttributes([new("model", "first"), new("user", "u1"), new("model", "last")]);

        Assert.Equal("""{"model":"last","user":"u1"}""", text);
        Assert.Equal([new("user", "u1"), new("model", "last")], SpanJson.ReadAttributes(text));
    }

    [Fact]
    public void Attributes_RepeatedKey_KeepsTheLastValue_InALongList()
    {
        var attributes = Enumerable.Range(0, 40).Select(i => new KeyValuePair<string, string>($"k{i % 20}", $"v{i}")).ToList();

        var read = SpanJson.ReadAttributes(SpanJson.WriteAttributes(attributes));

        Assert.Equal(20, read.Count);
        Assert.All(Enumerable.Range(0, 20), i => Assert.Contains(new KeyValuePair<string, string>($"k{i}", $"v{i + 20}"), read));
    }

    [Fact]
    public void Attributes_None_IsNoText()
    {
        Assert.Null(SpanJson.WriteAttributes([]));
        Assert.Empty(SpanJson.ReadAttributes(null));
    }

    [Fact]
    public void Writer_ReusedOnOneThread_NeverLeaksAnEarlierSpansText()
    {
        var large = SpanJson.WriteAttributes([new("prompt", new string('x', 200_000)), new("user", "u1")]);
        var small = SpanJson.WriteAttributes([new("user", "u2")]);
        var events = SpanJson.WriteEvents([new SpanEvent("tool", 5, [new("name", "search")])]);
        var afterEvents = SpanJson.WriteAttributes([new("k", "v")]);

        Assert.Equal(200_000, SpanJson.ReadAttributes(large).Single(a => a.Key == "prompt").Value.Length);
        Assert.Equal("""{"user":"u2"}""", small);
        Assert.Equal("""[{"name":"tool","time_unix_nano":5,"attributes":{"name":"search"}}]""", events);
        Assert.Equal("""{"k":"v"}""", afterEvents);
    }

    [Fact]
    public async Task Writers_OnManyThreadsAtOnce_EachGetTheirOwnText()
    {
        var texts = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() =>
            Enumerable.Range(0, 200).Select(j => SpanJson.WriteAttributes([new("thread", i.ToString()), new("n", j.ToString())])).ToList())));

        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(Enumerable.Range(0, 200).Select(j => $$"""{"n":"{{j}}","thread":"{{i}}"}"""), texts[i]);
        }
    }

    [Fact]
    public void Events_RoundTrip_WithEmptyAttributes()
    {
        var events = SpanJson.ReadEvents(SpanJson.WriteEvents([new SpanEvent("start", 1, []), new SpanEvent("exception", 2, [new("exception.message", "boom")])]));

        Assert.Equal(["start", "exception"], events.Select(e => e.Name));
        Assert.Empty(events[0].Attributes);
        Assert.Equal("boom", events[1].Attributes.Single().Value);
        Assert.Null(SpanJson.WriteEvents([]));
    }
}

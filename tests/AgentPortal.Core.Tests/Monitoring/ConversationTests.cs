using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Tests.Monitoring;

/// <summary>Each dialect's messages, built from the attribute names its SDK documents.</summary>
public class ConversationTests
{
    [Fact]
    public void GenAiConventions_SystemInstructionsInputAndOutputMessages_WithToolCallsAndResults()
    {
        var turns = Conversation.Of(Span(
            ("gen_ai.system_instructions", """[{"type": "text", "content": "You are a travel planner."}]"""),
            ("gen_ai.input.messages", """
                [{"role": "user", "parts": [{"type": "text", "content": "Flights to Busan?"}]},
                 {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "search_flights", "arguments": {"to": "PUS"}}]},
                 {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": {"flights": 3}}]}]
                """),
            ("gen_ai.output.messages", """[{"role": "assistant", "parts": [{"type": "text", "content": "Three flights."}], "finish_reason": "stop"}]""")));

        Assert.Equal(["system", "user", "assistant", "tool", "assistant"], turns.Select(t => t.Role));
        Assert.Equal("You are a travel planner.", turns[0].Text);
        Assert.Equal("Flights to Busan?", turns[1].Text);
        var call = Assert.Single(turns[2].ToolCalls);
        Assert.Equal(("call_1", "search_flights", """{"to": "PUS"}"""), (call.Id, call.Name, call.Arguments));
        Assert.Equal("call_1", turns[3].ToolCallId);
        Assert.Equal("""{"flights": 3}""", turns[3].Text);
        Assert.Equal("stop", turns[4].FinishReason);
        Assert.True(turns[4].Output);
        Assert.False(turns[1].Output);
    }

    [Fact]
    public void GenAiConventions_OnTheInferenceDetailsEvent()
    {
        var span = new SpanRecord
        {
            TraceId = "0123456789abcdef0123456789abcdef",
            SpanId = "0123456789abcdef",
            Name = "chat",
            Events = [new SpanEvent("gen_ai.client.inference.operation.details", 0,
                [new("gen_ai.input.messages", """[{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]""")])],
        };

        Assert.Equal("hi", Assert.Single(Conversation.Of(span)).Text);
    }

    [Fact]
    public void DeprecatedIndexedAttributes_AsLiteLlmAndOpenLlmetryWriteThem()
    {
        var turns = Conversation.Of(Span(
            ("gen_ai.prompt.0.role", "system"), ("gen_ai.prompt.0.content", "Be brief."),
            ("gen_ai.prompt.1.role", "user"), ("gen_ai.prompt.1.content", "Weather in Seoul?"),
            ("gen_ai.completion.0.role", "assistant"), ("gen_ai.completion.0.finish_reason", "tool_calls"),
            ("gen_ai.completion.0.tool_calls.0.id", "t1"), ("gen_ai.completion.0.tool_calls.0.name", "weather"),
            ("gen_ai.completion.0.tool_calls.0.arguments", """{"city": "Seoul"}"""),
            ("gen_ai.prompt.10.role", "user"), ("gen_ai.prompt.10.content", "tenth comes after first, by number")));

        Assert.Equal(["system", "user", "user", "assistant"], turns.Select(t => t.Role));
        Assert.Equal("tenth comes after first, by number", turns[2].Text);
        Assert.Equal("weather", Assert.Single(turns[3].ToolCalls).Name);
        Assert.Equal("tool_calls", turns[3].FinishReason);
    }

    [Fact]
    public void OpenInference_IndexedMessages_WithContentsListsAndToolCalls()
    {
        var turns = Conversation.Of(Span(
            ("llm.input_messages.0.message.role", "user"),
            ("llm.input_messages.0.message.contents.0.message_content.type", "text"),
            ("llm.input_messages.0.message.contents.0.message_content.text", "Summarise in Korean"),
            ("llm.output_messages.0.message.role", "assistant"),
            ("llm.output_messages.0.message.content", "부산 여행 🐟"),
            ("llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "translate"),
            ("llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments", "{\"to\": \"ko\"}"),
            ("input.value", "ignored: messages win")));

        Assert.Equal(["user", "assistant"], turns.Select(t => t.Role));
        Assert.Equal("Summarise in Korean", turns[0].Text);
        Assert.Equal("부산 여행 🐟", turns[1].Text);
        Assert.Equal("translate", Assert.Single(turns[1].ToolCalls).Name);
    }

    [Fact]
    public void GenAiEvents_PerMessage_AndTheChoice()
    {
        var span = new SpanRecord
        {
            TraceId = "0123456789abcdef0123456789abcdef",
            SpanId = "0123456789abcdef",
            Name = "chat",
            Events =
            [
                new SpanEvent("gen_ai.system.message", 1, [new("content", "Be kind.")]),
                new SpanEvent("gen_ai.user.message", 2, [new("content", "Hello")]),
                new SpanEvent("gen_ai.choice", 3, [new("message", """{"role": "assistant", "content": "Hi!"}"""), new("finish_reason", "stop")]),
            ],
        };

        var turns = Conversation.Of(span);

        Assert.Equal(["system", "user", "assistant"], turns.Select(t => t.Role));
        Assert.Equal("Hi!", turns[2].Text);
        Assert.Equal("stop", turns[2].FinishReason);
    }

    [Fact]
    public void WholeOpenAiMessagesInOneAttribute_WithToolCalls()
    {
        var turns = Conversation.Of(Span(
            ("gen_ai.prompt", """[{"role": "user", "content": [{"type": "text", "text": "List files"}]}]"""),
            ("gen_ai.completion", """[{"role": "assistant", "content": null, "tool_calls": [{"id": "c9", "type": "function", "function": {"name": "ls", "arguments": "{\"path\": \"/\"}"}}]}]""")));

        Assert.Equal("List files", turns[0].Text);
        var call = Assert.Single(turns[1].ToolCalls);
        Assert.Equal(("c9", "ls", """{"path": "/"}"""), (call.Id, call.Name, call.Arguments));
    }

    [Fact]
    public void VercelAiSdk_PromptMessagesAndResponseText()
    {
        var turns = Conversation.Of(Span(
            ("ai.prompt.messages", """[{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Hi"}]}]"""),
            ("ai.response.text", "Hello!")));

        Assert.Equal([("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello!")], turns.Select(t => (t.Role, t.Text)));
    }

    [Fact]
    public void LangfuseSdk_ObservationInputAndOutput()
    {
        var turns = Conversation.Of(Span(
            ("langfuse.observation.input", """[{"role": "user", "content": "Weather?"}]"""),
            ("langfuse.observation.output", """{"role": "assistant", "content": "Sunny."}""")));

        Assert.Equal([("user", "Weather?"), ("assistant", "Sunny.")], turns.Select(t => (t.Role, t.Text)));
    }

    [Fact]
    public void PlainInputAndOutputValues_AndTheRunsOwnText()
    {
        Assert.Equal(["user", "assistant"], Conversation.Of(Span(("input.value", "q"), ("output.value", "a"))).Select(t => t.Role));
        Assert.Equal("plan a trip", Conversation.Of(Span((RunSpans.InputAttribute, "plan a trip")))[0].Text);
        Assert.Empty(Conversation.Of(Span(("http.method", "GET"))));
    }

    [Theory]
    [InlineData("gen_ai.input.messages", "[{\"role\": \"user\", \"parts\": [")]
    [InlineData("gen_ai.input.messages", "not json at all")]
    [InlineData("gen_ai.input.messages", "42")]
    [InlineData("gen_ai.prompt", "{\"unclosed\": ")]
    public void MalformedValues_AreShownAsText_NeverDropped(string key, string value)
    {
        var turns = Conversation.Of(Span((key, value)));

        Assert.Contains(turns, t => t.Text == value);
    }

    [Fact]
    public void AHugeMessage_IsKeptWhole_ForThePageToCollapse()
    {
        var huge = new string('x', 2_000_000);

        var turns = Conversation.Of(Span(("gen_ai.input.messages", $$"""[{"role": "user", "parts": [{"type": "text", "content": "{{huge}}"}]}]""")));

        Assert.Equal(huge.Length, Assert.Single(turns).Text!.Length);
    }

    private static SpanRecord Span(params (string Key, string Value)[] attributes) => new()
    {
        TraceId = "0123456789abcdef0123456789abcdef",
        SpanId = "0123456789abcdef",
        Name = "chat",
        Attributes = [.. attributes.Select(a => new KeyValuePair<string, string>(a.Key, a.Value))],
    };
}

using AgentPortal.Core.Otlp;
using AgentPortal.Core.Otlp.Proto.Common;
using Google.Protobuf;

namespace AgentPortal.Core.Tests.Otlp;

public class OtlpAttributesTests
{
    [Fact]
    public void ToText_WritesScalarsPlainly_AndArraysAndMapsAsJson()
    {
        Assert.Equal("text", OtlpAttributes.ToText(new AnyValue { StringValue = "text" }));
        Assert.Equal("true", OtlpAttributes.ToText(new AnyValue { BoolValue = true }));
        Assert.Equal("-42", OtlpAttributes.ToText(new AnyValue { IntValue = -42 }));
        Assert.Equal("0.25", OtlpAttributes.ToText(new AnyValue { DoubleValue = 0.25 }));
        Assert.Equal("AQI=", OtlpAttributes.ToText(new AnyValue { BytesValue = ByteString.CopyFrom(1, 2) }));
        Assert.Equal("", OtlpAttributes.ToText(null));

        var list = new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { StringValue = "a" }, new AnyValue { IntValue = 1 } } } };
        Assert.Equal("""["a",1]""", OtlpAttributes.ToText(list));
        var map = new AnyValue { KvlistValue = new KeyValueList { Values = { new KeyValue { Key = "role", Value = new AnyValue { StringValue = "user" } } } } };
        Assert.Equal("""{"role":"user"}""", OtlpAttributes.ToText(map));
    }
}

using Qllm.Core.Errors;

namespace Qllm.Engine.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Canonical_error_names_file_code_and_fix()
    {
        var error = new QllmException(ErrorCodes.BadCheckpoint, "m.bin", "too short", "fetch it again");
        Assert.Equal("m.bin: error QLLM2002: too short; fetch it again", error.ToCanonicalString());
    }
}

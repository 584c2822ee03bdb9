using System.Reflection;
using System.Text.RegularExpressions;
using Qllm.Core.Errors;

namespace Qllm.Core.Tests.Errors;

public sealed partial class ErrorCodesTests
{
    private static readonly Dictionary<string, string> CodesByName = typeof(ErrorCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral)
        .ToDictionary(field => field.Name, field => (string)field.GetRawConstantValue()!);

    [Fact]
    public void Every_code_is_QLLM_and_four_digits_and_used_once()
    {
        Assert.All(CodesByName.Values, code => Assert.Matches(CodePattern(), code));
        Assert.Equal(CodesByName.Count, CodesByName.Values.Distinct().Count());
    }

    [Fact]
    public void The_documented_list_names_every_code_with_its_name_and_no_other()
    {
        var documented = DocumentedRow().Matches(File.ReadAllText(DocsPath()))
            .ToDictionary(match => match.Groups["name"].Value, match => match.Groups["code"].Value);

        Assert.Equal(CodesByName.OrderBy(pair => pair.Key), documented.OrderBy(pair => pair.Key));
    }

    [GeneratedRegex(@"^QLLM[1-5]\d{3}$")]
    private static partial Regex CodePattern();

    // A row of docs/error-codes.md: | QLLM2003 | `BadSafeTensors` | meaning |
    [GeneratedRegex(@"^\| (?<code>QLLM\d{4}) \| `(?<name>\w+)` \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedRow();

    private static string DocsPath()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Qllm.Build.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("Qllm.Build.sln not found above the test output.");
        }

        return Path.Combine(dir, "docs", "error-codes.md");
    }
}

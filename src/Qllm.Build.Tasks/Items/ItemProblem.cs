namespace Qllm.Build.Tasks.Items;

/// <summary>One thing wrong with a <c>QuantizedModel</c> item, reported as an MSBuild error on the file that defines the item.</summary>
/// <param name="Code">The QLLM1xxx code.</param>
/// <param name="Message">What is wrong and what to do.</param>
internal sealed record ItemProblem(string Code, string Message);

namespace Qllm.Build.Tasks.Loader;

/// <summary>What the generated loader needs to know about one model.</summary>
/// <param name="ClassName">The nested class's name.</param>
/// <param name="Namespace">The namespace of the <c>QuantizedModels</c> class that holds it.</param>
/// <param name="SourceName">The model's file or folder name, for the XML doc.</param>
/// <param name="Options">The quantization options, for the XML doc.</param>
/// <param name="Embedded">true: an embedded resource; false: a file beside the app.</param>
/// <param name="Location">The resource name, or the path relative to the app's folder.</param>
internal sealed record LoaderModel(string ClassName, string Namespace, string SourceName, string Options, bool Embedded, string Location);

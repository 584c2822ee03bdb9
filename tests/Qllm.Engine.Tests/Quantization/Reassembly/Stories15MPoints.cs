using Qllm.Artifacts.Tokenization;
using Qllm.Engine.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Quantization.Reassembly;

/// <summary>
/// Real activations of stories15M at its reassembly points (q/k/v, gate/up and down_proj inputs
/// of every layer) over 16 windows of 256 calibration-text tokens, with their consumer weights.
/// </summary>
public sealed class Stories15MPoints : IDisposable
{
    private const int Windows = 16;
    private const int WindowTokens = 256;

    private readonly Stories15MFixture _stories = new();
    private readonly LlamaModel _model;
    private readonly List<Tensor> _owned = [];

    public Stories15MPoints()
    {
        _model = LlamaModel.FromCheckpoint(_stories.Checkpoint, CPU);
        var tokenizer = Llama2CTokenizer.Load(TestData.TokenizerPath, _model.Config.VocabSize);
        var text = File.ReadAllText(TestData.CalibrationTextPath);
        var ids = tokenizer.Encode(text[..Math.Min(text.Length, 200_000)]).Take(Windows * (WindowTokens - 1)).Select(i => (long)i).ToArray();
        var batch = new long[Windows * WindowTokens];
        for (int w = 0; w < Windows; w++)
        {
            batch[w * WindowTokens] = tokenizer.BosId;
            Array.Copy(ids, w * (WindowTokens - 1), batch, (w * WindowTokens) + 1, WindowTokens - 1);
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var hidden = _model.Embed(tensor(batch, [Windows, WindowTokens]));
        foreach (var layer in _model.Layers)
        {
            var attentionInput = layer.AttentionNorm.call(hidden);
            var afterAttention = hidden + layer.Attention.Forward(attentionInput, _model.Rope, layer.Index, cache: null, start: 0);
            var mlpInput = layer.FeedForwardNorm.call(afterAttention);
            var ffn = layer.FeedForward;
            var downInput = nn.functional.silu(ffn.GateProjection.call(mlpInput)) * ffn.UpProjection.call(mlpInput);
            QkvInputs.Add(Keep(attentionInput.reshape(-1, attentionInput.shape[^1])));
            GateUpInputs.Add(Keep(mlpInput.reshape(-1, mlpInput.shape[^1])));
            DownInputs.Add(Keep(downInput.reshape(-1, downInput.shape[^1])));
            QkvWeights.Add([Weight(layer.Attention.QueryProjection), Weight(layer.Attention.KeyProjection), Weight(layer.Attention.ValueProjection)]);
            GateUpWeights.Add([Weight(ffn.GateProjection), Weight(ffn.UpProjection)]);
            DownWeights.Add([Weight(ffn.DownProjection)]);
            hidden = afterAttention + ffn.DownProjection.call(downInput);
        }
    }

    /// <summary>Per layer, [4096, 288].</summary>
    internal List<Tensor> QkvInputs { get; } = [];

    /// <summary>Per layer, [4096, 288].</summary>
    internal List<Tensor> GateUpInputs { get; } = [];

    /// <summary>Per layer, [4096, 768].</summary>
    internal List<Tensor> DownInputs { get; } = [];

    internal List<Tensor[]> QkvWeights { get; } = [];

    internal List<Tensor[]> GateUpWeights { get; } = [];

    internal List<Tensor[]> DownWeights { get; } = [];

    public void Dispose()
    {
        foreach (var t in _owned)
        {
            t.Dispose();
        }

        _model.Dispose();
        _stories.Dispose();
    }

    private Tensor Keep(Tensor t)
    {
        var kept = t.contiguous().MoveToOuterDisposeScope();
        _owned.Add(kept);
        return kept;
    }

    private static TorchSharp.Modules.Parameter Weight(nn.Module<Tensor, Tensor> linear) => ((DenseLinear)linear).Weight;
}

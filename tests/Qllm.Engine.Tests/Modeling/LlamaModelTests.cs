using Qllm.Engine.Modeling;
using Qllm.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Modeling;

public sealed class LlamaModelTests(Stories15MFixture stories) : IClassFixture<Stories15MFixture>
{
    // "Once upon a time" after BOS, then the first greedy tokens of the known continuation.
    private static readonly long[] Prompt = [1, 9038, 2501, 263, 931, 29892, 727, 471, 263, 2217, 7826, 4257];

    [Fact]
    public void Greedy_next_tokens_are_the_known_story()
    {
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var noGrad = no_grad();
        var predicted = model.forward(tensor(Prompt, [1, Prompt.Length]))[0].argmax(1).data<long>().ToArray();
        Assert.Equal(Prompt[1..], predicted[..^1]);
        Assert.Equal(365, predicted[^1]); // " L" of "Lily"
    }

    [Fact]
    public void Decoding_with_the_cache_gives_the_full_forward_logits()
    {
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var noGrad = no_grad();
        var full = model.forward(tensor(Prompt, [1, Prompt.Length]));
        using var cache = new KvCache(model.Config, batch: 1, CPU);
        var prefill = model.Logits(tensor(Prompt[..5], [1, 5]), cache, start: 0);
        var chunk = model.Logits(tensor(Prompt[5..9], [1, 4]), cache, start: 5); // several tokens after a prefix: explicit causal mask
        var steps = Enumerable.Range(9, Prompt.Length - 9).Select(i => model.Logits(tensor(Prompt[i..(i + 1)], [1, 1]), cache, start: i));
        var incremental = cat([prefill, chunk, .. steps], 1);
        Assert.True(full.allclose(incremental, rtol: 1e-4, atol: 1e-4), $"max difference {(full - incremental).abs().max().item<float>()}");
    }

    [Fact]
    public void Grouped_query_attention_equals_full_attention_with_shared_key_value_heads()
    {
        // Pair the heads (0,1), (2,3), (4,5): the GQA copy keeps one k/v head per pair; the
        // multi-head copy repeats that head's weights for both members of the pair.
        var config = stories.Checkpoint.Config;
        int headDim = config.HeadDim;
        var gqa = new Dictionary<string, Tensor>();
        var mha = new Dictionary<string, Tensor>();
        foreach (var (name, weight) in stories.Checkpoint.Tensors)
        {
            if (name.EndsWith("k_proj.weight", StringComparison.Ordinal) || name.EndsWith("v_proj.weight", StringComparison.Ordinal))
            {
                var shared = weight.view(3, 2, headDim, config.Dim).select(1, 0);
                gqa[name] = shared.reshape(3 * headDim, config.Dim).contiguous();
                mha[name] = shared.unsqueeze(1).expand(3, 2, headDim, config.Dim).reshape(6 * headDim, config.Dim).contiguous();
            }
            else
            {
                gqa[name] = weight;
                mha[name] = weight;
            }
        }

        using var gqaModel = LlamaModel.FromCheckpoint(new LlamaCheckpoint(config with { KvHeads = 3 }, gqa, "gqa"), CPU);
        using var mhaModel = LlamaModel.FromCheckpoint(new LlamaCheckpoint(config, mha, "mha"), CPU);
        using var noGrad = no_grad();
        var input = tensor(Prompt, [1, Prompt.Length]);
        var expected = mhaModel.forward(input);
        var actual = gqaModel.forward(input);
        Assert.True(expected.allclose(actual, rtol: 1e-4, atol: 1e-4), $"max difference {(expected - actual).abs().max().item<float>()}");

        using var cache = new KvCache(gqaModel.Config, batch: 1, CPU);
        var prefill = gqaModel.Logits(tensor(Prompt[..6], [1, 6]), cache, 0);
        var rest = Enumerable.Range(6, Prompt.Length - 6).Select(i => gqaModel.Logits(tensor(Prompt[i..(i + 1)], [1, 1]), cache, i));
        Assert.True(expected.allclose(cat([prefill, .. rest], 1), rtol: 1e-4, atol: 1e-4));
    }

    [Fact]
    public void A_replaced_linear_and_input_transform_take_part_in_the_forward_pass_and_the_parameters()
    {
        using var model = LlamaModel.FromCheckpoint(stories.Checkpoint, CPU);
        using var noGrad = no_grad();
        var input = tensor(Prompt, [1, Prompt.Length]);
        var before = model.forward(input);
        var feedForward = model.Layers[2].FeedForward;
        var zero = new DenseLinear(zeros_like(((DenseLinear)feedForward.DownProjection).Weight), "down_proj");
        feedForward.DownProjection = zero;
        Assert.False(before.allclose(model.forward(input)));
        Assert.Contains(model.parameters(), p => ReferenceEquals(p, zero.Weight));
        Assert.Equal(stories.Checkpoint.Tensors.Count, model.parameters().Count());

        // An input transform that cancels the zeroed projection's effect is not possible; one that
        // zeroes the input of the (restored) down projection must give the same result as above.
        var zeroedOutput = model.forward(input);
        feedForward.DownProjection = new DenseLinear(stories.Checkpoint.Tensors[TensorNames.Linear(2, "mlp.down_proj")], "down_proj");
        feedForward.DownInput = new ZeroInput();
        Assert.True(zeroedOutput.allclose(model.forward(input)));
    }

    private sealed class ZeroInput() : nn.Module<Tensor, Tensor>("zero")
    {
        public override Tensor forward(Tensor input) => zeros_like(input);
    }
}

using Qllm.Runtime.Compute;
using Qllm.Runtime.Model;
using Xunit.Abstractions;

namespace Qllm.Runtime.Tests.Compute;

/// <summary>
/// The three online transforms, placed where the format says, leave a float model's function
/// unchanged once its weights are rotated to match (QuaRot): stories15M with its norms folded into
/// the next linears, W_in ← diag(w)·W_in·Q, W_out ← Qᵀ·W_out, W_down ← Q_resᵀ·W_down·Q_down, gives the
/// logits of the plain model. The transforms themselves are checked against their definition in
/// <see cref="OnlineTransformTests"/>; this checks where they run.
/// </summary>
public sealed class TransformerRotationTests(ITestOutputHelper output)
{
    [Fact]
    public void A_rotated_float_model_gives_the_plain_models_logits()
    {
        var checkpoint = FloatCheckpoint.Read(TestData.ModelPath);
        var config = checkpoint.Config;
        var residual = new OnlineTransform(Kronecker12(2), 144, OnlineTransformTests.Signs(config.Dim, 1), config.Dim, "rotation.residual", "test");
        var heads = new OnlineTransform(Kronecker12(1), 12, OnlineTransformTests.Signs(config.HeadDim, 2), config.HeadDim, "rotation.heads", "test");
        var down = new OnlineTransform(Kronecker12(1), 12, OnlineTransformTests.Signs(config.HiddenDim, 3), config.HiddenDim, "rotation.down", "test");
        var rotated = Rotated(checkpoint, new OnlineTransforms(residual, heads, down));
        var plain = Llama2CFloatLoader.Load(TestData.ModelPath);

        var random = new Random(5);
        int[] tokens = [1, .. Enumerable.Range(0, 47).Select(_ => random.Next(config.VocabSize))];
        var workers = new Workers(1);
        var expected = plain.Forward(tokens, plain.NewState(), lastOnly: false, workers);
        var actual = rotated.Forward(tokens, rotated.NewState(), lastOnly: false, workers);
        double maxDifference = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        output.WriteLine($"max |Δlogit| {maxDifference:G3} over {tokens.Length} positions");
        Assert.True(maxDifference < 2e-3, $"max |Δlogit| {maxDifference}");

        // The last-row-only path turns back just that row.
        var last = rotated.Forward(tokens, rotated.NewState(), lastOnly: true, workers);
        Assert.Equal(actual.AsSpan(actual.Length - config.VocabSize).ToArray(), last);
        Assert.Equal(plain.Bytes + residual.Bytes + heads.Bytes + down.Bytes, rotated.Bytes);
    }

    /// <summary>Paley 12 (⊗ Paley 12 when <paramref name="factors"/> is 2), orthonormal, as floats.</summary>
    private static float[] Kronecker12(int factors)
    {
        var paley = Dense.Paley12();
        var factor = factors == 1 ? paley : Dense.Kronecker(paley, 12, paley, 12);
        return [.. factor.Select(v => (float)v)];
    }

    private static Transformer Rotated(FloatCheckpoint checkpoint, OnlineTransforms transforms)
    {
        var config = checkpoint.Config;
        int dim = config.Dim, hidden = config.HiddenDim, kvDim = config.KvDim;
        var residual = transforms.Residual!;
        InputPoint Plain(int columns, OnlineTransform? transform = null) => new(columns, null, 16, 32, packedLayout: false, transform);
        DenseMatrix Input(float[] w, int rows, float[] norm) => new(RotateRows(w, rows, dim, norm, residual), rows, dim);
        DenseMatrix Output(float[] w, int columns) => new(RotateColumns(w, dim, columns, residual), dim, columns);

        var blocks = checkpoint.Layers.Select((p, layer) => new DecoderBlock(
            layer,
            config,
            Ones(dim),
            Ones(dim),
            new LinearGroup(Plain(dim), Input(p[1], dim, p[0]), Input(p[2], kvDim, p[0]), Input(p[3], kvDim, p[0])),
            new LinearGroup(Plain(dim), Output(p[4], dim)),
            new LinearGroup(Plain(dim), Input(p[6], hidden, p[5]), Input(p[8], hidden, p[5])),
            new LinearGroup(Plain(hidden, transforms.Down), Output(RotateRows(p[7], dim, hidden, Ones(hidden), transforms.Down!), hidden)),
            transforms.Heads,
            stateBits: 0)).ToList();
        var embedding = new DenseMatrix(checkpoint.Embedding, config.VocabSize, dim);
        return new Transformer(config, embedding, blocks, checkpoint.FinalNorm, new LinearGroup(Plain(dim), embedding), transforms);
    }

    private static float[] Ones(int length) => [.. Enumerable.Repeat(1f, length)];

    /// <summary>W·diag(norm)·Q for W [rows, columns]: each row r becomes (W[r] ⊙ norm)·Q.</summary>
    private static float[] RotateRows(float[] w, int rows, int columns, float[] norm, OnlineTransform q)
    {
        var result = new float[w.Length];
        for (int r = 0; r < rows; r++)
        {
            var row = result.AsSpan(r * columns, columns);
            for (int c = 0; c < columns; c++)
            {
                row[c] = w[(r * columns) + c] * norm[c];
            }

            q.Apply(row);
        }

        return result;
    }

    /// <summary>Qᵀ·W for W [rows, columns]: each column becomes (its transpose·Q)ᵀ.</summary>
    private static float[] RotateColumns(float[] w, int rows, int columns, OnlineTransform q)
    {
        var result = new float[w.Length];
        var column = new float[rows];
        for (int c = 0; c < columns; c++)
        {
            for (int r = 0; r < rows; r++)
            {
                column[r] = w[(r * columns) + c];
            }

            q.Apply(column);
            for (int r = 0; r < rows; r++)
            {
                result[(r * columns) + c] = column[r];
            }
        }

        return result;
    }
}

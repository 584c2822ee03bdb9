using System.Diagnostics;

namespace Qllm.Engine.Quantization;

/// <summary>
/// Times each block of a run from the quantizer's progress reports (one before the first block,
/// one after each), so that the weights-only recipes, which keep no block reports, are timed too;
/// the reports are passed on to <c>next</c>.
/// </summary>
internal sealed class BlockTimings(int blockLayers, int layers, Action<QuantizationProgress>? next)
{
    private readonly List<BlockTiming> _all = [];
    private readonly Stopwatch _clock = new();
    private int _done;

    /// <summary>The blocks timed so far.</summary>
    public IReadOnlyList<BlockTiming> All => _all;

    /// <summary>Hears one progress report.</summary>
    public void Report(QuantizationProgress progress)
    {
        var done = progress.BlocksDone;
        if (!_clock.IsRunning)
        {
            // The first report comes before the first block (after the blocks a resumed run restored).
            _clock.Start();
            _done = done;
        }
        else
        {
            for (int block = _done; block < done; block++)
            {
                int first = block * blockLayers;
                _all.Add(new BlockTiming(first, Math.Min(blockLayers, layers - first), _clock.Elapsed.TotalSeconds / (done - _done), Process.GetCurrentProcess().PeakWorkingSet64));
            }

            _done = done;
            _clock.Restart();
        }

        next?.Invoke(progress);
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Qllm.Runtime.Compute;

/// <summary>
/// The model's own threads for the large products: the caller plus <c>Threads − 1</c> background
/// threads. A decode step is a few dozen products of some microseconds each, too short for the
/// thread pool's hand-off (Parallel.For woke its threads for every product and gained little), so
/// between products the workers spin on the job word and start within a fraction of a
/// microsecond; after about a millisecond without work they block on an event, so an idle model
/// costs no CPU. Items are cut into a few chunks per thread, each claimed with one compare-exchange;
/// the caller claims chunks too and then waits only for the chunks that were claimed, so a thread
/// that the OS holds back leaves its share to the others. Work too small to pay for the hand-off
/// runs inline on the caller. Each item is computed by the same code whichever thread takes it, so
/// results do not depend on the thread count. One product at a time uses the threads; a concurrent
/// caller (another sequence) meanwhile runs its product inline.
/// </summary>
internal sealed class Workers : IDisposable
{
    /// <summary>Multiply-adds below which a chunk does not pay for the hand-off (a few microseconds of work).</summary>
    internal const long DefaultMinimumChunkCost = 1 << 15;

    /// <summary>Chunks per thread: a few, so that a thread that falls behind is covered by the others.</summary>
    internal const int DefaultChunksPerThread = 4;

    // Chunks of one job fit the claim word's 16 bits.
    private const int MaximumChunks = 0xFFFF;

    // How long an idle worker spins before it blocks: longer than the gap between two tokens' products
    // (sampling, detokenizing), far shorter than anything a person notices as CPU load.
    private static readonly long SpinTicks = Stopwatch.Frequency / 1000;

    private readonly long _minimumChunkCost;
    private readonly int _chunksPerThread;
    private readonly Thread[] _threads;
    private readonly ManualResetEventSlim[] _wake;
    private readonly int[] _asleep;

    // The current job: written by the caller before it publishes the job's claim word, read by a
    // worker after it has claimed a chunk (the job cannot end, nor the next be written, before
    // that chunk is done).
    private RowWork? _work;
    private int _count;
    private int _granularity;
    private int _remaining;
    private Exception? _error;

    // generation (bits 32-63) | chunks (bits 16-31) | next unclaimed chunk (bits 0-15): a worker
    // claims a chunk of the job it saw with one compare-exchange, and a worker that wakes after
    // the job ended (the OS held it back) finds the generation changed and takes nothing, so the
    // caller never waits for a worker that has not started.
    private long _claim;
    private int _generation;
    private int _busy;
    private volatile bool _stopping;

    public Workers(int threads)
        : this(threads, DefaultChunksPerThread, DefaultMinimumChunkCost)
    {
    }

    internal Workers(int threads, int chunksPerThread, long minimumChunkCost)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunksPerThread, 1);
        Threads = threads;
        _chunksPerThread = chunksPerThread;
        _minimumChunkCost = Math.Max(1, minimumChunkCost);
        _threads = new Thread[threads - 1];
        _wake = new ManualResetEventSlim[threads - 1];
        _asleep = new int[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            // Spinning is done by the loop itself; the event only blocks.
            _wake[i] = new ManualResetEventSlim(false, spinCount: 1);
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"Qllm worker {i + 1}" };
            _threads[i].Start(i);
        }
    }

    public int Threads { get; }

    /// <summary>
    /// Runs <paramref name="work"/> over items [0, <paramref name="count"/>) of about
    /// <paramref name="itemCost"/> multiply-adds each, and returns when every item is done. An
    /// exception of any chunk is rethrown here (the first one, if several).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void For(int count, long itemCost, RowWork work)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        int granularity = Math.Max(1, work.Granularity);
        long most = Math.Min(Math.Min(Threads * (long)_chunksPerThread, MaximumChunks), Math.Max(1, count / granularity));
        int chunks = _threads.Length == 0 ? 1 : (int)Math.Clamp(count * itemCost / _minimumChunkCost, 1, most);
        if (chunks == 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            work.Run(0, count, 0);
            return;
        }

        try
        {
            _work = work;
            _count = count;
            _granularity = granularity;
            _error = null;
            _remaining = chunks;
            int generation = ++_generation;

            // The exchange is a full fence: the job is visible before its claim word, and a worker
            // that announced it is going to sleep is seen (and woken) below.
            Interlocked.Exchange(ref _claim, ((long)generation << 32) | ((long)chunks << 16));
            for (int i = 0; i < _asleep.Length; i++)
            {
                if (Volatile.Read(ref _asleep[i]) != 0)
                {
                    _wake[i].Set();
                }
            }

            RunChunks(0, generation);
            var spinner = default(SpinWait);
            while (Volatile.Read(ref _remaining) != 0)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            if (_error is { } error)
            {
                ExceptionDispatchInfo.Throw(error);
            }
        }
        finally
        {
            // The pool keeps no reference to the work (and through it to a sequence's buffers).
            _work = null;
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Stops the background threads (they finish the product in hand first).</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        Interlocked.Exchange(ref _claim, (long)(_generation + 1) << 32);
        foreach (var wake in _wake)
        {
            wake.Set();
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }

        foreach (var wake in _wake)
        {
            wake.Dispose();
        }
    }

    private void Loop(object? state)
    {
        int index = (int)state!;
        int seen = 0;
        while (true)
        {
            seen = WaitForWork(index, seen);
            if (_stopping)
            {
                return;
            }

            RunChunks(index + 1, seen);
        }
    }

    /// <summary>Spins, then sleeps, until a job of another generation than <paramref name="seen"/> is published; returns its generation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int WaitForWork(int index, int seen)
    {
        while (true)
        {
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            do
            {
                for (int i = 0; i < 64; i++)
                {
                    int generation = (int)(Volatile.Read(ref _claim) >> 32);
                    if (generation != seen)
                    {
                        return generation;
                    }

                    Thread.SpinWait(1);
                }
            }
            while (Stopwatch.GetTimestamp() < deadline);

            // Announce the sleep, then look once more (the exchange is a full fence): either the
            // caller's new claim word is seen here, or this flag is seen by the caller, who sets the event.
            _wake[index].Reset();
            Interlocked.Exchange(ref _asleep[index], 1);
            if ((int)(Volatile.Read(ref _claim) >> 32) == seen)
            {
                _wake[index].Wait();
            }

            Volatile.Write(ref _asleep[index], 0);
        }
    }

    /// <summary>Claims and runs chunks of job <paramref name="generation"/> until none is left (or the job is another).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunChunks(int worker, int generation)
    {
        while (true)
        {
            long claim = Volatile.Read(ref _claim);
            int chunks = (int)(claim >> 16) & 0xFFFF, chunk = (int)claim & 0xFFFF;
            if ((int)(claim >> 32) != generation || chunk >= chunks)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) != claim)
            {
                continue;
            }

            int count = _count, granularity = _granularity;
            int start = Boundary(chunk, count, chunks, granularity), end = Boundary(chunk + 1, count, chunks, granularity);
            try
            {
                if (start < end)
                {
                    _work!.Run(start, end, worker);
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }

            Interlocked.Decrement(ref _remaining);
        }
    }

    private static int Boundary(int chunk, int count, int chunks, int granularity) =>
        chunk >= chunks ? count : (int)((long)count * chunk / chunks) / granularity * granularity;
}

using System.Collections.Concurrent;
using Qllm.Runtime.Compute;

namespace Qllm.Runtime.Tests.Compute;

/// <summary>The model's worker pool: coverage, errors, concurrency, idling and shutdown.</summary>
public sealed class WorkersTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 4)]
    [InlineData(3, 4)]
    [InlineData(4, 2)]
    public void Every_item_is_done_exactly_once_and_ranges_start_on_the_granularity(int threads, int chunksPerThread)
    {
        using var workers = new Workers(threads, chunksPerThread, minimumChunkCost: 1);
        foreach (int granularity in new[] { 1, 16 })
        {
            foreach (int count in new[] { 0, 1, 5, 16, 17, 100, 864, 32000 })
            {
                for (int round = 0; round < 3; round++)
                {
                    var work = new CountingWork(count, granularity);
                    workers.For(count, 1000, work);
                    Assert.All(work.Counts, c => Assert.Equal(1, c));
                    Assert.All(work.Starts, start => Assert.Equal(0, start % granularity));
                }
            }
        }
    }

    [Fact]
    public void Large_work_is_shared_between_threads()
    {
        using var workers = new Workers(2, 4, minimumChunkCost: 1);
        // Each chunk waits (bounded) until two threads have entered one: the caller alone never would.
        var work = new MeetingWork(participants: 2);
        workers.For(64, 1000, work);
        Assert.True(work.Met, "no second thread took a chunk");
        Assert.Equal(2, work.Threads.Count);
    }

    [Fact]
    public void Small_work_runs_on_the_caller()
    {
        using var workers = new Workers(4);
        var work = new MeetingWork(participants: 1);
        workers.For(10, 10, work);
        Assert.Equal(Environment.CurrentManagedThreadId, Assert.Single(work.Threads.Keys));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(37)]
    public void An_exception_of_any_chunk_reaches_the_caller_and_the_pool_keeps_working(int failing)
    {
        using var workers = new Workers(3, 4, minimumChunkCost: 1);
        var error = Assert.Throws<InvalidOperationException>(() => workers.For(64, 1000, new FailingWork(failing)));
        Assert.Equal($"item {failing}", error.Message);

        var work = new CountingWork(64, 1);
        workers.For(64, 1000, work);
        Assert.All(work.Counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void Concurrent_callers_each_get_their_work_done()
    {
        using var workers = new Workers(2, 4, minimumChunkCost: 1);
        var works = Enumerable.Range(0, 4).Select(_ => new CountingWork(5000, 16)).ToArray();
        Parallel.ForEach(works, new ParallelOptions { MaxDegreeOfParallelism = 4 }, work =>
        {
            for (int round = 0; round < 50; round++)
            {
                work.Reset();
                workers.For(5000, 1000, work);
                Assert.All(work.Counts, c => Assert.Equal(1, c));
            }
        });
    }

    [Fact]
    public void Idle_workers_block_and_disposing_stops_them()
    {
        var workers = new Workers(3, 4, minimumChunkCost: 1);
        var work = new MeetingWork(participants: 3);
        workers.For(300, 1000, work);
        var background = work.Threads.Values.Where(t => t != Thread.CurrentThread).ToArray();
        Assert.NotEmpty(background);
        Assert.All(background, t => Assert.True(t.IsBackground, "a worker would keep the process alive"));

        // After about a millisecond of spinning an idle worker waits on its event: no CPU.
        Assert.True(SpinUntil(() => background.All(t => (t.ThreadState & ThreadState.WaitSleepJoin) != 0)), "an idle worker still runs");

        workers.Dispose();
        Assert.All(background, t => Assert.False(t.IsAlive));
        Assert.Throws<ObjectDisposedException>(() => workers.For(300, 1000, work));
        workers.Dispose();
    }

    private static bool SpinUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(20);
        }

        return true;
    }

    private sealed class CountingWork(int count, int granularity) : RowWork
    {
        public int[] Counts { get; } = new int[count];

        public ConcurrentBag<int> Starts { get; } = [];

        public override int Granularity => granularity;

        public void Reset() => Array.Clear(Counts);

        public override void Run(int start, int end, int worker)
        {
            Starts.Add(start);
            for (int i = start; i < end; i++)
            {
                Interlocked.Increment(ref Counts[i]);
            }
        }
    }

    private sealed class MeetingWork(int participants) : RowWork
    {
        public ConcurrentDictionary<int, Thread> Threads { get; } = new();

        public bool Met => Threads.Count >= participants;

        public override void Run(int start, int end, int worker)
        {
            Threads.TryAdd(Environment.CurrentManagedThreadId, Thread.CurrentThread);
            SpinWait.SpinUntil(() => Met, TimeSpan.FromSeconds(10));
        }
    }

    private sealed class FailingWork(int failing) : RowWork
    {
        public override void Run(int start, int end, int worker)
        {
            if (failing >= start && failing < end)
            {
                throw new InvalidOperationException($"item {failing}");
            }
        }
    }
}

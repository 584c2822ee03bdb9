namespace Qllm.Runtime.Compute;

/// <summary>
/// Work that <see cref="Workers"/> shares out as ranges of independent items (rows of a product,
/// heads of attention). A subclass instance is kept and refilled for every call rather than a lambda
/// captured per call, so that a decode step allocates nothing.
/// </summary>
internal abstract class RowWork
{
    /// <summary>
    /// Range boundaries fall on multiples of this many items (except the end), for items whose
    /// kernel depends on where a range starts: a product takes rows four at a time, and its float
    /// path sums a four-row block in another order than a single row, so the rows must not move
    /// between blocks with the thread count.
    /// </summary>
    public virtual int Granularity => 1;

    /// <summary>Processes items <paramref name="start"/> .. <paramref name="end"/> − 1 on worker <paramref name="worker"/> (0: the caller).</summary>
    public abstract void Run(int start, int end, int worker);
}

using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// Packs the weight matrices a model uploads at load on the thread pool, so that the loading thread goes on
/// folding and uploading the next layers while the other core packs (Benchmarks/RESULTS.md, "Cold start, third
/// round"). A packed entry is read only after <see cref="Finish"/>, which the backend calls before it first reads a
/// weight (<see cref="IsPending"/> is one field test on the per-call path).
/// </summary>
internal sealed class BackgroundPacking
{
    private readonly List<Task> _tasks = new();

    /// <summary>True while some uploaded matrix may not be packed yet.</summary>
    public bool IsPending;

    /// <summary>Packs <paramref name="values"/> (rows × columns, row-major) into <paramref name="entry"/> on the thread pool.</summary>
    public void Start(WeightEntry entry, float[] values, int rows, int columns)
    {
        _tasks.Add(Task.Run(() => entry.Packed = PackedPanels.Pack(values, rows, columns)));
        IsPending = true;
    }

    /// <summary>Waits for every pack started; rethrows the first failure (only running out of memory can fail).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Finish()
    {
        foreach (Task task in _tasks)
        {
            task.GetAwaiter().GetResult();
        }

        _tasks.Clear();
        IsPending = false;
    }
}

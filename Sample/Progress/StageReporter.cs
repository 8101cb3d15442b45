using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace Xception.Compiler.Sample.Progress;

/// <summary>
/// Reports the stages of a command on standard error: with <c>--verbose</c> each stage's time,
/// otherwise a one-line status before the stages that take long (so a silent wait is never a mystery).
/// </summary>
internal sealed class StageReporter(TextWriter error, bool verbose)
{
    public bool Verbose => verbose;

    /// <summary>Runs <paramref name="action"/> as stage <paramref name="name"/>; <paramref name="status"/>, when given, announces a long one.</summary>
    public T Run<T>(string name, string? status, Func<T> action)
    {
        if (!verbose && status is not null)
        {
            Status(status);
        }

        var clock = Stopwatch.StartNew();
        T result = action();
        if (verbose)
        {
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{name}] {Milliseconds(clock.Elapsed)}"));
        }

        return result;
    }

    /// <summary>A one-line status message.</summary>
    public void Status(string message) => error.WriteLine(message);

    /// <summary>A detail shown with --verbose only.</summary>
    public void Detail(string message)
    {
        if (verbose)
        {
            error.WriteLine(message);
        }
    }

    private static string Milliseconds(TimeSpan time) => time.TotalSeconds >= 10
        ? string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.0} s")
        : string.Create(CultureInfo.InvariantCulture, $"{time.TotalMilliseconds:0.0} ms");
}

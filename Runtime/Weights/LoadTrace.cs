using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>
/// Time stamps of the phases of a model load, for finding where a cold process spends its time before its first
/// answer: with the environment variable <c>XCS_LOAD_TRACE=1</c>, each phase writes one line to standard error
/// (milliseconds since the process started, the calling thread's and the process's CPU time, and the JIT's count
/// of compiled methods). Off by default: then each stamp is one test of a static readonly field.
/// </summary>
internal static class LoadTrace
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("XCS_LOAD_TRACE") == "1";

    public static void Mark(string phase)
    {
        if (Enabled)
        {
            Write(phase);
        }
    }

    private static void Write(string phase)
    {
        using var process = Process.GetCurrentProcess();
        double sinceStart = (DateTime.Now - process.StartTime).TotalMilliseconds;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[load-trace] {sinceStart,7:0} ms  thread {Environment.CurrentManagedThreadId,2} cpu {ThreadCpuMs(),6:0} ms  process cpu {process.TotalProcessorTime.TotalMilliseconds,6:0} ms  jit {System.Runtime.JitInfo.GetCompiledMethodCount(),5} methods  {phase}"));
    }

    // The calling thread's CPU time (Linux: /proc/thread-self/stat, fields utime and stime in clock ticks of 10 ms).
    private static double ThreadCpuMs()
    {
        try
        {
            string stat = System.IO.File.ReadAllText("/proc/thread-self/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
        }
        catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }
}

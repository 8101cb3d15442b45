using System;
using System.Runtime.InteropServices;

namespace Xception.Compiler.Serving.Http;

/// <summary>
/// Raises the nice value of the threads that run request handlers (Kestrel's thread-pool threads), once per
/// thread, so that on a machine with no core to spare beside the compute threads a waking handler preempts a
/// Predict's worker less often: the workers meet at a barrier every step, so one preempted worker holds the
/// step back. The compute threads (the batcher's and the CPU backend's own) are never thread-pool threads and
/// keep the process's priority. Linux only, where an unprivileged process may raise its own threads' nice values
/// (and never lower them again); elsewhere, or at 0, it does nothing.
/// </summary>
public sealed class HandlerThreadNice
{
    private const int PrioProcess = 0;

    /// <summary>The nice value this thread was given (0: not yet); a thread only ever serves one server's value.</summary>
    [ThreadStatic]
    private static int t_applied;

    private readonly int _nice;
    private volatile bool _unavailable;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nice"/> is not 0..19.</exception>
    public HandlerThreadNice(int nice)
    {
        if (nice is < 0 or > 19)
        {
            throw new ArgumentOutOfRangeException(nameof(nice), nice, $"The handler threads' nice value must be 0..19, found {nice}.");
        }

        _nice = nice;
    }

    /// <summary>Gives the calling thread the nice value, unless it has it already. Never throws: a failure only turns it off.</summary>
    public void ApplyToCurrentThread()
    {
        if (_nice == 0 || _unavailable || t_applied == _nice || !OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            // A second server in the process with a lower value cannot lower it back (EACCES): the thread keeps the higher one.
            setpriority(PrioProcess, (uint)gettid(), _nice);
            t_applied = _nice;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, uint who, int prio);

    [DllImport("libc")]
    private static extern int gettid();
}

using System;
using System.Globalization;
using System.IO;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Sample.Progress;

/// <summary>
/// Draws download progress on standard error: on a terminal one line redrawn in place with <c>\r</c>;
/// when standard error is redirected (a log, CI) a plain line every few seconds and one at the end.
/// </summary>
internal sealed class DownloadProgressBar(TextWriter error, bool interactive) : IProgress<DownloadProgress>
{
    private static readonly TimeSpan s_logEvery = TimeSpan.FromSeconds(5);
    private TimeSpan _lastLogged = TimeSpan.MinValue;
    private int _lastWidth;

    /// <summary>A bar for the process's standard error, interactive when it is a terminal.</summary>
    public static DownloadProgressBar ForConsole() => new(Console.Error, !Console.IsErrorRedirected);

    public void Report(DownloadProgress value)
    {
        string line = Format(value);
        if (interactive)
        {
            // Pad over what a longer previous line left on screen.
            error.Write("\r" + line.PadRight(_lastWidth));
            _lastWidth = line.Length;
            if (value.IsComplete)
            {
                error.WriteLine();
            }
        }
        else if (value.IsComplete || _lastLogged == TimeSpan.MinValue || value.Elapsed - _lastLogged >= s_logEvery)
        {
            error.WriteLine(line);
            _lastLogged = value.Elapsed;
        }

        error.Flush();
    }

    /// <summary><c>[########------------]  41%  36.4 MB / 88.7 MB  12.1 MB/s  ETA 0:04</c>; without a known length, bytes and speed only.</summary>
    public static string Format(DownloadProgress progress, int barWidth = 24)
    {
        string speed = Bytes(progress.BytesPerSecond) + "/s";
        if (progress.TotalBytes is not long total || total <= 0)
        {
            return $"{Bytes(progress.BytesReceived)}  {speed}";
        }

        double fraction = Math.Clamp((double)progress.BytesReceived / total, 0, 1);
        int filled = (int)Math.Round(fraction * barWidth);
        string bar = "[" + new string('#', filled) + new string('-', barWidth - filled) + "]";
        string tail = progress.IsComplete
            ? "in " + Duration(progress.Elapsed)
            : "ETA " + (progress.Remaining is TimeSpan left ? Duration(left) : "?");
        return string.Create(CultureInfo.InvariantCulture,
            $"{bar} {fraction * 100,3:0}%  {Bytes(progress.BytesReceived)} / {Bytes(total)}  {speed}  {tail}");
    }

    /// <summary>Decimal units, as download tools and Keras's own progress bar show them.</summary>
    public static string Bytes(double bytes) => bytes switch
    {
        < 1e3 => string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B"),
        < 1e6 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0.0} kB"),
        < 1e9 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.0} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.00} GB"),
    };

    private static string Duration(TimeSpan time) => time.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours}:{time.Minutes:00}:{time.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{time.Minutes}:{time.Seconds:00}");
}

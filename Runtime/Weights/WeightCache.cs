using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>How far a download has got; <see cref="TotalBytes"/> is null when the server sent no length.</summary>
public readonly record struct DownloadProgress(long BytesReceived, long? TotalBytes, TimeSpan Elapsed, bool IsComplete)
{
    /// <summary>Average speed since the start.</summary>
    public double BytesPerSecond => Elapsed.TotalSeconds > 0 ? BytesReceived / Elapsed.TotalSeconds : 0;

    /// <summary>Time left at the average speed, when the length is known and bytes have arrived.</summary>
    public TimeSpan? Remaining => TotalBytes is long total && BytesPerSecond > 0
        ? TimeSpan.FromSeconds(Math.Max(total - BytesReceived, 0) / BytesPerSecond)
        : null;
}

/// <summary>Options of <see cref="WeightCache.GetAsync"/>; every member has a working default.</summary>
public sealed record WeightCacheOptions
{
    /// <summary>The Keras home folder; <see cref="WeightCache.KerasHome"/> (<c>$KERAS_HOME</c> or <c>~/.keras</c>) when null.</summary>
    public string? KerasHome { get; init; }

    /// <summary>The client to download with; a shared one when null.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>Receives download progress, at most about ten times a second and once at the end, on the downloading thread.</summary>
    public IProgress<DownloadProgress>? Progress { get; init; }

    /// <summary>Receives one-line status messages (what is being checked or fetched, and where).</summary>
    public Action<string>? Status { get; init; }

    /// <summary>
    /// Whether a file already in the cache is hashed before use. Keras's <c>get_file</c> does this whenever
    /// it is given a hash, as <c>keras.applications</c> always is, and downloads again on a mismatch.
    /// </summary>
    public bool VerifyCachedFile { get; init; } = true;

    /// <summary>A download that receives nothing for this long fails.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Appended to download failures: how the user can supply the file instead (for a command line, its option).</summary>
    public string? ManualHint { get; init; }
}

/// <summary>A weight file could not be downloaded, or what arrived does not have the expected MD5.</summary>
public sealed class WeightDownloadException : Exception
{
    public WeightDownloadException(string url, string destination, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Url = url;
        Destination = destination;
    }

    /// <summary>The URL that was tried.</summary>
    public string Url { get; }

    /// <summary>Where the file would have been cached.</summary>
    public string Destination { get; }
}

/// <summary>
/// Keras's weight cache (<c>keras.utils.get_file(..., cache_subdir='models', file_hash=md5)</c>): files live in
/// <c>$KERAS_HOME/models</c> (by default <c>~/.keras/models</c>) under the URL's file name, so weights that
/// Keras already fetched are found, and files fetched here are found by Keras.
/// </summary>
/// <remarks>
/// A download goes to a temporary file beside the destination, is hashed while it arrives, and is moved into
/// place only when complete and matching; a failure, a mismatch or a cancellation deletes the temporary file,
/// so the cache never holds a partial file under the real name.
/// </remarks>
public static class WeightCache
{
    /// <summary>The environment variable Keras reads for its home folder.</summary>
    public const string KerasHomeVariable = "KERAS_HOME";

    private static readonly Lazy<HttpClient> s_http = new(() => new HttpClient(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(30),
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    {
        // The body of a large file may take long; stalls are caught per read (StallTimeout).
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    });

    /// <summary><c>$KERAS_HOME</c> when set, else <c>~/.keras</c>, as Keras resolves it.</summary>
    public static string KerasHome
    {
        get
        {
            string? home = Environment.GetEnvironmentVariable(KerasHomeVariable);
            return !string.IsNullOrEmpty(home)
                ? home
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".keras");
        }
    }

    /// <summary>Where Keras caches the file of <paramref name="url"/>: <c>&lt;home&gt;/models/&lt;file name of the URL&gt;</c>.</summary>
    public static string CachedPath(string url, string? kerasHome = null) =>
        Path.Combine(kerasHome ?? KerasHome, "models", FileNameOf(url));

    /// <summary>The last path segment of an absolute http(s) URL.</summary>
    /// <exception cref="ArgumentException">Not an absolute http or https URL, or one that names no file.</exception>
    public static string FileNameOf(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Expected an absolute http or https URL, found '{url}'.", nameof(url));
        }

        string name = Uri.UnescapeDataString(uri.Segments[^1]);
        if (name.Length == 0 || name.EndsWith('/') || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new ArgumentException($"The URL '{url}' does not end in a file name.", nameof(url));
        }

        return name;
    }

    /// <summary>
    /// The cached weight file of <paramref name="url"/>, downloaded first when it is not cached (or, when
    /// <see cref="WeightCacheOptions.VerifyCachedFile"/> is set, when the cached copy has the wrong MD5).
    /// </summary>
    /// <param name="url">Where the file is published (the description's <c>weights.url</c>).</param>
    /// <param name="md5">
    /// Its MD5 as 32 hex digits (the description's <c>weights.md5</c>), or null where the publisher gives none
    /// (Keras's MobileNet files): then, as <c>get_file(file_hash=None)</c>, the file is kept as it arrives and a
    /// cached copy is used as it is.
    /// </param>
    /// <returns>The full path of the (verified, where an MD5 is given) file in the cache.</returns>
    /// <exception cref="WeightDownloadException">The download failed or the file that arrived has another MD5; nothing is left in the cache.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing is left in the cache.</exception>
    public static async Task<string> GetAsync(string url, string? md5, WeightCacheOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WeightCacheOptions();
        string destination = Path.GetFullPath(CachedPath(url, options.KerasHome));
        string? expected = md5 is null ? null : NormalizeMd5(md5);
        if (File.Exists(destination))
        {
            if (!options.VerifyCachedFile || expected is null)
            {
                return destination;
            }

            options.Status?.Invoke($"Checking the MD5 of {destination}");
            string found = await HashFileAsync(destination, cancellationToken).ConfigureAwait(false);
            if (found == expected)
            {
                return destination;
            }

            options.Status?.Invoke($"The cached {destination} has MD5 {found}, not {expected}; downloading it again (as Keras does).");
        }

        await DownloadAsync(url, expected, destination, options, cancellationToken).ConfigureAwait(false);
        return destination;
    }

    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="destination"/> through a temporary file beside it, checking
    /// its MD5 unless <paramref name="md5"/> is null (see <see cref="GetAsync"/>).
    /// </summary>
    /// <exception cref="WeightDownloadException">The download failed or the MD5 does not match; <paramref name="destination"/> is untouched.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; <paramref name="destination"/> is untouched.</exception>
    public static async Task DownloadAsync(string url, string? md5, string destination, WeightCacheOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(destination);
        options ??= new WeightCacheOptions();
        string? expected = md5 is null ? null : NormalizeMd5(md5);
        string folder = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        string? createdFolder = TopmostMissingFolder(folder);
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(url, destination, options, $"the cache folder {folder} cannot be created ({e.Message})", e);
        }

        // A unique name in the same folder, so that the final move is a rename on the same file system.
        string temporary = Path.Combine(folder, Path.GetFileName(destination) + "." + Path.GetRandomFileName() + ".part");
        options.Status?.Invoke($"Downloading {url}\n  to {destination}");
        bool moved = false;
        try
        {
            string found = await FetchAsync(url, temporary, options, cancellationToken).ConfigureAwait(false);
            if (expected is not null && found != expected)
            {
                throw new WeightDownloadException(url, destination,
                    $"The file downloaded from {url} has MD5 {found}, but {expected} was expected; it was discarded and nothing was cached at {destination}." +
                    Hint(options));
            }

            File.Move(temporary, destination, overwrite: true);
            moved = true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            // OperationCanceledException here without our token: the stall timer fired.
            string reason = e is OperationCanceledException
                ? $"no data arrived for {options.StallTimeout.TotalSeconds:0} s"
                : Describe(e);
            throw Failure(url, destination, options, reason, e);
        }
        finally
        {
            if (!moved)
            {
                TryDelete(temporary);
                TryDeleteEmptyFolder(createdFolder);
            }
        }
    }

    private static async Task<string> FetchAsync(string url, string temporary, WeightCacheOptions options, CancellationToken cancellationToken)
    {
        HttpClient http = options.HttpClient ?? s_http.Value;
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(options.StallTimeout);
        using HttpResponseMessage response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the server answered HTTP {(int)response.StatusCode} ({response.ReasonPhrase})", null, response.StatusCode);
        }

        long? total = response.Content.Headers.ContentLength;
        using IncrementalHash md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var clock = Stopwatch.StartNew();
        long received = 0;
        TimeSpan lastReport = TimeSpan.Zero;
        await using (Stream body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false))
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            var buffer = new byte[1 << 16];
            while (true)
            {
                stall.CancelAfter(options.StallTimeout);
                int read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                md5.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), stall.Token).ConfigureAwait(false);
                received += read;
                if (options.Progress is not null && clock.Elapsed - lastReport >= TimeSpan.FromMilliseconds(100))
                {
                    lastReport = clock.Elapsed;
                    options.Progress.Report(new DownloadProgress(received, total, clock.Elapsed, IsComplete: false));
                }
            }
        }

        if (total is long expectedLength && received != expectedLength)
        {
            throw new IOException($"the connection closed after {received} of {expectedLength} bytes");
        }

        options.Progress?.Report(new DownloadProgress(received, total, clock.Elapsed, IsComplete: true));
        return Convert.ToHexString(md5.GetHashAndReset()).ToLowerInvariant();
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        byte[] hash = await MD5.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexString(hash).ToLowerInvariant();
    }

    private static string NormalizeMd5(string md5)
    {
        ArgumentNullException.ThrowIfNull(md5);
        string lower = md5.Trim().ToLowerInvariant();
        if (lower.Length != 32 || lower.AsSpan().IndexOfAnyExcept("0123456789abcdef") >= 0)
        {
            throw new ArgumentException($"Expected an MD5 of 32 hex digits, found '{md5}'.", nameof(md5));
        }

        return lower;
    }

    private static WeightDownloadException Failure(string url, string destination, WeightCacheOptions options, string reason, Exception inner)
    {
        return new WeightDownloadException(url, destination,
            $"Could not download the weights from {url} to {destination}: {reason}. Nothing was cached. " +
            $"Without network access, copy the file to {destination} yourself." + Hint(options),
            inner);
    }

    private static string Hint(WeightCacheOptions options) =>
        options.ManualHint is { Length: > 0 } manual ? " " + manual : string.Empty;

    private static string Describe(Exception e)
    {
        // HttpRequestException wraps the socket error ("Connection refused (127.0.0.1:1)"); show the innermost cause.
        Exception inner = e;
        while (inner.InnerException is not null && inner is HttpRequestException)
        {
            inner = inner.InnerException;
        }

        string outer = e.Message.TrimEnd('.');
        string cause = inner.Message.TrimEnd('.');
        return ReferenceEquals(inner, e) || outer.Contains(cause, StringComparison.Ordinal) ? outer : $"{outer} ({cause})";
    }

    /// <summary>The outermost folder of <paramref name="folder"/>'s chain that does not exist yet (what CreateDirectory will create).</summary>
    private static string? TopmostMissingFolder(string folder)
    {
        string? missing = null;
        for (string? at = folder; at is not null && !Directory.Exists(at); at = Path.GetDirectoryName(at))
        {
            missing = at;
        }

        return missing;
    }

    /// <summary>Removes the folders a failed download created, unless something else has put a file there meanwhile.</summary>
    private static void TryDeleteEmptyFolder(string? folder)
    {
        try
        {
            if (folder is not null && Directory.Exists(folder) && !Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any())
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An empty folder left behind holds no partial weights.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do: the file has a .part name, never the cached name.
        }
    }
}

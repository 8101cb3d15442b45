using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Xception.Compiler.Runtime.Weights;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Classify;

/// <summary><see cref="WeightCache"/> against a loopback HTTP server: Keras's cache layout, MD5 checks, nothing partial left behind.</summary>
public sealed class WeightCacheTests
{
    private const string FileName = "test_weights_tf_dim_ordering_tf_kernels.h5";
    private const string Hint = "Or pass --weights W.h5 to use a weight file you have.";

    private static readonly byte[] s_body = RandomNumberGenerator.GetBytes(300_000);
    private static readonly string s_md5 = Convert.ToHexString(MD5.HashData(s_body)).ToLowerInvariant();

    [Fact]
    public async Task NotCached_DownloadsVerifiesAndMovesIntoModelsFolder()
    {
        using var home = new TempDirectory();
        await using LoopbackHttpServer server = LoopbackHttpServer.Serving(s_body);
        var progress = new List<DownloadProgress>();

        string path = await WeightCache.GetAsync(server.Url("releases/v0.4/" + FileName), s_md5.ToUpperInvariant(), Options(home, progress));

        Assert.Equal(Path.Combine(home.Path, "models", FileName), path);
        Assert.Equal(s_body, File.ReadAllBytes(path));
        Assert.Equal([FileName], FilesIn(home));
        DownloadProgress last = progress[^1];
        Assert.True(last.IsComplete);
        Assert.Equal((s_body.Length, (long?)s_body.Length), (last.BytesReceived, last.TotalBytes));
    }

    [Fact]
    public async Task NoPublishedMd5_DownloadsOnce_ThenUsesTheCachedCopy()
    {
        using var home = new TempDirectory();
        await using LoopbackHttpServer server = LoopbackHttpServer.Serving(s_body);
        WeightCacheOptions options = Options(home) with { VerifyCachedFile = true };

        string first = await WeightCache.GetAsync(server.Url(FileName), md5: null, options);
        string second = await WeightCache.GetAsync(server.Url(FileName), md5: null, options);

        Assert.Equal(Path.Combine(home.Path, "models", FileName), first);
        Assert.Equal(first, second);
        Assert.Equal(s_body, File.ReadAllBytes(first));
        Assert.Equal(1, server.Requests);
        Assert.Equal([FileName], FilesIn(home));
    }

    [Fact]
    public async Task Cached_WithRightMd5_IsUsedWithoutRequest()
    {
        using var home = new TempDirectory();
        string cached = Path.Combine(home.Path, "models", FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        File.WriteAllBytes(cached, s_body);
        await using LoopbackHttpServer server = LoopbackHttpServer.Serving([1, 2, 3]);

        string path = await WeightCache.GetAsync(server.Url(FileName), s_md5, Options(home));

        Assert.Equal(cached, path);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task Cached_WithWrongMd5_IsDownloadedAgainLikeKeras()
    {
        using var home = new TempDirectory();
        string cached = Path.Combine(home.Path, "models", FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
        File.WriteAllBytes(cached, s_body.AsSpan(0, 1000).ToArray());
        await using LoopbackHttpServer server = LoopbackHttpServer.Serving(s_body);

        string path = await WeightCache.GetAsync(server.Url(FileName), s_md5, Options(home));

        Assert.Equal(1, server.Requests);
        Assert.Equal(s_body, File.ReadAllBytes(path));
        Assert.Equal([FileName], FilesIn(home));
    }

    [Fact]
    public async Task WrongMd5_Throws_AndLeavesNothing()
    {
        using var home = new TempDirectory();
        await using LoopbackHttpServer server = LoopbackHttpServer.Serving(s_body);
        string wrong = new('0', 32);

        var e = await Assert.ThrowsAsync<WeightDownloadException>(() => WeightCache.GetAsync(server.Url(FileName), wrong, Options(home)));

        Assert.Contains(s_md5, e.Message, StringComparison.Ordinal);
        Assert.Contains(wrong, e.Message, StringComparison.Ordinal);
        Assert.Empty(FilesIn(home));
    }

    [Fact]
    public async Task ConnectionDroppedMidway_Throws_AndLeavesNothing()
    {
        using var home = new TempDirectory();
        await using LoopbackHttpServer server = LoopbackHttpServer.Serving(s_body, sendBytes: s_body.Length / 2);

        var e = await Assert.ThrowsAsync<WeightDownloadException>(() => WeightCache.GetAsync(server.Url(FileName), s_md5, Options(home)));

        Assert.Contains(server.Url(FileName), e.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(home.Path, "models", FileName), e.Destination);
        Assert.Empty(FilesIn(home));
    }

    [Fact]
    public async Task Unreachable_MessageNamesUrlDestinationAndWeightsOption()
    {
        using var home = new TempDirectory();
        string url = $"http://127.0.0.1:{LoopbackHttpServer.ClosedPort()}/{FileName}";

        var e = await Assert.ThrowsAsync<WeightDownloadException>(() => WeightCache.GetAsync(url, s_md5, Options(home)));

        Assert.Contains(url, e.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(home.Path, "models", FileName), e.Message, StringComparison.Ordinal);
        Assert.Contains("--weights", e.Message, StringComparison.Ordinal);
        Assert.Equal(url, e.Url);
        Assert.False(Directory.Exists(Path.Combine(home.Path, "models")), "the models folder this download created is removed again");
    }

    [Fact]
    public async Task HttpError_MessageNamesStatus()
    {
        using var home = new TempDirectory();
        await using var server = new LoopbackHttpServer((stream, ct) => LoopbackHttpServer.WriteHeadAsync(stream, 404, "Not Found", 0, ct));

        var e = await Assert.ThrowsAsync<WeightDownloadException>(() => WeightCache.GetAsync(server.Url(FileName), s_md5, Options(home)));

        Assert.Contains("HTTP 404", e.Message, StringComparison.Ordinal);
        Assert.Empty(FilesIn(home));
    }

    [Fact]
    public async Task ServerStalls_FailsAfterStallTimeout_AndLeavesNothing()
    {
        using var home = new TempDirectory();
        await using var server = new LoopbackHttpServer(async (stream, ct) =>
        {
            await LoopbackHttpServer.WriteHeadAsync(stream, 200, "OK", s_body.Length, ct);
            await stream.WriteAsync(s_body.AsMemory(0, 1000), ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        WeightCacheOptions options = Options(home) with { StallTimeout = TimeSpan.FromMilliseconds(300) };

        var e = await Assert.ThrowsAsync<WeightDownloadException>(() => WeightCache.GetAsync(server.Url(FileName), s_md5, options));

        Assert.Contains("no data arrived", e.Message, StringComparison.Ordinal);
        Assert.Empty(FilesIn(home));
    }

    [Fact]
    public async Task Cancelled_Midway_ThrowsCancellation_AndLeavesNothing()
    {
        using var home = new TempDirectory();
        using var cancel = new CancellationTokenSource();
        await using var server = new LoopbackHttpServer(async (stream, ct) =>
        {
            await LoopbackHttpServer.WriteHeadAsync(stream, 200, "OK", s_body.Length, ct);
            await stream.WriteAsync(s_body.AsMemory(0, 100_000), ct);
            await stream.FlushAsync(ct);
            await Task.Delay(200, ct);
            cancel.Cancel(); // as Ctrl-C would, while the client waits for the rest
            await Task.Delay(Timeout.Infinite, ct);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => WeightCache.GetAsync(server.Url(FileName), s_md5, Options(home), cancel.Token));

        Assert.Empty(FilesIn(home));
    }

    [Fact]
    public void CachedPath_UsesKerasHomeVariable_ElseDotKeras()
    {
        string? saved = Environment.GetEnvironmentVariable(WeightCache.KerasHomeVariable);
        try
        {
            Environment.SetEnvironmentVariable(WeightCache.KerasHomeVariable, "/data/keras");
            Assert.Equal("/data/keras/models/" + FileName, WeightCache.CachedPath("https://example.org/x/" + FileName));

            Environment.SetEnvironmentVariable(WeightCache.KerasHomeVariable, null);
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            Assert.Equal(Path.Combine(home, ".keras", "models", FileName), WeightCache.CachedPath("https://example.org/x/" + FileName));
        }
        finally
        {
            Environment.SetEnvironmentVariable(WeightCache.KerasHomeVariable, saved);
        }
    }

    [Theory]
    [InlineData("https://github.com/fchollet/deep-learning-models/releases/download/v0.4/xception_weights_tf_dim_ordering_tf_kernels.h5", "xception_weights_tf_dim_ordering_tf_kernels.h5")]
    [InlineData("http://host/a%20b.h5?x=1", "a b.h5")]
    public void FileNameOf_TakesTheLastSegment(string url, string expected) => Assert.Equal(expected, WeightCache.FileNameOf(url));

    [Theory]
    [InlineData("https://host/folder/")]
    [InlineData("ftp://host/file.h5")]
    [InlineData("file.h5")]
    public void FileNameOf_RejectsUrlsWithoutFile(string url) => Assert.Throws<ArgumentException>(() => WeightCache.FileNameOf(url));

    [Fact]
    public async Task BadMd5Argument_Throws()
    {
        using var home = new TempDirectory();
        await Assert.ThrowsAsync<ArgumentException>(() => WeightCache.GetAsync("http://127.0.0.1:1/" + FileName, "abc", Options(home)));
    }

    private static WeightCacheOptions Options(TempDirectory home, List<DownloadProgress>? progress = null) => new()
    {
        KerasHome = home.Path,
        Progress = progress is null ? null : new SynchronousProgress(progress.Add),
        ManualHint = Hint,
    };

    private static string[] FilesIn(TempDirectory home)
    {
        string models = Path.Combine(home.Path, "models");
        return Directory.Exists(models) ? Directory.GetFiles(models).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray() : [];
    }

    private sealed class SynchronousProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}

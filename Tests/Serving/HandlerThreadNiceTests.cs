using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Xception.Compiler.Serving;
using Xception.Compiler.Serving.Http;
using Xception.Compiler.Tests.Serving.Support;

namespace Xception.Compiler.Tests.Serving;

/// <summary>
/// The handler threads' nice value, read back from the kernel (<c>/proc/.../stat</c>). Values are the process's own
/// plus one: a thread can only raise its nice value, and a handler thread keeps it for the rest of the test run.
/// </summary>
public sealed class HandlerThreadNiceTests
{
    [Fact]
    public void ApplyToCurrentThread_SetsThatThreadOnly_OnceAndAgain()
    {
        int target = ProcessNice() + 1;
        int before = NiceOf("/proc/thread-self/stat");
        int applied = int.MinValue;
        int appliedTwice = int.MinValue;
        var thread = new Thread(() =>
        {
            var nice = new HandlerThreadNice(target);
            nice.ApplyToCurrentThread();
            applied = NiceOf("/proc/thread-self/stat");
            nice.ApplyToCurrentThread();
            appliedTwice = NiceOf("/proc/thread-self/stat");
        });
        thread.Start();
        thread.Join();

        Assert.Equal(target, applied);
        Assert.Equal(target, appliedTwice);
        Assert.Equal(before, NiceOf("/proc/thread-self/stat"));
    }

    [Fact]
    public void Zero_LeavesTheThreadAlone()
    {
        int applied = int.MinValue;
        int before = int.MinValue;
        var thread = new Thread(() =>
        {
            before = NiceOf("/proc/thread-self/stat");
            new HandlerThreadNice(0).ApplyToCurrentThread();
            applied = NiceOf("/proc/thread-self/stat");
        });
        thread.Start();
        thread.Join();
        Assert.Equal(before, applied);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(20)]
    public void OutOfRange_IsRejectedNamingTheValue(int nice)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new HandlerThreadNice(nice));
        Assert.Contains($"must be 0..19, found {nice}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_RunsItsHandlersAtTheNiceValue_TheCallingThreadKeepsItsOwn()
    {
        int target = ProcessNice() + 1;
        using var model = new GatedModel(open: true);
        var served = new ServedModel("gated", model, 1, 1, 3, null, null);
        await using TestServer server = await TestServer.StartAsync(served, handlerNice: target);

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/v2/health/live")).StatusCode);
        }

        string[] tasks = Directory.GetDirectories("/proc/self/task");
        Assert.Contains(target, tasks.Select(t => NiceOf(Path.Combine(t, "stat"))));
        // The compute side keeps the process's priority: Linux names a thread by its first 15 characters.
        int[] batchers = tasks.Where(t => NameOf(t).StartsWith("Batcher of", StringComparison.Ordinal)).Select(t => NiceOf(Path.Combine(t, "stat"))).ToArray();
        Assert.NotEmpty(batchers);
        Assert.All(batchers, nice => Assert.True(nice == ProcessNice() || nice == int.MinValue, $"A batcher thread runs at nice {nice}."));
    }

    private static string NameOf(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static int ProcessNice() => NiceOf("/proc/self/stat");

    /// <summary>Field 19 of a stat line (nice); the command name in parentheses may hold spaces, so count after it.</summary>
    private static int NiceOf(string statPath)
    {
        string stat;
        try
        {
            stat = File.ReadAllText(statPath);
        }
        catch (IOException)
        {
            // A thread that ended between the listing and the read.
            return int.MinValue;
        }

        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }
}

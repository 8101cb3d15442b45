using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using Xception.Compiler.Tests.Support;
using Xunit.Sdk;

namespace Xception.Compiler.Tests.Ptx;

/// <summary>What <c>ptxas -v</c> reports for one kernel entry.</summary>
internal sealed record PtxasEntry(
    string Function, int Registers, int SharedBytes, int StackFrameBytes, int SpillStoreBytes, int SpillLoadBytes)
{
    public bool Spills => SpillStoreBytes > 0 || SpillLoadBytes > 0;
}

/// <summary>One run of ptxas over one PTX file.</summary>
internal sealed record PtxasResult(int ExitCode, string Output, IReadOnlyList<PtxasEntry> Entries);

/// <summary>
/// NVIDIA's PTX assembler, found through <c>XCS_PTXAS</c> or, when that is not set, through
/// <c>scripts/get-ptxas.sh</c> (which fetches Debian's CUDA 11.8 ptxas once into ~/.cache/xcs-ptxas and
/// prints its path), so <c>dotnet test Tests -c Release</c> stays the single test command.
/// </summary>
internal static class Ptxas
{
    public const string Architecture = "sm_90";

    private static readonly Lazy<string> s_path = new(Locate);

    /// <summary>The ptxas executable (throws an <see cref="XunitException"/> that says how to get one).</summary>
    public static string Path => s_path.Value;

    /// <summary>Assembles <paramref name="ptxFile"/> for <see cref="Architecture"/> with <c>-v</c>.</summary>
    public static PtxasResult Assemble(string ptxFile)
    {
        string output = System.IO.Path.ChangeExtension(ptxFile, ".cubin");
        (int exitCode, string text) = Run(Path, "-arch=" + Architecture, "-O3", "-v", "-o", output, ptxFile);
        return new PtxasResult(exitCode, text, Parse(text));
    }

    /// <summary>The version line of <c>ptxas --version</c>, e.g. "release 11.8, V11.8.89".</summary>
    public static string Version()
    {
        (_, string text) = Run(Path, "--version");
        Match match = Regex.Match(text, @"release [0-9.]+, V[0-9.]+");
        return match.Success ? match.Value : text.Trim();
    }

    /// <summary>
    /// Parses ptxas's verbose report. Per entry it prints
    /// <c>Compiling entry function 'X' for 'sm_90'</c>, <c>Function properties for X</c>,
    /// <c>N bytes stack frame, N bytes spill stores, N bytes spill loads</c> and
    /// <c>Used N registers[, N bytes smem], N bytes cmem[0]</c>.
    /// </summary>
    internal static IReadOnlyList<PtxasEntry> Parse(string text)
    {
        var entries = new List<PtxasEntry>();
        string? function = null;
        int stack = 0, spillStores = 0, spillLoads = 0;
        foreach (string line in text.Split('\n'))
        {
            Match entry = Regex.Match(line, @"Compiling entry function '([^']+)'");
            if (entry.Success)
            {
                function = entry.Groups[1].Value;
                stack = spillStores = spillLoads = 0;
                continue;
            }

            Match frame = Regex.Match(line, @"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads");
            if (frame.Success && function is not null)
            {
                stack = Int(frame.Groups[1]);
                spillStores = Int(frame.Groups[2]);
                spillLoads = Int(frame.Groups[3]);
                continue;
            }

            Match used = Regex.Match(line, @"Used (\d+) registers");
            if (used.Success && function is not null)
            {
                Match smem = Regex.Match(line, @"(\d+) bytes smem");
                entries.Add(new PtxasEntry(function, Int(used.Groups[1]), smem.Success ? Int(smem.Groups[1]) : 0, stack, spillStores, spillLoads));
                function = null;
            }
        }

        return entries;
    }

    private static int Int(Group group) => int.Parse(group.Value, NumberStyles.None, CultureInfo.InvariantCulture);

    private static string Locate()
    {
        string? configured = Environment.GetEnvironmentVariable("XCS_PTXAS");
        if (!string.IsNullOrEmpty(configured))
        {
            if (!File.Exists(configured))
            {
                throw new XunitException($"XCS_PTXAS is '{configured}', which does not exist. Run scripts/get-ptxas.sh and set XCS_PTXAS to the path it prints.");
            }

            return configured;
        }

        string script = System.IO.Path.Combine(TestPaths.RepositoryRoot, "scripts", "get-ptxas.sh");
        (int exitCode, string stdout, string stderr) = RunSplit("bash", script);
        string path = stdout.Trim();
        if (exitCode != 0 || path.Length == 0 || !File.Exists(path))
        {
            throw new XunitException(
                "XCS_PTXAS is not set and scripts/get-ptxas.sh could not provide ptxas (exit " + exitCode.ToString(CultureInfo.InvariantCulture) + "):\n"
                + stderr.Trim() + "\n"
                + "Run scripts/get-ptxas.sh (it needs apt-get and access to a Debian bookworm mirror) and set XCS_PTXAS to the path it prints, "
                + "or set XCS_PTXAS to any ptxas from CUDA 11.8 or newer.");
        }

        return path;
    }

    private static (int ExitCode, string Text) Run(string fileName, params string[] arguments)
    {
        (int exitCode, string stdout, string stderr) = RunSplit(fileName, arguments);
        return (exitCode, stdout + stderr);
    }

    private static (int ExitCode, string Stdout, string Stderr) RunSplit(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + fileName);
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.GetAwaiter().GetResult());
    }
}

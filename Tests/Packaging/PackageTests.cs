using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Xception.Compiler.Runtime.Tensors;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Packaging;

/// <summary>
/// The user's path through NuGet: pack Xception.Compiler and Xception.Compiler.Runtime into a local
/// folder feed with the README's script (scripts/pack-local.sh), then build a throwaway console project
/// that references only Xception.Compiler and adds a description and its shape table (no csproj lines
/// for them), offline.
/// </summary>
public sealed class PackageTests : IClassFixture<PackageTests.PackedFeed>
{
    private const string DescriptionName = "MiniXception71.xcs.json";
    private const string ShapesName = "mini_xception_w0125_top10.shapes.json";
    private const string LabelsName = "mini.labels.txt";

    // Ten names for the mini model's ten outputs (a *.labels.txt beside the description, named by its "labels").
    private static readonly string[] s_labels = { "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck" };

    private readonly PackedFeed _feed;

    public PackageTests(PackedFeed feed) => _feed = feed;

    [Fact]
    public void PackedPackages_BuildAConsumerThatPredictsTheFixture()
    {
        using var work = new TempDirectory();
        string app = CreateConsumer(work.Path, DescriptionText(), listDescriptionExplicitly: false, _feed.First.Version);

        // The three files become AdditionalFiles by the package's props alone, once each, nothing from bin/obj.
        ChildProcess.Run(_feed.Dotnet, ["restore", app, ..ChildProcess.OfflineBuildArgs], work.Path).AssertSucceeded("restore");
        AssertAdditionalFiles(app, DescriptionName, LabelsName, ShapesName);

        // The consumer has no schema of its own: the build copies the package's beside the description.
        string schema = Path.Combine(Path.GetDirectoryName(app)!, "Models", "model.xcs.schema.json");
        Assert.False(File.Exists(schema));
        ChildProcess.Run(_feed.Dotnet, ["build", app, "-c", "Release", "--no-restore", ..ChildProcess.OfflineBuildArgs], work.Path)
            .AssertSucceeded("build");
        Assert.Equal(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "model.xcs.schema.json")), File.ReadAllText(schema));

        ChildProcess.Result run = ChildProcess.Run(
            _feed.Dotnet,
            ["run", "--project", app, "-c", "Release", "--no-build", "--",
             TestPaths.Fixture("mini_xception_w0125_top10.h5"), TestPaths.Fixture("mini_input_71x71_seed2.npy")],
            work.Path);
        run.AssertSucceeded("run");
        AssertOutputsMatch(run, "mini_expected_71x71_seed2.npy");

        // The class landed in the consumer's root namespace (the description has no "namespace").
        Assert.Contains("MODEL PackageConsumer.MiniXception71", run.Output, StringComparison.Ordinal);

        // The labels file beside the description names the first image's most probable class.
        float[] expected = NpyFile.Read(TestPaths.Fixture("mini_expected_71x71_seed2.npy")).Data;
        int best = 0;
        for (int i = 1; i < s_labels.Length; i++)
        {
            best = expected[i] > expected[best] ? i : best;
        }

        Assert.Contains("TOP " + s_labels[best] + " " + expected[best].ToString("0.00", CultureInfo.InvariantCulture), run.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The trap a user fell into: a second pack with different generator bits, after a consumer had restored the
    /// first (so the first sits in the global packages folder). Following the README (the script's printed
    /// <c>dotnet add package</c> line, then build) must give the consumer the second pack's generator, and its
    /// runtime in bin/ (with fixed zip entry times an equal-size runtime DLL was never copied there: see
    /// Directory.Build.props).
    /// </summary>
    [Fact]
    public void SecondPack_ConsumerFollowingTheReadme_GetsTheSecondGenerator()
    {
        using var work = new TempDirectory();
        string app = CreateConsumer(work.Path, DescriptionText(), listDescriptionExplicitly: false, packageVersion: null);
        string appFolder = Path.GetDirectoryName(app)!;

        Assert.Equal(PackedFeed.FirstGeneratorVersion, AddPackageBuildAndRun(_feed.First, appFolder, app));

        PackedFeed.Pack second = _feed.PackAgain(PackedFeed.SecondGeneratorVersion);
        Assert.NotEqual(_feed.First.Version, second.Version);
        Assert.Equal(PackedFeed.SecondGeneratorVersion, AddPackageBuildAndRun(second, appFolder, app));
    }

    [Fact]
    public void BrokenDescription_FailsTheConsumerBuildWithTheJsonLocation()
    {
        string text = DescriptionText();
        const string Op = "\"op\": \"relu\"";
        int at = text.IndexOf(Op, StringComparison.Ordinal);
        Assert.True(at >= 0, "The mini description has no relu layer to break.");
        text = text[..at] + "\"op\": \"gelu\"" + text[(at + Op.Length)..];
        int line = text[..at].Count(c => c == '\n') + 1;
        int column = at - (text.LastIndexOf('\n', at) + 1) + 1 + "\"op\": ".Length;

        using var work = new TempDirectory();
        // This project also lists the description itself: the package's glob must not add it twice.
        string app = CreateConsumer(work.Path, text, listDescriptionExplicitly: true, _feed.First.Version);
        ChildProcess.Run(_feed.Dotnet, ["restore", app, ..ChildProcess.OfflineBuildArgs], work.Path).AssertSucceeded("restore");
        AssertAdditionalFiles(app, DescriptionName, LabelsName, ShapesName);

        ChildProcess.Result build = ChildProcess.Run(
            _feed.Dotnet, ["build", app, "-c", "Release", "--no-restore", ..ChildProcess.OfflineBuildArgs], work.Path);
        Assert.True(build.ExitCode != 0, "The build of a broken description succeeded.\n" + build.Output);
        string located = $"{DescriptionName}({line},{column}): error XCS0002";
        Assert.True(build.Output.Contains(located, StringComparison.Ordinal), $"Expected '{located}' in the build output.\n{build.Output}");
        Assert.Contains("gelu", build.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs the pack's printed <c>dotnet add package</c> line in the consumer's folder, builds, runs, checks the
    /// outputs against the fixture and returns the generator version stamped on the generated class.
    /// </summary>
    private string AddPackageBuildAndRun(PackedFeed.Pack pack, string appFolder, string app)
    {
        string[] line = pack.AddPackageLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(line.Length > 1 && line[0] == "dotnet", $"Not a dotnet command line: '{pack.AddPackageLine}'.");
        ChildProcess.Run(_feed.Dotnet, line[1..], appFolder).AssertSucceeded(pack.AddPackageLine);
        Assert.Contains($"Version=\"{pack.Version}\"", File.ReadAllText(app), StringComparison.Ordinal);

        ChildProcess.Run(_feed.Dotnet, ["build", app, "-c", "Release", ..ChildProcess.OfflineBuildArgs], appFolder).AssertSucceeded("build");
        ChildProcess.Result run = ChildProcess.Run(
            _feed.Dotnet,
            ["run", "--project", app, "-c", "Release", "--no-build", "--",
             TestPaths.Fixture("mini_xception_w0125_top10.h5"), TestPaths.Fixture("mini_input_71x71_seed2.npy")],
            appFolder);
        run.AssertSucceeded("run");
        AssertOutputsMatch(run, "mini_expected_71x71_seed2.npy");

        const string Prefix = "GENERATOR ";
        string? generator = run.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        Assert.True(generator is not null, "The consumer printed no generator version.\n" + run.Output);
        return generator[Prefix.Length..];
    }

    private static void AssertOutputsMatch(ChildProcess.Result run, string expectedFixture)
    {
        float[] expected = NpyFile.Read(TestPaths.Fixture(expectedFixture)).Data;
        float[] actual = run.Output
            .Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("OUT ", StringComparison.Ordinal))
            .Select(line => float.Parse(line.AsSpan(4), NumberStyles.Float, CultureInfo.InvariantCulture))
            .ToArray();
        Assert.True(expected.Length == actual.Length, $"Expected {expected.Length} outputs, got {actual.Length}.\n{run.Output}");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"Output {i}: expected {expected[i]}, got {actual[i]}.\n{run.Output}");
        }
    }

    /// <summary>Tests/Models/MiniXception71.xcs.json, made to sit beside its shape table, schema and labels, in no namespace.</summary>
    private static string DescriptionText()
    {
        string text = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "Tests", "Models", DescriptionName));
        text = Replace(text, "\"$schema\": \"../../model.xcs.schema.json\"", "\"$schema\": \"model.xcs.schema.json\"");
        text = Replace(text, "\"table\": \"../Fixtures/" + ShapesName + "\" },\n", "\"table\": \"" + ShapesName + "\" },\n  \"labels\": \"" + LabelsName + "\",\n");
        // Remove the namespace line (keeping the line count would not matter; the broken case computes its line).
        text = Replace(text, "  \"namespace\": \"Xception.Compiler.Tests.Models\",\n", string.Empty);
        return text;

        static string Replace(string text, string from, string to)
        {
            string normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
            Assert.True(normalized.Contains(from, StringComparison.Ordinal), $"'{from}' not found in {DescriptionName}.");
            return normalized.Replace(from, to, StringComparison.Ordinal);
        }
    }

    /// <summary>The consumer project; without <paramref name="packageVersion"/> it has no package yet (the README adds it).</summary>
    private string CreateConsumer(string root, string description, bool listDescriptionExplicitly, string? packageVersion)
    {
        string app = Path.Combine(root, "Consumer");
        string models = Path.Combine(app, "Models");
        Directory.CreateDirectory(models);

        // Nothing of a surrounding repository applies (the folder is under temp; these make sure).
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "nuget.config"), _feed.NuGetConfig);

        string packageItem = packageVersion is null
            ? string.Empty
            : "  <ItemGroup>\n    <PackageReference Include=\"Xception.Compiler\" Version=\"" + packageVersion + "\" />\n  </ItemGroup>\n";
        string explicitItem = listDescriptionExplicitly
            ? "  <ItemGroup>\n    <AdditionalFiles Include=\"Models/" + DescriptionName + "\" />\n  </ItemGroup>\n"
            : string.Empty;
        File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <RootNamespace>PackageConsumer</RootNamespace>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- Offline: no vulnerability data to fetch. -->
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
            {packageItem}{explicitItem}</Project>

            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System;
            using System.CodeDom.Compiler;
            using System.Globalization;
            using System.Reflection;
            using Xception.Compiler.Runtime;
            using Xception.Compiler.Runtime.Tensors;

            namespace PackageConsumer;

            internal static class Program
            {
                private static int Main(string[] args)
                {
                    NpyArray input = NpyFile.Read(args[1]);
                    using MiniXception71 model = MiniXception71.Load(args[0], new InferenceOptions { Backend = Backend.Cpu });
                    float[] output = model.Predict(input.Data);
                    Console.WriteLine("MODEL " + typeof(MiniXception71).FullName);
                    Console.WriteLine("GENERATOR " + typeof(MiniXception71).GetCustomAttribute<GeneratedCodeAttribute>()?.Version);
                    Console.WriteLine("TOP " + MiniXception71.TopK(output.AsSpan(0, MiniXception71.OutputLength), 1)[0]);
                    foreach (float value in output)
                    {
                        Console.WriteLine("OUT " + value.ToString("R", CultureInfo.InvariantCulture));
                    }

                    return 0;
                }
            }

            """);
        File.WriteAllText(Path.Combine(models, DescriptionName), description);
        File.Copy(Path.Combine(TestPaths.RepositoryRoot, "Tests", "Fixtures", ShapesName), Path.Combine(models, ShapesName));
        File.WriteAllText(Path.Combine(models, LabelsName), string.Join("\n", s_labels) + "\n");
        return Path.Combine(app, "Consumer.csproj");
    }

    private void AssertAdditionalFiles(string project, params string[] names)
    {
        ChildProcess.Result items = ChildProcess.Run(
            _feed.Dotnet, ["msbuild", project, "-getItem:AdditionalFiles", "-p:Configuration=Release", "-nodeReuse:false"],
            Path.GetDirectoryName(project)!);
        items.AssertSucceeded("msbuild -getItem:AdditionalFiles");
        var listed = items.Output
            .Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("\"Identity\":", StringComparison.Ordinal))
            .Select(l => Path.GetFileName(l["\"Identity\":".Length..].Trim().Trim(',').Trim('"').Replace("\\\\", "/", StringComparison.Ordinal).Replace('\\', '/')))
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();
        Assert.True(
            names.OrderBy(n => n, StringComparer.Ordinal).SequenceEqual(listed),
            $"AdditionalFiles: expected [{string.Join(", ", names)}], got [{string.Join(", ", listed)}].\n{items.Output}");
    }

    /// <summary>
    /// Both packages, packed by scripts/pack-local.sh into a local feed once per test run (and again by the test
    /// that repacks). The script makes a version no earlier pack used; each pack stamps its own generator
    /// version (AssemblyVersion), which the generated class carries in its [GeneratedCode].
    /// </summary>
    public sealed class PackedFeed : IDisposable
    {
        public const string FirstGeneratorVersion = "0.1.0.1";
        public const string SecondGeneratorVersion = "0.1.0.2";

        private readonly TempDirectory _root = new();
        private readonly string _globalPackages;
        private readonly List<string> _versions = [];

        public PackedFeed()
        {
            Dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
            _globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
                ? configured
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            Feed = Path.Combine(_root.Path, "feed");
            First = PackAgain(FirstGeneratorVersion);

            // Sources: the local feed and the global packages folder itself (a valid folder feed): no network.
            NuGetConfig = $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local-feed" value="{Feed}" />
                    <add key="global-packages" value="{_globalPackages}" />
                  </packageSources>
                </configuration>

                """;
        }

        /// <summary>The package version the script made and the <c>dotnet add package</c> line it printed for it.</summary>
        public sealed record Pack(string Version, string AddPackageLine);

        public Pack First { get; }

        public string Dotnet { get; }

        public string Feed { get; }

        public string NuGetConfig { get; }

        /// <summary>Runs the README's pack script into <see cref="Feed"/>, the generator stamped with <paramref name="generatorVersion"/>.</summary>
        public Pack PackAgain(string generatorVersion)
        {
            string repo = TestPaths.RepositoryRoot;
            // Built under the temp folder (--artifacts-path, shared by the packs so a repack is incremental),
            // so the repository's bin/obj stay as they are.
            ChildProcess.Result pack = ChildProcess.Run(
                "bash",
                [Path.Combine(repo, "scripts", "pack-local.sh"), Feed, "-p:AssemblyVersion=" + generatorVersion,
                 "--artifacts-path", Path.Combine(_root.Path, "artifacts"), ..ChildProcess.OfflineBuildArgs],
                repo);
            pack.AssertSucceeded("scripts/pack-local.sh");

            const string Prefix = "dotnet add package Xception.Compiler --version ";
            string? line = pack.Output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
            Assert.True(line is not null, "scripts/pack-local.sh printed no 'dotnet add package' line.\n" + pack.Output);
            string version = line[Prefix.Length..].Split(' ')[0];
            lock (_versions)
            {
                _versions.Add(version);
            }

            foreach (string id in new[] { "Xception.Compiler", "Xception.Compiler.Runtime" })
            {
                string nupkg = Path.Combine(Feed, id + "." + version + ".nupkg");
                Assert.True(File.Exists(nupkg), $"{nupkg} was not produced.\n{pack.Output}");
            }

            return new Pack(version, line);
        }

        public void Dispose()
        {
            // The versions this run made, extracted into the global packages folder, are removed again.
            string[] versions;
            lock (_versions)
            {
                versions = [.. _versions];
            }

            foreach (string id in new[] { "xception.compiler", "xception.compiler.runtime" })
            {
                string folder = Path.Combine(_globalPackages, id);
                try
                {
                    foreach (string version in versions)
                    {
                        string extracted = Path.Combine(folder, version.ToLowerInvariant());
                        if (Directory.Exists(extracted))
                        {
                            Directory.Delete(extracted, recursive: true);
                        }
                    }

                    if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
                    {
                        Directory.Delete(folder);
                    }
                }
                catch (IOException)
                {
                    // Best effort.
                }
                catch (UnauthorizedAccessException)
                {
                    // Best effort.
                }
            }

            _root.Dispose();
        }
    }

    /// <summary>Runs the dotnet CLI as a child process with a timeout, capturing stdout and stderr together.</summary>
    internal static class ChildProcess
    {
        /// <summary>No MSBuild or compiler server left behind holding this process's pipes.</summary>
        public static readonly string[] OfflineBuildArgs = ["-nodeReuse:false", "-p:UseSharedCompilation=false"];

        private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

        public sealed record Result(string CommandLine, int ExitCode, string Output)
        {
            public void AssertSucceeded(string what) =>
                Assert.True(ExitCode == 0, $"{what} failed (exit code {ExitCode}): {CommandLine}\n{Output}");
        }

        public static Result Run(string fileName, IReadOnlyList<string> arguments, string workingDirectory)
        {
            var start = new ProcessStartInfo(fileName)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            // The test host runs under an SDK's MSBuild environment; the child picks its own.
            foreach (string name in start.Environment.Keys.ToArray())
            {
                if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
                {
                    start.Environment.Remove(name);
                }
            }

            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
            start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
            start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

            string commandLine = fileName + " " + string.Join(" ", arguments);
            var output = new StringBuilder();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(Timeout))
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }

                lock (output)
                {
                    Assert.Fail($"Timed out after {Timeout.TotalMinutes} minutes: {commandLine}\n{output}");
                }
            }

            process.WaitForExit();
            lock (output)
            {
                return new Result(commandLine, process.ExitCode, output.ToString());
            }
        }
    }
}

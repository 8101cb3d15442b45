using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Emitting;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Planning;
using Xception.Compiler.Tests.Generator.Infrastructure;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Reliability;

/// <summary>
/// The generator under fuzzing: more than 10,000 inputs derived from the repository's valid descriptions and
/// shape tables (see <see cref="FuzzCorpus"/> for the mutation kinds; seeds are fixed). The pure pipeline
/// (parse, plan, emit: exactly what the incremental generator calls, without a compilation) runs every input;
/// a few hundred also run through Roslyn's generator driver, which must agree with it.
/// </summary>
public sealed class GeneratorFuzzTests(ITestOutputHelper output)
{
    private const int PerKind = 40;
    private const double MaxSecondsPerInput = 1.0;

    private sealed record Outcome(PlanResult Result, string? Source, double Seconds);

    private static Outcome RunPipeline(FuzzCase c)
    {
        var watch = Stopwatch.StartNew();
        ParsedModel parsed = ModelParser.Parse(c.DescriptionPath, c.Description);
        ParsedWeightTable table = WeightTableParser.Parse(c.TablePath, c.Table);
        PlanResult result = ModelPlanner.Plan(parsed, new[] { table }, new GeneratorOptions("Fuzz.Root"));
        string? source = result.Plan is null ? null : ModelEmitter.Emit(result.Plan);
        watch.Stop();
        return new Outcome(result, source, watch.Elapsed.TotalSeconds);
    }

    private static bool IsError(DiagnosticInfo d) => DiagnosticDescriptors.Get(d.Id).DefaultSeverity == DiagnosticSeverity.Error;

    /// <summary>Problems with one input's outcome (empty when it is fine).</summary>
    private static IEnumerable<string> Check(FuzzCase c, Outcome o)
    {
        bool hasError = o.Result.Diagnostics.Any(IsError);
        if (o.Seconds > MaxSecondsPerInput)
        {
            yield return "took " + o.Seconds.ToString("F3", CultureInfo.InvariantCulture) + " s";
        }

        if (c.CertainlyInvalid && !hasError)
        {
            yield return "an invalid input reported no error";
        }

        if (hasError && (o.Result.Plan is not null || o.Source is not null))
        {
            yield return "code was emitted next to an error";
        }

        if (!hasError && (o.Result.Plan is null || string.IsNullOrEmpty(o.Source)))
        {
            yield return "no error and no code";
        }

        if (o.Source is not null && !o.Source.Contains("partial class " + o.Result.Plan!.ClassName, StringComparison.Ordinal))
        {
            yield return "the emitted code does not declare the model class";
        }

        foreach (DiagnosticInfo d in o.Result.Diagnostics)
        {
            if (d.Id == DiagnosticDescriptors.InternalError.Id)
            {
                yield return "internal error: " + string.Join(" | ", d.Arguments);
                continue;
            }

            if (!DiagnosticDescriptors.All.ContainsKey(d.Id))
            {
                yield return "unknown diagnostic id " + d.Id;
                continue;
            }

            string? text = d.FilePath == c.DescriptionPath ? c.Description : d.FilePath == c.TablePath ? c.Table : null;
            if (text is null)
            {
                yield return d.Id + " located in an unknown file " + d.FilePath;
                continue;
            }

            SourceSpan s = d.Span;
            if (s.Start < 0 || s.Length < 0 || s.Start + s.Length > text.Length)
            {
                yield return d.Id + " span " + s + " outside the file (" + text.Length + " chars)";
                continue;
            }

            LinePositionSpan roslyn = SourceText.From(text).Lines.GetLinePositionSpan(new TextSpan(s.Start, s.Length));
            if ((roslyn.Start.Line, roslyn.Start.Character, roslyn.End.Line, roslyn.End.Character) != (s.StartLine, s.StartColumn, s.EndLine, s.EndColumn))
            {
                yield return d.Id + " line/column " + s + " disagree with the offsets (Roslyn: " + roslyn + ")";
            }
        }
    }

    private static string Describe(FuzzCase c, string problem, Outcome? o)
    {
        string diagnostics = o is null ? string.Empty : string.Join("; ", o.Result.Diagnostics.Select(d => d.Id + " " + string.Join(" | ", d.Arguments).Substring(0, Math.Min(200, string.Join(" | ", d.Arguments).Length))));
        string Clip(string t) => t.Length > 1500 ? t.Substring(0, 1500) + "…(" + t.Length + " chars)" : t;
        FuzzSeed seed = FuzzCorpus.Seeds().First(s => s.Name == c.Seed);
        string change = c.Description != seed.Description
            ? Snapshot.Diff(FuzzCorpus.Normalized(seed.Description), c.Description)
            : Snapshot.Diff(FuzzCorpus.Normalized(seed.Table), c.Table);
        return c + ": " + problem + " [" + diagnostics + "]\n--- change (against the seed as the mutators write it):\n" + Clip(change);
    }

    [Fact]
    public void Seeds_AreValid_SoMutationsStartFromAValidInput()
    {
        foreach (FuzzSeed seed in FuzzCorpus.Seeds())
        {
            var c = new FuzzCase(seed.Name, "original", 0, seed.DescriptionPath, seed.Description, seed.TablePath, seed.Table, false);
            Outcome o = RunPipeline(c);
            Assert.DoesNotContain(o.Result.Diagnostics, IsError);
            Assert.NotNull(o.Source);
        }
    }

    [Fact]
    public void OverTenThousandMutatedInputs_NeverThrowOrTakeOverOneSecond_AndInvalidOnesReportErrorsAndEmitNothing()
    {
        IReadOnlyList<FuzzSeed> seeds = FuzzCorpus.Seeds();
        foreach (FuzzSeed seed in seeds)
        {
            RunPipeline(new FuzzCase(seed.Name, "warm-up", 0, seed.DescriptionPath, seed.Description, seed.TablePath, seed.Table, false));
        }

        var failures = new List<string>();
        var perKind = new SortedDictionary<string, (int Tried, int Certain, int Errors, int Emitted, double Max)>(StringComparer.Ordinal);
        int tried = 0, survived = 0, certain = 0, withError = 0, emitted = 0;
        double max = 0;
        FuzzCase? slowest = null;
        var total = Stopwatch.StartNew();
        foreach (FuzzCase c in FuzzCorpus.Cases(seeds, PerKind))
        {
            tried++;
            Outcome? o = null;
            List<string> problems;
            try
            {
                o = RunPipeline(c);
                problems = Check(c, o).ToList();
            }
            catch (Exception ex)
            {
                problems = new List<string> { "threw " + ex };
            }

            if (problems.Count == 0)
            {
                survived++;
            }
            else if (failures.Count < 15)
            {
                failures.Add(Describe(c, string.Join("; ", problems), o));
            }

            bool hasError = o is not null && o.Result.Diagnostics.Any(IsError);
            certain += c.CertainlyInvalid ? 1 : 0;
            withError += hasError ? 1 : 0;
            emitted += o?.Source is null ? 0 : 1;
            double seconds = o?.Seconds ?? 0;
            if (seconds > max)
            {
                max = seconds;
                slowest = c;
            }

            perKind.TryGetValue(c.Kind, out var k);
            perKind[c.Kind] = (k.Tried + 1, k.Certain + (c.CertainlyInvalid ? 1 : 0), k.Errors + (hasError ? 1 : 0), k.Emitted + (o?.Source is null ? 0 : 1), Math.Max(k.Max, seconds));
        }

        total.Stop();
        foreach ((string kind, var k) in perKind)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind,-26} tried {k.Tried,5}  certainly invalid {k.Certain,5}  with errors {k.Errors,5}  emitted {k.Emitted,5}  max {k.Max * 1000,8:F2} ms"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"inputs tried {tried}, survived {survived}; certainly invalid {certain}; reported an error {withError}; emitted code {emitted}; max {max * 1000:F2} ms ({slowest}); total {total.Elapsed.TotalSeconds:F1} s"));

        Assert.True(failures.Count == 0, failures.Count + " failing inputs (first ones):\n\n" + string.Join("\n\n", failures));
        Assert.True(tried >= 10_000, "only " + tried + " inputs");
        Assert.Equal(tried, survived);
        Assert.True(certain >= 7_000, "only " + certain + " certainly invalid inputs");
        Assert.True(emitted > 0, "no mutated input stayed valid: the corpus cannot tell 'always error' from a correct generator");
    }

    [Fact]
    public void ThreeHundredMutatedInputs_ThroughTheRoslynDriver_NeverFail_AndAgreeWithThePurePipeline()
    {
        IReadOnlyList<FuzzSeed> seeds = FuzzCorpus.Seeds();
        List<FuzzCase> all = FuzzCorpus.Cases(seeds, PerKind).ToList();
        var picked = new List<FuzzCase>();
        for (int i = 0; i < all.Count && picked.Count < 300; i += all.Count / 300)
        {
            picked.Add(all[i]);
        }

        CSharpCompilation compilation = GeneratorHarness.EmptyCompilation();
        var failures = new List<string>();
        int compiled = 0, withErrors = 0;
        var watch = Stopwatch.StartNew();
        foreach (FuzzCase c in picked)
        {
            var files = new List<AdditionalText> { new InMemoryAdditionalText(c.DescriptionPath, c.Description), new InMemoryAdditionalText(c.TablePath, c.Table) };
            GeneratorDriver driver = GeneratorHarness.CreateDriver(files, "Fuzz.Root").RunGenerators(compilation);
            GeneratorDriverRunResult run = driver.GetRunResult();
            GeneratorRunResult result = Assert.Single(run.Results);
            if (result.Exception is not null)
            {
                failures.Add(c + ": generator threw " + result.Exception);
                continue;
            }

            List<Diagnostic> diagnostics = result.Diagnostics.ToList();
            if (diagnostics.Any(d => d.Id is "CS8785" or "AD0001"))
            {
                failures.Add(c + ": Roslyn reported a generator failure");
                continue;
            }

            bool hasError = diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
            withErrors += hasError ? 1 : 0;
            if (hasError != (run.GeneratedTrees.Length == 0))
            {
                failures.Add(c + ": errors " + hasError + " but " + run.GeneratedTrees.Length + " generated files");
            }

            if (c.CertainlyInvalid && !hasError)
            {
                failures.Add(c + ": an invalid input reported no error through the driver");
            }

            // The driver reports exactly what the pure pipeline computes, at the same places.
            Outcome pure = RunPipeline(c);
            string Key(string id, string path, int line, int col) => id + "@" + path + "(" + line + "," + col + ")";
            var expected = pure.Result.Diagnostics.Select(d => Key(d.Id, d.FilePath, d.Span.StartLine, d.Span.StartColumn)).OrderBy(k => k, StringComparer.Ordinal).ToList();
            var actual = diagnostics.Select(d => Key(d.Id, d.Location.GetLineSpan().Path, d.Location.GetLineSpan().StartLinePosition.Line, d.Location.GetLineSpan().StartLinePosition.Character)).OrderBy(k => k, StringComparer.Ordinal).ToList();
            if (!expected.SequenceEqual(actual))
            {
                failures.Add(c + ": driver diagnostics " + string.Join(", ", actual) + " differ from the pipeline's " + string.Join(", ", expected));
            }

            // Code the generator accepts must compile (a few: compiling is slow).
            if (!hasError && compiled < 12)
            {
                compiled++;
                Compilation withGenerated = compilation.AddSyntaxTrees(run.GeneratedTrees);
                List<Diagnostic> errors = withGenerated.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                if (errors.Count > 0)
                {
                    failures.Add(c + ": accepted description emits code that does not compile: " + string.Join("; ", errors.Take(3)));
                }
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"driver runs {picked.Count}, with errors {withErrors}, compiled {compiled}, {watch.Elapsed.TotalSeconds:F1} s"));
        Assert.True(failures.Count == 0, string.Join("\n\n", failures.Take(10)));
        Assert.True(picked.Count >= 300);
    }

    [Theory]
    [InlineData(511, true)]
    [InlineData(512, true)]
    [InlineData(513, false)]
    [InlineData(1025, false)]
    [InlineData(100_000, false)]
    public void VeryLongModelName_UpTo512BytesCompiles_LongerIsRejectedWithXcs0017(int length, bool accepted)
    {
        string text = RepoFiles.Read(RepoFiles.TestData("Broken/valid_tiny.xcs.json")).Replace("\"TinyNet\"", "\"T" + new string('n', length - 1) + "\"", StringComparison.Ordinal);
        var files = new List<AdditionalText>
        {
            new InMemoryAdditionalText("/broken/long.xcs.json", text),
            new InMemoryAdditionalText("/broken/tiny.shapes.json", RepoFiles.Read(RepoFiles.TestData("Broken/tiny.shapes.json"))),
        };

        (GeneratorDriverRunResult run, Compilation compiled) = GeneratorHarness.Run(files);
        List<Diagnostic> generatorErrors = GeneratorHarness.GeneratorDiagnostics(run).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.Equal(accepted, generatorErrors.Count == 0);
        if (!accepted)
        {
            Diagnostic d = Assert.Single(generatorErrors);
            Assert.Equal("XCS0017", d.Id);
            Assert.EndsWith("cannot be the model class name: it is longer than 512 bytes", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            Assert.Empty(run.GeneratedTrees);
        }
        else
        {
            // Emit, not only GetDiagnostics: metadata name limits are checked when writing the assembly.
            using var pe = new System.IO.MemoryStream();
            Microsoft.CodeAnalysis.Emit.EmitResult emitted = compiled.Emit(pe);
            Assert.True(emitted.Success, string.Join("; ", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(3)));
        }
    }

    [Fact]
    public void NamespaceLongerThan512Bytes_IsRejected_NotEmittedAsUncompilableCode()
    {
        FuzzSeed tiny = FuzzCorpus.Seeds().Single(x => x.Name == "valid_tiny.xcs.json");
        string ns = string.Join(".", Enumerable.Repeat("Abc", 200)); // 799 bytes
        string text = tiny.Description.Replace("\"model\": \"TinyNet\",", "\"model\": \"TinyNet\", \"namespace\": \"" + ns + "\",", StringComparison.Ordinal);

        Outcome o = RunPipeline(new FuzzCase(tiny.Name, "long-namespace", 0, tiny.DescriptionPath, text, tiny.TablePath, tiny.Table, true));

        Assert.Null(o.Source);
        Assert.Contains(o.Result.Diagnostics, d => d.Id == "XCS0004" && d.Arguments[0] == "namespace");
    }
}

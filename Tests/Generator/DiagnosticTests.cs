using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Planning;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Generator;

/// <summary>Broken descriptions under TestData/Broken: every catalog diagnostic, located in the JSON.</summary>
public sealed class DiagnosticTests
{
    private const string Folder = "/broken/";

    private static string[] Cases() =>
        Directory.GetFiles(RepoFiles.PathOf(RepoFiles.TestData("Broken")), "*.xcs.json")
            .Select(p => Path.GetFileName(p))
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();

    private static List<AdditionalText> TablesAnd(params (string Name, string Text)[] descriptions)
    {
        var files = new List<AdditionalText>();
        string broken = RepoFiles.PathOf(RepoFiles.TestData("Broken"));
        foreach (string table in Directory.GetFiles(broken, "*.shapes.json").Concat(Directory.GetFiles(broken, "*.labels.*")).OrderBy(n => n, StringComparer.Ordinal))
        {
            files.Add(new InMemoryAdditionalText(Folder + Path.GetFileName(table), File.ReadAllText(table)));
        }

        foreach ((string name, string text) in descriptions)
        {
            files.Add(new InMemoryAdditionalText(Folder + name, text));
        }

        return files;
    }

    private static (List<Diagnostic> Diagnostics, int Sources) RunCase(string name)
    {
        string text = File.ReadAllText(RepoFiles.PathOf(RepoFiles.TestData("Broken/" + name)));
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(TablesAnd((name, text)));
        return (GeneratorHarness.GeneratorDiagnostics(result).ToList(), result.GeneratedTrees.Length);
    }

    internal static string Format(Diagnostic d)
    {
        FileLinePositionSpan span = d.Location.GetLineSpan();
        return d.Id + " " + d.Severity + " " + Path.GetFileName(span.Path)
            + "(" + (span.StartLinePosition.Line + 1) + "," + (span.StartLinePosition.Character + 1) + ")-("
            + (span.EndLinePosition.Line + 1) + "," + (span.EndLinePosition.Character + 1) + "): " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void BrokenDescriptions_ReportLocatedDiagnostics_MatchBaseline()
    {
        var sb = new StringBuilder();
        foreach (string name in Cases())
        {
            (List<Diagnostic> diagnostics, int sources) = RunCase(name);
            sb.Append("== ").Append(name).Append(" (").Append(sources).Append(sources == 1 ? " source" : " sources").Append(")\n");
            foreach (Diagnostic d in diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal))
            {
                sb.Append(Format(d)).Append('\n');
            }
        }

        Snapshot.Verify(nameof(BrokenDescriptions_ReportLocatedDiagnostics_MatchBaseline), new[] { ("diagnostics", sb.ToString()) });
    }

    [Fact]
    public void BrokenDescriptions_CoverEveryCatalogDiagnostic_AndEmitNoSourceOnErrors()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in Cases())
        {
            (List<Diagnostic> diagnostics, int sources) = RunCase(name);
            foreach (Diagnostic d in diagnostics)
            {
                seen.Add(d.Id);
                Assert.True(d.Location.IsInSource == false && d.Location.Kind == LocationKind.ExternalFile, name + ": " + d);
                Assert.EndsWith(".json", d.Location.GetLineSpan().Path, StringComparison.Ordinal);
            }

            bool hasErrors = diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
            Assert.True(hasErrors ? sources == 0 : sources == 1, name + ": errors " + hasErrors + ", sources " + sources);
            if (name != "valid_tiny.xcs.json" && name != "unknown_member_warning.xcs.json")
            {
                Assert.True(hasErrors, name + " should report an error");
            }
        }

        // XCS0023 (duplicate model) and XCS0024 (internal error) have their own tests below.
        var expected = DiagnosticDescriptors.All.Keys.Where(id => id is not "XCS0023" and not "XCS0024").ToList();
        Assert.Empty(expected.Except(seen));
    }

    [Fact]
    public void TwoDescriptionsWithOneModelName_SecondReportsDuplicateModel()
    {
        string text = File.ReadAllText(RepoFiles.PathOf(RepoFiles.TestData("Broken/valid_tiny.xcs.json")));
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(TablesAnd(("a.xcs.json", text), ("b.xcs.json", text)));
        Diagnostic d = Assert.Single(GeneratorHarness.GeneratorDiagnostics(result));
        Assert.Equal("XCS0023", d.Id);
        Assert.Equal("/broken/b.xcs.json", d.Location.GetLineSpan().Path);
        Assert.Single(result.GeneratedTrees);
    }

    [Fact]
    public void PlannerException_BecomesInternalErrorDiagnostic()
    {
        var spec = new ModelSpec("/m.xcs.json", "M", SourceSpan.None, null, null, "t.shapes.json", SourceSpan.None, null, null,
            new[]
            {
                new LayerSpec
                {
                    Name = "in", Op = LayerOp.Input, Inputs = EquatableArray<string>.Empty, Spans = LayerSpans.None,
                    Shape = new DeclaredInput { Height = 4, Width = 4, Channels = 1, MinSize = 0 },
                },
                new LayerSpec { Name = "odd", Op = LayerOp.Unknown, Inputs = new EquatableArray<string>(new[] { "in" }), Spans = LayerSpans.None },
            }.ToEquatableArray());
        var table = new ParsedWeightTable("/t.shapes.json", new WeightTableSpec("/t.shapes.json", null, EquatableArray<WeightFileLayer>.Empty), EquatableArray<DiagnosticInfo>.Empty);
        PlanResult result = ModelPlanner.Plan(new ParsedModel("/m.xcs.json", spec, EquatableArray<DiagnosticInfo>.Empty), new[] { table }, GeneratorOptions.Default);
        Assert.Null(result.Plan);
        Assert.Equal("XCS0024", Assert.Single(result.Diagnostics).Id);
    }

    [Fact]
    public void Catalog_IdsAreSequentialWithHelpLinksAndOneCategory()
    {
        var ids = DiagnosticDescriptors.All.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();

        Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => "XCS" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)), ids);
        foreach (DiagnosticDescriptor d in DiagnosticDescriptors.All.Values)
        {
            Assert.Equal("Xception.Compiler", d.Category);
            Assert.Equal("https://github.com/xception-compiler/xception-compiler/blob/main/docs/diagnostics.md#" + d.Id.ToLowerInvariant(), d.HelpLinkUri);
        }

        string unshipped = RepoFiles.Read("Generator/AnalyzerReleases.Unshipped.md");
        Assert.All(ids, id => Assert.Contains(id + " |", unshipped, StringComparison.Ordinal));
    }

    [Fact]
    public void WeightCountMismatch_IsLocatedAtWeightsTable()
    {
        (List<Diagnostic> diagnostics, _) = RunCase("weight_layer_count_mismatch.xcs.json");
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("XCS0012", d.Id);
        string text = File.ReadAllText(RepoFiles.PathOf(RepoFiles.TestData("Broken/weight_layer_count_mismatch.xcs.json")));
        Assert.Equal("\"tiny_short.shapes.json\"", text.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
        Assert.Contains("3 layers with weights", d.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("has 2", d.GetMessage(), StringComparison.Ordinal);
    }
}

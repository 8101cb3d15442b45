using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Planning;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Reliability;

/// <summary>
/// Every XCS id of the catalog, triggered through Roslyn's generator driver, at an exact line and column
/// (1-based, as the build prints them) of the JSON file, with the text found there.
/// </summary>
public sealed class LocatedDiagnosticsTests
{
    private const string Folder = "/broken/";
    private const string DuplicateModelCase = "(two copies of valid_tiny.xcs.json: a.xcs.json and b.xcs.json)";

    /// <summary>id → the broken description that triggers it, the file the diagnostic is located in, where, and the text there.</summary>
    private static readonly (string Id, string Case, string File, int Line, int Column, string Text)[] s_cases =
    {
        ("XCS0001", "malformed_nan_token.xcs.json", "malformed_nan_token.xcs.json", 7, 53, "NaN"),
        ("XCS0002", "unknown_op.xcs.json", "unknown_op.xcs.json", 8, 29, "\"gelu\""),
        ("XCS0003", "missing_attribute.xcs.json", "missing_attribute.xcs.json", 6, 15, "\"conv1\""),
        ("XCS0004", "invalid_filters_type.xcs.json", "invalid_filters_type.xcs.json", 6, 51, "\"four\""),
        ("XCS0005", "unknown_input.xcs.json", "unknown_input.xcs.json", 9, 59, "\"act2\""),
        ("XCS0006", "duplicate_name.xcs.json", "duplicate_name.xcs.json", 7, 15, "\"conv1\""),
        ("XCS0007", "cycle.xcs.json", "cycle.xcs.json", 8, 15, "\"act1\""),
        ("XCS0008", "add_shape_mismatch.xcs.json", "add_shape_mismatch.xcs.json", 9, 15, "\"add1\""),
        ("XCS0009", "below_minimum_size.xcs.json", "below_minimum_size.xcs.json", 6, 15, "\"conv1\""),
        ("XCS0010", "table_not_found.xcs.json", "table_not_found.xcs.json", 3, 25, "\"missing.shapes.json\""),
        ("XCS0011", "table_malformed.xcs.json", "tiny_malformed.shapes.json", 4, 87, "-3"),
        ("XCS0012", "weight_layer_count_mismatch.xcs.json", "weight_layer_count_mismatch.xcs.json", 3, 25, "\"tiny_short.shapes.json\""),
        ("XCS0013", "weight_dataset_count_mismatch.xcs.json", "weight_dataset_count_mismatch.xcs.json", 6, 15, "\"conv1\""),
        ("XCS0014", "weight_shape_mismatch.xcs.json", "weight_shape_mismatch.xcs.json", 6, 15, "\"conv1\""),
        ("XCS0015", "unsupported_depth_multiplier.xcs.json", "unsupported_depth_multiplier.xcs.json", 6, 70, "2"),
        ("XCS0016", "multiple_outputs.xcs.json", "multiple_outputs.xcs.json", 10, 15, "\"dense\""),
        ("XCS0017", "invalid_model_name.xcs.json", "invalid_model_name.xcs.json", 2, 12, "\"2fast\""),
        ("XCS0018", "unknown_member_warning.xcs.json", "unknown_member_warning.xcs.json", 8, 37, "\"colour\""),
        ("XCS0019", "dense_on_spatial_input.xcs.json", "dense_on_spatial_input.xcs.json", 10, 15, "\"dense\""),
        ("XCS0020", "tensor_too_large.xcs.json", "tensor_too_large.xcs.json", 5, 15, "\"input_1\""),
        ("XCS0021", "two_input_layers.xcs.json", "two_input_layers.xcs.json", 7, 15, "\"input_2\""),
        ("XCS0022", "duplicate_member.xcs.json", "duplicate_member.xcs.json", 6, 54, "\"filters\""),
        // XCS0023: at the class name of the second description (by path) of the two naming one class.
        ("XCS0023", DuplicateModelCase, "b.xcs.json", 2, 12, "\"TinyNet\""),
        ("XCS0025", "unimplemented_keras_attribute.xcs.json", "unimplemented_keras_attribute.xcs.json", 6, 110, "\"dilation_rate\""),
        ("XCS0026", "labels_count_mismatch.xcs.json", "labels_count_mismatch.xcs.json", 4, 13, "[\"cat\", \"dog\", \"bird\"]"),
        // XCS0027: in the labels file, at the key that is not a class number 0..n-1.
        ("XCS0027", "labels_file_malformed.xcs.json", "tiny_malformed.labels.json", 3, 3, "\"2\""),
        // XCS0028: at the function's name; XCS0029: at the name of the convolution whose softmax is spatial.
        ("XCS0028", "unknown_activation.xcs.json", "unknown_activation.xcs.json", 6, 124, "\"mish\""),
        ("XCS0029", "spatial_softmax.xcs.json", "spatial_softmax.xcs.json", 6, 15, "\"conv1\""),
        // XCS0030: at the constants that do not fit the channels; XCS0031: at the reshape layer's name.
        ("XCS0030", "preprocessing_channel_mismatch.xcs.json", "preprocessing_channel_mismatch.xcs.json", 6, 56, "[0.5, 0.25]"),
        ("XCS0031", "reshape_count_mismatch.xcs.json", "reshape_count_mismatch.xcs.json", 10, 15, "\"squeeze\""),
        // XCS0032: at the axis that is not the channels; XCS0033: at the name of the multiply whose inputs do not broadcast.
        ("XCS0032", "concatenate_axis.xcs.json", "concatenate_axis.xcs.json", 9, 81, "1"),
        ("XCS0033", "multiply_shape_mismatch.xcs.json", "multiply_shape_mismatch.xcs.json", 9, 15, "\"scale\""),
    };

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var c in s_cases)
        {
            data.Add(c.Id);
        }

        return data;
    }

    private static string BrokenPath(string name) => RepoFiles.PathOf(RepoFiles.TestData("Broken/" + name));

    private static List<AdditionalText> Files(string caseName)
    {
        var files = new List<AdditionalText>();
        string broken = RepoFiles.PathOf(RepoFiles.TestData("Broken"));
        foreach (string table in Directory.GetFiles(broken, "*.shapes.json").Concat(Directory.GetFiles(broken, "*.labels.*")).OrderBy(n => n, StringComparer.Ordinal))
        {
            files.Add(new InMemoryAdditionalText(Folder + Path.GetFileName(table), File.ReadAllText(table)));
        }

        if (caseName == DuplicateModelCase)
        {
            string tiny = File.ReadAllText(BrokenPath("valid_tiny.xcs.json"));
            files.Add(new InMemoryAdditionalText(Folder + "a.xcs.json", tiny));
            files.Add(new InMemoryAdditionalText(Folder + "b.xcs.json", tiny));
        }
        else
        {
            files.Add(new InMemoryAdditionalText(Folder + caseName, File.ReadAllText(BrokenPath(caseName))));
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Diagnostic_IsReportedAtItsExactLineAndColumnInTheJson(string id)
    {
        (_, string caseName, string file, int line, int column, string expectedText) = s_cases.Single(c => c.Id == id);
        List<AdditionalText> files = Files(caseName);
        (GeneratorDriverRunResult run, _) = GeneratorHarness.Run(files);
        List<Diagnostic> all = GeneratorHarness.GeneratorDiagnostics(run).ToList();

        Diagnostic d = all.Where(x => x.Id == id).OrderBy(x => x.Location.SourceSpan.Start).First();
        FileLinePositionSpan span = d.Location.GetLineSpan();
        Assert.Equal(LocationKind.ExternalFile, d.Location.Kind);
        Assert.Equal(Folder + file, span.Path);
        Assert.Equal((line, column), (span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1));

        // The offsets agree with the line/column pair, and the span covers the token the message is about.
        SourceText text = files.Single(f => f.Path == Folder + file).GetText()!;
        Assert.Equal(span.Span, text.Lines.GetLinePositionSpan(d.Location.SourceSpan));
        Assert.Equal(expectedText, text.ToString(d.Location.SourceSpan));

        // An error means no generated class for that description (XCS0023: the first copy is still generated).
        if (d.Severity == DiagnosticSeverity.Error)
        {
            Assert.Equal(id == "XCS0023" ? 1 : 0, run.GeneratedTrees.Length);
        }
    }

    /// <summary>Names of members a generated class declares or inherits from CompiledModel and object.</summary>
    public static TheoryData<string> GeneratedMemberNames() => new()
    {
        "Trace", "Observe", "Predict", "Load", "Dispose", "Step3Shape", "Step1Shape", "Step40Shape", "RunSteps", "Backend", "BackendName",
        "InputHeight", "InputWidth", "InputChannels", "InputLength", "OutputLength", "OutputShape", "ArenaBytesPerImage",
        "WeightsUrl", "WeightsMd5", "WeightTable", "InputSlot", "OutputSlot", "Labels", "TopK", "_w1", "_b2", "_dw3", "_pw12", "_scale7", "_shift7",
        "ToString", "GetHashCode", "GetType", "Equals", "MemberwiseClone", "Finalize", "ReferenceEquals",
    };

    [Theory]
    [MemberData(nameof(GeneratedMemberNames))]
    public void ModelNamedAfterAGeneratedMember_IsXCS0017AtTheName_AndEmitsNothing(string name)
    {
        string tiny = File.ReadAllText(BrokenPath("valid_tiny.xcs.json"));
        string renamed = tiny.Replace("\"model\": \"TinyNet\"", "\"model\": \"" + name + "\"", StringComparison.Ordinal);
        Assert.NotEqual(tiny, renamed);
        List<AdditionalText> files = Files("valid_tiny.xcs.json").Where(f => !f.Path.EndsWith(".xcs.json", StringComparison.Ordinal)).ToList();
        files.Add(new InMemoryAdditionalText(Folder + "named.xcs.json", renamed));

        (GeneratorDriverRunResult run, _) = GeneratorHarness.Run(files);

        Diagnostic d = Assert.Single(GeneratorHarness.GeneratorDiagnostics(run), x => x.Id == "XCS0017");
        FileLinePositionSpan span = d.Location.GetLineSpan();
        Assert.Equal(Folder + "named.xcs.json", span.Path);
        Assert.Equal((2, 12), (span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1));
        Assert.Equal("\"" + name + "\"", renamed.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
        Assert.Contains("member of that name", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Empty(run.GeneratedTrees);
    }

    [Fact]
    public void EveryCatalogId_HasALocatedCase_ExceptInternalErrorWhichHasItsOwnTest()
    {
        var covered = s_cases.Select(c => c.Id).Append("XCS0024").OrderBy(x => x, StringComparer.Ordinal).ToList();
        Assert.Equal(DiagnosticDescriptors.All.Keys.OrderBy(x => x, StringComparer.Ordinal).ToList(), covered);
    }

    /// <summary>
    /// XCS0024 cannot be triggered from a JSON file unless the generator has a bug: the parser rejects
    /// everything the planner cannot handle (the fuzz tests check that no input reaches it). The planner's
    /// guard is exercised with a spec no parser produces (an Unknown op), which makes the shape inference throw.
    /// It is located at the start of the description (line 1, column 1), the one place that always exists.
    /// </summary>
    [Fact]
    public void InternalError_FromAPlannerException_IsLocatedAtLine1Column1OfTheDescription()
    {
        var spec = new ModelSpec("/broken/m.xcs.json", "M", SourceSpan.None, null, null, "t.shapes.json", SourceSpan.None, null, null,
            new[]
            {
                new LayerSpec
                {
                    Name = "in", Op = LayerOp.Input, Inputs = EquatableArray<string>.Empty, Spans = LayerSpans.None,
                    Shape = new DeclaredInput { Height = 4, Width = 4, Channels = 1, MinSize = 0 },
                },
                new LayerSpec { Name = "odd", Op = LayerOp.Unknown, Inputs = new EquatableArray<string>(new[] { "in" }), Spans = LayerSpans.None },
            }.ToEquatableArray());
        var table = new ParsedWeightTable("/broken/t.shapes.json", new WeightTableSpec("/broken/t.shapes.json", null, EquatableArray<WeightFileLayer>.Empty), EquatableArray<DiagnosticInfo>.Empty);

        PlanResult result = ModelPlanner.Plan(new ParsedModel("/broken/m.xcs.json", spec, EquatableArray<DiagnosticInfo>.Empty), new[] { table }, GeneratorOptions.Default);

        Assert.Null(result.Plan);
        Diagnostic d = DiagnosticDescriptors.ToDiagnostic(Assert.Single(result.Diagnostics));
        Assert.Equal("XCS0024", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        FileLinePositionSpan span = d.Location.GetLineSpan();
        Assert.Equal("/broken/m.xcs.json", span.Path);
        Assert.Equal((1, 1), (span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1));
        Assert.Contains("Exception", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }
}

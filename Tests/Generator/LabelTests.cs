using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Labels;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Generator;

/// <summary>
/// A description's <c>labels</c>: inline, or from a <c>*.labels.txt</c> / <c>*.labels.json</c> AdditionalFile,
/// checked against the output length and emitted as <c>Labels</c> with <c>TopK</c>.
/// </summary>
public sealed class LabelTests
{
    private const string Folder = "/flowers/";
    private static readonly string[] s_flowers = { "daisy", "dandelion", "roses", "sunflowers", "tulips" };

    private static string Description(string labelsJson) =>
        RepoFiles.Read("Tests/Models/TinyFlowers.xcs.json")
            .Replace("\"table\": \"../Fixtures/tiny_flowers.shapes.json\"", "\"table\": \"tiny_flowers.shapes.json\"", StringComparison.Ordinal)
            .Replace("[\"daisy\", \"dandelion\", \"roses\", \"sunflowers\", \"tulips\"]", labelsJson, StringComparison.Ordinal);

    private static (List<Diagnostic> Diagnostics, string? Source) Run(string labelsJson, params (string Name, string Text)[] files)
    {
        var additional = new List<AdditionalText>
        {
            new InMemoryAdditionalText(Folder + "flowers.xcs.json", Description(labelsJson)),
            new InMemoryAdditionalText(Folder + "tiny_flowers.shapes.json", RepoFiles.Read("Tests/Fixtures/tiny_flowers.shapes.json")),
        };
        additional.AddRange(files.Select(f => (AdditionalText)new InMemoryAdditionalText(f.Name.StartsWith('/') ? f.Name : Folder + f.Name, f.Text)));
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(additional);
        return (GeneratorHarness.GeneratorDiagnostics(result).ToList(), result.GeneratedTrees.Length == 1 ? result.GeneratedTrees[0].GetText().ToString() : null);
    }

    private static IReadOnlyList<string> EmittedLabels(string labelsJson, params (string Name, string Text)[] files)
    {
        (List<Diagnostic> diagnostics, string? source) = Run(labelsJson, files);
        Assert.True(diagnostics.Count == 0, string.Join("\n", diagnostics));
        Type type = CompileAndLoad(Assert.IsType<string>(source), out AssemblyLoadContext context);
        try
        {
            var labels = (IReadOnlyList<string>)type.GetProperty("Labels", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
            return labels.ToArray();
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void InlineLabels_AreEmittedInOrder()
    {
        Assert.Equal(s_flowers, EmittedLabels("[\"daisy\", \"dandelion\", \"roses\", \"sunflowers\", \"tulips\"]"));
    }

    [Fact]
    public void TextFile_OneLabelPerLine_CrLfAndTrailingBlankLinesIgnored()
    {
        Assert.Equal(
            new[] { "daisy", "dandelion", "roses", "sunflowers", "tulip \"red\"" },
            EmittedLabels("\"names/flowers.labels.txt\"", ("names/flowers.labels.txt", "daisy\r\ndandelion\r\n  roses \r\nsunflowers\r\ntulip \"red\"\r\n\r\n")));
    }

    [Fact]
    public void JsonFile_List()
    {
        Assert.Equal(s_flowers, EmittedLabels("\"flowers.labels.json\"", ("flowers.labels.json", "[\"daisy\", \"dandelion\", \"roses\", \"sunflowers\", \"tulips\"]")));
    }

    [Fact]
    public void JsonFile_KerasClassIndex_KeysInAnyOrder_TakesTheNames()
    {
        const string index = """
            { "4": ["n04", "tulips"], "0": ["n00", "daisy"], "2": ["n02", "roses"], "1": ["n01", "dandelion"], "3": ["n03", "sunflowers"] }
            """;
        Assert.Equal(s_flowers, EmittedLabels("\"../shared/flowers.labels.json\"", ("/shared/flowers.labels.json", index)));
    }

    [Fact]
    public void NoLabels_EmitsNeitherLabelsNorTopK()
    {
        (List<Diagnostic> diagnostics, string? source) = Run("[\"daisy\", \"dandelion\", \"roses\", \"sunflowers\", \"tulips\"]");
        Assert.Empty(diagnostics);
        Assert.Contains(" Labels { get; }", source, StringComparison.Ordinal);
        string without = RepoFiles.Read("Tests/Generator/TestData/Broken/valid_tiny.xcs.json");
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(new List<AdditionalText>
        {
            new InMemoryAdditionalText(Folder + "tiny.xcs.json", without),
            new InMemoryAdditionalText(Folder + "tiny.shapes.json", RepoFiles.Read("Tests/Generator/TestData/Broken/tiny.shapes.json")),
        });
        string plain = Assert.Single(result.GeneratedTrees).GetText().ToString();
        Assert.DoesNotContain("Labels", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("TopK", plain, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[\"a\", \"b\", \"c\", \"d\"]", "The model declares 4 labels, but its output 'dense' has 5 values")]
    [InlineData("[\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"]", "The model declares 6 labels, but its output 'dense' has 5 values")]
    public void InlineLabelCount_OtherThanOutputLength_IsXcs0026AtTheList(string labels, string message)
    {
        (List<Diagnostic> diagnostics, string? source) = Run(labels);
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("XCS0026", d.Id);
        Assert.StartsWith(message, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        FileLinePositionSpan span = d.Location.GetLineSpan();
        Assert.Equal(Folder + "flowers.xcs.json", span.Path);
        Assert.Equal(labels, Description(labels).Split('\n')[span.StartLinePosition.Line].Substring(span.StartLinePosition.Character, labels.Length));
        Assert.Null(source);
    }

    [Fact]
    public void FileLabelCount_OtherThanOutputLength_IsXcs0026()
    {
        (List<Diagnostic> diagnostics, string? source) = Run("\"flowers.labels.txt\"", ("flowers.labels.txt", "daisy\ndandelion\nroses\n"));
        Assert.Equal("XCS0026", Assert.Single(diagnostics).Id);
        Assert.Null(source);
    }

    [Fact]
    public void LabelFileNotAmongAdditionalFiles_IsXcs0027NamingTheResolvedPath()
    {
        (List<Diagnostic> diagnostics, string? source) = Run("\"names/flowers.labels.txt\"", ("flowers.labels.txt", "a\nb\nc\nd\ne\n"));
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("XCS0027", d.Id);
        Assert.Contains("/flowers/names/flowers.labels.txt", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(Folder + "flowers.xcs.json", d.Location.GetLineSpan().Path);
        Assert.Null(source);
    }

    [Theory]
    [InlineData("flowers.labels.txt", "daisy\n\nroses\nsunflowers\ntulips\n", 1, "line 2 is empty")]
    [InlineData("flowers.labels.json", "[\"daisy\", 3, \"roses\", \"sunflowers\", \"tulips\"]", 0, "expected a non-empty string for each class, found 3")]
    [InlineData("flowers.labels.json", "{ \"0\": [\"n0\", \"daisy\"], \"0\": [\"n1\", \"roses\"] }", 0, "class 0 appears more than once")]
    [InlineData("flowers.labels.json", "{ \"0\": [\"n0\", \"daisy\"], \"one\": [\"n1\", \"roses\"] }", 0, "expected the keys to be the class numbers 0..1, found \"one\"")]
    [InlineData("flowers.labels.json", "{ \"0\": [\"n0\", \"daisy\"", 0, "not valid JSON")]
    public void MalformedLabelFile_IsXcs0027LocatedInTheFile(string name, string text, int line, string problem)
    {
        (List<Diagnostic> diagnostics, string? source) = Run("\"" + name + "\"", (name, text));
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("XCS0027", d.Id);
        Assert.Contains(problem, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(Folder + name, d.Location.GetLineSpan().Path);
        Assert.Equal(line, d.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Null(source);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[\"daisy\", \"\"]")]
    [InlineData("\"flowers.csv\"")]
    [InlineData("5")]
    public void LabelsOfTheWrongKind_AreXcs0004(string labels)
    {
        (List<Diagnostic> diagnostics, string? source) = Run(labels);
        Assert.Equal("XCS0004", Assert.Single(diagnostics).Id);
        Assert.Null(source);
    }

    [Fact]
    public void GeneratedTopK_RanksTheModelsLabels()
    {
        (_, string? source) = Run("[\"daisy\", \"dandelion\", \"roses\", \"sunflowers\", \"tulips\"]");
        Type type = CompileAndLoad(source!, out AssemblyLoadContext context);
        try
        {
            RankedLabel[] top = InvokeTopK(type, new[] { 0.02f, 0.01f, 0.03f, 0.01f, 0.93f }, 2);
            Assert.Equal(new[] { new RankedLabel("tulips", 4, 0.93f), new RankedLabel("roses", 2, 0.03f) }, top);
            Assert.Equal("tulips 0.93", top[0].ToString());
        }
        finally
        {
            context.Unload();
        }
    }

    // A ReadOnlySpan cannot be boxed for MethodInfo.Invoke: the generated method is called through a delegate.
    private static RankedLabel[] InvokeTopK(Type type, float[] probabilities, int k)
    {
        MethodInfo method = type.GetMethod("TopK", BindingFlags.Public | BindingFlags.Static)!;
        var shim = method.CreateDelegate<TopKDelegate>();
        return shim(probabilities, k);
    }

    private delegate RankedLabel[] TopKDelegate(ReadOnlySpan<float> probabilities, int k);

    private static Type CompileAndLoad(string source, out AssemblyLoadContext context)
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Labels_" + Guid.NewGuid().ToString("N"),
            new[] { CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions) },
            References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999));
        using var image = new MemoryStream();
        EmitResult emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        Assert.Empty(emitted.Diagnostics.Where(d => d.Severity != DiagnosticSeverity.Hidden));
        image.Position = 0;
        context = new AssemblyLoadContext("labels", isCollectible: true);
        return Assert.Single(context.LoadFromStream(image).GetTypes(), t => t.BaseType == typeof(CompiledModel));
    }
}

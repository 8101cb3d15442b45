using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Xception.Compiler.Runtime.Import;
using Xception.Compiler.Runtime.Labels;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Import;

/// <summary><c>xception import --labels FILE</c>: the names are copied inline into the description and the compiled class exposes them.</summary>
public sealed class ImportLabelsTests : IDisposable
{
    private const string Sequential = "import/sequential_keras208.h5";
    private static readonly string[] s_flowers = { "daisy", "dandelion", "roses", "sunflowers", "tulips" };
    private readonly string _directory = Directory.CreateTempSubdirectory("xcs-import-labels-").FullName;

    private ImportResult Import(string labelsName, string labelsText)
    {
        string labels = Path.Combine(_directory, labelsName);
        File.WriteAllText(labels, labelsText);
        return ModelImporter.Import(new ImportRequest(TestPaths.Fixture(Sequential), Path.Combine(_directory, "out"), ClassName: "Flowers", LabelsPath: labels));
    }

    [Fact]
    public void TextLabels_AreWrittenInline_AndTheCompiledClassRanksThem()
    {
        ImportResult imported = Import("flowers.txt", "daisy\ndandelion\nroses\nsunflowers\ntulips\n");

        string text = File.ReadAllText(imported.DescriptionPath);
        Assert.Contains("  \"weights\": { \"table\": \"Flowers.shapes.json\" },\n  \"labels\": [\"daisy\", \"dandelion\", \"roses\", \"sunflowers\", \"tulips\"],\n", text, StringComparison.Ordinal);
        using ImportedModel compiled = ImportedModel.Compile(imported);
        Assert.Empty(compiled.Diagnostics);
        Assert.Equal(s_flowers, (IReadOnlyList<string>)compiled.Type.GetProperty("Labels", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!);
        var topK = compiled.Type.GetMethod("TopK", BindingFlags.Public | BindingFlags.Static)!.CreateDelegate<TopKDelegate>();
        Assert.Equal(new RankedLabel("tulips", 4, 0.93f), topK(new[] { 0.02f, 0.01f, 0.03f, 0.01f, 0.93f }, 1)[0]);
    }

    [Fact]
    public void KerasClassIndexJson_GivesTheNamesInIndexOrder()
    {
        ImportResult imported = Import("index.json", "{\"1\": [\"n1\", \"dandelion\"], \"0\": [\"n0\", \"daisy\"], \"2\": [\"n2\", \"roses\"], \"4\": [\"n4\", \"tulips\"], \"3\": [\"n3\", \"sunflowers\"]}");

        Assert.Contains("\"labels\": [\"daisy\", \"dandelion\", \"roses\", \"sunflowers\", \"tulips\"],", File.ReadAllText(imported.DescriptionPath), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad.txt", "daisy\n\nroses\n", "line 2 is empty")]
    [InlineData("bad.json", "{\"0\": \"daisy\", \"5\": \"roses\"}", "expected the keys to be the class numbers 0..1, each once, found \"5\"")]
    [InlineData("bad.json", "[\"daisy\", 7]", "expected a non-empty class name for class 1, found 7")]
    [InlineData("empty.txt", "\n\n", "it holds no class names")]
    public void UnusableLabels_StopTheImport_AndWriteNothing(string name, string text, string problem)
    {
        var e = Assert.Throws<ModelImportException>(() => Import(name, text));

        Assert.Contains("Labels file '" + Path.Combine(_directory, name) + "' cannot be used: " + problem, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory, "out")) && Directory.EnumerateFileSystemEntries(Path.Combine(_directory, "out")).Any());
    }

    private delegate RankedLabel[] TopKDelegate(ReadOnlySpan<float> probabilities, int k);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

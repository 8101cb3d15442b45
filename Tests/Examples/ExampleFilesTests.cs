using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using Xception.Compiler.Runtime.Weights;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Examples;

/// <summary>
/// The Sample's example files (Sample/Examples) are the one copy of the mini weights and the 299x299 input that
/// the tests use too, and the Sample reads nothing from Tests/.
/// </summary>
public sealed class ExampleFilesTests
{
    private static string Examples => Path.Combine(TestPaths.RepositoryRoot, "Sample", "Examples");

    [Theory]
    [InlineData("Sample/Examples")]
    [InlineData("Tests/Fixtures")]
    public void Sha256Sums_ListEveryBinaryAndMatchIt(string folder)
    {
        string root = Path.Combine(TestPaths.RepositoryRoot, folder);
        var listed = File.ReadAllLines(Path.Combine(root, "SHA256SUMS"))
            .Where(line => line.Length > 0)
            .Select(line => (Hash: line[..64], Name: line[64..].TrimStart(' ', '*')))
            .ToArray();

        foreach ((string hash, string name) in listed)
        {
            string path = Path.Combine(root, name);
            Assert.True(File.Exists(path), $"{folder}/SHA256SUMS lists {name}, which is not there.");
            Assert.Equal(hash, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        }

        // Every weight file and array in the folder (not the images/ made in this repository) is listed.
        string[] binaries = Directory.EnumerateFiles(root)
            .Where(p => p.EndsWith(".h5", StringComparison.Ordinal) || p.EndsWith(".npy", StringComparison.Ordinal) || p.EndsWith(".npz", StringComparison.Ordinal))
            .Select(p => Path.GetFileName(p))
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(binaries, listed.Select(l => l.Name).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void ExampleShapeTable_EqualsTheTableExtractedFromTheExampleWeights()
    {
        string extracted = ShapeTable.Extract(Path.Combine(Examples, "mini_xception_w0125_top10.h5")).ToJson();

        Assert.Equal(extracted, File.ReadAllText(Path.Combine(Examples, "mini_xception_w0125_top10.shapes.json")));
    }

    [Fact]
    public void SampleProjectAndDescriptions_NameNoFileUnderTests()
    {
        string sample = Path.Combine(TestPaths.RepositoryRoot, "Sample");
        string[] files = Directory.EnumerateFiles(sample, "*.csproj")
            .Concat(Directory.EnumerateFiles(sample, "*.xcs.json", SearchOption.AllDirectories))
            .ToArray();
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            string text = File.ReadAllText(file).Replace('\\', '/');
            Assert.False(text.Contains("../Tests/", StringComparison.OrdinalIgnoreCase), $"{file} names a file under Tests/.");
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xception.Compiler.Runtime.Preprocessing;
using Xception.Compiler.Tests.Generator.Infrastructure;
using Xception.Compiler.Tests.Models;

namespace Xception.Compiler.Tests.Applications;

/// <summary>The description's optional <c>preprocessing</c> member: emitted as a typed constant only where declared.</summary>
public sealed class PreprocessingMemberTests
{
    private const string Folder = "/apps/";

    [Fact]
    public void Vgg16Descriptions_DeclareCaffe()
    {
        Assert.Equal(ImagePreprocessing.Caffe, Vgg16.Preprocessing);
        Assert.Equal(ImagePreprocessing.Caffe, Vgg16Notop.Preprocessing);
    }

    [Theory]
    [InlineData("tf", "Tf")]
    [InlineData("caffe", "Caffe")]
    [InlineData("torch", "Torch")]
    [InlineData("none", "None")]
    public void DeclaredMode_IsEmittedAsImagePreprocessingConstant_AndCompiles(string mode, string member)
    {
        (GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(Files(WithPreprocessing("\"" + mode + "\"")));

        Assert.Empty(GeneratorHarness.GeneratorDiagnostics(result));
        string source = Assert.Single(result.GeneratedTrees).ToString();
        Assert.Contains(
            "public const global::Xception.Compiler.Runtime.Preprocessing.ImagePreprocessing Preprocessing = global::Xception.Compiler.Runtime.Preprocessing.ImagePreprocessing."
            + member + ";",
            source,
            StringComparison.Ordinal);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void NoMember_EmitsNoPreprocessingConstant()
    {
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(Files(ValidTiny()));

        Assert.Empty(GeneratorHarness.GeneratorDiagnostics(result));
        Assert.DoesNotContain("Preprocessing", Assert.Single(result.GeneratedTrees).ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"bgr\"", "\"bgr\"")]
    [InlineData("\"Caffe\"", "\"Caffe\"")]
    [InlineData("1", "1")]
    public void UnknownMode_ReportsInvalidValueAtTheMember_AndEmitsNothing(string value, string found)
    {
        string text = WithPreprocessing(value);
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(Files(text));

        Diagnostic d = Assert.Single(GeneratorHarness.GeneratorDiagnostics(result));
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains("preprocessing", d.GetMessage(), StringComparison.Ordinal);
        Assert.Contains(found, d.GetMessage(), StringComparison.Ordinal);
        int line = text.Split('\n').ToList().FindIndex(l => l.Contains("\"preprocessing\"", StringComparison.Ordinal));
        Assert.Equal(line, d.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Empty(result.GeneratedTrees);
    }

    private static string ValidTiny() => File.ReadAllText(RepoFiles.PathOf(RepoFiles.TestData("Broken/valid_tiny.xcs.json")));

    private static string WithPreprocessing(string value)
    {
        string text = ValidTiny();
        const string anchor = "  \"weights\":";
        Assert.Contains(anchor, text, StringComparison.Ordinal);
        return text.Replace(anchor, "  \"preprocessing\": " + value + ",\n" + anchor, StringComparison.Ordinal);
    }

    private static List<AdditionalText> Files(string description)
    {
        string broken = RepoFiles.PathOf(RepoFiles.TestData("Broken"));
        return new List<AdditionalText>
        {
            new InMemoryAdditionalText(Folder + "tiny.shapes.json", File.ReadAllText(Path.Combine(broken, "tiny.shapes.json"))),
            new InMemoryAdditionalText(Folder + "valid_tiny.xcs.json", description),
        };
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Parsing.Json;
using Xception.Compiler.Generator.Planning;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Generator;

/// <summary>The generator never throws: mutated descriptions, random bytes, hostile JSON.</summary>
public sealed class RobustnessTests
{
    private const string Mini = "Tests/Models/MiniXception90x72.xcs.json";

    private static readonly string[] s_fragments =
    {
        "{", "}", "[", "]", "\"", ",", ":", "NaN", "-Infinity", "1e999", "-1", "0", "99999999999999999999", "2147483648", "null",
        "true", "\\u12", "\\", "\u0000", "\uD800", "\u2028", "é", "{b}", "{zz}", "\"repeat\": 100000", "\"inputs\": [\"input_1\"]",
        "\"op\": \"add\"", "\"padding\": \"same\"", "\"strides\": [99999, 1]", "\"kernel\": [2147483647, 2147483647]",
    };

    private static string Mutate(string text, Random random)
    {
        int n = 1 + random.Next(3);
        for (int i = 0; i < n; i++)
        {
            int at = random.Next(text.Length + 1);
            switch (random.Next(6))
            {
                case 0: // delete a range
                    int length = Math.Min(text.Length - at, 1 + random.Next(40));
                    text = text.Remove(Math.Min(at, text.Length), Math.Max(0, length));
                    break;
                case 1: // insert a hostile fragment
                    text = text.Insert(at, s_fragments[random.Next(s_fragments.Length)]);
                    break;
                case 2: // truncate
                    text = text.Substring(0, at);
                    break;
                case 3: // replace a digit run by a hostile number
                    int digit = text.IndexOfAny("0123456789".ToCharArray(), Math.Min(at, text.Length));
                    if (digit >= 0)
                    {
                        text = text.Remove(digit, 1).Insert(digit, s_fragments[8 + random.Next(5)]);
                    }

                    break;
                case 4: // duplicate a line
                    string[] lines = text.Split('\n');
                    int line = random.Next(lines.Length);
                    text = string.Join("\n", lines.Take(line + 1).Concat(lines.Skip(line)));
                    break;
                default: // swap two lines
                    string[] l = text.Split('\n');
                    int a = random.Next(l.Length), b = random.Next(l.Length);
                    (l[a], l[b]) = (l[b], l[a]);
                    text = string.Join("\n", l);
                    break;
            }
        }

        return text;
    }

    [Fact]
    public void MutatedDescriptions_NeverThrow_AndInvalidOnesReportErrors()
    {
        string original = RepoFiles.Read(Mini);
        List<AdditionalText> files = ModelFiles.Files(Mini);
        ParsedWeightTable table = WeightTableParser.Parse(files[1].Path, files[1].GetText()!.ToString());
        var random = new Random(20240611);
        int invalid = 0;
        for (int i = 0; i < 400; i++)
        {
            string text = Mutate(original, random);
            ParsedModel parsed = ModelParser.Parse(files[0].Path, text);
            PlanResult result = ModelPlanner.Plan(parsed, new[] { table }, GeneratorOptions.Default);
            bool hasError = result.Diagnostics.Any(d => d.Id != "XCS0018");
            Assert.True(result.Plan is not null || hasError, "no plan and no error for mutation " + i + ":\n" + text);
            Assert.DoesNotContain(result.Diagnostics, d => d.Id == "XCS0024");
            foreach (DiagnosticInfo d in result.Diagnostics)
            {
                Assert.InRange(d.Span.Start, 0, text.Length);
                Assert.InRange(d.Span.Start + d.Span.Length, d.Span.Start, text.Length);
            }

            invalid += result.Plan is null ? 1 : 0;
        }

        Assert.InRange(invalid, 200, 400); // the mutations mostly break the description
    }

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            byte[] bytes = new byte[random.Next(200)];
            random.NextBytes(bytes);
            string text = Encoding.UTF8.GetString(bytes);
            ParsedModel parsed = ModelParser.Parse("/r.xcs.json", text);
            Assert.Null(parsed.Spec);
            Assert.NotEmpty(parsed.Diagnostics);
            Assert.NotNull(WeightTableParser.Parse("/r.shapes.json", text));
        }
    }

    [Fact]
    public void GeneratorOnMutatedDescriptions_NeverFailsInRoslyn()
    {
        string original = RepoFiles.Read(Mini);
        List<AdditionalText> files = ModelFiles.Files(Mini);
        var random = new Random(99);
        for (int i = 0; i < 40; i++)
        {
            var mutated = new List<AdditionalText> { new InMemoryAdditionalText(files[0].Path, Mutate(original, random)), files[1] };
            (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(mutated);
            Assert.All(result.Results, r => Assert.Null(r.Exception));
            Assert.DoesNotContain(result.Diagnostics, d => d.Id is "CS8785" or "AD0001");
        }
    }

    [Theory]
    [InlineData("", "the file is empty")]
    [InlineData("{\"a\": 1,}", "expected a member name")]
    [InlineData("[1 2]", "expected ',' or ']'")]
    [InlineData("{\"a\": \"x\ny\"}", "control character")]
    [InlineData("{\"a\": 01}", "invalid number")]
    [InlineData("{\"a\": .5}", "unexpected token '.5'")]
    [InlineData("{\"a\": Infinity}", "unexpected token 'Infinity'")]
    [InlineData("{\"a\": \"\\q\"}", "invalid escape")]
    [InlineData("{} {}", "after the end of the document")]
    [InlineData("{\"a\": tru}", "unexpected token 'tru'")]
    public void JsonReader_RejectsInvalidJson_WithAReason(string text, string reason)
    {
        JsonDocument doc = JsonDocument.Parse(text);
        Assert.Null(doc.Root);
        Assert.Contains(reason, doc.Error, StringComparison.Ordinal);
        Assert.InRange(doc.ErrorStart, 0, text.Length);
    }

    [Fact]
    public void JsonReader_TracksLinesAndColumns_LikeRoslyn()
    {
        string text = "{\r\n  \"a\": [1,\n    2],\r  \"b\": \"\\u00e9\"\n}";
        JsonDocument doc = JsonDocument.Parse(text);
        JsonNode b = doc.Root!.Members[1].Value;
        Assert.Equal("é", b.Text);
        SourceSpan span = doc.Span(b);
        var roslyn = Microsoft.CodeAnalysis.Text.SourceText.From(text).Lines.GetLinePositionSpan(new Microsoft.CodeAnalysis.Text.TextSpan(span.Start, span.Length));
        Assert.Equal((roslyn.Start.Line, roslyn.Start.Character, roslyn.End.Line, roslyn.End.Character), (span.StartLine, span.StartColumn, span.EndLine, span.EndColumn));
        Assert.Equal(3, span.StartLine);
    }

    [Fact]
    public void JsonReader_DeepNesting_IsAnErrorNotAStackOverflow()
    {
        string text = new string('[', 100_000) + new string(']', 100_000);
        JsonDocument doc = JsonDocument.Parse(text);
        Assert.Null(doc.Root);
        Assert.Contains("deeper than 64", doc.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void LongChainModel_PlansWithoutStackOverflow()
    {
        var sb = new StringBuilder("{\"model\":\"Chain\",\"weights\":{\"table\":\"c.shapes.json\"},\"layers\":[{\"name\":\"in\",\"op\":\"input\",\"shape\":[4,4,1]},");
        sb.Append("{\"repeat\":50000,\"vars\":{\"i\":1},\"layers\":[{\"name\":\"r{i}\",\"op\":\"relu\"}]}]}");
        ParsedModel parsed = ModelParser.Parse("/c.xcs.json", sb.ToString());
        Assert.Empty(parsed.Diagnostics);
        var table = WeightTableParser.Parse("/c.shapes.json", "{\"format\":\"xcs-shapes/1\",\"layers\":[]}");
        PlanResult result = ModelPlanner.Plan(parsed, new[] { table }, GeneratorOptions.Default);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(50000, result.Plan!.Steps.Count);
    }
}

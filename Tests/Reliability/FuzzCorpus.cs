using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Reliability;

/// <summary>A valid description and the shape table it names: what the fuzzer mutates.</summary>
internal sealed record FuzzSeed(string Name, string DescriptionPath, string Description, string TablePath, string Table);

/// <summary>
/// One generated input. <see cref="CertainlyInvalid"/> is true only for mutations that break validity by
/// construction (the generator must then report an error and emit nothing); other mutations may or may not
/// leave a valid description, and are only required not to crash, hang or emit code next to an error.
/// </summary>
internal sealed record FuzzCase(string Seed, string Kind, int Index, string DescriptionPath, string Description, string TablePath, string Table, bool CertainlyInvalid)
{
    public override string ToString() => Seed + "/" + Kind + "#" + Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Derives hostile inputs from the repository's valid descriptions and shape tables, deterministically
/// (one <see cref="Random"/> per seed file and mutation kind, fixed seeds).
/// </summary>
internal static class FuzzCorpus
{
    private static readonly JsonSerializerOptions s_write = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] s_weightedOps = { "conv2d", "separable_conv2d", "depthwise_conv2d", "batch_norm", "dense" };

    private static readonly string[] s_fragments =
    {
        "{", "}", "[", "]", "\"", ",", ":", "NaN", "-Infinity", "1e999", "-1", "0", "99999999999999999999", "2147483648", "null",
        "true", "\\u12", "\\", "\u0000", "\uD800", "\u2028", "é", "{b}", "{zz}", "\"repeat\": 100000", "\"inputs\": [\"input_1\"]",
        "\"op\": \"add\"", "\"padding\": \"same\"", "\"strides\": [99999, 1]", "\"kernel\": [2147483647, 2147483647]",
    };

    public static IReadOnlyList<FuzzSeed> Seeds()
    {
        var seeds = new List<FuzzSeed>();
        foreach (string description in new[] { ModelFiles.Full }.Concat(ModelFiles.Minis))
        {
            List<AdditionalText> files = ModelFiles.Files(description);
            seeds.Add(new FuzzSeed(Path.GetFileName(description), files[0].Path, files[0].GetText()!.ToString(), files[1].Path, files[1].GetText()!.ToString()));
        }

        seeds.Add(new FuzzSeed(
            "valid_tiny.xcs.json",
            "/broken/valid_tiny.xcs.json",
            RepoFiles.Read(RepoFiles.TestData("Broken/valid_tiny.xcs.json")),
            "/broken/tiny.shapes.json",
            RepoFiles.Read(RepoFiles.TestData("Broken/tiny.shapes.json"))));
        return seeds;
    }

    /// <summary>A mutation: returns the mutated (description, table), or null when it does not apply to this seed.</summary>
    private delegate (string Description, string Table)? Mutation(FuzzSeed seed, Random random);

    /// <summary>Every mutation kind, with whether it certainly makes the input invalid.</summary>
    private static readonly (string Kind, bool Certain, Mutation Apply)[] s_mutations =
    {
        ("truncate", true, (s, r) => (Truncate(s.Description, r), s.Table)),
        ("structural-char-flip", true, (s, r) => (StructuralFlip(s.Description, r), s.Table)),
        ("nan-infinity-token", true, (s, r) => ReplaceNumber(s, r, new[] { "NaN", "Infinity", "-Infinity", "+1", "01", ".5", "1.", "0x10", "-", "1e", "1e+", "--1" })),
        ("deep-nesting", true, DeepNesting),
        ("delete-required-member", true, DeleteRequiredMember),
        ("duplicate-member", true, DuplicateMember),
        ("wrong-type", true, WrongType),
        ("huge-or-negative-number", true, HugeOrNegative),
        ("overflowing-dimensions", true, OverflowingDimensions),
        ("unknown-op", true, UnknownOp),
        ("self-cycle", true, SelfCycle),
        ("back-edge-cycle", true, BackEdgeCycle),
        ("delete-weighted-layer", true, DeleteWeightedLayer),
        ("duplicate-layer", true, DuplicateLayer),
        ("invalid-model-name", true, InvalidModelName),
        ("table-dimension-changed", true, TableDimensionChanged),
        ("table-layer-deleted", true, TableLayerDeleted),
        ("table-layer-duplicated", true, TableLayerDuplicated),
        ("table-dataset-deleted", true, TableDatasetDeleted),
        ("table-bad-dimension", true, TableBadDimension),
        ("table-bad-format", true, TableBadFormat),
        ("table-truncated", true, (s, r) => (s.Description, Truncate(s.Table, r))),
        ("byte-flip", false, (s, r) => (BitFlip(s.Description, r), s.Table)),
        ("fragment-insert", false, (s, r) => (InsertFragment(s.Description, r), s.Table)),
        ("swap-layers", false, SwapLayers),
        ("delete-optional-member", false, DeleteOptionalMember),
        ("very-long-names", false, VeryLongNames),
        ("table-byte-flip", false, (s, r) => (s.Description, BitFlip(s.Table, r))),
        ("table-renamed-paths", false, TableRenamedPaths),
        ("table-dtype", false, TableDType),
    };

    public static int KindCount => s_mutations.Length;

    /// <summary><paramref name="perKind"/> inputs of every kind from every seed.</summary>
    public static IEnumerable<FuzzCase> Cases(IReadOnlyList<FuzzSeed> seeds, int perKind)
    {
        for (int s = 0; s < seeds.Count; s++)
        {
            FuzzSeed seed = seeds[s];
            for (int k = 0; k < s_mutations.Length; k++)
            {
                (string kind, bool certain, Mutation apply) = s_mutations[k];
                var random = new Random(1_000_003 * (s + 1) + 7919 * (k + 1));
                int produced = 0;
                for (int attempt = 0; produced < perKind && attempt < perKind * 4; attempt++)
                {
                    (string Description, string Table)? m = apply(seed, random);
                    if (m is null)
                    {
                        continue;
                    }

                    yield return new FuzzCase(seed.Name, kind, produced, seed.DescriptionPath, m.Value.Description, seed.TablePath, m.Value.Table, certain);
                    produced++;
                }
            }
        }
    }

    // ---------------- text-level mutations ----------------

    private enum TokenKind
    {
        Structural,
        Number,
    }

    /// <summary>Structural characters and number tokens outside strings.</summary>
    private static List<(int Start, int Length, TokenKind Kind)> Tokens(string text)
    {
        var tokens = new List<(int, int, TokenKind)>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    i += text[i] == '\\' ? 2 : 1;
                }

                i++;
            }
            else if ("{}[]:,".IndexOf(c) >= 0)
            {
                tokens.Add((i, 1, TokenKind.Structural));
                i++;
            }
            else if (c == '-' || (c >= '0' && c <= '9'))
            {
                int start = i;
                while (i < text.Length && "+-0123456789.eE".IndexOf(text[i]) >= 0)
                {
                    i++;
                }

                tokens.Add((start, i - start, TokenKind.Number));
            }
            else
            {
                i++;
            }
        }

        return tokens;
    }

    private static string Truncate(string text, Random random)
    {
        int last = text.LastIndexOf('}');
        return text.Substring(0, random.Next(Math.Max(last, 1)));
    }

    private static string StructuralFlip(string text, Random random)
    {
        List<(int Start, int Length, TokenKind Kind)> structural = Tokens(text).Where(t => t.Kind == TokenKind.Structural).ToList();
        (int at, _, _) = structural[random.Next(structural.Count)];
        string replacement = "q#@;=)(x"[random.Next(8)].ToString();
        return text.Remove(at, 1).Insert(at, replacement);
    }

    private static (string, string)? ReplaceNumber(FuzzSeed seed, Random random, string[] replacements)
    {
        List<(int Start, int Length, TokenKind Kind)> numbers = Tokens(seed.Description).Where(t => t.Kind == TokenKind.Number).ToList();
        if (numbers.Count == 0)
        {
            return null;
        }

        (int at, int length, _) = numbers[random.Next(numbers.Count)];
        return (seed.Description.Remove(at, length).Insert(at, replacements[random.Next(replacements.Length)]), seed.Table);
    }

    private static (string, string)? DeepNesting(FuzzSeed seed, Random random)
    {
        List<(int Start, int Length, TokenKind Kind)> numbers = Tokens(seed.Description).Where(t => t.Kind == TokenKind.Number).ToList();
        (int at, int length, _) = numbers[random.Next(numbers.Count)];
        int depth = new[] { 1, 2, 30, 63, 64, 65, 200, 5_000, 100_000 }[random.Next(9)];
        string value = seed.Description.Substring(at, length);
        string wrapped = random.Next(2) == 0
            ? new string('[', depth) + value + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + value + new string('}', depth);
        return (seed.Description.Remove(at, length).Insert(at, wrapped), seed.Table);
    }

    private static string BitFlip(string text, Random random)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        int flips = 1 + random.Next(3);
        for (int i = 0; i < flips; i++)
        {
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        }

        return Encoding.UTF8.GetString(bytes);
    }

    private static string InsertFragment(string text, Random random) =>
        text.Insert(random.Next(text.Length + 1), s_fragments[random.Next(s_fragments.Length)]);

    // ---------------- structure-level mutations (System.Text.Json DOM) ----------------

    private static string Write(JsonNode node) => node.ToJsonString(s_write);

    /// <summary>The text as the structure-level mutations write it (to show what a mutation changed).</summary>
    internal static string Normalized(string text)
    {
        try
        {
            return Write(Root(text));
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static JsonObject Root(string text) => (JsonObject)JsonNode.Parse(text)!;

    /// <summary>Every layer object (not repeat blocks), with the array holding it and whether it sits in a repeat block.</summary>
    private static List<(JsonObject Layer, JsonArray Parent, bool InRepeat)> Layers(JsonObject root)
    {
        var result = new List<(JsonObject, JsonArray, bool)>();
        void Walk(JsonArray array, bool inRepeat)
        {
            foreach (JsonNode? item in array)
            {
                if (item is not JsonObject obj)
                {
                    continue;
                }

                if (obj.ContainsKey("repeat"))
                {
                    if (obj["layers"] is JsonArray inner)
                    {
                        Walk(inner, true);
                    }
                }
                else
                {
                    result.Add((obj, array, inRepeat));
                }
            }
        }

        Walk((JsonArray)root["layers"]!, false);
        return result;
    }

    private static string Op(JsonObject layer) => (string)layer["op"]!;

    private static T Pick<T>(IReadOnlyList<T> items, Random random) => items[random.Next(items.Count)];

    private static readonly Dictionary<string, string[]> s_requiredByOp = new(StringComparer.Ordinal)
    {
        ["input"] = new[] { "name", "op", "shape" },
        ["conv2d"] = new[] { "name", "op", "filters", "kernel" },
        ["separable_conv2d"] = new[] { "name", "op", "filters", "kernel" },
        ["depthwise_conv2d"] = new[] { "name", "op", "kernel" },
        ["max_pool2d"] = new[] { "name", "op", "pool" },
        ["dense"] = new[] { "name", "op", "units" },
        ["add"] = new[] { "name", "op", "inputs" },
        ["batch_norm"] = new[] { "name", "op" },
        ["relu"] = new[] { "name", "op" },
        ["softmax"] = new[] { "name", "op" },
        ["global_avg_pool"] = new[] { "name", "op" },
        ["global_max_pool"] = new[] { "name", "op" },
    };

    private static (string, string)? DeleteRequiredMember(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        switch (random.Next(4))
        {
            case 0:
                root.Remove(Pick(new[] { "model", "weights", "layers" }, random));
                break;
            case 1:
                ((JsonObject)root["weights"]!).Remove("table");
                break;
            default:
                (JsonObject layer, _, _) = Pick(Layers(root), random);
                layer.Remove(Pick(s_requiredByOp[Op(layer)], random));
                break;
        }

        return (Write(root), seed.Table);
    }

    private static (string, string)? DeleteOptionalMember(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        (JsonObject layer, _, _) = Pick(Layers(root), random);
        string[] required = s_requiredByOp[Op(layer)];
        string[] optional = layer.Select(m => m.Key).Where(k => Array.IndexOf(required, k) < 0).ToArray();
        if (optional.Length == 0)
        {
            return null;
        }

        layer.Remove(Pick(optional, random));
        return (Write(root), seed.Table);
    }

    private const string Placeholder = "zz_fuzz_placeholder_zz";

    private static (string, string)? DuplicateMember(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        JsonObject target = random.Next(4) switch
        {
            0 => root,
            1 => (JsonObject)root["weights"]!,
            _ => Pick(Layers(root), random).Layer,
        };
        KeyValuePair<string, JsonNode?> member = Pick(target.ToList(), random);
        string value = member.Value?.ToJsonString(s_write) ?? "null";
        target[Placeholder] = 0;
        string text = Write(root).Replace("\"" + Placeholder + "\": 0", JsonSerializer.Serialize(member.Key, s_write) + ": " + value, StringComparison.Ordinal);
        return (text, seed.Table);
    }

    private static readonly Dictionary<string, string[]> s_wrongValues = new(StringComparer.Ordinal)
    {
        ["name"] = new[] { "1", "true", "null", "{}", "[]", "[\"a\"]", "\"\"" },
        ["op"] = new[] { "1", "true", "null", "{}", "[]", "[\"conv2d\"]" },
        ["padding"] = new[] { "1", "true", "null", "{}", "[]", "\"full\"", "\"SAME\"" },
        ["activation"] = new[] { "1", "true", "null", "{}", "[]", "\"mish\"" },
        ["filters"] = new[] { "\"4\"", "true", "null", "{}", "[]", "[4]", "1.5", "4.5e0" },
        ["units"] = new[] { "\"4\"", "true", "null", "{}", "[]", "[4]", "1.5" },
        ["depth_multiplier"] = new[] { "\"1\"", "true", "null", "{}", "[]", "[1]", "1.5" },
        ["min_size"] = new[] { "\"71\"", "true", "null", "{}", "[]", "[71]", "1.5" },
        ["kernel"] = new[] { "\"3\"", "[3]", "[3, 3, 3]", "[\"a\", \"b\"]", "null", "{}", "[1.5, 1]", "[[3], [3]]" },
        ["strides"] = new[] { "\"2\"", "0", "[2]", "[2, 2, 2]", "[\"a\", \"b\"]", "null", "{}", "[1.5, 1]" },
        ["pool"] = new[] { "\"3\"", "-3", "[3]", "[3, 3, 3]", "null", "{}", "[1.5, 1]" },
        ["shape"] = new[] { "[71, 71]", "[71, 71, 3, 1]", "71", "\"71x71x3\"", "null", "{}", "[71, 71, \"3\"]", "[71.5, 71, 3]" },
        ["inputs"] = new[] { "\"input_1\"", "[1]", "[]", "[null]", "{}", "null", "[\"\"]", "[[\"a\"]]" },
        ["use_bias"] = new[] { "1", "\"true\"", "null", "{}", "[]", "0" },
        ["epsilon"] = new[] { "\"0.001\"", "true", "null", "{}", "[]", "0", "-0.001", "1e400", "-1e400" },
    };

    private static (string, string)? WrongType(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        if (random.Next(6) == 0)
        {
            string top = Pick(new[] { "model", "weights", "layers", "namespace" }, random);
            if (!root.ContainsKey(top))
            {
                return null;
            }

            string[] wrong = top switch
            {
                "model" => new[] { "1", "true", "{}", "[]", "null", "[\"M\"]" },
                "weights" => new[] { "1", "\"x.shapes.json\"", "[]", "null", "true" },
                "layers" => new[] { "1", "\"x\"", "{}", "null", "true", "[]", "[1, 2]" },
                _ => new[] { "1", "true", "\"\"", "\"a..b\"", "\"class\"", "\"global\"", "[]" },
            };
            root[top] = Placeholder;
            return (Write(root).Replace("\"" + Placeholder + "\"", Pick(wrong, random), StringComparison.Ordinal), seed.Table);
        }

        (JsonObject layer, _, _) = Pick(Layers(root), random);
        string[] candidates = layer.Select(m => m.Key).Where(s_wrongValues.ContainsKey).ToArray();
        string member = Pick(candidates, random);
        string[] values = s_wrongValues[member];
        if (Op(layer) == "add" && member == "inputs")
        {
            values = values.Concat(new[] { "[\"" + (string)layer["inputs"]![0]! + "\"]" }).ToArray();
        }

        layer[member] = Placeholder;
        return (Write(root).Replace("\"" + Placeholder + "\"", Pick(values, random), StringComparison.Ordinal), seed.Table);
    }

    private static readonly string[] s_badIntegers =
    {
        "0", "-1", "-2147483648", "2147483648", "9223372036854775808", "-9223372036854775809", "1e400", "-1e400", "99999999999999999999", "1e-400", "0.5",
    };

    private static (string, string)? HugeOrNegative(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        (JsonObject layer, _, _) = Pick(Layers(root), random);
        var targets = new List<Action<string>>();
        foreach (string member in new[] { "filters", "units", "depth_multiplier", "min_size" })
        {
            if (layer.ContainsKey(member))
            {
                targets.Add(v => layer[member] = JsonNode.Parse(v));
            }
        }

        foreach (string member in new[] { "kernel", "strides", "pool", "shape" })
        {
            if (layer[member] is JsonArray array)
            {
                for (int i = 0; i < array.Count; i++)
                {
                    int index = i;
                    targets.Add(v => array[index] = JsonNode.Parse(v));
                }
            }
        }

        if (targets.Count == 0)
        {
            return null;
        }

        string value = Pick(s_badIntegers, random);
        Pick(targets, random)(value);
        return (Write(root), seed.Table);
    }

    private static (string, string)? OverflowingDimensions(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        List<(JsonObject Layer, JsonArray Parent, bool InRepeat)> layers = Layers(root);
        switch (random.Next(3))
        {
            case 0:
            {
                // Input dimensions whose product overflows int (and for some, long).
                string[] shapes =
                {
                    "[1000000000, 1000000000, 3]", "[46341, 46341, 1]", "[2147483647, 2147483647, 2147483647]", "[65536, 65536, 65536]",
                    "[1000000000, 3, 1]", "[3, 1000000000, 1]", "[71, 71, 1000000000]", "[100000, 100000, 3]",
                };
                JsonObject input = layers.First(l => Op(l.Layer) == "input").Layer;
                input["shape"] = JsonNode.Parse(Pick(shapes, random));
                break;
            }

            case 1:
            {
                // 10^9 filters or units: the weight shapes cannot match, and activations overflow.
                List<JsonObject> wide = layers.Select(l => l.Layer).Where(l => l.ContainsKey("filters") || l.ContainsKey("units")).ToList();
                JsonObject layer = Pick(wide, random);
                layer[layer.ContainsKey("filters") ? "filters" : "units"] = Pick(new[] { 1_000_000_000, 2_147_483_647, 1 << 30 }, random);
                break;
            }

            default:
            {
                // A minimum size of 10^9: the input is below it.
                JsonObject input = layers.First(l => Op(l.Layer) == "input").Layer;
                input["min_size"] = Pick(new[] { 1_000_000_000, 2_147_483_647 }, random);
                break;
            }
        }

        return (Write(root), seed.Table);
    }

    private static (string, string)? UnknownOp(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        (JsonObject layer, _, _) = Pick(Layers(root), random);
        layer["op"] = Pick(new[] { "gelu", "", "Conv2D", "conv2d ", "relu\u0000", "conv3d", new string('x', 100_000), "\u0440elu", "CONV2D", "dropout" }, random);
        return (Write(root), seed.Table);
    }

    private static (string, string)? SelfCycle(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        List<JsonObject> candidates = Layers(root).Select(l => l.Layer).Where(l => Op(l) != "input").ToList();
        JsonObject layer = Pick(candidates, random);
        string self = (string)layer["name"]!;
        layer["inputs"] = Op(layer) == "add"
            ? new JsonArray(self, layer["inputs"]![1]!.DeepClone())
            : new JsonArray(self);
        return (Write(root), seed.Table);
    }

    private static (string, string)? BackEdgeCycle(FuzzSeed seed, Random random)
    {
        // Layer i reads layer i+1, which reads layer i by default (no "inputs"): a two-layer cycle.
        JsonObject root = Root(seed.Description);
        List<(JsonObject Layer, JsonArray Parent, bool InRepeat)> layers = Layers(root);
        var pairs = new List<(JsonObject, JsonObject)>();
        for (int i = 0; i + 1 < layers.Count; i++)
        {
            if (layers[i].Parent == layers[i + 1].Parent && Op(layers[i].Layer) is not "input" and not "add" && !layers[i + 1].Layer.ContainsKey("inputs")
                && layers[i].Parent.IndexOf(layers[i].Layer) + 1 == layers[i].Parent.IndexOf(layers[i + 1].Layer))
            {
                pairs.Add((layers[i].Layer, layers[i + 1].Layer));
            }
        }

        if (pairs.Count == 0)
        {
            return null;
        }

        (JsonObject from, JsonObject to) = Pick(pairs, random);
        from["inputs"] = new JsonArray((string)to["name"]!);
        return (Write(root), seed.Table);
    }

    private static (string, string)? DeleteWeightedLayer(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        (JsonObject layer, JsonArray parent, _) = Pick(Layers(root).Where(l => Array.IndexOf(s_weightedOps, Op(l.Layer)) >= 0).ToList(), random);
        parent.Remove(layer);
        return (Write(root), seed.Table);
    }

    private static (string, string)? DuplicateLayer(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        (JsonObject layer, JsonArray parent, _) = Pick(Layers(root), random);
        parent.Insert(parent.IndexOf(layer) + 1, layer.DeepClone());
        return (Write(root), seed.Table);
    }

    private static (string, string)? SwapLayers(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        var top = (JsonArray)root["layers"]!;
        int a = random.Next(top.Count), b = random.Next(top.Count);
        if (a == b)
        {
            return null;
        }

        JsonNode? x = top[a]!.DeepClone(), y = top[b]!.DeepClone();
        top[a] = y;
        top[b] = x;
        return (Write(root), seed.Table);
    }

    /// <summary>
    /// Names no model may take: not identifiers, keywords, and every name a generated class has (emitted,
    /// inherited from CompiledModel and object, per step).
    /// </summary>
    private static readonly string[] s_invalidModelNames =
    {
        "2fast", "class", "a b", "", "A-B", "mini", "X\u0000", "@class", "int", "A.B",
        "Load", "Predict", "Dispose", "Trace", "Observe", "RunSteps", "Backend", "BackendName",
        "InputHeight", "InputWidth", "InputChannels", "InputLength", "OutputLength", "OutputShape", "ArenaBytesPerImage",
        "WeightsUrl", "WeightsMd5", "WeightTable", "InputSlot", "OutputSlot", "Step1Shape", "Step3Shape", "Step40Shape",
        "_w1", "_b1", "_dw3", "_pw3", "_scale9", "_shift9",
        "ToString", "GetHashCode", "GetType", "Equals", "MemberwiseClone", "Finalize", "ReferenceEquals", "System", "Xception_Compiler",
    };

    private static (string, string)? InvalidModelName(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        root["model"] = Pick(s_invalidModelNames, random);
        return (Write(root), seed.Table);
    }

    private static (string, string)? VeryLongNames(FuzzSeed seed, Random random)
    {
        JsonObject root = Root(seed.Description);
        int length = Pick(new[] { 600, 10_000, 200_000, 1_000_000 }, random);
        switch (random.Next(4))
        {
            case 0:
                root["model"] = "M" + new string('x', length);
                break;
            case 1:
                root["namespace"] = string.Join(".", Enumerable.Repeat("N", length / 2));
                break;
            case 2:
                root["description"] = new string('d', length);
                break;
            default:
            {
                // Rename one top-level layer everywhere it is named: still a valid description.
                List<JsonObject> plain = Layers(root).Where(l => !l.InRepeat).Select(l => l.Layer).ToList();
                string name = (string)Pick(plain, random)["name"]!;
                string text = Write(root).Replace("\"" + name + "\"", "\"" + name + new string('_', length) + "\"", StringComparison.Ordinal);
                return (text, seed.Table);
            }
        }

        return (Write(root), seed.Table);
    }

    // ---------------- table mutations ----------------

    private static List<JsonObject> TableDatasets(JsonObject table) =>
        ((JsonArray)table["layers"]!).OfType<JsonObject>().SelectMany(l => ((JsonArray)l["weights"]!).OfType<JsonObject>()).ToList();

    private static List<JsonObject> WeightedTableLayers(JsonObject table) =>
        ((JsonArray)table["layers"]!).OfType<JsonObject>().Where(l => ((JsonArray)l["weights"]!).Count > 0).ToList();

    private static (string, string)? TableDimensionChanged(FuzzSeed seed, Random random)
    {
        JsonObject table = Root(seed.Table);
        var shape = (JsonArray)Pick(TableDatasets(table), random)["shape"]!;
        switch (random.Next(4))
        {
            case 0:
                int i = random.Next(shape.Count);
                shape[i] = (int)shape[i]! + 1 + random.Next(1000);
                break;
            case 1:
                shape.Add(1);
                break;
            case 2:
                shape.RemoveAt(shape.Count - 1);
                break;
            default:
                int j = random.Next(shape.Count);
                shape[j] = 1_000_000_000;
                break;
        }

        return (seed.Description, Write(table));
    }

    private static (string, string)? TableLayerDeleted(FuzzSeed seed, Random random)
    {
        JsonObject table = Root(seed.Table);
        ((JsonArray)table["layers"]!).Remove(Pick(WeightedTableLayers(table), random));
        return (seed.Description, Write(table));
    }

    private static (string, string)? TableLayerDuplicated(FuzzSeed seed, Random random)
    {
        JsonObject table = Root(seed.Table);
        var layers = (JsonArray)table["layers"]!;
        JsonObject layer = Pick(WeightedTableLayers(table), random);
        layers.Insert(layers.IndexOf(layer) + 1, layer.DeepClone());
        return (seed.Description, Write(table));
    }

    private static (string, string)? TableDatasetDeleted(FuzzSeed seed, Random random)
    {
        JsonObject table = Root(seed.Table);
        var weights = (JsonArray)Pick(WeightedTableLayers(table), random)["weights"]!;
        weights.RemoveAt(random.Next(weights.Count));
        if (weights.Count == 0)
        {
            return null; // the layer would become weightless: that is a layer deletion, covered above
        }

        return (seed.Description, Write(table));
    }

    private static (string, string)? TableBadDimension(FuzzSeed seed, Random random)
    {
        JsonObject table = Root(seed.Table);
        var shape = (JsonArray)Pick(TableDatasets(table), random)["shape"]!;
        shape[random.Next(shape.Count)] = Placeholder;
        string value = Pick(new[] { "-1", "1.5", "\"3\"", "null", "1e400", "2147483648", "true", "[]", "{}", "-2147483648" }, random);
        return (seed.Description, Write(table).Replace("\"" + Placeholder + "\"", value, StringComparison.Ordinal));
    }

    private static (string, string)? TableBadFormat(FuzzSeed seed, Random random)
    {
        JsonObject table = Root(seed.Table);
        switch (random.Next(5))
        {
            case 0:
                table.Remove("format");
                break;
            case 1:
                table["format"] = Pick(new[] { "xcs-shapes/2", "", "XCS-SHAPES/1" }, random);
                break;
            case 2:
                table["layers"] = Pick(new JsonNode[] { new JsonObject(), JsonValue.Create(1), JsonValue.Create("layers") }, random);
                break;
            case 3:
                table.Remove("layers");
                break;
            default:
                var weights = (JsonArray)Pick(WeightedTableLayers(table), random)["weights"]!;
                weights[random.Next(weights.Count)] = Pick(new JsonNode[] { JsonValue.Create(1), new JsonArray(), new JsonObject { ["path"] = "p" } }, random);
                break;
        }

        return (seed.Description, Write(table));
    }

    private static (string, string)? TableRenamedPaths(FuzzSeed seed, Random random)
    {
        JsonObject table = Root(seed.Table);
        foreach (JsonObject dataset in TableDatasets(table))
        {
            if (random.Next(3) == 0)
            {
                dataset["path"] = "renamed/" + random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + (string)dataset["path"]!;
            }
        }

        foreach (JsonObject layer in WeightedTableLayers(table))
        {
            if (random.Next(3) == 0)
            {
                layer["name"] = "layer_" + random.Next(100_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return (seed.Description, Write(table));
    }

    private static (string, string)? TableDType(FuzzSeed seed, Random random)
    {
        JsonObject table = Root(seed.Table);
        JsonObject dataset = Pick(TableDatasets(table), random);
        dataset["dtype"] = Pick(new JsonNode?[] { JsonValue.Create("float64"), JsonValue.Create("float16"), JsonValue.Create("int32"), JsonValue.Create("bogus"), null, JsonValue.Create(4) }, random);
        return (seed.Description, Write(table));
    }
}

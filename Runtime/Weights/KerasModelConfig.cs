using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>
/// The little of a Keras model config the weight readers need: a model's layer entries in config order,
/// their class and name, and which entries are models themselves. Reads every dialect: the legacy
/// <c>model_config</c> (Sequential as a bare list before Keras 2.2.3, or a dict) and Keras 3's
/// <c>config.json</c> (see fixtures/KERAS_FORMATS.md §1.4 and §4.2).
/// </summary>
internal static class KerasModelConfig
{
    /// <summary>The layer entries of a serialized model (<c>{"class_name", "config"}</c>), in config order.</summary>
    public static IEnumerable<JsonElement> Layers(JsonElement model)
    {
        if (model.ValueKind != JsonValueKind.Object || !model.TryGetProperty("config", out JsonElement config))
        {
            yield break;
        }

        JsonElement layers = config;
        if (config.ValueKind == JsonValueKind.Object && !config.TryGetProperty("layers", out layers))
        {
            yield break;
        }

        if (layers.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (JsonElement layer in layers.EnumerateArray())
        {
            yield return layer;
        }
    }

    public static string? ClassName(JsonElement layer) => StringMember(layer, "class_name");

    /// <summary>The entry's name: the entry's own <c>name</c> (functional configs), else <c>config.name</c> (Sequential).</summary>
    public static string? Name(JsonElement layer)
        => StringMember(layer, "name")
           ?? (layer.ValueKind == JsonValueKind.Object && layer.TryGetProperty("config", out JsonElement config) ? StringMember(config, "name") : null);

    /// <summary>Keras 3's Python module of the entry (<c>keras.layers</c>, <c>keras.src.ops.numpy</c>, …), if written.</summary>
    public static string? Module(JsonElement layer) => StringMember(layer, "module");

    /// <summary>A nested model: Functional (Keras 3, later tf.keras), Model (Keras 2) or Sequential.</summary>
    public static bool IsModel(JsonElement layer)
        => ClassName(layer) is "Functional" or "Model" or "Sequential";

    public static bool IsSequential(JsonElement layer) => ClassName(layer) == "Sequential";

    /// <summary>
    /// Keras 3's <c>naming.to_snake_case</c> (keras/src/utils/naming.py), which names the weight groups:
    /// drop characters other than letters, digits and '_'; '_' before a capital followed by lower-case
    /// letters (not at the start) and between a lower-case letter and a capital; lower-case all.
    /// </summary>
    public static string ToSnakeCase(string className)
    {
        var kept = new System.Text.StringBuilder(className.Length);
        foreach (char c in className)
        {
            if (char.IsAsciiLetterOrDigit(c) || c == '_')
            {
                kept.Append(c);
            }
        }

        string s = kept.ToString();
        var result = new System.Text.StringBuilder(s.Length + 8);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            bool upper = char.IsAsciiLetterUpper(c);
            bool capitalStartsWord = upper && i > 0 && i + 1 < s.Length && char.IsAsciiLetterLower(s[i + 1]);
            bool afterLower = upper && i > 0 && char.IsAsciiLetterLower(s[i - 1]);
            if (capitalStartsWord || afterLower)
            {
                result.Append('_');
            }

            result.Append(char.ToLowerInvariant(c));
        }

        return result.ToString();
    }

    private static string? StringMember(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}

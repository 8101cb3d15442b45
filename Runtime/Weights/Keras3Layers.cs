using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using PureHDF;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>
/// The weighted layers of a Keras 3 weights file (<c>.weights.h5</c>, or <c>model.weights.h5</c> inside a
/// <c>.keras</c> archive), in the order of <c>model.layers</c>, nested models flattened in place.
/// </summary>
/// <remarks>
/// Keras 3 (keras/src/saving/saving_lib.py, <c>_save_container_state</c> / <c>_load_container_state</c>)
/// addresses each element of a model's <c>layers</c> list by <c>to_snake_case(type(layer).__name__)</c>, with a
/// per-list counter: <c>conv2d</c>, <c>conv2d_1</c>, … counting every layer of the class, weightless ones too;
/// names play no part. A nested model is itself an element (<c>layers/functional</c>, <c>layers/sequential</c>)
/// whose own <c>layers</c> start counting again. Each layer's variables are the datasets <c>vars/0</c>,
/// <c>vars/1</c>, … (<c>Layer.save_own_variables</c>). HDF5 does not keep the order the groups were made in,
/// so the order comes from the model config: its <c>layers</c> are <c>model.layers</c> in order
/// (fixtures/KERAS_FORMATS.md §5.3). A Sequential's config lists its InputLayer, which <c>model.layers</c>
/// leaves out; entries of Keras 3 ops that are not layers (module <c>keras.src.ops…</c>) are not in
/// <c>model.layers</c> either.
/// </remarks>
internal static class Keras3Layers
{
    /// <summary>Whether the HDF5 root looks like a Keras 3 weights file: a <c>layers</c> or <c>vars</c> group.</summary>
    public static bool Matches(string filePath, IH5Group root)
        => KerasH5Structure.Guard(filePath, "the root group", null, null, () => root.LinkExists("layers") || root.LinkExists("vars"));

    /// <summary>Walks the config and lists every layer with at least one variable, nested models flattened.</summary>
    /// <exception cref="WeightFileException">The config is not a model config, or a layer's variables are not numbered from 0.</exception>
    public static (int LayerCount, List<KerasH5Layer> Weighted) FromConfig(string filePath, IH5Group root, string configJson, string configSource)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(configJson);
        }
        catch (JsonException ex)
        {
            throw WeightFileException.Create(filePath, configSource + " is not valid JSON: " + ex.Message, innerException: ex);
        }

        using (document)
        {
            JsonElement model = document.RootElement;
            if (!KerasModelConfig.IsModel(model))
            {
                throw WeightFileException.Create(
                    filePath,
                    configSource + " describes a " + (KerasModelConfig.ClassName(model) ?? "(no class_name)")
                    + "; expected a Functional or Sequential model.");
            }

            var weighted = new List<KerasH5Layer>();
            int count = 0;
            AddOwnVariables(filePath, root, "vars", KerasModelConfig.Name(model) ?? "model", -1, weighted);
            Walk(filePath, root, model, string.Empty, string.Empty, weighted, ref count);
            return (count, weighted);
        }
    }

    /// <summary>
    /// Without a config (a bare <c>.weights.h5</c>), the layers a <see cref="WeightTable"/> expects: each layer's
    /// datasets at the table's own paths when they are Keras 3 paths (<c>…/vars/&lt;i&gt;</c>, as a shape table
    /// read from the same model's <c>.keras</c> has them), else at <c>layers/&lt;class_snake&gt;[_N]</c> by class
    /// ordinal, which is Keras's address in a model without nesting. The file must hold exactly as many
    /// layers with variables as the table has layers.
    /// </summary>
    public static List<KerasH5Layer> FromTable(string filePath, IH5Group root, WeightTable table)
    {
        var inFile = new List<string>();
        CollectVarsGroups(filePath, root, string.Empty, inFile);
        if (inFile.Count != table.Layers.Count)
        {
            throw WeightFileException.Create(
                filePath,
                "expected " + table.Layers.Count.ToString(CultureInfo.InvariantCulture) + " layers with weights (model '" + table.ModelName
                + "'), found " + inFile.Count.ToString(CultureInfo.InvariantCulture) + " 'vars' groups with variables in this Keras 3 weights file.");
        }

        var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new List<KerasH5Layer>(table.Layers.Count);
        for (int k = 0; k < table.Layers.Count; k++)
        {
            WeightLayer layer = table.Layers[k];
            string snake = KerasModelConfig.ToSnakeCase(layer.KerasClass);
            int ordinal = ordinals.TryGetValue(snake, out int seen) ? seen + 1 : 0;
            ordinals[snake] = ordinal;
            string byOrdinal = "layers/" + snake + (ordinal == 0 ? string.Empty : "_" + ordinal.ToString(CultureInfo.InvariantCulture));

            string? fromTable = VarsGroupOf(layer);
            string groupPath = fromTable is not null && inFile.Contains(fromTable + "/vars") ? fromTable : byOrdinal;
            string[] names = Enumerable.Range(0, layer.Datasets.Count).Select(i => "vars/" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            if (!inFile.Contains(groupPath + "/vars"))
            {
                throw WeightFileException.Create(
                    filePath,
                    "layer " + (k + 1).ToString(CultureInfo.InvariantCulture) + " with weights ('" + layer.LayerName + "', " + layer.KerasClass
                    + ") has no variables at '" + groupPath + "/vars'; this file has no config to order its layers by, so a nested model"
                    + " needs a shape table made from its .keras archive or its to_json config.",
                    layer.LayerName);
            }

            result.Add(new KerasH5Layer(groupPath, k, names, names.Select(n => groupPath + "/" + n).ToArray()));
        }

        return result;
    }

    private static string? VarsGroupOf(WeightLayer layer)
    {
        if (layer.Datasets.Count == 0)
        {
            return null;
        }

        string path = layer.Datasets[0].FilePath;
        int vars = path.LastIndexOf("/vars/", StringComparison.Ordinal);
        return vars > 0 ? path.Substring(0, vars) : null;
    }

    private static void Walk(string filePath, IH5Group root, JsonElement model, string groupPrefix, string namePrefix, List<KerasH5Layer> weighted, ref int count)
    {
        var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        bool sequential = KerasModelConfig.IsSequential(model);
        foreach (JsonElement layer in KerasModelConfig.Layers(model))
        {
            string className = KerasModelConfig.ClassName(layer) ?? string.Empty;
            if ((sequential && className == "InputLayer") || KerasModelConfig.Module(layer)?.StartsWith("keras.src.ops", StringComparison.Ordinal) == true)
            {
                continue;
            }

            string snake = KerasModelConfig.ToSnakeCase(className);
            int ordinal = ordinals.TryGetValue(snake, out int seen) ? seen + 1 : 0;
            ordinals[snake] = ordinal;
            string groupPath = groupPrefix + "layers/" + snake + (ordinal == 0 ? string.Empty : "_" + ordinal.ToString(CultureInfo.InvariantCulture));
            string name = namePrefix + (KerasModelConfig.Name(layer) ?? groupPath);
            AddOwnVariables(filePath, root, groupPath + "/vars", name, count, weighted);
            if (KerasModelConfig.IsModel(layer))
            {
                Walk(filePath, root, layer, groupPath + "/", name + "/", weighted, ref count);
            }
            else
            {
                count++;
            }
        }
    }

    /// <summary>Adds the layer at <paramref name="varsPath"/> when it holds variables <c>0</c>, <c>1</c>, …</summary>
    private static void AddOwnVariables(string filePath, IH5Group root, string varsPath, string name, int index, List<KerasH5Layer> weighted)
    {
        string[] children = VarsChildren(filePath, root, varsPath, name);
        if (children.Length == 0)
        {
            return;
        }

        var names = new string[children.Length];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = i.ToString(CultureInfo.InvariantCulture);
            if (!children.Contains(names[i]))
            {
                throw WeightFileException.Create(
                    filePath,
                    "layer '" + name + "': group '" + varsPath + "' holds " + children.Length.ToString(CultureInfo.InvariantCulture)
                    + " entries (" + string.Join(", ", children.Select(c => "'" + c + "'")) + "); expected variables named '0' to '"
                    + (children.Length - 1).ToString(CultureInfo.InvariantCulture) + "'.",
                    name);
            }
        }

        weighted.Add(new KerasH5Layer(name, index, names.Select(n => "vars/" + n).ToArray(), names.Select(n => varsPath + "/" + n).ToArray()));
    }

    private static string[] VarsChildren(string filePath, IH5Group root, string varsPath, string name)
        => KerasH5Structure.Guard(filePath, "group '" + varsPath + "'", name, null, () =>
            root.LinkExists(varsPath)
                ? root.Group(varsPath).Children().Select(c => c.Name).ToArray()
                : Array.Empty<string>());

    /// <summary>Every '&lt;path&gt;/vars' group under <c>layers/</c> that holds at least one entry, at any depth.</summary>
    private static void CollectVarsGroups(string filePath, IH5Group root, string prefix, List<string> found)
    {
        string layersPath = prefix + "layers";
        string[] layerGroups = KerasH5Structure.Guard(filePath, "group '" + layersPath + "'", null, null, () =>
            root.LinkExists(layersPath) ? root.Group(layersPath).Children().Select(c => c.Name).ToArray() : Array.Empty<string>());
        foreach (string child in layerGroups)
        {
            string path = layersPath + "/" + child;
            if (VarsChildren(filePath, root, path + "/vars", child).Length > 0)
            {
                found.Add(path + "/vars");
            }

            CollectVarsGroups(filePath, root, path + "/", found);
        }
    }
}

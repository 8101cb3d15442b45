using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using PureHDF;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>
/// The weighted layers of a legacy Keras <c>.h5</c> (<c>save_weights</c>, or the <c>/model_weights</c> group of
/// <c>model.save</c>), in the order Keras's <c>load_weights_from_hdf5_group</c> pairs them with the model
/// (tf_keras/saving/legacy/hdf5_format.py; keras/engine/saving.py in Keras 2.2): the layers of
/// <c>layer_names</c> whose <c>weight_names</c> is not empty, by position.
/// </summary>
/// <remarks>
/// A nested model (a functional base used as one layer of the user's model) is one entry of
/// <c>layer_names</c> whose <c>weight_names</c> lists the variables of all its inner layers, scoped by the
/// inner layer's name (<c>block1_conv1/kernel:0</c>). It is flattened into one entry per inner layer, so that
/// the k-th entry is the k-th weighted layer of the flattened model. The variables of one inner layer keep
/// their relative order (the layer's own <c>weights</c> order). The inner layers are put in the order of the
/// nested model's <c>config.layers</c> when the file holds <c>model_config</c> and every scope names one of
/// its layers; otherwise in the order their first variable appears. The two agree unless the base is partly
/// frozen: Keras lists the nested model's variables as <c>trainable_weights + non_trainable_weights</c>
/// (<c>_legacy_weights</c>), which moves a frozen inner layer behind every trainable one.
/// </remarks>
internal static class KerasLegacyLayers
{
    public static (string[] LayerNames, List<KerasH5Layer> Weighted) Read(string filePath, IH5Group root, string rootPrefix, string? modelConfigJson)
    {
        string rootPath = rootPrefix.TrimEnd('/');
        string[] layerNames = KerasH5Attributes.ReadList(filePath, root, rootPath, "layer_names", null);
        Dictionary<string, List<string>>? leafOrder = null;

        var weighted = new List<KerasH5Layer>();
        for (int i = 0; i < layerNames.Length; i++)
        {
            string name = layerNames[i];
            string groupPath = rootPrefix + name;
            if (name.Length == 0 || !KerasH5Structure.Guard(filePath, "the links of group '" + (rootPath.Length == 0 ? "/" : rootPath) + "'", name, null, () => root.LinkExists(name)))
            {
                throw WeightFileException.Create(
                    filePath,
                    "layer '" + name + "' (entry " + i.ToString(CultureInfo.InvariantCulture) + " of " + layerNames.Length.ToString(CultureInfo.InvariantCulture)
                    + " in 'layer_names') has no group '" + groupPath + "'.",
                    name);
            }

            IH5Group group = KerasH5Structure.Guard(filePath, "group '" + groupPath + "'", name, null, () => root.Group(name));
            if (!KerasH5Attributes.Exists(filePath, group, groupPath, "weight_names", name))
            {
                throw WeightFileException.Create(filePath, "group '" + groupPath + "' has no 'weight_names' attribute.", name);
            }

            string[] weightNames = KerasH5Attributes.ReadList(filePath, group, groupPath, "weight_names", name);
            if (weightNames.Length == 0)
            {
                continue;
            }

            List<(string Scope, List<string> Names)> scopes = GroupByScope(weightNames);
            if (scopes.Count == 1)
            {
                weighted.Add(new KerasH5Layer(name, i, weightNames, weightNames.Select(w => groupPath + "/" + w).ToArray()));
                continue;
            }

            leafOrder ??= LeafOrders(modelConfigJson);
            foreach ((string scope, List<string> names) in OrderScopes(scopes, leafOrder.GetValueOrDefault(name)))
            {
                weighted.Add(new KerasH5Layer(name + "/" + scope, i, names, names.Select(w => groupPath + "/" + w).ToArray()));
            }
        }

        return (layerNames, weighted);
    }

    /// <summary>
    /// Splits weight names at the last '/' into (scope, variable) and groups them by scope, in order of first
    /// appearance. Names without '/' (Keras 1: <c>convolution2d_1_W:0</c>) form one scope of their own.
    /// </summary>
    private static List<(string Scope, List<string> Names)> GroupByScope(string[] weightNames)
    {
        var result = new List<(string Scope, List<string> Names)>();
        foreach (string weightName in weightNames)
        {
            int slash = weightName.LastIndexOf('/');
            string scope = slash < 0 ? string.Empty : weightName.Substring(0, slash);
            int at = result.FindIndex(s => s.Scope == scope);
            if (at < 0)
            {
                result.Add((scope, new List<string> { weightName }));
            }
            else
            {
                result[at].Names.Add(weightName);
            }
        }

        return result;
    }

    private static IEnumerable<(string Scope, List<string> Names)> OrderScopes(List<(string Scope, List<string> Names)> scopes, List<string>? leaves)
    {
        if (leaves is null || scopes.Any(s => !leaves.Contains(s.Scope)))
        {
            return scopes;
        }

        return scopes.OrderBy(s => leaves.IndexOf(s.Scope));
    }

    /// <summary>
    /// For each top-level layer of <c>model_config</c> that is itself a model (Functional/Model/Sequential),
    /// the names of its non-model layers in config order, nested models expanded in place. Empty when the
    /// file has no config or the config cannot be read: the order of first appearance is used then.
    /// </summary>
    private static Dictionary<string, List<string>> LeafOrders(string? modelConfigJson)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (modelConfigJson is null)
        {
            return result;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(modelConfigJson);
            foreach (JsonElement layer in KerasModelConfig.Layers(document.RootElement))
            {
                if (KerasModelConfig.IsModel(layer) && KerasModelConfig.Name(layer) is string name)
                {
                    var leaves = new List<string>();
                    AddLeaves(layer, leaves);
                    result[name] = leaves;
                }
            }
        }
        catch (JsonException)
        {
            // The config only refines the order; the weights themselves are still readable without it.
        }

        return result;
    }

    private static void AddLeaves(JsonElement model, List<string> leaves)
    {
        foreach (JsonElement layer in KerasModelConfig.Layers(model))
        {
            if (KerasModelConfig.IsModel(layer))
            {
                AddLeaves(layer, leaves);
            }
            else if (KerasModelConfig.Name(layer) is string name)
            {
                leaves.Add(name);
            }
        }
    }
}

using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Planning;

/// <summary>
/// Keras <c>load_weights</c> by order: the k-th layer with weights in Keras order takes the k-th
/// layer with weights of the file, datasets in <c>weight_names</c> order. Names are recorded, never
/// required to match; every shape is checked.
/// </summary>
internal static class WeightMatcher
{
    /// <summary>The datasets a layer expects (Keras 2 variable names, shapes) given its input channels.</summary>
    public static List<(string Variable, int[] Shape)> Expected(LayerSpec layer, int inChannels)
    {
        var list = new List<(string, int[])>();
        switch (layer.Op)
        {
            case LayerOp.Conv2D:
                list.Add(("kernel", new[] { layer.Window.KernelHeight, layer.Window.KernelWidth, inChannels, layer.Filters }));
                if (layer.UseBias)
                {
                    list.Add(("bias", new[] { layer.Filters }));
                }

                break;
            case LayerOp.SeparableConv2D:
                list.Add(("depthwise_kernel", new[] { layer.Window.KernelHeight, layer.Window.KernelWidth, inChannels, layer.DepthMultiplier }));
                list.Add(("pointwise_kernel", new[] { 1, 1, inChannels * layer.DepthMultiplier, layer.Filters }));
                if (layer.UseBias)
                {
                    list.Add(("bias", new[] { layer.Filters }));
                }

                break;
            case LayerOp.DepthwiseConv2D:
                list.Add(("depthwise_kernel", new[] { layer.Window.KernelHeight, layer.Window.KernelWidth, inChannels, layer.DepthMultiplier }));
                if (layer.UseBias)
                {
                    list.Add(("bias", new[] { inChannels * layer.DepthMultiplier }));
                }

                break;
            case LayerOp.BatchNorm:
                // Keras creates (and saves) gamma only with scale=True and beta only with center=True.
                if (layer.Scale)
                {
                    list.Add(("gamma", new[] { inChannels }));
                }

                if (layer.Center)
                {
                    list.Add(("beta", new[] { inChannels }));
                }

                list.Add(("moving_mean", new[] { inChannels }));
                list.Add(("moving_variance", new[] { inChannels }));
                break;
            case LayerOp.Normalization when layer.HasWeights:
                // Keras's adapted state (axis −1): mean and variance per channel, and the int64 sample count it keeps for old files.
                list.Add(("mean", new[] { inChannels }));
                list.Add(("variance", new[] { inChannels }));
                list.Add(("count", new int[0]));
                break;
            case LayerOp.Dense:
                list.Add(("kernel", new[] { inChannels, layer.Units }));
                if (layer.UseBias)
                {
                    list.Add(("bias", new[] { layer.Units }));
                }

                break;
        }

        return list;
    }

    /// <summary>
    /// Matches the description's weighted layers to the table. Returns the plan per weighted layer and,
    /// through <paramref name="weightIndex"/>, each layer's 0-based position in it (-1 for none).
    /// </summary>
    public static List<WeightLayerPlan>? Match(
        ModelGraph graph, LayerGeometry[] geometry, ModelSpec spec, WeightTableSpec table, DiagnosticBag sink, out int[] weightIndex)
    {
        LayerSpec[] layers = graph.Layers;
        weightIndex = new int[layers.Length];
        for (int i = 0; i < weightIndex.Length; i++)
        {
            weightIndex[i] = -1;
        }

        var weighted = new List<int>();
        foreach (int index in graph.KerasOrder)
        {
            if (layers[index].HasWeights)
            {
                weightIndex[index] = weighted.Count;
                weighted.Add(index);
            }
        }

        string tableName = WeightTableFileName(table.FilePath);
        if (weighted.Count != table.Layers.Count)
        {
            sink.Report(DiagnosticDescriptors.WeightLayerCountMismatch, spec.WeightsTableSpan,
                weighted.Count.ToString(CultureInfo.InvariantCulture), tableName, table.Layers.Count.ToString(CultureInfo.InvariantCulture));
            return null;
        }

        var plans = new List<WeightLayerPlan>();
        for (int k = 0; k < weighted.Count; k++)
        {
            int index = weighted[k];
            LayerSpec layer = layers[index];
            int inChannels = geometry[graph.Inputs[index][0]].Output.Channels;
            List<(string Variable, int[] Shape)> expected = Expected(layer, inChannels);
            WeightFileLayer fileLayer = table.Layers[k];
            string number = (k + 1).ToString(CultureInfo.InvariantCulture);
            if (expected.Count != fileLayer.Datasets.Count)
            {
                var found = new StringBuilder();
                foreach (WeightFileDataset d in fileLayer.Datasets)
                {
                    found.Append(found.Length > 0 ? ", " : string.Empty).Append(d.Path).Append(' ').Append(ShapeFormat.Tuple(d.Shape));
                }

                sink.Report(DiagnosticDescriptors.WeightDatasetCountMismatch, layer.Spans.Name, layer.Name, number,
                    expected.Count.ToString(CultureInfo.InvariantCulture), Describe(expected), fileLayer.Name,
                    fileLayer.Datasets.Count.ToString(CultureInfo.InvariantCulture), found.Length == 0 ? "none" : found.ToString());
                continue;
            }

            var datasets = new List<WeightDatasetPlan>();
            for (int j = 0; j < expected.Count; j++)
            {
                WeightFileDataset d = fileLayer.Datasets[j];
                if (!SameShape(expected[j].Shape, d.Shape))
                {
                    sink.Report(DiagnosticDescriptors.WeightShapeMismatch, layer.Spans.Name, layer.Name, number, expected[j].Variable,
                        ShapeFormat.Tuple(expected[j].Shape), fileLayer.Name, d.Path, ShapeFormat.Tuple(d.Shape));
                    continue;
                }

                datasets.Add(new WeightDatasetPlan(expected[j].Variable, d.Path, d.Shape));
            }

            plans.Add(new WeightLayerPlan(k + 1, layer.Name, OpTable.Get(layer.Op).KerasClass, fileLayer.Name, datasets.ToEquatableArray()));
        }

        return sink.HasErrors ? null : plans;
    }

    private static bool SameShape(int[] expected, EquatableArray<int> found)
    {
        if (expected.Length != found.Count)
        {
            return false;
        }

        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != found[i])
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(List<(string Variable, int[] Shape)> expected)
    {
        var sb = new StringBuilder();
        foreach ((string variable, int[] shape) in expected)
        {
            sb.Append(sb.Length > 0 ? ", " : string.Empty).Append(variable).Append(' ').Append(ShapeFormat.Tuple(shape));
        }

        return sb.ToString();
    }

    private static string WeightTableFileName(string path) => Parsing.WeightTableParser.FileName(path);
}

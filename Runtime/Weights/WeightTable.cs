using System;
using System.Collections.Generic;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>One weight dataset a model expects: its Keras variable name, the path in the reference file, its shape.</summary>
public sealed record WeightDataset(string Variable, string FilePath, int[] Shape)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (int d in Shape)
            {
                n *= d;
            }

            return n;
        }
    }

    public string ShapeText => ShapeFormat.Tuple(Shape);
}

/// <summary>
/// The k-th layer with weights, in Keras's load order: the description's layer name, its Keras class,
/// the name that layer has in the reference weight file (names are recorded, never required to match),
/// and its datasets in <c>weight_names</c> order.
/// </summary>
public sealed record WeightLayer(string LayerName, string KerasClass, string FileLayerName, IReadOnlyList<WeightDataset> Datasets);

/// <summary>The weights a generated model expects, in load order (emitted by the generator).</summary>
public sealed record WeightTable(string ModelName, IReadOnlyList<WeightLayer> Layers);

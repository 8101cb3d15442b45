using System.Globalization;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Planning;

/// <summary>The shape rules of the preprocessing ops (rescaling, normalization) and of reshape.</summary>
internal static class PreprocessingShapes
{
    /// <summary>Every constant list holds one value (for all channels) or one per channel of the input.</summary>
    public static bool FitChannels(DiagnosticBag sink, LayerSpec layer, TensorShape input, string inputName)
    {
        PreprocessingValues v = layer.Preprocessing;
        return Fits(sink, layer, v.Scale, "scale", input, inputName)
            && Fits(sink, layer, v.Offset, "offset", input, inputName)
            && Fits(sink, layer, v.Mean, "mean", input, inputName)
            && Fits(sink, layer, v.Variance, "variance", input, inputName);
    }

    private static bool Fits(DiagnosticBag sink, LayerSpec layer, EquatableArray<double> values, string what, TensorShape input, string inputName)
    {
        if (values.Count <= 1 || values.Count == input.Channels)
        {
            return true;
        }

        sink.Report(DiagnosticDescriptors.PreprocessingChannelMismatch, layer.Preprocessing.Span.Length > 0 ? layer.Preprocessing.Span : layer.Spans.Name,
            layer.Name, OpTable.Get(layer.Op).Name, Int(values.Count), what, inputName, Int(input.Channels));
        return false;
    }

    /// <summary>
    /// The shape a reshape gives: its target with a −1 resolved, as (features,) or (height, width, channels);
    /// null (and XCS0031) when the element counts differ or the target has another rank.
    /// </summary>
    public static TensorShape? Reshape(DiagnosticBag sink, LayerSpec layer, TensorShape input)
    {
        EquatableArray<int> target = layer.TargetShape;
        long known = 1;
        int inferred = -1;
        for (int i = 0; i < target.Count; i++)
        {
            if (target[i] < 0)
            {
                inferred = i;
            }
            else
            {
                known = known > int.MaxValue ? known : known * target[i];
            }
        }

        var dims = new int[target.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = target[i];
        }

        if (inferred >= 0 && known > 0 && input.Length % known == 0)
        {
            dims[inferred] = (int)(input.Length / known);
            known = input.Length;
        }

        string targetText = ShapeFormat.Tuple(dims);
        if (known != input.Length || (inferred >= 0 && dims[inferred] < 1))
        {
            sink.Report(DiagnosticDescriptors.InvalidReshape, layer.Spans.Name, layer.Name, input.Text, ShapeFormat.Tuple(ToArray(target)),
                "the input has " + Int(input.Length) + " values, the target " + (inferred >= 0 ? "cannot hold them" : Int(known)));
            return null;
        }

        switch (dims.Length)
        {
            case 1:
                return TensorShape.Flat(dims[0]);
            case 3:
                return new TensorShape(dims[0], dims[1], dims[2], false);
            default:
                sink.Report(DiagnosticDescriptors.InvalidReshape, layer.Spans.Name, layer.Name, input.Text, targetText,
                    "only (features,) and (height, width, channels) targets are supported");
                return null;
        }
    }

    /// <summary>One spatial side after a reshape, for the minimum-size search; −1 for a flat target.</summary>
    public static int ReshapeSide(LayerSpec layer, bool height)
    {
        if (layer.TargetShape.Count != 3)
        {
            return -1;
        }

        // A −1 side depends on the input size; any positive value keeps the search going.
        int side = layer.TargetShape[height ? 0 : 1];
        return side > 0 ? side : 1;
    }

    private static int[] ToArray(EquatableArray<int> values)
    {
        var array = new int[values.Count];
        for (int i = 0; i < array.Length; i++)
        {
            array[i] = values[i];
        }

        return array;
    }

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}

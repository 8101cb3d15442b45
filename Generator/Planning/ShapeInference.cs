using System;
using System.Globalization;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Planning;

/// <summary>The output shape of a layer and, for windowed ops, the padding TF applies.</summary>
internal readonly record struct LayerGeometry(TensorShape Output, int PadTop, int PadBottom, int PadLeft, int PadRight);

/// <summary>
/// Static shapes per layer with Keras/TF rules. 'same': out = ceil(in/s), pad_total =
/// max((out-1)·s + k − in, 0), pad_before = total/2 (the extra cell at the bottom/right);
/// 'valid': out = (in − k + s)/s, needs in ≥ k. All arithmetic in checked 64-bit integers.
/// </summary>
internal static class ShapeInference
{
    /// <summary>Highest input side the minimum-size search tries.</summary>
    public const int MinimumSearchLimit = 65536;

    public static LayerGeometry[]? Infer(ModelGraph graph, DiagnosticBag sink)
    {
        LayerSpec[] layers = graph.Layers;
        var geometry = new LayerGeometry[layers.Length];
        LayerSpec inputLayer = layers[graph.Input];

        foreach (int index in graph.KerasOrder)
        {
            LayerSpec layer = layers[index];
            int[] inputs = graph.Inputs[index];
            TensorShape input = inputs.Length > 0 ? geometry[inputs[0]].Output : default;
            string inputName = inputs.Length > 0 ? layers[inputs[0]].Name : string.Empty;
            switch (layer.Op)
            {
                case LayerOp.Input:
                    geometry[index] = new LayerGeometry(new TensorShape(layer.Shape.Height, layer.Shape.Width, layer.Shape.Channels, false), 0, 0, 0, 0);
                    if (!CheckLength(sink, layer, geometry[index].Output, "its input tensor"))
                    {
                        return null;
                    }

                    if (layer.Shape.MinSize > 0 && (layer.Shape.Height < layer.Shape.MinSize || layer.Shape.Width < layer.Shape.MinSize))
                    {
                        (int mh, int mw) = MinimumSize(graph);
                        sink.Report(DiagnosticDescriptors.InputBelowMinimumSize, layer.Spans.Shape, ShapeFormat.Dims(layer.Shape.Height, layer.Shape.Width), layer.Name,
                            "min_size is " + layer.Shape.MinSize.ToString(CultureInfo.InvariantCulture), MinimumText(mh, mw));
                        return null;
                    }

                    continue;

                case LayerOp.Conv2D:
                case LayerOp.SeparableConv2D:
                case LayerOp.DepthwiseConv2D:
                case LayerOp.MaxPool2D:
                case LayerOp.AvgPool2D:
                {
                    if (!RequireSpatial(sink, layer, input, inputName))
                    {
                        return null;
                    }

                    Window? h = Window.Compute(input.Height, layer.Window.KernelHeight, layer.Window.StrideHeight, layer.Window.Padding);
                    Window? w = Window.Compute(input.Width, layer.Window.KernelWidth, layer.Window.StrideWidth, layer.Window.Padding);
                    if (h is null || w is null)
                    {
                        (int mh, int mw) = MinimumSize(graph);
                        string what = OpTable.Get(layer.Op).Name + " " + ShapeFormat.Dims(layer.Window.KernelHeight, layer.Window.KernelWidth) + " 'valid' needs at least "
                            + ShapeFormat.Dims(layer.Window.KernelHeight, layer.Window.KernelWidth) + " but gets " + ShapeFormat.Dims(input.Height, input.Width);
                        sink.Report(DiagnosticDescriptors.InputBelowMinimumSize, layer.Spans.Name, ShapeFormat.Dims(inputLayer.Shape.Height, inputLayer.Shape.Width), layer.Name, what, MinimumText(mh, mw));
                        return null;
                    }

                    int channels = layer.Op is LayerOp.Conv2D or LayerOp.SeparableConv2D ? layer.Filters : input.Channels;
                    geometry[index] = new LayerGeometry(
                        new TensorShape(h.Value.Out, w.Value.Out, channels, false), h.Value.PadBefore, h.Value.PadAfter, w.Value.PadBefore, w.Value.PadAfter);
                    if (layer.Function.Kind == ActivationKind.Softmax)
                    {
                        sink.Report(DiagnosticDescriptors.SpatialSoftmax, layer.Spans.Name, layer.Name, geometry[index].Output.Text);
                        return null;
                    }

                    if (!CheckLength(sink, layer, geometry[index].Output, "its output")
                        || !CheckWeights(sink, layer, input.Channels))
                    {
                        return null;
                    }

                    continue;
                }

                case LayerOp.BatchNorm:
                case LayerOp.Relu:
                case LayerOp.Activation:
                    geometry[index] = new LayerGeometry(input, 0, 0, 0, 0);
                    continue;

                case LayerOp.ZeroPadding2D:
                {
                    if (!RequireSpatial(sink, layer, input, inputName))
                    {
                        return null;
                    }

                    // The pads sit in the geometry too: a windowed consumer the padding folds into adds them to its own.
                    LayerPads p = layer.Pads;
                    var padded = new TensorShape(input.Height + p.Top + p.Bottom, input.Width + p.Left + p.Right, input.Channels, false);
                    geometry[index] = new LayerGeometry(padded, p.Top, p.Bottom, p.Left, p.Right);
                    if (!CheckLength(sink, layer, padded, "its output"))
                    {
                        return null;
                    }

                    continue;
                }

                case LayerOp.Add:
                    for (int j = 1; j < inputs.Length; j++)
                    {
                        TensorShape other = geometry[inputs[j]].Output;
                        if (other != input)
                        {
                            sink.Report(DiagnosticDescriptors.IncompatibleAddShapes, layer.Spans.Name, layer.Name, inputName, input.Text, layers[inputs[j]].Name, other.Text);
                            return null;
                        }
                    }

                    geometry[index] = new LayerGeometry(input, 0, 0, 0, 0);
                    continue;

                case LayerOp.Concatenate:
                {
                    int total = 0;
                    for (int j = 0; j < inputs.Length; j++)
                    {
                        TensorShape part = geometry[inputs[j]].Output;
                        if (part.IsFlat || part.Height != input.Height || part.Width != input.Width || input.IsFlat)
                        {
                            sink.Report(DiagnosticDescriptors.InvalidConcatenate, layer.Spans.Name, layer.Name,
                                "'" + inputName + "' is " + input.Text + " but '" + layers[inputs[j]].Name + "' is " + part.Text
                                + "; the channels are joined, so every input needs one height and width");
                            return null;
                        }

                        total += part.Channels;
                    }

                    geometry[index] = new LayerGeometry(new TensorShape(input.Height, input.Width, total, false), 0, 0, 0, 0);
                    if (!CheckLength(sink, layer, geometry[index].Output, "its output"))
                    {
                        return null;
                    }

                    continue;
                }

                case LayerOp.Multiply:
                {
                    TensorShape other = geometry[inputs[1]].Output;
                    bool perChannel = !other.IsFlat && other.Height == 1 && other.Width == 1 && other.Channels == input.Channels && !input.IsFlat;
                    if (other != input && !perChannel)
                    {
                        sink.Report(DiagnosticDescriptors.IncompatibleMultiplyShapes, layer.Spans.Name, layer.Name, inputName, input.Text, layers[inputs[1]].Name, other.Text);
                        return null;
                    }

                    geometry[index] = new LayerGeometry(input, 0, 0, 0, 0);
                    continue;
                }

                case LayerOp.GlobalAvgPool:
                case LayerOp.GlobalMaxPool:
                    if (!RequireSpatial(sink, layer, input, inputName))
                    {
                        return null;
                    }

                    geometry[index] = new LayerGeometry(layer.KeepDims ? new TensorShape(1, 1, input.Channels, false) : TensorShape.Flat(input.Channels), 0, 0, 0, 0);
                    continue;

                case LayerOp.Rescaling:
                case LayerOp.Normalization:
                    if (!PreprocessingShapes.FitChannels(sink, layer, input, inputName))
                    {
                        return null;
                    }

                    geometry[index] = new LayerGeometry(input, 0, 0, 0, 0);
                    continue;

                case LayerOp.Reshape:
                    if (PreprocessingShapes.Reshape(sink, layer, input) is not { } reshaped)
                    {
                        return null;
                    }

                    // NHWC memory is row-major like Keras's reshape: the target is a view of the same floats.
                    geometry[index] = new LayerGeometry(reshaped, 0, 0, 0, 0);
                    continue;

                case LayerOp.Dense:
                    if (!RequireFlat(sink, layer, input, inputName))
                    {
                        return null;
                    }

                    geometry[index] = new LayerGeometry(TensorShape.Flat(layer.Units), 0, 0, 0, 0);
                    if (!CheckWeights(sink, layer, input.Channels))
                    {
                        return null;
                    }

                    continue;

                case LayerOp.Flatten:
                    // NHWC memory of an (H, W, C) tensor is already Keras's channels_last flat vector (its length was checked to fit an int).
                    geometry[index] = new LayerGeometry(TensorShape.Flat((int)input.Length), 0, 0, 0, 0);
                    continue;

                case LayerOp.Softmax:
                    if (!RequireFlat(sink, layer, input, inputName))
                    {
                        return null;
                    }

                    geometry[index] = new LayerGeometry(input, 0, 0, 0, 0);
                    continue;

                default:
                    throw new InvalidOperationException("layer '" + layer.Name + "' has no shape rule for op " + layer.Op);
            }
        }

        return geometry;
    }

    /// <summary>
    /// The smallest input height and width the model accepts (0 when none up to the search limit).
    /// Height and width are independent (every op treats them separately), so each is searched alone;
    /// the input layer's <c>min_size</c> raises both.
    /// </summary>
    public static (int Height, int Width) MinimumSize(ModelGraph graph)
    {
        LayerSpec input = graph.Layers[graph.Input];
        long budget = 20_000_000;
        int limit = (int)Math.Max(1, Math.Min(MinimumSearchLimit, budget / Math.Max(1, graph.Layers.Length)));
        int h = SearchSide(graph, height: true, limit);
        int w = SearchSide(graph, height: false, limit);
        if (h > 0)
        {
            h = Math.Max(h, input.Shape.MinSize);
        }

        if (w > 0)
        {
            w = Math.Max(w, input.Shape.MinSize);
        }

        return (h, w);
    }

    private static int SearchSide(ModelGraph graph, bool height, int limit)
    {
        int[] side = new int[graph.Layers.Length];
        for (int n = 1; n <= limit; n++)
        {
            if (SideIsValid(graph, height, n, side))
            {
                return n;
            }
        }

        return 0;
    }

    // One spatial side through the graph; -1 marks flat tensors (after a global pool).
    private static bool SideIsValid(ModelGraph graph, bool height, int n, int[] side)
    {
        foreach (int index in graph.KerasOrder)
        {
            LayerSpec layer = graph.Layers[index];
            int[] inputs = graph.Inputs[index];
            int input = inputs.Length > 0 ? side[inputs[0]] : n;
            switch (layer.Op)
            {
                case LayerOp.Input:
                    side[index] = n;
                    break;
                case LayerOp.Conv2D:
                case LayerOp.SeparableConv2D:
                case LayerOp.DepthwiseConv2D:
                case LayerOp.MaxPool2D:
                case LayerOp.AvgPool2D:
                    if (input < 1)
                    {
                        return false;
                    }

                    Window? window = height
                        ? Window.Compute(input, layer.Window.KernelHeight, layer.Window.StrideHeight, layer.Window.Padding)
                        : Window.Compute(input, layer.Window.KernelWidth, layer.Window.StrideWidth, layer.Window.Padding);
                    if (window is null)
                    {
                        return false;
                    }

                    side[index] = window.Value.Out;
                    break;
                case LayerOp.Add:
                case LayerOp.Concatenate:
                    foreach (int other in inputs)
                    {
                        if (side[other] != input)
                        {
                            return false;
                        }
                    }

                    side[index] = input;
                    break;
                case LayerOp.GlobalAvgPool:
                case LayerOp.GlobalMaxPool:
                    side[index] = layer.KeepDims ? 1 : -1;
                    break;
                case LayerOp.Reshape:
                    side[index] = PreprocessingShapes.ReshapeSide(layer, height);
                    break;
                case LayerOp.Dense:
                case LayerOp.Flatten:
                    side[index] = -1;
                    break;
                case LayerOp.ZeroPadding2D:
                    if (input < 1)
                    {
                        return false;
                    }

                    side[index] = input + (height ? layer.Pads.Top + layer.Pads.Bottom : layer.Pads.Left + layer.Pads.Right);
                    break;
                default:
                    side[index] = input;
                    break;
            }
        }

        return true;
    }

    private static string MinimumText(int h, int w) =>
        h > 0 && w > 0 ? ShapeFormat.Dims(h, w) : "none up to " + ShapeFormat.Dims(MinimumSearchLimit, MinimumSearchLimit);

    private static bool RequireSpatial(DiagnosticBag sink, LayerSpec layer, TensorShape input, string inputName)
    {
        if (!input.IsFlat)
        {
            return true;
        }

        sink.Report(DiagnosticDescriptors.InputRankMismatch, layer.Spans.Name, layer.Name, OpTable.Get(layer.Op).Name, "a spatial (height, width, channels)", inputName, "a flat " + input.Text);
        return false;
    }

    private static bool RequireFlat(DiagnosticBag sink, LayerSpec layer, TensorShape input, string inputName)
    {
        if (input.IsFlat)
        {
            return true;
        }

        sink.Report(DiagnosticDescriptors.InputRankMismatch, layer.Spans.Name, layer.Name, OpTable.Get(layer.Op).Name, "a flat (features,)", inputName, input.Text + " (add a global pool or a flatten first)");
        return false;
    }

    private static bool CheckLength(DiagnosticBag sink, LayerSpec layer, TensorShape shape, string what)
    {
        long length;
        try
        {
            length = checked((long)shape.Height * shape.Width * shape.Channels);
        }
        catch (OverflowException)
        {
            length = long.MaxValue;
        }

        if (length <= int.MaxValue)
        {
            return true;
        }

        sink.Report(DiagnosticDescriptors.TensorTooLarge, layer.Spans.Name, layer.Name, what, shape.Text);
        return false;
    }

    private static bool CheckWeights(DiagnosticBag sink, LayerSpec layer, int inChannels)
    {
        foreach ((string variable, int[] shape) in WeightMatcher.Expected(layer, inChannels))
        {
            long count = 1;
            foreach (int d in shape)
            {
                count = d == 0 ? 0 : count > int.MaxValue / d ? long.MaxValue : count * d;
            }

            if (count > int.MaxValue)
            {
                sink.Report(DiagnosticDescriptors.TensorTooLarge, layer.Spans.Name, layer.Name, "its " + variable, ShapeFormat.Tuple(shape));
                return false;
            }
        }

        return true;
    }
}

/// <summary>One side of a windowed op (convolution or pooling) under TF's padding rules.</summary>
internal readonly record struct Window(int Out, int PadBefore, int PadAfter)
{
    /// <summary>Null when the input is smaller than a 'valid' kernel (or no output remains).</summary>
    public static Window? Compute(int input, int kernel, int stride, Padding padding)
    {
        if (input < 1 || kernel < 1 || stride < 1)
        {
            return null;
        }

        if (padding == Padding.Same)
        {
            long outSize = ((long)input + stride - 1) / stride;
            long total = Math.Max(((outSize - 1) * stride) + kernel - input, 0L);
            long before = total / 2;
            if (total > int.MaxValue)
            {
                return null;
            }

            return new Window((int)outSize, (int)before, (int)(total - before));
        }

        if (input < kernel)
        {
            return null;
        }

        long valid = ((long)input - kernel + stride) / stride;
        return valid < 1 ? null : new Window((int)valid, 0, 0);
    }
}

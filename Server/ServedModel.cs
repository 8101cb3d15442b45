using System;
using System.Collections.Generic;
using Xception.Compiler.Runtime;

namespace Xception.Compiler.Serving;

/// <summary>
/// Turns one encoded image (a JPEG or PNG upload) into one preprocessed model input of
/// <paramref name="height"/>×<paramref name="width"/>×3 floats (NHWC), written to <paramref name="destination"/>.
/// </summary>
/// <exception cref="System.IO.InvalidDataException">The bytes are not an image the decoder reads.</exception>
public delegate void ImagePreprocessor(ReadOnlySpan<byte> encoded, int height, int width, Span<float> destination);

/// <summary>
/// A compiled model as the server offers it: the protocol name, the shape the generated class was compiled for,
/// the class names of its outputs and how an uploaded image becomes its input.
/// </summary>
/// <param name="Name">The <c>{name}</c> of <c>/v2/models/{name}</c>.</param>
/// <param name="Model">The loaded model; the server's batcher is its only caller while it serves.</param>
/// <param name="InputHeight">Image rows.</param>
/// <param name="InputWidth">Image columns.</param>
/// <param name="InputChannels">Channels per pixel (NHWC).</param>
/// <param name="Labels">One name per output value, for <c>classify</c>; null gives "class 0", "class 1", ...</param>
/// <param name="Preprocess">Decoding and preprocessing for <c>classify</c>; null when the model takes no images.</param>
public sealed record ServedModel(
    string Name,
    ICompiledModel Model,
    int InputHeight,
    int InputWidth,
    int InputChannels,
    IReadOnlyList<string>? Labels,
    ImagePreprocessor? Preprocess)
{
    /// <summary>The protocol's <c>model_version</c>: one version per process.</summary>
    public string Version { get; init; } = "1";

    /// <summary>The name of the one input tensor (shape [-1, H, W, C], FP32).</summary>
    public string InputName { get; init; } = "input";

    /// <summary>The name of the one output tensor (shape [-1, OutputLength], FP32).</summary>
    public string OutputName { get; init; } = "output";

    /// <summary>The label of output <paramref name="index"/>.</summary>
    public string LabelOf(int index) => Labels is { } labels ? labels[index] : "class " + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

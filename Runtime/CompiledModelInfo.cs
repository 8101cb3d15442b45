using System.Collections.Generic;
using Xception.Compiler.Runtime.Preprocessing;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Runtime;

/// <summary>
/// What a generated model class states about itself, as one value: the shape of its input and output, the weight
/// table it loads, and the optional facts its description declares (labels, preprocessing, where its official
/// weights come from). Generated as the class's static <c>Info</c>, so a program that holds several compiled
/// models (a command line, a server) reads every one the same way instead of naming each class's constants.
/// </summary>
public sealed record CompiledModelInfo
{
    public required int InputHeight { get; init; }

    public required int InputWidth { get; init; }

    public required int InputChannels { get; init; }

    /// <summary>Floats per output image.</summary>
    public required int OutputLength { get; init; }

    /// <summary>The weight datasets the class expects, in Keras load order (the class's <c>WeightTable</c>).</summary>
    public required WeightTable WeightTable { get; init; }

    /// <summary>The class name of each output value (the description's labels); empty when it declares none.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>The input scaling the weights expect (the description's <c>preprocessing</c>); null when it declares none.</summary>
    public ImagePreprocessing? Preprocessing { get; init; }

    /// <summary>Where the reference weight file is downloaded from (the description's <c>weights.url</c>).</summary>
    public string? WeightsUrl { get; init; }

    /// <summary>The MD5 of that file (the description's <c>weights.md5</c>); null when it is published without one.</summary>
    public string? WeightsMd5 { get; init; }

    /// <summary>Floats per input image: height × width × channels.</summary>
    public int InputLength => InputHeight * InputWidth * InputChannels;
}

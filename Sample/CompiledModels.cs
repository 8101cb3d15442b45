using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Preprocessing;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Sample;

/// <summary>A model class the generator compiled into this program, seen through one shape.</summary>
/// <param name="Name">What <c>--model</c> calls it.</param>
/// <param name="IsImageNet">Its 1000 outputs are Keras's ImageNet classes (labels from imagenet_class_index.json).</param>
/// <param name="Info">The generated class's own <c>Info</c>: shapes, weight table, labels, preprocessing, weights URL.</param>
internal sealed record CompiledModel(
    string Name,
    string Description,
    bool IsImageNet,
    CompiledModelInfo Info,
    Func<string, InferenceOptions, ICompiledModel> Load)
{
    public int InputHeight => Info.InputHeight;

    public int InputWidth => Info.InputWidth;

    public int InputChannels => Info.InputChannels;

    public int OutputLength => Info.OutputLength;

    public int InputLength => Info.InputLength;

    public WeightTable WeightTable => Info.WeightTable;

    /// <summary>The class names the description declares; empty when it declares none.</summary>
    public IReadOnlyList<string> Labels => Info.Labels;

    /// <summary>The input scaling of the model's application (the description's <c>preprocessing</c>; tf when it has none).</summary>
    public ImagePreprocessing Preprocessing => Info.Preprocessing ?? ImagePreprocessing.Tf;

    public string? WeightsUrl => Info.WeightsUrl;

    public string? WeightsMd5 => Info.WeightsMd5;
}

internal static class CompiledModels
{
    /// <summary>Every model description compiled into the Sample (see Sample.csproj's AdditionalFiles).</summary>
    public static IReadOnlyList<CompiledModel> All { get; } =
    [
        Entry<Xception>("xception", "Keras Xception V1, 299×299×3 → 1000 ImageNet classes (model.xcs.json)", isImageNet: true),
        Entry<MiniXception>("mini", "The examples' mini Xception (filters ×0.125), 299×299×3 → 10 classes (Sample/Models/MiniXception.xcs.json)", isImageNet: false),
        Entry<GrayShapes>("gray", "An imported grayscale example that normalizes raw 0–255 pixels itself, 16×16×1 → 3 shapes (Sample/Models/GrayShapes.xcs.json)", isImageNet: false),
        Entry<Vgg16>("vgg16", "Keras VGG16, 224×224×3 → 1000 ImageNet classes, caffe preprocessing (models/vgg16.xcs.json)", isImageNet: true),
        Entry<Vgg16Notop>("vgg16_notop", "Keras VGG16 without the top, pooling avg, 224×224×3 → 512 features (models/vgg16_notop.xcs.json)", isImageNet: false),
        Entry<ResNet50>("resnet50", "Keras ResNet50, 224×224×3 → 1000 ImageNet classes, caffe preprocessing (models/resnet50.xcs.json)", isImageNet: true),
        Entry<ResNet50Notop>("resnet50_notop", "Keras ResNet50 without the top, pooling avg, 224×224×3 → 2048 features (models/resnet50_notop.xcs.json)", isImageNet: false),
        Entry<MobileNetV2>("mobilenet_v2", "Keras MobileNetV2 (alpha 1.0), 224×224×3 → 1000 ImageNet classes, tf preprocessing (models/mobilenet_v2.xcs.json)", isImageNet: true),
        Entry<MobileNetV2Notop>("mobilenet_v2_notop", "Keras MobileNetV2 (alpha 1.0) without the top, pooling avg, 224×224×3 → 1280 features (models/mobilenet_v2_notop.xcs.json)", isImageNet: false),
        Entry<MobileNet>("mobilenet", "Keras MobileNet (alpha 1.0), 224×224×3 → 1000 ImageNet classes, tf preprocessing (models/mobilenet.xcs.json)", isImageNet: true),
        Entry<MobileNetNotop>("mobilenet_notop", "Keras MobileNet (alpha 1.0) without the top, pooling avg, 224×224×3 → 1024 features (models/mobilenet_notop.xcs.json)", isImageNet: false),
        Entry<InceptionV3>("inception_v3", "Keras InceptionV3, 299×299×3 → 1000 ImageNet classes, tf preprocessing (models/inception_v3.xcs.json)", isImageNet: true),
        Entry<InceptionV3Notop>("inception_v3_notop", "Keras InceptionV3 without the top, pooling avg, 299×299×3 → 2048 features (models/inception_v3_notop.xcs.json)", isImageNet: false),
        Entry<EfficientNetB0>("efficientnetb0", "Keras EfficientNetB0, 224×224×3 → 1000 ImageNet classes, raw 0–255 input (models/efficientnetb0.xcs.json)", isImageNet: true),
        Entry<EfficientNetB0Notop>("efficientnetb0_notop", "Keras EfficientNetB0 without the top, pooling avg, 224×224×3 → 1280 features (models/efficientnetb0_notop.xcs.json)", isImageNet: false),
        Entry<DenseNet121>("densenet121", "Keras DenseNet121, 224×224×3 → 1000 ImageNet classes, torch preprocessing (models/densenet121.xcs.json)", isImageNet: true),
        Entry<DenseNet121Notop>("densenet121_notop", "Keras DenseNet121 without the top, pooling avg, 224×224×3 → 1024 features (models/densenet121_notop.xcs.json)", isImageNet: false),
    ];

    private static CompiledModel Entry<TModel>(string name, string description, bool isImageNet)
        where TModel : ICompiledModel, ICompiledModelClass<TModel> =>
        new(name, description, isImageNet, TModel.Info, (path, options) => TModel.Load(path, options));

    /// <summary>
    /// The model named <paramref name="name"/>, or, when it is null, the compiled model whose weight
    /// table matches the shapes in the weight file (Keras loads by order, so shapes decide).
    /// </summary>
    public static CompiledModel Select(string? name, string weightsPath)
    {
        if (name is not null)
        {
            foreach (CompiledModel model in All)
            {
                if (string.Equals(model.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return model;
                }
            }

            throw new UsageException($"Unknown model '{name}'. Compiled models: {string.Join(", ", All.Select(m => m.Name))}.");
        }

        ShapeTable table = ShapeTable.Extract(weightsPath);
        foreach (CompiledModel model in All)
        {
            if (Matches(model.WeightTable, table))
            {
                return model;
            }
        }

        var expected = string.Join("; ", All.Select(m => $"{m.Name}: {m.WeightTable.Layers.Count} layers with weights"));
        throw new UsageException(
            $"The weight file '{weightsPath}' ({table.Layers.Count} layers with weights) matches no compiled model ({expected}). " +
            "Pass --model to load it anyway and see which layer differs.");
    }

    private static bool Matches(WeightTable expected, ShapeTable found)
    {
        if (expected.Layers.Count != found.Layers.Count)
        {
            return false;
        }

        for (int i = 0; i < expected.Layers.Count; i++)
        {
            IReadOnlyList<WeightDataset> want = expected.Layers[i].Datasets;
            var have = found.Layers[i].Weights;
            if (want.Count != have.Count)
            {
                return false;
            }

            for (int j = 0; j < want.Count; j++)
            {
                if (!want[j].Shape.AsSpan().SequenceEqual(have[j].Shape))
                {
                    return false;
                }
            }
        }

        return true;
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Preprocessing;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Sample;

/// <summary>A model class the generator compiled into this program, seen through one shape.</summary>
internal sealed record CompiledModel(
    string Name,
    string Description,
    int InputHeight,
    int InputWidth,
    int InputChannels,
    int OutputLength,
    bool IsImageNet,
    WeightTable WeightTable,
    Func<string, InferenceOptions, ICompiledModel> Load)
{
    public int InputLength => InputHeight * InputWidth * InputChannels;

    /// <summary>The class names the description declares (the generated <c>Labels</c>); empty when it declares none.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>The input scaling of the model's application (the description's <c>preprocessing</c>; tf when it has none).</summary>
    public ImagePreprocessing Preprocessing { get; init; } = ImagePreprocessing.Tf;

    /// <summary>Where the official weights are downloaded from, and their MD5 (the description's <c>weights.url</c>, <c>weights.md5</c>).</summary>
    public string? WeightsUrl { get; init; }

    public string? WeightsMd5 { get; init; }
}

internal static class CompiledModels
{
    /// <summary>Every model description compiled into the Sample (see Sample.csproj's AdditionalFiles).</summary>
    public static IReadOnlyList<CompiledModel> All { get; } =
    [
        new("xception", "Keras Xception V1, 299×299×3 → 1000 ImageNet classes (model.xcs.json)",
            Xception.InputHeight, Xception.InputWidth, Xception.InputChannels, Xception.OutputLength,
            IsImageNet: true, Xception.WeightTable,
            (path, options) => Xception.Load(path, options))
        {
            WeightsUrl = Xception.WeightsUrl, WeightsMd5 = Xception.WeightsMd5,
        },
        new("mini", "The examples' mini Xception (filters ×0.125), 299×299×3 → 10 classes (Sample/Models/MiniXception.xcs.json)",
            MiniXception.InputHeight, MiniXception.InputWidth, MiniXception.InputChannels, MiniXception.OutputLength,
            IsImageNet: false, MiniXception.WeightTable,
            (path, options) => MiniXception.Load(path, options)),
        new("gray", "An imported grayscale example that normalizes raw 0–255 pixels itself, 16×16×1 → 3 shapes (Sample/Models/GrayShapes.xcs.json)",
            GrayShapes.InputHeight, GrayShapes.InputWidth, GrayShapes.InputChannels, GrayShapes.OutputLength,
            IsImageNet: false, GrayShapes.WeightTable,
            (path, options) => GrayShapes.Load(path, options)) { Labels = GrayShapes.Labels },
        new("vgg16", "Keras VGG16, 224×224×3 → 1000 ImageNet classes, caffe preprocessing (models/vgg16.xcs.json)",
            Vgg16.InputHeight, Vgg16.InputWidth, Vgg16.InputChannels, Vgg16.OutputLength,
            IsImageNet: true, Vgg16.WeightTable,
            (path, options) => Vgg16.Load(path, options))
        {
            Preprocessing = Vgg16.Preprocessing, WeightsUrl = Vgg16.WeightsUrl, WeightsMd5 = Vgg16.WeightsMd5,
        },
        new("vgg16_notop", "Keras VGG16 without the top, pooling avg, 224×224×3 → 512 features (models/vgg16_notop.xcs.json)",
            Vgg16Notop.InputHeight, Vgg16Notop.InputWidth, Vgg16Notop.InputChannels, Vgg16Notop.OutputLength,
            IsImageNet: false, Vgg16Notop.WeightTable,
            (path, options) => Vgg16Notop.Load(path, options))
        {
            Preprocessing = Vgg16Notop.Preprocessing, WeightsUrl = Vgg16Notop.WeightsUrl, WeightsMd5 = Vgg16Notop.WeightsMd5,
        },
        new("resnet50", "Keras ResNet50, 224×224×3 → 1000 ImageNet classes, caffe preprocessing (models/resnet50.xcs.json)",
            ResNet50.InputHeight, ResNet50.InputWidth, ResNet50.InputChannels, ResNet50.OutputLength,
            IsImageNet: true, ResNet50.WeightTable,
            (path, options) => ResNet50.Load(path, options))
        {
            Preprocessing = ResNet50.Preprocessing, WeightsUrl = ResNet50.WeightsUrl, WeightsMd5 = ResNet50.WeightsMd5,
        },
        new("resnet50_notop", "Keras ResNet50 without the top, pooling avg, 224×224×3 → 2048 features (models/resnet50_notop.xcs.json)",
            ResNet50Notop.InputHeight, ResNet50Notop.InputWidth, ResNet50Notop.InputChannels, ResNet50Notop.OutputLength,
            IsImageNet: false, ResNet50Notop.WeightTable,
            (path, options) => ResNet50Notop.Load(path, options))
        {
            Preprocessing = ResNet50Notop.Preprocessing, WeightsUrl = ResNet50Notop.WeightsUrl, WeightsMd5 = ResNet50Notop.WeightsMd5,
        },
        new("mobilenet_v2", "Keras MobileNetV2 (alpha 1.0), 224×224×3 → 1000 ImageNet classes, tf preprocessing (models/mobilenet_v2.xcs.json)",
            MobileNetV2.InputHeight, MobileNetV2.InputWidth, MobileNetV2.InputChannels, MobileNetV2.OutputLength,
            IsImageNet: true, MobileNetV2.WeightTable,
            (path, options) => MobileNetV2.Load(path, options))
        {
            Preprocessing = MobileNetV2.Preprocessing, WeightsUrl = MobileNetV2.WeightsUrl,
        },
        new("mobilenet_v2_notop", "Keras MobileNetV2 (alpha 1.0) without the top, pooling avg, 224×224×3 → 1280 features (models/mobilenet_v2_notop.xcs.json)",
            MobileNetV2Notop.InputHeight, MobileNetV2Notop.InputWidth, MobileNetV2Notop.InputChannels, MobileNetV2Notop.OutputLength,
            IsImageNet: false, MobileNetV2Notop.WeightTable,
            (path, options) => MobileNetV2Notop.Load(path, options))
        {
            Preprocessing = MobileNetV2Notop.Preprocessing, WeightsUrl = MobileNetV2Notop.WeightsUrl,
        },
        new("mobilenet", "Keras MobileNet (alpha 1.0), 224×224×3 → 1000 ImageNet classes, tf preprocessing (models/mobilenet.xcs.json)",
            MobileNet.InputHeight, MobileNet.InputWidth, MobileNet.InputChannels, MobileNet.OutputLength,
            IsImageNet: true, MobileNet.WeightTable,
            (path, options) => MobileNet.Load(path, options))
        {
            Preprocessing = MobileNet.Preprocessing, WeightsUrl = MobileNet.WeightsUrl,
        },
        new("mobilenet_notop", "Keras MobileNet (alpha 1.0) without the top, pooling avg, 224×224×3 → 1024 features (models/mobilenet_notop.xcs.json)",
            MobileNetNotop.InputHeight, MobileNetNotop.InputWidth, MobileNetNotop.InputChannels, MobileNetNotop.OutputLength,
            IsImageNet: false, MobileNetNotop.WeightTable,
            (path, options) => MobileNetNotop.Load(path, options))
        {
            Preprocessing = MobileNetNotop.Preprocessing, WeightsUrl = MobileNetNotop.WeightsUrl,
        },
        new("inception_v3", "Keras InceptionV3, 299×299×3 → 1000 ImageNet classes, tf preprocessing (models/inception_v3.xcs.json)",
            InceptionV3.InputHeight, InceptionV3.InputWidth, InceptionV3.InputChannels, InceptionV3.OutputLength,
            IsImageNet: true, InceptionV3.WeightTable,
            (path, options) => InceptionV3.Load(path, options))
        {
            Preprocessing = InceptionV3.Preprocessing, WeightsUrl = InceptionV3.WeightsUrl, WeightsMd5 = InceptionV3.WeightsMd5,
        },
        new("inception_v3_notop", "Keras InceptionV3 without the top, pooling avg, 299×299×3 → 2048 features (models/inception_v3_notop.xcs.json)",
            InceptionV3Notop.InputHeight, InceptionV3Notop.InputWidth, InceptionV3Notop.InputChannels, InceptionV3Notop.OutputLength,
            IsImageNet: false, InceptionV3Notop.WeightTable,
            (path, options) => InceptionV3Notop.Load(path, options))
        {
            Preprocessing = InceptionV3Notop.Preprocessing, WeightsUrl = InceptionV3Notop.WeightsUrl, WeightsMd5 = InceptionV3Notop.WeightsMd5,
        },
        new("efficientnetb0", "Keras EfficientNetB0, 224×224×3 → 1000 ImageNet classes, raw 0–255 input (models/efficientnetb0.xcs.json)",
            EfficientNetB0.InputHeight, EfficientNetB0.InputWidth, EfficientNetB0.InputChannels, EfficientNetB0.OutputLength,
            IsImageNet: true, EfficientNetB0.WeightTable,
            (path, options) => EfficientNetB0.Load(path, options))
        {
            Preprocessing = EfficientNetB0.Preprocessing, WeightsUrl = EfficientNetB0.WeightsUrl, WeightsMd5 = EfficientNetB0.WeightsMd5,
        },
        new("efficientnetb0_notop", "Keras EfficientNetB0 without the top, pooling avg, 224×224×3 → 1280 features (models/efficientnetb0_notop.xcs.json)",
            EfficientNetB0Notop.InputHeight, EfficientNetB0Notop.InputWidth, EfficientNetB0Notop.InputChannels, EfficientNetB0Notop.OutputLength,
            IsImageNet: false, EfficientNetB0Notop.WeightTable,
            (path, options) => EfficientNetB0Notop.Load(path, options))
        {
            Preprocessing = EfficientNetB0Notop.Preprocessing, WeightsUrl = EfficientNetB0Notop.WeightsUrl, WeightsMd5 = EfficientNetB0Notop.WeightsMd5,
        },
        new("densenet121", "Keras DenseNet121, 224×224×3 → 1000 ImageNet classes, torch preprocessing (models/densenet121.xcs.json)",
            DenseNet121.InputHeight, DenseNet121.InputWidth, DenseNet121.InputChannels, DenseNet121.OutputLength,
            IsImageNet: true, DenseNet121.WeightTable,
            (path, options) => DenseNet121.Load(path, options))
        {
            Preprocessing = DenseNet121.Preprocessing, WeightsUrl = DenseNet121.WeightsUrl, WeightsMd5 = DenseNet121.WeightsMd5,
        },
        new("densenet121_notop", "Keras DenseNet121 without the top, pooling avg, 224×224×3 → 1024 features (models/densenet121_notop.xcs.json)",
            DenseNet121Notop.InputHeight, DenseNet121Notop.InputWidth, DenseNet121Notop.InputChannels, DenseNet121Notop.OutputLength,
            IsImageNet: false, DenseNet121Notop.WeightTable,
            (path, options) => DenseNet121Notop.Load(path, options))
        {
            Preprocessing = DenseNet121Notop.Preprocessing, WeightsUrl = DenseNet121Notop.WeightsUrl, WeightsMd5 = DenseNet121Notop.WeightsMd5,
        },
    ];

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

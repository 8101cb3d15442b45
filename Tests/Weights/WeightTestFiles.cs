using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using PureHDF;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Weights;

/// <summary>Paths of the fixtures (copied next to the test assembly) and of the committed shape tables.</summary>
internal static class WeightFixtures
{
    public const string Keras2Top = "mini_xception_w0125_top10.h5";
    public const string Keras1Top = "mini_xception_w0125_top10_keras1.h5";
    public const string Keras2Notop = "mini_xception_w0125_notop.h5";

    public static string Path(string fileName)
    {
        string path = System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", fileName);
        Assert.True(File.Exists(path), "fixture missing: " + path);
        return path;
    }

    /// <summary>
    /// The repository root (the folder holding Xception.Compiler.sln): found upwards from the test assembly,
    /// else upwards from this source file (for builds whose output lies outside the repository).
    /// </summary>
    public static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (string start in new[] { AppContext.BaseDirectory, System.IO.Path.GetDirectoryName(sourceFile) ?? string.Empty })
        {
            for (DirectoryInfo? dir = start.Length == 0 ? null : new(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Xception.Compiler.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Xception.Compiler.sln not found above " + AppContext.BaseDirectory + " or " + sourceFile);
    }

    public static WeightTable TableOf(string fileName, string modelName = "MiniXception")
        => ShapeTable.Extract(Path(fileName)).ToWeightTable(modelName);
}

/// <summary>A temporary folder deleted at the end of a test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        FullName = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "xcs-weights-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(FullName);
    }

    public string FullName { get; }

    public string File(string name) => System.IO.Path.Combine(FullName, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(FullName, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>One dataset of a small hand-made weight file: weight name (as listed in weight_names), data, shape.</summary>
internal sealed record SmallDataset(string WeightName, Array Data, int[] Shape);

/// <summary>One layer of a small hand-made weight file; no datasets means a weightless layer.</summary>
internal sealed record SmallLayer(string Name, params SmallDataset[] Datasets);

/// <summary>Writes small Keras-like weight files with PureHDF's writer, broken in controlled ways.</summary>
internal static class SmallH5
{
    /// <summary>A conv (1,1,2,3), a weightless activation, and a BN (3,), Keras 2 layout.</summary>
    public static SmallLayer[] ConvActBn(Array? kernel = null, int[]? kernelShape = null) => new[]
    {
        new SmallLayer("conv", new SmallDataset("conv/kernel:0", kernel ?? Enumerable.Range(1, 6).Select(i => i * 0.25f).ToArray(), kernelShape ?? new[] { 1, 1, 2, 3 })),
        new SmallLayer("act"),
        new SmallLayer(
            "bn",
            new SmallDataset("bn/gamma:0", new[] { 1f, 2f, 3f }, new[] { 3 }),
            new SmallDataset("bn/beta:0", new[] { 0.1f, 0.2f, 0.3f }, new[] { 3 }),
            new SmallDataset("bn/moving_mean:0", new[] { -1f, 0f, 1f }, new[] { 3 }),
            new SmallDataset("bn/moving_variance:0", new[] { 0.5f, 1f, 1.5f }, new[] { 3 })),
    };

    /// <summary>The table that fits <see cref="ConvActBn"/>.</summary>
    public static WeightTable ConvBnTable() => new("Small", new[]
    {
        new WeightLayer("conv", "Conv2D", "conv", new[] { new WeightDataset("kernel", "conv/conv/kernel:0", new[] { 1, 1, 2, 3 }) }),
        new WeightLayer("bn", "BatchNormalization", "bn", new[]
        {
            new WeightDataset("gamma", "bn/bn/gamma:0", new[] { 3 }),
            new WeightDataset("beta", "bn/bn/beta:0", new[] { 3 }),
            new WeightDataset("moving_mean", "bn/bn/moving_mean:0", new[] { 3 }),
            new WeightDataset("moving_variance", "bn/bn/moving_variance:0", new[] { 3 }),
        }),
    });

    /// <param name="path">Where to write.</param>
    /// <param name="layers">The layers; each gets a group with weight_names and its datasets.</param>
    /// <param name="layerNames">The layer_names attribute (default: the layers' names); null entries are not allowed.</param>
    /// <param name="omitGroups">Layer names listed in layer_names whose group is not written.</param>
    /// <param name="omitDatasets">Weight names listed in weight_names whose dataset is not written.</param>
    /// <param name="underModelWeights">Put everything under /model_weights, as model.save does.</param>
    /// <param name="withLayerNames">Write the layer_names attribute at all.</param>
    public static void Write(
        string path,
        IReadOnlyList<SmallLayer> layers,
        string[]? layerNames = null,
        ISet<string>? omitGroups = null,
        ISet<string>? omitDatasets = null,
        bool underModelWeights = false,
        bool withLayerNames = true)
    {
        var file = new H5File();
        H5Group root = file;
        if (underModelWeights)
        {
            root = new H5Group();
            file["model_weights"] = root;
        }

        foreach (SmallLayer layer in layers)
        {
            if (omitGroups?.Contains(layer.Name) == true)
            {
                continue;
            }

            var group = new H5Group();
            if (layer.Datasets.Length == 0)
            {
                group.Attributes["weight_names"] = new H5Attribute(Array.Empty<double>(), new ulong[] { 0 });
            }
            else
            {
                group.Attributes["weight_names"] = layer.Datasets.Select(d => d.WeightName).ToArray();
            }

            foreach (SmallDataset dataset in layer.Datasets)
            {
                if (omitDatasets?.Contains(dataset.WeightName) == true)
                {
                    continue;
                }

                // Weight names may contain '/', which makes intermediate groups.
                string[] parts = dataset.WeightName.Split('/');
                H5Group parent = group;
                for (int i = 0; i < parts.Length - 1; i++)
                {
                    if (!parent.TryGetValue(parts[i], out object? child))
                    {
                        child = new H5Group();
                        parent[parts[i]] = child;
                    }

                    parent = (H5Group)child;
                }

                parent[parts[^1]] = MakeDataset(dataset);
            }

            root[layer.Name] = group;
        }

        if (withLayerNames)
        {
            root.Attributes["layer_names"] = layerNames ?? layers.Select(l => l.Name).ToArray();
        }

        file.Write(path);
    }

    private static object MakeDataset(SmallDataset dataset)
    {
        ulong[] dims = dataset.Shape.Select(d => (ulong)d).ToArray();
        return dataset.Data switch
        {
            float[] f => new H5Dataset<float[]>(f, fileDims: dims),
            double[] d => new H5Dataset<double[]>(d, fileDims: dims),
            Half[] h => new H5Dataset<Half[]>(h, fileDims: dims),
            int[] i => new H5Dataset<int[]>(i, fileDims: dims),
            _ => throw new ArgumentException("unsupported test data type " + dataset.Data.GetType()),
        };
    }
}

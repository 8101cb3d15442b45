using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Runtime.Import;

/// <summary>What <c>xception import</c> was asked to do.</summary>
/// <param name="ModelPath">A legacy full-model <c>.h5</c>, a Keras 3 <c>.keras</c> or a <c>model.to_json()</c> file.</param>
/// <param name="OutputDirectory">Where the two files go (created when missing).</param>
/// <param name="ClassName">The generated class's name; null: from the model file's name.</param>
/// <param name="Namespace">The generated class's namespace; null: the project's root namespace.</param>
/// <param name="WeightsPath">The weight file the shape table is read from; null: the model file itself.</param>
/// <param name="LabelsPath">A text (one name per line) or JSON file of class names, copied inline into the description; null: none.</param>
internal sealed record ImportRequest(string ModelPath, string OutputDirectory, string? ClassName = null, string? Namespace = null, string? WeightsPath = null, string? LabelsPath = null);

/// <summary>The files an import wrote and what it read.</summary>
internal sealed record ImportResult(string DescriptionPath, string ShapeTablePath, KerasModelSource Source, int LayerCount, int WeightedLayerCount)
{
    /// <summary>The schema written beside the description, which its <c>"$schema": "./model.xcs.schema.json"</c> names.</summary>
    public required string SchemaPath { get; init; }
}

/// <summary>
/// Reads a Keras model file, flattens its graph into a description and writes
/// <c>&lt;ClassName&gt;.xcs.json</c> plus <c>&lt;ClassName&gt;.shapes.json</c> (the shape table of its weights) and
/// <c>model.xcs.schema.json</c> (so the description's <c>$schema</c> resolves in an editor).
/// All are written to temporary files first and moved into place only when everything succeeded, so a
/// failed import leaves nothing behind.
/// </summary>
internal static class ModelImporter
{
    /// <exception cref="ModelImportException">The model cannot be compiled; the message is one line.</exception>
    /// <exception cref="WeightFileException">The weight file cannot be read.</exception>
    /// <exception cref="FileNotFoundException">The model or weight file does not exist.</exception>
    public static ImportResult Import(ImportRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        KerasModelSource source = KerasModelSource.Read(request.ModelPath);
        string className = request.ClassName ?? ClassNameFrom(request.ModelPath);
        CheckIdentifier(className, "class name");
        if (request.Namespace is not null)
        {
            foreach (string part in request.Namespace.Split('.'))
            {
                CheckIdentifier(part, "namespace");
            }
        }

        string weightsPath = request.WeightsPath ?? source.WeightsPath
            ?? throw new ModelImportException("Model file '" + request.ModelPath + "' is a to_json architecture without weights; pass the weight file with --weights.");

        IReadOnlyList<string>? labels = request.LabelsPath is null ? null : LabelFileReader.Read(request.LabelsPath);
        KerasGraph graph = KerasConfigReader.Read(source.ModelConfig, request.ModelPath);
        IReadOnlyList<DescriptionLayer> layers = GraphFlattener.Flatten(graph, request.ModelPath, source.IsKeras3);
        ShapeTable table = ShapeTable.Extract(weightsPath);
        int weighted = layers.Count(l => l.HasWeights);
        if (table.Layers.Count != weighted)
        {
            throw new ModelImportException("Weight file '" + weightsPath + "' has " + table.Layers.Count + " layer groups with weights where the flattened model has "
                + weighted + " layers with weights (a nested model's weights sit in one group of a full-model file; pass a flat save_weights file with --weights).");
        }

        string shapesName = className + ".shapes.json";
        string description = "Imported by `xception import` from " + Path.GetFileName(request.ModelPath) + " (" + FormatName(source) + ").";
        string descriptionText = DescriptionWriter.Write(new DescriptionHeader(className, request.Namespace, description, shapesName) { Labels = labels }, layers);

        Directory.CreateDirectory(request.OutputDirectory);
        string descriptionPath = Path.Combine(request.OutputDirectory, className + ".xcs.json");
        string shapesPath = Path.Combine(request.OutputDirectory, shapesName);
        string schemaPath = Path.Combine(request.OutputDirectory, DescriptionSchema.FileName);
        WriteAll(new[] { (shapesPath, table.ToJson()), (schemaPath, DescriptionSchema.Text), (descriptionPath, descriptionText) });
        return new ImportResult(descriptionPath, shapesPath, source, layers.Count, weighted) { SchemaPath = schemaPath };
    }

    /// <summary>A file name turned into a C# class name: <c>my_flowers-v2.h5</c> → <c>MyFlowersV2</c>.</summary>
    public static string ClassNameFrom(string modelPath)
    {
        string stem = Path.GetFileNameWithoutExtension(modelPath);
        var sb = new StringBuilder();
        bool upper = true;
        foreach (char ch in stem)
        {
            if (!char.IsAsciiLetterOrDigit(ch))
            {
                upper = true;
                continue;
            }

            sb.Append(upper ? char.ToUpperInvariant(ch) : ch);
            upper = false;
        }

        if (sb.Length == 0 || char.IsAsciiDigit(sb[0]))
        {
            sb.Insert(0, "Model");
        }

        return sb.ToString();
    }

    // The description goes last, so that no description is ever left naming a table or schema that is not there.
    private static void WriteAll(IReadOnlyList<(string Path, string Text)> files)
    {
        var encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        try
        {
            foreach ((string path, string text) in files)
            {
                File.WriteAllText(path + ".tmp", text, encoding);
            }

            foreach ((string path, _) in files)
            {
                File.Move(path + ".tmp", path, overwrite: true);
            }
        }
        finally
        {
            foreach ((string path, _) in files)
            {
                File.Delete(path + ".tmp");
            }
        }
    }

    private static void CheckIdentifier(string name, string what)
    {
        bool valid = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');
        if (!valid)
        {
            throw new ModelImportException("The " + what + " '" + name + "' is not a C# identifier (letters, digits and '_', not starting with a digit).");
        }
    }

    private static string FormatName(KerasModelSource source)
    {
        string format = source.Format switch
        {
            "h5" => "legacy full-model .h5",
            "keras" => "Keras 3 .keras archive",
            _ => "model.to_json()",
        };
        return source.KerasVersion is null ? format : format + ", Keras " + source.KerasVersion;
    }
}
